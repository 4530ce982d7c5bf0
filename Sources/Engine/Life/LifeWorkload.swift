/// A cellular automaton on the GPU, one byte per cell (four per word), ping-ponging
/// between two device-local buffers and running many generations per command buffer.
///
/// Runs every Life-like and Generations rule; checked against ``LifeReference``.
public final class LifeWorkload {
    public let device: Device
    public let width: Int
    public let height: Int
    public let rule: LifeRule
    public let bounded: Bool
    private let state: PingPongState
    private static let tile = 16

    private struct PushConstants: BitwiseCopyable {
        var width: UInt32
        var height: UInt32
        var states: UInt32
        var birthMask: UInt32
        var survivalMask: UInt32
    }

    var stride: Int { (width + 3) / 4 }

    public init(device: Device, grid: LifeGrid, rule: LifeRule, bounded: Bool = false) throws {
        guard rule.states <= 255 else { throw EngineError.invalidInput("at most 255 states fit one byte per cell") }
        self.device = device
        width = grid.width
        height = grid.height
        self.rule = rule
        self.bounded = bounded
        let bytes = (grid.width + 3) / 4 * 4 * grid.height
        guard UInt64(bytes) <= UInt64(device.description.limits.maxStorageBufferRange) else {
            throw EngineError.unsupported("a \(grid.width)x\(grid.height) grid needs \(bytes) bytes; the device's maxStorageBufferRange is \(device.description.limits.maxStorageBufferRange)")
        }
        let pipeline = try ComputePipeline(
            device: device, shader: ShaderModule(device: device, shader: .lifeStepBytes), storageBuffers: 2,
            pushConstantSize: MemoryLayout<PushConstants>.size,
            specialization: [.uint(0, UInt32(Self.tile)), .uint(1, UInt32(Self.tile)), .bool(2, bounded)])
        state = try PingPongState(device: device, pipeline: pipeline, bytes: bytes)
        try upload(grid)
    }

    public func upload(_ grid: LifeGrid) throws {
        precondition(grid.width == width && grid.height == height, "grid size changed")
        var padded = [UInt8](repeating: 0, count: stride * 4 * height)
        for y in 0..<height {
            padded.replaceSubrange(y * stride * 4..<y * stride * 4 + width, with: grid.cells[y * width..<(y + 1) * width])
        }
        try padded.withUnsafeBytes { try state.upload($0) }
    }

    /// Runs `generations` generations in one submission.
    /// - Returns: the GPU time they took, from timestamps, or nil where the device has none.
    @discardableResult
    public func advance(generations: Int) throws -> Double? {
        guard generations > 0 else { return nil }
        let constants = PushConstants(
            width: UInt32(width), height: UInt32(height), states: UInt32(rule.states),
            birthMask: rule.birth.reduce(0) { $0 | (1 << UInt32($1)) },
            survivalMask: rule.survival.reduce(0) { $0 | (1 << UInt32($1)) })
        return try state.advance(steps: generations, constants: constants,
                                 groups: ((stride + Self.tile - 1) / Self.tile, (height + Self.tile - 1) / Self.tile))
    }

    public func download() throws -> LifeGrid {
        var padded = [UInt8](repeating: 0, count: state.byteCount)
        try padded.withUnsafeMutableBytes { try state.download(into: $0) }
        var grid = LifeGrid(width: width, height: height)
        for y in 0..<height {
            grid.cells.replaceSubrange(y * width..<(y + 1) * width, with: padded[y * stride * 4..<y * stride * 4 + width])
        }
        return grid
    }

    /// The buffer holding the current generation, for drawing it where it lies.
    package var currentStateBuffer: Buffer { state.currentBuffer }

    /// Cell updates per generation.
    public var cellsPerGeneration: Double { Double(width) * Double(height) }
}
