/// All-pairs gravity on the GPU: the simulation state lives in device-local memory and is
/// advanced many steps per command buffer.
///
/// State ping-pongs between two buffers so each step reads one consistent set of positions;
/// a barrier orders every step after the one before.
public final class NBodyWorkload {
    public let device: Device
    public let particleCount: Int
    public let configuration: NBodyKernelConfiguration
    public var parameters: NBodyParameters

    private let pipeline: ComputePipeline
    private let states: [Buffer]
    /// `steps[k]` reads `states[k]` and writes `states[1 - k]`.
    private let steps: [DescriptorSet]
    /// Which of ``states`` holds the current state.
    private var current = 0
    private let commands: CommandBuffer
    private let timestamps: TimestampQueryPool?
    private let staging: Buffer
    private let readback: Buffer

    /// Matches the shader's push-constant block.
    private struct PushConstants: BitwiseCopyable {
        var count: UInt32
        var dt: Float
        var softening2: Float
        var gravity: Float
    }

    public init(device: Device, state: ParticleState, parameters: NBodyParameters,
                configuration: NBodyKernelConfiguration? = nil) throws {
        guard state.count >= 1 else { throw EngineError.invalidInput("the simulation needs at least one particle") }
        try parameters.validate()
        let configuration = configuration ?? .recommended(for: device.description, particleCount: state.count)
        let problems = configuration.problems(on: device.description, particleCount: state.count)
        guard problems.isEmpty else {
            throw EngineError.unsupported("cannot run \(state.count) particles with \(configuration) on \(device.description.name): "
                + problems.joined(separator: "; "))
        }
        self.device = device
        particleCount = state.count
        self.configuration = configuration
        self.parameters = parameters

        let split = configuration.invocationsPerBody > 1
        let shader = try ShaderModule(device: device, shader: split ? .nbodyStepSplit : .nbodyStep)
        let specialization: [SpecializationConstant] = split
            ? [.uint(0, UInt32(configuration.workgroupSize)), .uint(1, UInt32(configuration.invocationsPerBody)),
               .uint(2, UInt32(configuration.workgroupSize)), .bool(3, parameters.softening == 0)]
            : [.uint(0, UInt32(configuration.workgroupSize)), .uint(1, UInt32(configuration.bodiesPerInvocation)),
               .uint(2, UInt32(max(configuration.tileSize, 1))), .bool(3, parameters.softening == 0),
               .bool(4, configuration.tileSize == 0)]
        pipeline = try ComputePipeline(device: device, shader: shader, storageBuffers: 2,
                                       pushConstantSize: MemoryLayout<PushConstants>.size, specialization: specialization)
        let bytes = state.count * ParticleState.bytesPerParticle
        states = [try Buffer(device: device, size: bytes, usage: .deviceLocal),
                  try Buffer(device: device, size: bytes, usage: .deviceLocal)]
        steps = [try DescriptorSet(pipeline: pipeline, buffers: [states[0], states[1]]),
                 try DescriptorSet(pipeline: pipeline, buffers: [states[1], states[0]])]
        commands = try CommandBuffer(device: device)
        timestamps = device.description.supportsComputeTimestamps ? try TimestampQueryPool(device: device, count: 2) : nil
        staging = try Buffer(device: device, size: bytes, usage: .upload)
        readback = try Buffer(device: device, size: bytes, usage: .readback)
        try upload(state)
    }

    /// Replaces the simulation state.
    public func upload(_ state: ParticleState) throws {
        precondition(state.count == particleCount, "state has \(state.count) particles, workload \(particleCount)")
        try state.values.withUnsafeBytes { try staging.write($0) }
        try commands.record { encoder in
            // Earlier steps may still read or write the buffer being overwritten.
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: staging, to: states[current], size: staging.size)
            encoder.barrier(.transferToCompute)
        }
        try device.submitAndWait(commands)
    }

    /// Runs `count` steps in one submission and waits for them.
    /// - Returns: the GPU time they took, from timestamps, or nil where the device has none.
    @discardableResult
    public func advance(steps count: Int) throws -> Double? {
        guard count > 0 else { return nil }
        let groups = configuration.workgroupCount(particleCount: particleCount)
        let constants = PushConstants(
            count: UInt32(particleCount), dt: parameters.dt,
            softening2: parameters.softening * parameters.softening, gravity: parameters.gravity)
        var index = current
        try commands.record { encoder in
            if let timestamps { encoder.resetQueries(timestamps) }
            // Order this batch after uploads, readbacks, drawing and the previous batch's last step.
            encoder.barrier(.transferToCompute)
            encoder.barrier(.computeToCompute)
            if device.queueSupportsGraphics { encoder.barrier(.vertexToCompute) }
            timestamps.map { encoder.writeTimestamp($0, index: 0) }
            encoder.bind(pipeline)
            encoder.pushConstants(constants)
            for step in 0..<count {
                if step > 0 { encoder.barrier(.computeToCompute) }
                encoder.bind(steps[index])
                encoder.dispatch(groups)
                index = 1 - index
            }
            timestamps.map { encoder.writeTimestamp($0, index: 1) }
        }
        try device.submitAndWait(commands)
        current = index
        return try timestamps?.seconds(from: 0, to: 1)
    }

    /// Copies the current state back to the host.
    public func download() throws -> ParticleState {
        try commands.record { encoder in
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: states[current], to: readback, size: readback.size)
            encoder.barrier(.transferToHost)
        }
        try device.submitAndWait(commands)
        var state = ParticleState(count: particleCount)
        try state.values.withUnsafeMutableBytes { try readback.read(into: $0) }
        return state
    }

    /// The buffer holding the current state, for drawing it where it lies.
    package var currentStateBuffer: Buffer { states[current] }

    /// Pair interactions per step, N^2 by the CUDA nbody sample's convention.
    public var interactionsPerStep: Double { Double(particleCount) * Double(particleCount) }
}
