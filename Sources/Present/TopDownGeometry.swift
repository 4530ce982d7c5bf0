import Engine

/// Where the pixels of an image fall on a grid seen from straight above: what the Life and
/// Gray-Scott renderers share, each pixel finding its cell from this alone.
struct TopDownGeometry: Equatable {
    /// The grid coordinates, in blocks, of pixel (0, 0)'s corner; a pixel centre p is at
    /// origin + p * cellsPerPixel.
    var origin: SIMD2<Float>
    /// Blocks per pixel.
    var cellsPerPixel: Float

    /// How a top-down `camera` sees a `gridWidth` x `gridHeight` grid drawn as blocks of
    /// `blockSize` cells a side in a `width` x `height` image.
    /// - Returns: the geometry, and how many pixels a block spans.
    static func seeing(
        _ camera: Camera, width: Int, height: Int, gridWidth: Int, gridHeight: Int, blockSize: Int = 1
    ) throws -> (geometry: TopDownGeometry, blockPixels: Float) {
        guard camera.yaw == 0 && camera.pitch == 0 else {
            throw EngineError.invalidInput("a grid is drawn from straight above; this camera is turned")
        }
        // Straight above, a world unit (a cell) is height / visibleHeight pixels on both axes,
        // the target sits at the image's centre, and world y points up the image.
        let pixelsPerCell = Double(height) / Double(camera.visibleHeight)
        let f = Double(blockSize)
        let worldX = Double(camera.target.x) - Double(width) / 2 / pixelsPerCell
        let worldY = Double(camera.target.y) + Double(height) / 2 / pixelsPerCell
        // Cell column c has its centre at world x = c + 1/2 - W/2, row r at y = H/2 - r - 1/2.
        let origin = SIMD2(Float((worldX + Double(gridWidth) / 2) / f), Float((Double(gridHeight) / 2 - worldY) / f))
        return (
            TopDownGeometry(origin: origin, cellsPerPixel: Float(1 / (pixelsPerCell * f))), Float(pixelsPerCell * f)
        )
    }

    /// The pixels of a `width` x `height` image within `margin` blocks of a grid of
    /// `blocksWide` x `blocksHigh` blocks, so that the pixels beside the grid (a wide window
    /// round a square grid, or a small grid) cost nothing.
    func pixelBounds(width: Int, height: Int, blocksWide: UInt32, blocksHigh: UInt32, margin: Float) -> PixelRect {
        func span(_ origin: Float, _ cells: UInt32, _ pixels: Int) -> (Int, Int) {
            let first = max(0, min(Float(pixels), ((-margin - origin) / cellsPerPixel).rounded(.down)))
            let end = max(first, min(Float(pixels), ((Float(cells) + margin - origin) / cellsPerPixel).rounded(.up)))
            return (Int(first), Int(end - first))
        }
        let (x, w) = span(origin.x, blocksWide, width)
        let (y, h) = span(origin.y, blocksHigh, height)
        return PixelRect(x: x, y: y, width: w, height: h)
    }
}
