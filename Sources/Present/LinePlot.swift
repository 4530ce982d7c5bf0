import Glibc

/// A line plot drawn into a PNG: one line per series with a marker at each point, axes with
/// ticks and labels, and a legend. Axes whose values are all positive and span a factor of 20
/// or more (rates against N) are logarithmic.
public struct LinePlot {
    public struct Series {
        public var label: String
        public var points: [(x: Double, y: Double)]

        public init(label: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// Line colours, distinct on white and for the common kinds of colour blindness (Okabe-Ito).
    static let palette: [(UInt8, UInt8, UInt8)] = [
        (0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233), (213, 94, 0),
        (240, 228, 66), (0, 0, 0),
    ]

    /// The plot area's edges in pixels: left, top, right, bottom.
    static func area(width: Int, height: Int) -> (left: Int, top: Int, right: Int, bottom: Int) {
        (100, 76, width - 190, height - 60)
    }

    /// How values map to pixels along one axis.
    struct Scale {
        var low: Double
        var high: Double
        var logarithmic: Bool

        init(_ values: [Double]) {
            let finite = values.filter(\.isFinite)
            var low = finite.min() ?? 0
            var high = finite.max() ?? 1
            logarithmic = low > 0 && high / low >= 20
            if logarithmic {
                low = pow(10, floor(log10(low)))
                high = pow(10, ceil(log10(high)))
            } else if low == high {
                low -= max(abs(low) * 0.1, 1)
                high += max(abs(high) * 0.1, 1)
            } else {
                let pad = (high - low) * 0.05
                low -= pad
                high += pad
            }
            (self.low, self.high) = (low, high)
        }

        /// Where `value` falls between 0 (low) and 1 (high).
        func fraction(_ value: Double) -> Double {
            logarithmic ? (log10(value) - log10(low)) / (log10(high) - log10(low)) : (value - low) / (high - low)
        }

        /// Values to mark: powers of ten, or about five round numbers.
        var ticks: [Double] {
            if logarithmic {
                let first = Int(log10(low).rounded()), last = Int(log10(high).rounded())
                let step = max(1, (last - first + 5) / 6)
                return stride(from: first, through: last, by: step).map { pow(10, Double($0)) }
            }
            let raw = (high - low) / 5
            let magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            return stride(from: ceil(low / step) * step, through: high, by: step).map { $0 }
        }
    }

    /// A tick's label: short, in the font's characters.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 {
            let exponent = Int(floor(log10(magnitude)))
            let mantissa = value / pow(10, Double(exponent))
            let digits = abs(mantissa - mantissa.rounded()) < 1e-9 ? "\(Int(mantissa.rounded()))" : "\(mantissa)"
            return "\(digits.prefix(4))E\(exponent)"
        }
        if abs(value - value.rounded()) < 1e-9 { return "\(Int(value.rounded()))" }
        return String("\(value)".prefix(6))
    }

