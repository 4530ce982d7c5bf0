import Engine

/// A Gray-Scott field as a picture, drawn on the CPU from the downloaded field: the
/// concentration of v from dark blue through cyan to white, a square of pixels per cell.
public enum GrayScottPicture {
    /// - Parameter longestSide: the picture's longer side at least, in whole pixels per cell.
    public static func render(_ field: GrayScottField, longestSide: Int = 512) -> PNGImage {
        let scale = max(1, longestSide / max(field.width, field.height))
        let (width, height) = (field.width * scale, field.height * scale)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = field.values[2 * ((y / scale) * field.width + x / scale) + 1]
                let colour = Self.colour(v)
                let pixel = 3 * (y * width + x)
                (rgb[pixel], rgb[pixel + 1], rgb[pixel + 2]) = colour
            }
        }
        return PNGImage(width: width, height: height, rgb: rgb)
    }

    /// v of 0 (no pattern) is the background; the patterns hold v up to about 0.35.
    static func colour(_ v: Float) -> (UInt8, UInt8, UInt8) {
        let t = v.isFinite ? min(max(v / 0.35, 0), 1) : 1
        let stops: [(Float, Float, Float)] = [(8, 10, 30), (0, 150, 200), (255, 255, 255)]
        let position = t * Float(stops.count - 1)
        let low = min(Int(position), stops.count - 2)
        let share = position - Float(low)
        func mix(_ a: Float, _ b: Float) -> UInt8 { UInt8((a + (b - a) * share).rounded()) }
        let (a, b) = (stops[low], stops[low + 1])
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
