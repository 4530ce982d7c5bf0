import FoundationEssentials
import Testing

@testable import Engine

/// The GPU form of the pair-once kernel (`Shaders/nbody_pairs_atomic.glsl`: the other block's
/// bodies travel round the subgroup, shares are added atomically into one sum per body, in
/// 64-bit fixed point or as floats) on lavapipe, which offers both kinds of atomic adds and
/// shuffles, against the CPU reference.
@Suite("Pair-once N-body kernel, atomic shares", .serialized)
struct AtomicPairKernelTests {
    /// One subgroup of lavapipe (8 invocations, 16 at 512 bits) with 2 bodies each: blocks of
    /// 16 or 32 bodies, so small systems span many blocks.
    let shape: NBodyKernel
    let block: Int

    init() throws {
        let subgroup = Int(try ComputeContext().device.description.limits.subgroupSize)
        shape = NBodyKernel.atomicPairs(workgroup: subgroup, bodies: 2)
        block = shape.bodiesPerWorkgroup
    }

    /// `fixedPoint`: whether the sums are 64-bit fixed point (nil: wherever they can be).
    func run(
        _ state: ParticleState, _ parameters: NBodyParameters, shape: NBodyKernel? = nil,
        span: Int? = nil, fixedPoint: Bool? = nil, steps: Int = 3
    ) throws -> ParticleState {
        let context = try ComputeContext()
        let workload = try NBodyWorkload(
            device: context.device, state: state, parameters: parameters,
            configuration: shape ?? self.shape, jGroup: 1, shuffledLoads: nil, atomicPairSpan: span,
            fixedPointSums: fixedPoint)
        if let fixedPoint { #expect(workload.addsInFixedPoint == fixedPoint) }
        try workload.advance(steps: steps)
        return try workload.download()
    }

    /// Every block count from 1 to 8 with a full and a partial last block, each with the
    /// pairings of a block (its inner pairs and blocks / 2 others) taken one, two or three per
    /// workgroup (leaving short last runs) or all by one; three steps, so the sums must be
    /// cleared between steps.
    @Test(
        "every block count, odd and even, full and partial, every run length, both sums",
        arguments: 1...8, [true, false])
    func blockCountsMatchReference(blocks: Int, fixedPoint: Bool) throws {
        let parameters = NBodyParameters(dt: 0.002, softening: 0.02)
        for particles in [block * blocks, block * blocks - 5] {
            let state = InitialModel.galaxies.generate(count: particles, seed: UInt64(particles))
            let reference = NBodyReference.advance(state, parameters: parameters, steps: 3)
            for span in [1, 2, 3, blocks / 2 + 1] {
                let gpu = try run(state, parameters, span: span, fixedPoint: fixedPoint)
                let comparison = StateComparison(gpu, reference: reference)
                #expect(
                    comparison.worst < 1e-4,
                    "\(shape), N=\(particles), span \(span), fixed point \(fixedPoint): \(comparison)")
            }
        }
    }

    /// Both spellings of the force, more bodies per invocation, and the span the device gets
    /// by default, on a system of many blocks.
    @Test func largerSystemsMatchReference() throws {
        let parameters = NBodyParameters(dt: 0.001, softening: 0.05)
        let state = InitialModel.plummer.generate(count: 1000, seed: 21)
        let reference = NBodyReference.advance(state, parameters: parameters, steps: 2)
        for (bodies, force) in [(1, NBodyKernel.ForceExpression.reciprocalSquareRoot), (4, .quotient)] {
            let shape = self.shape.with(bodies: bodies, force: force)
            for fixedPoint in [true, false] {
                let comparison = StateComparison(
                    try run(state, parameters, shape: shape, fixedPoint: fixedPoint, steps: 2),
                    reference: reference)
                #expect(comparison.worst < 1e-4, "\(shape), fixed point \(fixedPoint): \(comparison)")
            }
        }
    }

    /// Shares are accelerations, so a massless tracer needs no other form of the kernel.
    @Test func tracersFeelGravityAndExertNone() throws {
        let parameters = NBodyParameters(dt: 0.002, softening: 0.02)
        var state = InitialModel.plummer.generate(count: 150, seed: 9)
        for tracer in [0, 77, 149] {
            state.set(tracer, position: state.position(tracer), mass: 0, velocity: state.velocity(tracer))
        }
        let gpu = try run(state, parameters)
        let comparison = StateComparison(
            gpu, reference: NBodyReference.advance(state, parameters: parameters, steps: 3))
        #expect(comparison.worst < 1e-4, "\(comparison)")
        #expect(gpu.velocity(77) != state.velocity(77), "the tracer is pulled")
    }

