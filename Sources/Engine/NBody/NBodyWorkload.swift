/// All-pairs gravity on the GPU: the simulation state lives in device-local memory and is
/// advanced many steps per command buffer.
///
/// State ping-pongs between two buffers so each step reads one consistent set of positions;
/// a barrier orders every step after the one before.
public final class NBodyWorkload {
    public let device: Device
    public let particleCount: Int
    public let configuration: NBodyKernel
    /// Fixed for the workload's life: its kernels are specialized for them (zero softening) and
    /// the fixed-point sums are scaled by the softening.
    public let parameters: NBodyParameters

    private let state: PingPongState
    /// Workgroups of each pass of a step.
    private let dispatches: [(x: Int, y: Int)]
    /// The pair-once kernel's second pass: one body per invocation.
    private static let pairSumWorkgroupSize = 64
    /// Whether the pair-once kernel sums forces and divides by the mass at the end
    /// (`FORCE_SUMS` in `nbody_pairs.comp`): 8 multiplies a pair instead of 12.
    let sumsForces: Bool
    /// Whether the GPU pair-once kernel adds its shares in 64-bit fixed point
    /// (`Shaders/nbody_pairs_fixed.comp`) rather than as floats: where the device has 64-bit
    /// integer atomics and the softening bounds the sums.
    public let addsInFixedPoint: Bool
    /// The fixed-point scale for the current state's masses, with `addsInFixedPoint`.
    private var sumScale: FixedPointSumScale?
    /// Whether reruns, and a resumed run against an uninterrupted one, give the same bits:
    /// every kernel adds in an order of its own except the pair-once kernel with float atomics.
    public var isBitReproducible: Bool { !configuration.addsSharesAtomically || addsInFixedPoint }
    /// The kernel's shape, and for the atomic form how it adds, as people read it.
    public var kernelDescription: String {
        guard configuration.addsSharesAtomically else { return configuration.description }
        return configuration.description + (addsInFixedPoint ? " in 64-bit fixed point" : " as floats")
    }
    /// Masses between which products of two stay far inside float range.
    static let forceSumMasses: ClosedRange<Float> = 1e-12...1e12

    /// Why the pair-once kernel cannot sum forces for `state`: a mass of 0 (a tracer, whose
    /// acceleration a force cannot give back) or outside `forceSumMasses`; nil where it can.
    static func massesSuitForceSums(_ state: ParticleState) -> String? {
        guard let i = (0..<state.count).first(where: { !forceSumMasses.contains(state.mass($0)) }) else { return nil }
        return
            """
            particle \(i) has mass \(state.mass(i)), outside \
            \(forceSumMasses.lowerBound)...\(forceSumMasses.upperBound)
            """
    }

    /// Matches the shader's push-constant block.
    private struct PushConstants: BitwiseCopyable {
        var count: UInt32
        var dt: Float
        var softening2: Float
        var gravity: Float
        var sumScale: Float
        var sumUnit: Float
    }

    public convenience init(
        device: Device, state: ParticleState, parameters: NBodyParameters,
        configuration: NBodyKernel? = nil
    ) throws {
        try self.init(
            device: device, state: state, parameters: parameters, configuration: configuration,
            jGroup: NBodyKernel.jGroup(device: device.description), shuffledLoads: nil)
    }