    /// The plot, `width` x `height` pixels.
    public func render(width: Int = 900, height: Int = 560) -> PNGImage {
        var canvas = Canvas(width: width, height: height)
        let area = Self.area(width: width, height: height)
        let xScale = Scale(series.flatMap { $0.points.map(\.x) })
        let yScale = Scale(series.flatMap { $0.points.map(\.y) })
        func pixel(_ point: (x: Double, y: Double)) -> (Int, Int)? {
            guard point.x.isFinite, point.y.isFinite, !xScale.logarithmic || point.x > 0,
                !yScale.logarithmic || point.y > 0
            else { return nil }
            let x = Double(area.left) + xScale.fraction(point.x) * Double(area.right - area.left)
            let y = Double(area.bottom) - yScale.fraction(point.y) * Double(area.bottom - area.top)
            return (Int(x.rounded()), Int(y.rounded()))
        }
        let grey: (UInt8, UInt8, UInt8) = (225, 225, 225)
        let ink: (UInt8, UInt8, UInt8) = (40, 40, 40)
        for tick in xScale.ticks {
            guard let (x, _) = pixel((tick, yScale.low)) else { continue }
            canvas.line(from: (x, area.top), to: (x, area.bottom), color: grey)
            let text = Self.label(tick)
            canvas.text(text, at: (x - BitmapFont.width(of: text, scale: 2) / 2, area.bottom + 8), scale: 2, color: ink)
        }
        for tick in yScale.ticks {
            guard let (_, y) = pixel((xScale.low, tick)) else { continue }
            canvas.line(from: (area.left, y), to: (area.right, y), color: grey)
            let text = Self.label(tick)
            canvas.text(text, at: (area.left - 8 - BitmapFont.width(of: text, scale: 2), y - 7), scale: 2, color: ink)
        }
        canvas.line(from: (area.left, area.bottom), to: (area.right, area.bottom), color: ink)
        canvas.line(from: (area.left, area.top), to: (area.left, area.bottom), color: ink)
        canvas.text(title, at: ((width - BitmapFont.width(of: title, scale: 2)) / 2, 14), scale: 2, color: ink)
        let xText = xLabel + (xScale.logarithmic ? " (LOG)" : "")
        canvas.text(
            xText, at: ((area.left + area.right - BitmapFont.width(of: xText, scale: 2)) / 2, height - 26), scale: 2,
            color: ink)
        let yText = yLabel + (yScale.logarithmic ? " (LOG)" : "")
        canvas.text(yText, at: (8, area.top - 28), scale: 2, color: ink)
        for (index, series) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = series.points.sorted { $0.x < $1.x }.compactMap(pixel)
            for (from, to) in zip(points, points.dropFirst()) {
                canvas.line(from: from, to: to, color: color, thickness: 2)
            }
            for point in points { canvas.fill(x: point.0 - 3, y: point.1 - 3, width: 7, height: 7, color: color) }
            let row = area.top + 10 + index * 24
            canvas.fill(x: area.right + 20, y: row, width: 14, height: 14, color: color)
            canvas.text(String(series.label.prefix(13)), at: (area.right + 40, row), scale: 2, color: ink)
        }
        return PNGImage(width: width, height: height, rgb: canvas.rgb)
    }
}

/// RGB pixels on white, with the few primitives a plot needs.
private struct Canvas {
    let width: Int
    let height: Int
    var rgb: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rgb = [UInt8](repeating: 255, count: width * height * 3)
    }

    mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = 3 * (y * width + x)
        (rgb[index], rgb[index + 1], rgb[index + 2]) = color
    }

    mutating func fill(x: Int, y: Int, width: Int, height: Int, color: (UInt8, UInt8, UInt8)) {
        for row in y..<y + height {
            for column in x..<x + width { set(column, row, color) }
        }
    }

    /// Bresenham's line, `thickness` pixels wide.
    mutating func line(
        from start: (Int, Int), to end: (Int, Int), color: (UInt8, UInt8, UInt8), thickness: Int = 1
    ) {
        var (x, y) = start
        let dx = abs(end.0 - x), dy = -abs(end.1 - y)
        let sx = x < end.0 ? 1 : -1, sy = y < end.1 ? 1 : -1
        var error = dx + dy
        while true {
            fill(x: x - thickness / 2, y: y - thickness / 2, width: thickness, height: thickness, color: color)
            if x == end.0 && y == end.1 { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += sx
            }
            if doubled <= dx {
                error += dx
                y += sy
            }
        }
    }

    mutating func text(_ text: String, at origin: (Int, Int), scale: Int, color: (UInt8, UInt8, UInt8)) {
        for (index, character) in text.enumerated() {
            let left = origin.0 + index * BitmapFont.advance * scale
            for (row, bits) in BitmapFont.glyph(character).enumerated() {
                for (column, lit) in bits.enumerated() where lit {
                    fill(x: left + column * scale, y: origin.1 + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }
}
