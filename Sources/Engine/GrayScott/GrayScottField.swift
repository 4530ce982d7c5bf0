import FoundationEssentials

/// The rates of the Gray-Scott model: u is fed in at `feed`, v is removed at `feed + kill`,
/// and each diffuses at its own rate. The defaults grow the coral-like stripes and spots the
/// model is known for.
public struct GrayScottParameters: Sendable, Equatable, Codable {
    public var feed: Float
    public var kill: Float
    public var diffusionU: Float
    public var diffusionV: Float
    public var dt: Float

    public init(feed: Float = 0.055, kill: Float = 0.062, diffusionU: Float = 1, diffusionV: Float = 0.5, dt: Float = 1)
    {
        self.feed = feed
        self.kill = kill
        self.diffusionU = diffusionU
        self.diffusionV = diffusionV
        self.dt = dt
    }

    /// The largest `dt` times a diffusion rate at which explicit steps of the shader's
    /// Laplacian stay stable: its most negative eigenvalue is -1.6 (a checkerboard).
    public static let stableDiffusionStep: Float = 1.25

    /// How a message names a rate: as its command-line option (`--diffusion-u`) or as its key
    /// in a sweep file or checkpoint (`diffusionU`).
    public enum Spelling: Sendable {
        case option, key
    }

    /// Refuses rates that are not numbers, out of range, or make the diffusion blow up.
    public func validate(spelling: Spelling = .option) throws(EngineError) {
        func name(_ key: String, _ option: String) -> String { spelling == .key ? key : "--\(option)" }
        for (name, value) in [(name("feed", "feed"), feed), (name("kill", "kill"), kill)]
        where !(value >= 0 && value <= 1) {
            throw .invalidInput("\(name) must be between 0 and 1, got \(value)")
        }
        for (name, value) in [
            (name("diffusionU", "diffusion-u"), diffusionU), (name("diffusionV", "diffusion-v"), diffusionV),
        ]
        where !(value >= 0 && value.isFinite) {
            throw .invalidInput("\(name) must be zero or more, got \(value)")
        }
        let dtName = name("dt", "dt")
        guard dt > 0 && dt.isFinite else {
            throw .invalidInput("\(dtName) must be a positive finite number, got \(dt)")
        }
        let step = dt * max(diffusionU, diffusionV)
        guard step <= Self.stableDiffusionStep else {
            throw .invalidInput(
                """
                \(dtName) \(dt) times the larger diffusion rate is \(step); above \(Self.stableDiffusionStep) the \
                diffusion blows up: lower \(dtName) or the rates
                """
            )
        }
    }
}

/// The two chemicals' concentrations on a `width` x `height` torus: u and v of each cell in
/// turn, row after row, as the shader reads them.
public struct GrayScottField: FloatValues, Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `2 * width * height` floats: u, v of cell (0, 0), then of (1, 0), ...
    public var values: [Float]

    public static let bytesPerCell = 2 * MemoryLayout<Float>.size

    /// Host memory a cell takes at most: the field read, its copy downloaded at the end, and
    /// the float64 reference's two fields when it is verified.
    public static let hostBytesPerCell: UInt64 = 48

    /// Why `cellCount` cells would not fit this host, or nil.
    public static func hostMemoryProblem(cellCount: Int, memory: UInt64? = HostMemory.budgetBytes) -> String? {
        let needed = UInt64(max(cellCount, 0)) * hostBytesPerCell
        guard let memory, needed > memory else { return nil }
        return
            "\(cellCount) cells need about \(needed >> 20) MiB of host memory; this process may use \(memory >> 20) MiB"
    }

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == 2 * width * height, "a field holds two values per cell")
        self.width = width
        self.height = height
        self.values = values
    }

    /// u = 1 and v = 0 (nothing to react), but in square spots placed by `seed`, where
    /// u = 0.5 and v = 0.25: the seeds the patterns grow from. The same seed gives the same field.
    public static func seeded(width: Int, height: Int, seed: UInt64) -> GrayScottField {
        var values = [Float](repeating: 0, count: 2 * width * height)
        for cell in 0..<width * height { values[2 * cell] = 1 }
        let side = max(1, min(width, height, 12))
        let spots = max(1, width * height / (side * side * 40))
        var random = SeededGenerator(seed: seed)
        for _ in 0..<spots {
            let x0 = Int(random.next() % UInt64(width))
            let y0 = Int(random.next() % UInt64(height))
            for dy in 0..<side {
                for dx in 0..<side {
                    let cell = ((y0 + dy) % height) * width + (x0 + dx) % width
                    values[2 * cell] = 0.5
                    values[2 * cell + 1] = 0.25
                }
            }
        }
        return GrayScottField(width: width, height: height, values: values)
    }

    /// The mean concentration of v, which the patterns hold: a run's summary.
    public var meanV: Double {
        var sum = 0.0
        for cell in 0..<width * height { sum += Double(values[2 * cell + 1]) }
        return sum / Double(width * height)
    }

    /// The first cell whose u or v is not finite, where the model blew up.
    public var firstNonFiniteCell: (x: Int, y: Int)? {
        values.firstIndex { !$0.isFinite }.map { index in ((index / 2) % width, index / 2 / width) }
    }
}