    /// `jGroup`: j-bodies the streaming kernel holds in registers per pass over the bodies;
    /// `shuffledLoads`: whether it reads them once per subgroup (nil: where the device can).
    /// `atomicPairSpan`: pairings of blocks per workgroup of the atomic pair-once kernel (nil:
    /// `NBodyKernel.atomicPairSpan`); `fixedPointSums`: whether it adds in fixed
    /// point (nil: wherever it can). Tests set them to run every variant on lavapipe.
    init(
        device: Device, state: ParticleState, parameters: NBodyParameters,
        configuration: NBodyKernel?, jGroup: Int, shuffledLoads: Bool?, atomicPairSpan: Int? = nil,
        fixedPointSums: Bool? = nil
    ) throws {
        guard state.count >= 1 else { throw EngineError.invalidInput("the simulation needs at least one particle") }
        try parameters.validate()
        let configuration = configuration ?? .recommended(for: device.description, particleCount: state.count)
        let problems = configuration.problems(on: device.description, particleCount: state.count)
        guard problems.isEmpty else {
            throw EngineError.unsupported(
                "cannot run \(state.count) particles with \(configuration) on \(device.description.name): "
                    + problems.joined(separator: "; "))
        }
        self.device = device
        particleCount = state.count
        self.configuration = configuration
        self.parameters = parameters

        let bytes = state.count * ParticleState.bytesPerParticle
        let canAddInFixedPoint =
            configuration.addsSharesAtomically && device.description.supportsBufferInt64AtomicAdd
            && FixedPointSumScale(state, softening: parameters.softening) != nil
        precondition(
            fixedPointSums != true || canAddInFixedPoint,
            "fixed-point sums asked of a shape, device or system that cannot use them")
        addsInFixedPoint = fixedPointSums ?? canAddInFixedPoint
        if configuration.addsSharesAtomically && !addsInFixedPoint && !device.description.supportsBufferFloatAtomicAdd {
            throw EngineError.unsupported(
                "cannot run \(state.count) particles with \(configuration) on \(device.description.name): "
                    + "without float atomic adds it adds in fixed point, which needs a softening above 0 "
                    + "to bound the sums (this run has \(parameters.softening)) and masses that sum to a finite value")
        }
        sumsForces =
            configuration.eachPairOnce && !configuration.addsSharesAtomically && Self.massesSuitForceSums(state) == nil
        func pipeline(
            _ shader: EmbeddedShader, storageBuffers: Int, _ specialization: [SpecializationConstant]
        ) throws -> ComputePipeline {
            try ComputePipeline(
                device: device, shader: try ShaderModule(device: device, shader: shader),
                storageBuffers: storageBuffers,
                pushConstantSize: MemoryLayout<PushConstants>.size, specialization: specialization)
        }
        let zeroSoftening = parameters.softening == 0
        let width = NBodyShaderConstants.workgroupWidth
        // Two passes for each pair once: the pairs, leaving partial sums in a scratch buffer,
        // then a pass that adds them up and integrates, one body per invocation.
        let sumWidth = min(Self.pairSumWorkgroupSize, Int(device.description.limits.maxComputeWorkGroupInvocations))
        let sumGroups = (state.count + sumWidth - 1) / sumWidth
        let passes: [ComputePipeline]
        let groups: [(x: Int, y: Int)]
        switch configuration {
        case .atomicPairs(let workgroup, let bodies, let force):
            let span =
                atomicPairSpan ?? configuration.atomicPairSpan(particleCount: state.count, device: device.description)
            precondition(span >= 1, "a workgroup takes at least one pairing of blocks")
            typealias Atomic = NBodyShaderConstants.AtomicPairs
            let pairs = try pipeline(
                addsInFixedPoint ? .nbodyPairsFixed : .nbodyPairsAtomic, storageBuffers: 3,
                [
                    .uint(width, workgroup), .uint(Atomic.bodies, bodies), .bool(Atomic.zeroSoftening, zeroSoftening),
                    .bool(Atomic.quotientForce, force == .quotient), .uint(Atomic.span, span),
                ])
            let sum = try pipeline(
                addsInFixedPoint ? .nbodyPairsFixedSum : .nbodyPairsAtomicSum, storageBuffers: 3,
                [.uint(width, sumWidth)])
            passes = [pairs, sum]
            groups = [(configuration.dispatchedWorkgroups(particleCount: state.count, span: span), 1), (sumGroups, 1)]
        case .pairs(let workgroup, let bodies, let force):
            typealias Pairs = NBodyShaderConstants.Pairs
            typealias Sum = NBodyShaderConstants.PairsSum
            let pairs = try pipeline(
                .nbodyPairs, storageBuffers: 3,
                [
                    .uint(width, workgroup), .uint(Pairs.bodies, bodies),
                    .uint(Pairs.widthLog2, workgroup.trailingZeroBitCount),
                    .bool(Pairs.zeroSoftening, zeroSoftening), .bool(Pairs.quotientForce, force == .quotient),
                    .uint(Pairs.jGroup, NBodyKernel.pairGroup), .bool(Pairs.forceSums, sumsForces),
                ])
            let sum = try pipeline(
                .nbodyPairsSum, storageBuffers: 3,
                [
                    .uint(width, sumWidth), .uint(Sum.block, configuration.bodiesPerWorkgroup),
                    .bool(Sum.forceSums, sumsForces),
                ])
            passes = [pairs, sum]
            groups = [(configuration.workgroupCount(particleCount: state.count), 1), (sumGroups, 1)]
        case .split(let workgroup, let invocations, let force):
            typealias Split = NBodyShaderConstants.Split
            let step = try pipeline(
                .nbodyStepSplit, storageBuffers: 2,
                [
                    .uint(width, workgroup), .uint(Split.split, invocations), .uint(Split.width, workgroup),
                    .bool(Split.zeroSoftening, zeroSoftening), .bool(Split.quotientForce, force == .quotient),
                ])
            passes = [step]
            groups = [(configuration.workgroupCount(particleCount: state.count), 1)]
        case .streaming(let workgroup, let bodies, let force), .tiled(let workgroup, let bodies, _, _, _, let force):
            let canShuffle = configuration.shufflesJBodies(on: device.description, group: jGroup)
            precondition(
                shuffledLoads != true || canShuffle,
                "shuffled j-body loads asked of a shape or device that cannot use them")
            let shuffled = shuffledLoads ?? canShuffle
            typealias Step = NBodyShaderConstants.Step
            let jUnroll = NBodyKernel.jUnroll(
                particleCount: state.count, device: device.description, multipleOf: jGroup)
            let step = try pipeline(
                shuffled ? .nbodyStepShuffled : .nbodyStep, storageBuffers: 2,
                [
                    .uint(width, workgroup), .uint(Step.bodies, bodies),
                    .uint(Step.tile, max(configuration.tileSize, 1)),
                    .bool(Step.zeroSoftening, zeroSoftening), .bool(Step.streamFromGlobal, configuration.tileSize == 0),
                    .uint(Step.jUnroll, jUnroll), .bool(Step.prefetch, configuration.prefetchesTiles),
                    .uint(Step.stages, configuration.tileLoadsPerInvocation),
                    .bool(Step.quotientForce, force == .quotient),
                    .uint(Step.jGroup, jGroup), .uint(Step.tileUnroll, configuration.tileUnroll),
                ])
            passes = [step]
            groups = [(configuration.workgroupCount(particleCount: state.count), 1)]
        }
        if configuration.eachPairOnce {
            let sumBytes = Int(configuration.pairSumBytes(particleCount: state.count))
            let partialSums = try Buffer(device: device, size: sumBytes, usage: .deviceLocal)
            self.state = try PingPongState(device: device, passes: passes, scratch: [partialSums], bytes: bytes)
        } else {
            self.state = try PingPongState(device: device, pipeline: passes[0], bytes: bytes)
        }
        dispatches = groups
        try upload(state)
    }