    /// With zero softening a pair at one point exerts nothing, inside a block and across blocks,
    /// and padding bodies (massless, at the origin) give a body at the origin nothing.
    @Test func zeroSofteningIgnoresCoincidentBodies() throws {
        var state = InitialModel.cube.generate(count: 100, seed: 4)
        state.set(5, position: state.position(3), mass: 0.01, velocity: .zero)  // same block as 3
        state.set(90, position: state.position(3), mass: 0.02, velocity: .zero)  // another block
        state.set(40, position: .zero, mass: 0.03, velocity: .zero)
        let parameters = NBodyParameters(dt: 0.001, softening: 0)
        for force in NBodyKernel.ForceExpression.allCases {
            let shape = self.shape.with(force: force)
            // Without softening there is no bound to scale fixed-point sums by: floats it is.
            let gpu = try run(state, parameters, shape: shape, fixedPoint: false, steps: 1)
            #expect(gpu.firstNonFiniteValue == nil)
            let comparison = StateComparison(gpu, reference: NBodyReference.step(state, parameters: parameters))
            #expect(comparison.worst < 1e-4, "\(shape): \(comparison)")
        }
    }

    /// Synchronization validation sees the atomic adds, the clearing pass and the zeroing of the
    /// sums at creation.
    @Test(arguments: [true, false])
    func aValidatedRunReportsNoMessages(fixedPoint: Bool) throws {
        let log = ValidationLog(echo: nil)
        do {
            let context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
            #expect(context.device.description.supportsBufferFloatAtomicAdd)
            #expect(context.device.description.supportsBufferInt64AtomicAdd)
            let state = InitialModel.plummer.generate(count: 200, seed: 1)
            let workload = try NBodyWorkload(
                device: context.device, state: state, parameters: NBodyParameters(), configuration: shape,
                jGroup: 1, shuffledLoads: nil, fixedPointSums: fixedPoint)
            try workload.advance(steps: 3)
            _ = try workload.download()
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
    }

    /// Where the work goes: enough workgroups to fill a GPU, and memory that grows as N.
    @Test func workIsCutIntoRunsOfPairings() {
        let gpuShape = NBodyKernel.atomicPairs(workgroup: 32, bodies: 8)
        #expect(
            gpuShape.description
                == "workgroup 32, 8 bodies/invocation, no shared tile, each pair once, shares added atomically")
        // N = 2^20: 4096 blocks of 256, each with its inner pairs and 2048 others: 2049
        // pairings, in 8 runs of 256 and a last one of 1.
        let large = 1 << 20
        #expect(gpuShape.atomicPairSpan(particleCount: large, target: 32768) == 256)
        #expect(gpuShape.dispatchedWorkgroups(particleCount: large, span: 256) == 4096 * 9)
        #expect(gpuShape.pairSumBytes(particleCount: large) == 24 << 20)
        // N = 65536: 256 blocks, a run per pairing.
        #expect(gpuShape.atomicPairSpan(particleCount: 65536, target: 32768) == 1)
        #expect(gpuShape.dispatchedWorkgroups(particleCount: 65536, span: 1) == 256 * 129)
        // A short last run: 7 blocks with 4 pairings each, in runs of 3 and 1.
        #expect(gpuShape.dispatchedWorkgroups(particleCount: 7 * 256, span: 3) == 14)
        // One block: one workgroup, its own pairs only.
        #expect(gpuShape.atomicPairSpan(particleCount: 100, target: 32768) == 1)
        #expect(gpuShape.dispatchedWorkgroups(particleCount: 100, span: 1) == 1)
        let slots = NBodyKernel.pairs(workgroup: gpuShape.workgroupSize, bodies: gpuShape.bodiesPerInvocation)
        #expect(slots.dispatchedWorkgroups(particleCount: large, span: 256) == 4096)
    }