/// The Gray-Scott step in float64 from the same start: what the GPU's float32 is checked
/// against. The sums are the shader's, in its order.
public enum GrayScottReference {
    /// - Parameter progress: hears the share of steps done (0...1) after each one.
    public static func advance(
        _ field: GrayScottField, parameters: GrayScottParameters, steps: Int, progress: ((Double) -> Void)? = nil
    ) -> GrayScottField {
        let (width, height) = (field.width, field.height)
        var current = field.values.map(Double.init)
        var next = current
        let (feed, kill) = (Double(parameters.feed), Double(parameters.kill))
        let (diffusionU, diffusionV, dt) =
            (Double(parameters.diffusionU), Double(parameters.diffusionV), Double(parameters.dt))
        for step in 0..<steps {
            for y in 0..<height {
                let row = y * width
                let up = (y == 0 ? height - 1 : y - 1) * width
                let down = (y + 1 == height ? 0 : y + 1) * width
                for x in 0..<width {
                    let left = x == 0 ? width - 1 : x - 1
                    let right = x + 1 == width ? 0 : x + 1
                    for c in 0..<2 {
                        func at(_ cell: Int) -> Double { current[2 * cell + c] }
                        let sides = (at(row + left) + at(row + right)) + (at(up + x) + at(down + x))
                        let corners = (at(up + left) + at(up + right)) + (at(down + left) + at(down + right))
                        next[2 * (row + x) + c] = 0.2 * sides + 0.05 * corners - at(row + x)
                    }
                    let (u, v) = (current[2 * (row + x)], current[2 * (row + x) + 1])
                    let reaction = u * v * v
                    let du = diffusionU * next[2 * (row + x)] - reaction + feed * (1 - u)
                    let dv = diffusionV * next[2 * (row + x) + 1] + reaction - (feed + kill) * v
                    next[2 * (row + x)] = u + dt * du
                    next[2 * (row + x) + 1] = v + dt * dv
                }
            }
            swap(&current, &next)
            progress?(Double(step + 1) / Double(steps))
        }
        return GrayScottField(width: width, height: height, values: current.map { Float($0) })
    }
}

/// How far a device's field is from the reference's: the largest and the RMS difference of
/// a concentration (both lie in 0...1, so these are absolute).
public struct FieldComparison: Sendable, Equatable {
    public var maxError: Double
    public var rmsError: Double

    public init(_ field: GrayScottField, reference: GrayScottField) {
        precondition(field.values.count == reference.values.count, "fields of different sizes")
        var worst = 0.0
        var squares = 0.0
        for (a, b) in zip(field.values, reference.values) {
            // A NaN is as far off as can be.
            let difference = a.isNaN || b.isNaN ? .infinity : abs(Double(a) - Double(b))
            worst = max(worst, difference)
            squares += difference * difference
        }
        maxError = worst
        rmsError = (squares / Double(max(field.values.count, 1))).squareRoot()
    }
}