    /// Replaces the simulation state.
    public func upload(_ state: ParticleState) throws {
        precondition(state.count == particleCount, "state has \(state.count) particles, workload \(particleCount)")
        if sumsForces, let reason = Self.massesSuitForceSums(state) {
            throw EngineError.invalidInput(
                """
                this workload's kernel was built for masses in \
                \(Self.forceSumMasses.lowerBound)...\(Self.forceSumMasses.upperBound), summing forces; \(reason): \
                make a new workload for this state
                """
            )
        }
        if addsInFixedPoint {
            guard let scale = FixedPointSumScale(state, softening: parameters.softening) else {
                throw EngineError.invalidInput(
                    """
                    this workload adds forces in fixed point, scaled by the masses and the softening, and this \
                    state's masses leave no bound within float range: make a new workload for this state
                    """
                )
            }
            sumScale = scale
        }
        try state.values.withUnsafeBytes { try self.state.upload($0) }
    }

    /// Runs `count` steps in one submission and waits for them.
    /// - Returns: their GPU time from timestamps, or the host's clock where the device has none.
    public func timedAdvance(steps count: Int) throws -> Double {
        try PingPongState.seconds { try advance(steps: count) }
    }

    /// Runs `count` steps in one submission and waits for them.
    /// - Returns: the GPU time they took, from timestamps, or nil where the device has none.
    @discardableResult
    public func advance(steps count: Int) throws -> Double? {
        try state.advance(steps: count, constants: pushConstants, groups: dispatches)
    }

    private var pushConstants: PushConstants {
        PushConstants(
            count: UInt32(particleCount), dt: parameters.dt,
            softening2: parameters.softening * parameters.softening, gravity: parameters.gravity,
            sumScale: sumScale?.scale ?? 1, sumUnit: sumScale?.unit ?? 1)
    }

    /// Runs one step in submissions of about `pieceSeconds`, asking `shouldStop` between them
    /// (`PingPongState.advanceInPieces`).
    /// - Returns: the steps run (0 where stopped part way: the state is then the one before)
    ///   and their GPU time, or nil where the device has no timestamps.
    public func advanceInPieces(pieceSeconds: Double, shouldStop: () -> Bool) throws -> (steps: Int, seconds: Double?) {
        let (completed, seconds) = try state.advanceInPieces(
            constants: pushConstants, groups: dispatches,
            pieceSeconds: pieceSeconds, shouldStop: shouldStop)
        return (completed ? 1 : 0, seconds)
    }

    /// Copies the current state back to the host.
    public func download() throws -> ParticleState {
        var result = ParticleState(count: particleCount)
        try result.values.withUnsafeMutableBytes { try state.download(into: $0) }
        return result
    }

    /// The buffer holding the current state, for drawing it where it lies.
    package var currentStateBuffer: Buffer { state.currentBuffer }

    /// Pair interactions per step, N^2 by the CUDA nbody sample's convention.
    public var interactionsPerStep: Double { Self.interactionsPerStep(particleCount: particleCount) }

    /// Pair interactions per step of `particleCount` bodies, whichever kernel runs them.
    public static func interactionsPerStep(particleCount: Int) -> Double {
        Double(particleCount) * Double(particleCount)
    }
}