    @Test func shapesItCannotRunAreRefusedWithTheReason() {
        var h100 = FabricatedDevices.nvidiaH100(index: 0)
        let gpuShape = NBodyKernel.atomicPairs(workgroup: 32, bodies: 8)
        #expect(gpuShape.problems(on: h100, particleCount: 1 << 20).isEmpty, "N² memory is not needed")
        // Either kind of atomic add will do.
        h100.supportsBufferFloatAtomicAdd = false
        #expect(gpuShape.problems(on: h100, particleCount: 4096).isEmpty)
        h100.supportsBufferFloatAtomicAdd = true
        h100.supportsBufferInt64AtomicAdd = false
        #expect(gpuShape.problems(on: h100, particleCount: 4096).isEmpty)
        h100.supportsBufferFloatAtomicAdd = false
        #expect(gpuShape.problems(on: h100, particleCount: 4096).contains { $0.contains("VK_EXT_shader_atomic_float") })
        let notPairOnce = whyNoKernel {
            try NBodyKernel(workgroupSize: 32, bodiesPerInvocation: 8, tileSize: 0, addsSharesAtomically: true)
        }
        #expect(notPairOnce?.description.contains("a form of evaluating each pair once") == true)
        // lavapipe's loop limit: every round of every pairing counts.
        let lavapipe = FabricatedDevices.lavapipe(index: 0)
        let lavapipeShape = NBodyKernel.atomicPairs(workgroup: 8, bodies: 32)
        #expect(lavapipeShape.problems(on: lavapipe, particleCount: 4096).isEmpty)
        #expect(
            lavapipeShape.problems(on: lavapipe, particleCount: 200_000).contains { $0.contains("stops shader loops") })
    }

    /// Fixed point wherever the softening bounds the sums; floats, and no promise of the same
    /// bits, only without softening.
    @Test func sumsAreFixedPointWhereverTheSofteningBoundsThem() throws {
        let context = try ComputeContext()
        let state = InitialModel.plummer.generate(count: 100, seed: 3)
        let softened = try NBodyWorkload(
            device: context.device, state: state, parameters: NBodyParameters(), configuration: shape)
        #expect(softened.addsInFixedPoint && softened.isBitReproducible)
        let unsoftened = try NBodyWorkload(
            device: context.device, state: state, parameters: NBodyParameters(softening: 0),
            configuration: shape)
        #expect(!unsoftened.addsInFixedPoint && !unsoftened.isBitReproducible)
        let ordinary = try NBodyWorkload(
            device: context.device, state: state, parameters: NBodyParameters(softening: 0),
            configuration: NBodyKernel.streaming(workgroup: 32, bodies: 1))
        #expect(!ordinary.addsInFixedPoint && ordinary.isBitReproducible)
    }

    /// Integer adds do not depend on the order in which lavapipe's threads reach them: two runs
    /// give the same bits, and so does a run stopped, downloaded and resumed in a new workload.
    @Test func fixedPointRunsRepeatAndResumeBitForBit() throws {
        let context = try ComputeContext()
        let parameters = NBodyParameters(dt: 0.002, softening: 0.02)
        let state = InitialModel.galaxies.generate(count: 37 * block + 3, seed: 8)
        func workload(_ state: ParticleState) throws -> NBodyWorkload {
            let workload = try NBodyWorkload(
                device: context.device, state: state, parameters: parameters, configuration: shape,
                jGroup: 1, shuffledLoads: nil, atomicPairSpan: 2)
            #expect(workload.addsInFixedPoint)
            return workload
        }
        let whole = try workload(state)
        try whole.advance(steps: 4)
        let again = try workload(state)
        try again.advance(steps: 4)
        let first = try workload(state)
        try first.advance(steps: 2)
        let resumed = try workload(try first.download())
        try resumed.advance(steps: 2)
        let result = try whole.download()
        #expect(try again.download().values == result.values)
        #expect(try resumed.download().values == result.values)
        let comparison = StateComparison(
            result, reference: NBodyReference.advance(state, parameters: parameters, steps: 4))
        #expect(comparison.worst < 1e-4, "\(comparison)")
    }

    /// The scale leaves room for the largest acceleration the softening allows: every other
    /// body at the distance of the strongest pull (ε/√2), on one side of a body. The sum must
    /// come back whole, not wrapped round 64 bits.
    @Test func theLargestPossibleSumDoesNotOverflow() throws {
        let softening: Float = 0.05
        var state = ParticleState(count: 3 * block + 3)
        state.set(0, position: .zero, mass: 2, velocity: .zero)
        for i in 1..<state.count {
            state.set(i, position: SIMD3(softening / Float(2).squareRoot(), 0, 0), mass: 3, velocity: .zero)
        }
        let parameters = NBodyParameters(dt: 0.001, softening: softening)
        let scale = try #require(FixedPointSumScale(state, softening: softening))
        let bound = FixedPointSumScale.accelerationBound(
            totalAbsoluteMass: Double(3 * (state.count - 1) + 2), softening: softening)
        #expect(bound * Double(scale.scale) <= FixedPointSumScale.limit)
        let gpu = try run(state, parameters, fixedPoint: true, steps: 1)
        let reference = NBodyReference.step(state, parameters: parameters)
        // Body 0 gets almost the whole bound: (N - 1) · 3 of the Σ|m|.
        #expect(Double(reference.velocity(0).x) > 0.9 * bound * Double(parameters.dt))
        let comparison = StateComparison(gpu, reference: reference)
        #expect(comparison.worst < 1e-5, "\(comparison)")
    }

    /// A power of two that keeps the bound below 2^61, as large as it can be.
    @Test func theScaleIsThePowerOfTwoThatFitsTheBound() throws {
        for (mass, softening) in [(1.0, Float(0.01)), (1e-6, 1e-4), (3e4, 2), (1e30, 1e9), (0.5, 1e-6)] {
            let scale = try #require(FixedPointSumScale(totalAbsoluteMass: mass, softening: softening))
            let bound = FixedPointSumScale.accelerationBound(totalAbsoluteMass: mass, softening: softening)
            #expect(bound * Double(scale.scale) <= FixedPointSumScale.limit, "\(mass), \(softening): \(scale)")
            #expect(2 * bound * Double(scale.scale) > FixedPointSumScale.limit, "\(mass), \(softening): \(scale)")
            #expect(scale.scale * scale.unit == 1)
        }
        // Massless systems pull nothing; tiny bounds stop at the largest normal scale.
        #expect(FixedPointSumScale(totalAbsoluteMass: 0, softening: 0.1)?.exponent == 126)
        #expect(FixedPointSumScale(totalAbsoluteMass: 1e-30, softening: 1e3)?.exponent == 126)
        // No softening, no bound; nor with masses that sum to infinity or a bound past 2^187.
        #expect(FixedPointSumScale(totalAbsoluteMass: 1, softening: 0) == nil)
        #expect(FixedPointSumScale(totalAbsoluteMass: .infinity, softening: 0.1) == nil)
        #expect(FixedPointSumScale(totalAbsoluteMass: 1e38, softening: 1e-30) == nil)
    }

    /// A device with 64-bit integer atomics but none for floats (some AMD GPUs) runs the form in
    /// fixed point, and refuses it, saying why, where there is no softening.
    @Test func withoutFloatAtomicsOnlyFixedPointRuns() throws {
        let context = try ComputeContext()
        context.device.physicalDevice.description.supportsBufferFloatAtomicAdd = false
        let state = InitialModel.plummer.generate(count: 5 * block, seed: 12)
        let parameters = NBodyParameters(dt: 0.002, softening: 0.05)
        let workload = try NBodyWorkload(
            device: context.device, state: state, parameters: parameters, configuration: shape)
        #expect(workload.addsInFixedPoint)
        try workload.advance(steps: 2)
        let comparison = StateComparison(
            try workload.download(), reference: NBodyReference.advance(state, parameters: parameters, steps: 2))
        #expect(comparison.worst < 1e-4, "\(comparison)")
        #expect {
            try NBodyWorkload(
                device: context.device, state: state, parameters: NBodyParameters(softening: 0), configuration: shape)
        } throws: { "\($0)".contains("needs a softening above 0") }
    }

    /// Tuning caches written before this form existed still decode, as the slot form.
    @Test func cachedShapesWithoutTheFieldDecode() throws {
        let old = #"{"workgroupSize":8,"bodiesPerInvocation":32,"tileSize":0,"eachPairOnce":true}"#
        let decoded = try JSONDecoder().decode(NBodyKernel.self, from: Data(old.utf8))
        #expect(decoded.eachPairOnce && !decoded.addsSharesAtomically)
        let gpuShape = NBodyKernel.atomicPairs(workgroup: 32, bodies: 8)
        #expect(try JSONDecoder().decode(NBodyKernel.self, from: JSONEncoder().encode(gpuShape)) == gpuShape)
    }
}
