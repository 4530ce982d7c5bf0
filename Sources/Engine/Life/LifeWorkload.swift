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
    private let pipeline: ComputePipeline
    private let states: [Buffer]
    private let steps: [DescriptorSet]
    private var current = 0
    private let commands: CommandBuffer
    private let timestamps: TimestampQueryPool?
    private let staging: Buffer
    private let readback: Buffer
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
        pipeline = try ComputePipeline(
            device: device, shader: ShaderModule(device: device, shader: .lifeStepBytes), storageBuffers: 2,
            pushConstantSize: MemoryLayout<PushConstants>.size,
            specialization: [.uint(0, UInt32(Self.tile)), .uint(1, UInt32(Self.tile)), .bool(2, bounded)])
        states = [try Buffer(device: device, size: bytes, usage: .deviceLocal), try Buffer(device: device, size: bytes, usage: .deviceLocal)]
        steps = [try DescriptorSet(pipeline: pipeline, buffers: [states[0], states[1]]),
                 try DescriptorSet(pipeline: pipeline, buffers: [states[1], states[0]])]
        commands = try CommandBuffer(device: device)
        timestamps = device.description.supportsComputeTimestamps ? try TimestampQueryPool(device: device, count: 2) : nil
        staging = try Buffer(device: device, size: bytes, usage: .upload)
        readback = try Buffer(device: device, size: bytes, usage: .readback)
        try upload(grid)
    }

    public func upload(_ grid: LifeGrid) throws {
        precondition(grid.width == width && grid.height == height, "grid size changed")
        var padded = [UInt8](repeating: 0, count: stride * 4 * height)
        for y in 0..<height {
            padded.replaceSubrange(y * stride * 4..<y * stride * 4 + width, with: grid.cells[y * width..<(y + 1) * width])
        }
        try padded.withUnsafeBytes { try staging.write($0) }
        try commands.record { encoder in
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: staging, to: states[current], size: staging.size)
            encoder.barrier(.transferToCompute)
        }
        try device.submitAndWait(commands)
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
        var index = current
        try commands.record { encoder in
            if let timestamps { encoder.resetQueries(timestamps) }
            encoder.barrier(.transferToCompute)
            encoder.barrier(.computeToCompute)
            if device.queueSupportsGraphics { encoder.barrier(.vertexToCompute) }
            timestamps.map { encoder.writeTimestamp($0, index: 0) }
            encoder.bind(pipeline)
            encoder.pushConstants(constants)
            for generation in 0..<generations {
                if generation > 0 { encoder.barrier(.computeToCompute) }
                encoder.bind(steps[index])
                encoder.dispatch((stride + Self.tile - 1) / Self.tile, (height + Self.tile - 1) / Self.tile)
                index = 1 - index
            }
            timestamps.map { encoder.writeTimestamp($0, index: 1) }
        }
        try device.submitAndWait(commands)
        current = index
        return try timestamps?.seconds(from: 0, to: 1)
    }

    /// The buffer holding the current generation, for drawing it where it lies.
    package var currentStateBuffer: Buffer { states[current] }

    /// Cell updates per generation.
    public var cellsPerGeneration: Double { Double(width) * Double(height) }

    public func download() throws -> LifeGrid {
        try commands.record { encoder in
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: states[current], to: readback, size: readback.size)
            encoder.barrier(.transferToHost)
        }
        try device.submitAndWait(commands)
        var padded = [UInt8](repeating: 0, count: readback.size)
        try padded.withUnsafeMutableBytes { try readback.read(into: $0) }
        var grid = LifeGrid(width: width, height: height)
        for y in 0..<height {
            grid.cells.replaceSubrange(y * width..<(y + 1) * width, with: padded[y * stride * 4..<y * stride * 4 + width])
        }
        return grid
    }
}
