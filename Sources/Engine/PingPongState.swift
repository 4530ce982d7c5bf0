import FoundationEssentials

/// Simulation state that a compute pipeline advances in place: two device-local buffers
/// read and written alternately, so each step reads one consistent state, with many steps
/// per command buffer, a barrier between steps, and staging buffers for upload and readback.
///
/// The common core of every workload; each supplies its pipeline, push constants and
/// dispatch size.
final class PingPongState {
    let device: Device
    private let pipeline: ComputePipeline
    private let buffers: [Buffer]
    /// `steps[k]` reads `buffers[k]` and writes `buffers[1 - k]`.
    private let steps: [DescriptorSet]
    /// Which buffer holds the current state.
    private var current = 0
    private let commands: CommandBuffer
    private let timestamps: TimestampQueryPool?
    private let staging: Buffer
    private let readback: Buffer

    /// - Parameter pipeline: takes the source buffer at binding 0 and the destination at 1.
    init(device: Device, pipeline: ComputePipeline, bytes: Int) throws {
        self.device = device
        self.pipeline = pipeline
        buffers = [try Buffer(device: device, size: bytes, usage: .deviceLocal),
                   try Buffer(device: device, size: bytes, usage: .deviceLocal)]
        steps = [try DescriptorSet(pipeline: pipeline, buffers: [buffers[0], buffers[1]]),
                 try DescriptorSet(pipeline: pipeline, buffers: [buffers[1], buffers[0]])]
        commands = try CommandBuffer(device: device)
        timestamps = device.description.supportsComputeTimestamps ? try TimestampQueryPool(device: device, count: 2) : nil
        staging = try Buffer(device: device, size: bytes, usage: .upload)
        readback = try Buffer(device: device, size: bytes, usage: .readback)
    }

    /// The buffer holding the current state, for drawing it where it lies.
    var currentBuffer: Buffer { buffers[current] }

    var byteCount: Int { staging.size }

    /// Replaces the current state with `bytes`.
    func upload(_ bytes: UnsafeRawBufferPointer) throws {
        try staging.write(bytes)
        try commands.record { encoder in
            // Earlier steps may still read or write the buffer being overwritten.
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: staging, to: buffers[current], size: staging.size)
            encoder.barrier(.transferToCompute)
        }
        try device.submitAndWait(commands)
    }

    /// Runs `count` steps in one submission and waits for them.
    /// - Returns: the GPU time they took, from timestamps, or nil where the device has none.
    func advance<Constants: BitwiseCopyable>(steps count: Int, constants: Constants, groups: (x: Int, y: Int)) throws -> Double? {
        try advance(steps: count, constants: { _ in constants }, groups: groups)
    }

    /// Runs `count` steps in one submission, step `k` with push constants `constants(k)`.
    func advance<Constants: BitwiseCopyable>(steps count: Int, constants: (Int) -> Constants, groups: (x: Int, y: Int)) throws -> Double? {
        guard count > 0 else { return nil }
        var index = current
        try commands.record { encoder in
            if let timestamps { encoder.resetQueries(timestamps) }
            // Order this batch after uploads, readbacks, drawing and the previous batch's last step.
            encoder.barrier(.transferToCompute)
            encoder.barrier(.computeToCompute)
            if device.queueSupportsGraphics { encoder.barrier(.vertexToCompute) }
            timestamps.map { encoder.writeTimestamp($0, index: 0) }
            encoder.bind(pipeline)
            for step in 0..<count {
                if step > 0 { encoder.barrier(.computeToCompute) }
                encoder.pushConstants(constants(step))
                encoder.bind(steps[index])
                encoder.dispatch(groups.x, groups.y)
                index = 1 - index
            }
            timestamps.map { encoder.writeTimestamp($0, index: 1) }
        }
        try device.submitAndWait(commands)
        current = index
        return try timestamps?.seconds(from: 0, to: 1)
    }

    /// Seconds `work` took: its GPU time from timestamps where it reports one, else the
    /// host clock around it.
    static func seconds(_ work: () throws -> Double?) rethrows -> Double {
        let start = Date()
        return try work() ?? Date().timeIntervalSince(start)
    }

    /// Copies the current state into `bytes`.
    func download(into bytes: UnsafeMutableRawBufferPointer) throws {
        try commands.record { encoder in
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: buffers[current], to: readback, size: readback.size)
            encoder.barrier(.transferToHost)
        }
        try device.submitAndWait(commands)
        try readback.read(into: bytes)
    }
}
