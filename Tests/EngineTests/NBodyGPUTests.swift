import Foundation
import Testing

@testable import Engine

/// The GPU workload on a real Vulkan driver (lavapipe here), checked against the CPU reference.
@Suite("N-body on the real Vulkan device", .serialized)
struct NBodyGPUTests {
    func gpuAdvance(
        _ state: ParticleState, _ parameters: NBodyParameters, steps: Int,
        configuration: NBodyKernel? = nil, log: ValidationLog? = nil
    ) throws -> ParticleState {
        let context = try ComputeContext(instanceOptions: InstanceOptions(validation: log != nil), validationLog: log)
        let workload = try NBodyWorkload(
            device: context.device, state: state, parameters: parameters, configuration: configuration)
        try workload.advance(steps: steps)
        return try workload.download()
    }

    @Test("GPU matches the CPU reference", arguments: [1, 2, 7, 97, 1000, 1031, 2053])
    func matchesReference(particles: Int) throws {
        let parameters = NBodyParameters(dt: 0.001, softening: 0.01)
        let state = InitialModel.plummer.generate(count: particles, seed: UInt64(particles))
        let gpu = try gpuAdvance(state, parameters, steps: 3)
        let cpu = NBodyReference.advance(state, parameters: parameters, steps: 3)
        let comparison = StateComparison(gpu, reference: cpu)
        #expect(comparison.worst < 1e-4, "N=\(particles): \(comparison)")
        #expect(gpu != state || particles == 1, "the state must move")
    }

    @Test(
        "every kernel shape the engine may pick computes correctly",
        arguments: [
            NBodyKernel.streaming(workgroup: 32, bodies: 32),
            NBodyKernel.tiled(workgroup: 64, bodies: 32, tile: 256),
            NBodyKernel.streaming(workgroup: 64, bodies: 3),
            NBodyKernel.tiled(workgroup: 256, bodies: 2, tile: 256),
            NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 128),
            NBodyKernel.tiled(workgroup: 32, bodies: 4, tile: 100),
            NBodyKernel.tiled(workgroup: 64, bodies: 1, tile: 16),
            NBodyKernel.split(workgroup: 64, invocations: 4),
            NBodyKernel.split(workgroup: 256, invocations: 16),
            NBodyKernel.split(workgroup: 96, invocations: 3),
            // Prefetched tiles: as wide as the workgroup, narrower, and wider than it (several
            // staged bodies per invocation, a partial last stage).
            NBodyKernel.tiled(workgroup: 32, bodies: 1, tile: 32, prefetch: true),
            NBodyKernel.tiled(workgroup: 64, bodies: 2, tile: 16, prefetch: true),
            NBodyKernel.tiled(workgroup: 32, bodies: 3, tile: 100, prefetch: true),
            // The force spelled as a quotient, in each kind of kernel.
            NBodyKernel.streaming(workgroup: 32, bodies: 32, force: .quotient),
            NBodyKernel.tiled(workgroup: 64, bodies: 2, tile: 64, force: .quotient),
            NBodyKernel.tiled(workgroup: 32, bodies: 3, tile: 100, prefetch: true, force: .quotient),
            NBodyKernel.split(workgroup: 96, invocations: 3, force: .quotient),
            // The tile loop written out: by 4, by the whole tile, by a tile wider than the
            // workgroup, prefetched, and with several bodies per invocation.
            NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 128, unroll: 4),
            NBodyKernel.tiled(workgroup: 32, bodies: 1, tile: 32, unroll: 32),
            NBodyKernel.tiled(workgroup: 32, bodies: 2, tile: 96, unroll: 8),
            NBodyKernel.tiled(workgroup: 64, bodies: 1, tile: 128, prefetch: true, unroll: 16),
            NBodyKernel.tiled(workgroup: 32, bodies: 3, tile: 100, prefetch: true, unroll: 4),
        ])
    func shapesMatchReference(shape: NBodyKernel) throws {
        let parameters = NBodyParameters(dt: 0.002, softening: 0.02)
        // Not a multiple of any workgroup, and fewer bodies than some workgroups hold.
        for particles in [13, 1543] {
            let state = InitialModel.galaxies.generate(count: particles, seed: 7)
            let gpu = try gpuAdvance(state, parameters, steps: 2, configuration: shape)
            let comparison = StateComparison(
                gpu, reference: NBodyReference.advance(state, parameters: parameters, steps: 2))
            #expect(comparison.worst < 1e-4, "\(shape), N=\(particles): \(comparison)")
        }
    }

    /// lavapipe streams j-bodies in register groups of 4, read once per subgroup and shuffled
    /// round; GPUs one at a time. Every combination (groups of 2 and 8 too) is run here.
    @Test(
        "the streaming kernel's register groups and shuffled reads",
        arguments: [
            (1, false), (2, false), (4, false), (8, false), (2, true), (4, true), (8, true),
        ])
    func streamingGroupsMatchReference(group: Int, shuffled: Bool) throws {
        let parameters = NBodyParameters(dt: 0.002, softening: 0.02)
        let context = try ComputeContext()
        for shape in [
            NBodyKernel.streaming(workgroup: 32, bodies: 8),
            NBodyKernel.streaming(workgroup: 64, bodies: 3, force: .quotient),
        ] {
            #expect(
                !shuffled || shape.shufflesJBodies(on: context.device.description, group: group), "lavapipe can shuffle"
            )
            let state = InitialModel.galaxies.generate(count: 1543, seed: 5)
            let workload = try NBodyWorkload(
                device: context.device, state: state, parameters: parameters, configuration: shape,
                jGroup: group, shuffledLoads: shuffled)
            try workload.advance(steps: 2)
            let comparison = StateComparison(
                try workload.download(), reference: NBodyReference.advance(state, parameters: parameters, steps: 2))
            #expect(comparison.worst < 1e-4, "group \(group), shuffled \(shuffled), \(shape): \(comparison)")
        }
    }

    @Test func tunerTriesBothForceSpellingsOnCPUDrivers() throws {
        let context = try ComputeContext()
        let candidates = KernelTuner(device: context.device, particleCount: 16384).candidates()
        // The untuned default comes first and, on a CPU driver, spells the force as a quotient.
        #expect(candidates.first?.force == .quotient)
        var spellings: [NBodyKernel: Set<NBodyKernel.ForceExpression>] = [:]
        for candidate in candidates {
            let shape = candidate.with(force: .quotient)
            spellings[shape, default: []].insert(candidate.force)
        }
        #expect(spellings.values.allSatisfy { $0.count == 2 }, "every shape is tried both ways")
    }

    /// The GPU search end to end, on lavapipe told it is a discrete GPU: the last part of the
    /// budget goes to written-out tile loops, each verified before it is timed; none of it on
    /// a CPU driver.
    @Test func tuningAGPUEndsWithUnrolledTileLoops() throws {
        let context = try ComputeContext()
        #expect(
            KernelTuner(device: context.device, particleCount: 1000).tune(budget: 1).trials.allSatisfy {
                $0.configuration.tileUnroll == 1
            })
        context.device.physicalDevice.description.type = .discrete
        var tuner = KernelTuner(device: context.device, particleCount: 1000)
        // Most of the budget for the variants, so that a busy host still reaches them.
        tuner.firstPassShare = 0.3
        let (winner, trials) = tuner.tune(budget: 6)
        #expect(winner != nil)
        let unrolled = trials.filter { $0.configuration.tileUnroll > 1 }
        #expect(!unrolled.isEmpty, "\(trials.map(\.configuration))")
        #expect(unrolled.allSatisfy { $0.rejection == nil && $0.error! < 1e-4 }, "\(unrolled)")
    }

    /// The shapes a Raspberry Pi's V3DV is given, within its 256 invocations and 16 KiB of
    /// shared memory, run here on the real driver and match the reference.
    @Test func theKernelsChosenForAPiMatchTheReference() throws {
        let pi = FabricatedDevices.videoCore(index: 0)
        let parameters = NBodyParameters(dt: 0.001, softening: 0.01)
        for particles in [100, 4099] {
            let shape = NBodyKernel.recommended(for: pi, particleCount: particles)
            #expect(shape.problems(on: pi, particleCount: particles).isEmpty)
            let state = InitialModel.plummer.generate(count: particles, seed: 3)
            let gpu = try gpuAdvance(state, parameters, steps: 2, configuration: shape)
            let comparison = StateComparison(
                gpu, reference: NBodyReference.advance(state, parameters: parameters, steps: 2))
            #expect(comparison.worst < 1e-4, "N=\(particles), \(shape): \(comparison)")
        }
    }

    @Test func aSingleParticleDriftsInAStraightLine() throws {
        var state = ParticleState(count: 1)
        state.set(0, position: SIMD3(1, 2, 3), mass: 5, velocity: SIMD3(1, 0, -1))
        let result = try gpuAdvance(state, NBodyParameters(dt: 0.5, softening: 0), steps: 4)
        #expect(result.position(0) == SIMD3(3, 2, 1))
        #expect(result.velocity(0) == SIMD3(1, 0, -1))
        #expect(result.mass(0) == 5)
    }

    @Test(
        "zero softening ignores the self term and coincident bodies",
        arguments: [
            NBodyKernel.streaming(workgroup: 32, bodies: 2, force: .reciprocalSquareRoot),
            NBodyKernel.streaming(workgroup: 32, bodies: 2, force: .quotient),
            NBodyKernel.split(workgroup: 32, invocations: 4, force: .quotient),
        ])
    func zeroSofteningIgnoresTheSelfTermAndCoincidentBodies(shape: NBodyKernel) throws {
        var state = ParticleState(count: 3)
        state.set(0, position: SIMD3(-1, 0, 0), mass: 1, velocity: .zero)
        state.set(1, position: SIMD3(1, 0, 0), mass: 1, velocity: .zero)
        state.set(2, position: SIMD3(1, 0, 0), mass: 0.5, velocity: .zero)  // on top of body 1
        let parameters = NBodyParameters(dt: 0.01, softening: 0)
        let gpu = try gpuAdvance(state, parameters, steps: 1, configuration: shape)
        #expect(gpu.firstNonFiniteValue == nil)
        let cpu = NBodyReference.step(state, parameters: parameters)
        #expect(StateComparison(gpu, reference: cpu).worst < 1e-5)
        // Body 0 is pulled towards +x by 1.5 units of mass at distance 2: a = 1.5 / 4.
        #expect(abs(gpu.velocity(0).x - 0.375 * 0.01) < 1e-6)
    }

    @Test func energyAndMomentumDriftStayBoundedOnAPlummerSphere() throws {
        let parameters = NBodyParameters(dt: 0.001, softening: 0.05)
        let state = InitialModel.plummer.generate(count: 512, seed: 3)
        let before = NBodyDiagnostics(state, parameters: parameters)
        let after = NBodyDiagnostics(try gpuAdvance(state, parameters, steps: 2000), parameters: parameters)
        let energyDrift = abs(after.totalEnergy - before.totalEnergy) / abs(before.totalEnergy)
        #expect(energyDrift < 1e-3, "relative energy drift \(energyDrift)")
        let momentumDrift = ((after.momentum - before.momentum) * (after.momentum - before.momentum)).sum().squareRoot()
        #expect(
            momentumDrift < 1e-5 * before.momentumScale,
            "momentum drift \(momentumDrift), scale \(before.momentumScale)")
        let angularDrift =
            ((after.angularMomentum - before.angularMomentum) * (after.angularMomentum - before.angularMomentum)).sum()
            .squareRoot()
        #expect(angularDrift < 1e-3 * before.momentumScale)
        // The sphere really evolved: kinetic energy moved.
        #expect(after.kineticEnergy != before.kineticEnergy)
    }

    @Test func aValidatedRunReportsNoMessages() throws {
        let log = ValidationLog(echo: nil)
        do {
            let parameters = NBodyParameters()
            let state = InitialModel.cube.generate(count: 300, seed: 1)
            let context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
            let workload = try NBodyWorkload(device: context.device, state: state, parameters: parameters)
            try workload.advance(steps: 5)
            _ = try workload.download()
            try workload.upload(state)
            try workload.advance(steps: 1)
            _ = try workload.download()
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
    }

    /// Proves the layer is really watching: a readback recorded without its barrier is a
    /// read-after-write hazard that synchronization validation must report, and so is a copy
    /// overwriting what the readback still reads. (Debian 13's layer, 1.4.309, stays silent
    /// about the dispatch-then-copy hazard that Debian 12's reports; both report the second.)
    @Test func validationCatchesAMissingBarrier() throws {
        let log = ValidationLog(echo: nil)
        do {
            let context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
            let device = context.device
            let pipeline = try ComputePipeline(
                device: device, shader: ShaderModule(device: device, shader: .nbodyStep), storageBuffers: 2,
                pushConstantSize: 16, specialization: [.uint(0, 64), .uint(1, 1), .uint(2, 64), .bool(3, false)])
            let a = try Buffer(device: device, size: 64 * 32, usage: .deviceLocal)
            let b = try Buffer(device: device, size: 64 * 32, usage: .deviceLocal)
            let readback = try Buffer(device: device, size: 64 * 32, usage: .readback)
            let set = try DescriptorSet(pipeline: pipeline, buffers: [a, b])
            let commands = try CommandBuffer(device: device)
            try commands.record { encoder in
                encoder.bind(pipeline)
                encoder.bind(set)
                encoder.pushConstants(SIMD4<UInt32>(64, 0, 0, 0))
                encoder.dispatch(1)
                encoder.copy(from: b, to: readback, size: 64 * 32)  // no barrier
                encoder.copy(from: a, to: b, size: 64 * 32)  // none here either
            }
            try device.submitAndWait(commands)
        }
        #expect(log.messages.contains { $0.identifier.contains("SYNC-HAZARD") }, "\(log.messages)")
    }

    @Test func theRealDeviceListIsDescribedAndSelectable() throws {
        let instance = try Instance()
        let devices = try instance.physicalDevices().map(\.description)
        #expect(!devices.isEmpty)
        let chosen = try PhysicalDeviceSelector().select(from: devices)
        #expect(chosen.apiVersion >= .v1_1)
        #expect(chosen.computeQueueFamily != nil)
        #expect(chosen.limits.maxComputeWorkGroupInvocations >= 128)
        #expect(chosen.uuid.count == 36)
        if let lavapipe = devices.first(where: { $0.vendorID == 0x10005 }) {
            #expect(lavapipe.type == .cpu)
            #expect(lavapipe.driver?.name == "llvmpipe")
            #expect(lavapipe.supportsComputeTimestamps)
            #expect(
                try PhysicalDeviceSelector(selector: DeviceSelector(parsing: "lavapipe")).select(from: devices).index
                    == lavapipe.index)
            #expect(
                try PhysicalDeviceSelector(selector: DeviceSelector(parsing: "cpu")).select(from: devices).index
                    == lavapipe.index)
        }
    }

    @Test func timestampsMeasureTheWork() throws {
        let context = try ComputeContext()
        let state = InitialModel.plummer.generate(count: 2048, seed: 1)
        let workload = try NBodyWorkload(device: context.device, state: state, parameters: NBodyParameters())
        // lavapipe compiles a shader on its first dispatch, inside the first timed interval.
        try workload.advance(steps: 1)
        let one = try #require(try workload.advance(steps: 1))
        let eight = try #require(try workload.advance(steps: 8))
        #expect(one > 0)
        #expect(eight > one)
    }
}

@Suite("N-body beyond a driver's loop limit")
struct NBodyLoopLimitTests {
    /// lavapipe stops a shader's loops after 65535 iterations in all, silently. With one
    /// massive body at the end of 70000, every other body must still feel its pull.
    @Test func theLastOfSeventyThousandBodiesStillPulls() throws {
        let count = 70_000
        var state = ParticleState(count: count)
        for i in 0..<count - 1 {
            state.set(i, position: SIMD3(Float(i % 100) * 0.01, Float(i / 100) * 0.01, 0), mass: 0, velocity: .zero)
        }
        let attractor = SIMD3<Float>(3, 4, 0)
        state.set(count - 1, position: attractor, mass: 1, velocity: .zero)
        let parameters = NBodyParameters()
        let context = try ComputeContext()
        let workload = try NBodyWorkload(device: context.device, state: state, parameters: parameters)
        try workload.advance(steps: 1)
        let after = try workload.download()
        for i in [0, 4321, 65535, 65536, count - 2] {
            let d = attractor - state.position(i)
            let r2 = (d * d).sum() + parameters.softening * parameters.softening
            let expected = d * (parameters.gravity * parameters.dt / (r2 * r2.squareRoot()))
            let error =
                ((after.velocity(i) - expected) * (after.velocity(i) - expected)).sum().squareRoot()
                / (expected * expected).sum().squareRoot()
            #expect(error < 1e-4, "body \(i): velocity \(after.velocity(i)), expected \(expected)")
        }
    }

    /// Only the shared-tile kernel has a tile loop, and the written-out iterations must divide it.
    @Test func tileUnrollingNeedsATileLoopItDivides() throws {
        let h100 = FabricatedDevices.nvidiaH100(index: 0)
        let unrolled = NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 128, unroll: 8)
        #expect(unrolled.problems(on: h100, particleCount: 1 << 20).isEmpty)
        #expect(unrolled.description == "workgroup 128, 1 bodies/invocation, tile 128, tile loop unrolled by 8")
        let prefetched = NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 128, prefetch: true, unroll: 8)
        #expect(prefetched.problems(on: h100, particleCount: 1 << 20).isEmpty)
        // Flat fields (a tuning cache, --kernel) that unroll a loop no tile has name no kernel.
        for fields in [
            (tile: 0, split: 1, pairs: false), (tile: 0, split: 4, pairs: false), (tile: 0, split: 1, pairs: true),
        ] {
            let refused = whyNoKernel {
                try NBodyKernel(
                    workgroupSize: 128, bodiesPerInvocation: 1, tileSize: fields.tile, invocationsPerBody: fields.split,
                    eachPairOnce: fields.pairs, tileUnroll: 4)
            }
            #expect(refused?.description.contains("have a tile loop to unroll") == true, "\(fields)")
        }
        for (shape, reason) in [
            (NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 96, unroll: 64), "not 64"),
            (NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 96, unroll: 5), "not 5"),
            (NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 96, unroll: 0), "not 0"),
        ] {
            #expect(shape.problems(on: h100, particleCount: 65536).contains { $0.contains(reason) }, "\(shape)")
        }
        // A cache entry of a combination no kernel has is not read as one.
        let impossible = #"{"workgroupSize":128,"bodiesPerInvocation":1,"tileSize":0,"tileUnroll":4}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NBodyKernel.self, from: Data(impossible.utf8)) }
        // Caches written before the field existed decode as the driver's own unrolling.
        let old = #"{"workgroupSize":128,"bodiesPerInvocation":1,"tileSize":128,"prefetchesTiles":false}"#
        #expect(try JSONDecoder().decode(NBodyKernel.self, from: Data(old.utf8)).tileUnroll == 1)
        #expect(try JSONDecoder().decode(NBodyKernel.self, from: JSONEncoder().encode(unrolled)) == unrolled)
    }

    /// A candidate must match the CPU within the tolerance and, run again, give the same bits.
    @Test func verificationRejectsWrongOrUnrepeatableResults() throws {
        typealias Verification = KernelTuner.Verification
        #expect(Verification(error: 1e-7, particleCount: 300, repeats: true).rejection(tolerance: 1e-4) == nil)
        #expect(
            Verification(error: 1e-3, particleCount: 300, repeats: true).rejection(tolerance: 1e-4)?.hasPrefix(
                "wrong results") == true)
        #expect(
            Verification(error: .nan, particleCount: 300, repeats: true).rejection(tolerance: 1e-4)?.hasPrefix(
                "wrong results") == true)
        #expect(
            Verification(error: 1e-7, particleCount: 300, repeats: false).rejection(tolerance: 1e-4)?.contains("a race")
                == true)
        // On the real driver: the default shape and the fixed-point pair form repeat; the float
        // pair form (no softening) need not, and is not held to it.
        let context = try ComputeContext()
        let subgroup = Int(context.device.description.limits.subgroupSize)
        let atomic = NBodyKernel.atomicPairs(workgroup: subgroup, bodies: 2)
        let tuner = KernelTuner(device: context.device, particleCount: 2000)
        #expect(
            try tuner.verify(.recommended(for: context.device.description, particleCount: 2000)).rejection(
                tolerance: 1e-4) == nil)
        #expect(try tuner.verify(atomic).rejection(tolerance: 1e-4) == nil)
        let unsoftened = KernelTuner(
            device: context.device, particleCount: 2000, parameters: NBodyParameters(softening: 0))
        #expect(try unsoftened.verify(atomic).repeats)
    }

    /// On GPUs the tuner's last trials write out the tile loops of the fastest tiled shapes
    /// that verified, by 4, 8 and 16 where the tile allows, and nothing tried before.
    @Test func theTunerUnrollsTheFastestTiledShapes() {
        let h100 = FabricatedDevices.nvidiaH100(index: 0)
        func trial(_ shape: NBodyKernel, _ rate: Double?, rejection: String? = nil) -> KernelTuner.Trial {
            KernelTuner.Trial(configuration: shape, error: 0, interactionsPerSecond: rate, rejection: rejection)
        }
        let fastest = NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 128)
        let second = NBodyKernel.tiled(workgroup: 512, bodies: 1, tile: 1024, prefetch: true)
        let third = NBodyKernel.tiled(workgroup: 32, bodies: 1, tile: 8)
        let slow = NBodyKernel.tiled(workgroup: 64, bodies: 1, tile: 64)
        let alreadyUnrolled = fastest.with(unroll: 8)
        let trials = [
            trial(NBodyKernel.atomicPairs(workgroup: 32, bodies: 8), 9e12),
            trial(NBodyKernel.tiled(workgroup: 256, bodies: 1, tile: 256), 8e12, rejection: "wrong results"),
            trial(NBodyKernel.split(workgroup: 128, invocations: 4), 7e12),
            trial(fastest, 2e12), trial(second, 1.9e12), trial(third, 1.8e12), trial(slow, 1e12),
            trial(alreadyUnrolled, 1.5e12),
        ]
        let variants = KernelTuner.unrolledVariants(of: trials, device: h100, particleCount: 1 << 20)
        func unrolled(_ shape: NBodyKernel, _ unroll: Int) -> NBodyKernel {
            shape.with(unroll: unroll)
        }
        // The 8-body tile allows only 4 and 8; 128 × 1 by 8 was tried already.
        #expect(
            variants == [
                unrolled(fastest, 4), unrolled(fastest, 16), unrolled(second, 4), unrolled(second, 8),
                unrolled(second, 16), unrolled(third, 4), unrolled(third, 8),
            ])
    }

    @Test func lavapipeShapesStayUnderTheLimitOrSayWhy() {
        let lavapipe = FabricatedDevices.lavapipe(index: 0)
        #expect(NBodyKernel.jUnroll(particleCount: 16384, device: lavapipe) == 4)
        #expect(NBodyKernel.jUnroll(particleCount: 131_072, device: lavapipe) == 4)
        #expect(NBodyKernel.jUnroll(particleCount: 600_000, device: lavapipe) == 16)
        #expect(NBodyKernel.jUnroll(particleCount: 1 << 20, device: lavapipe) == 32)
        #expect(NBodyKernel.jUnroll(particleCount: 1 << 20, device: FabricatedDevices.nvidiaH100(index: 0)) == 1)
        let streaming = NBodyKernel.streaming(workgroup: 32, bodies: 32)
        #expect(streaming.problems(on: lavapipe, particleCount: 1 << 20).isEmpty)
        #expect(!streaming.problems(on: lavapipe, particleCount: 8 << 20).isEmpty)
        let tiled = NBodyKernel.tiled(workgroup: 32, bodies: 32, tile: 32)
        #expect(tiled.problems(on: lavapipe, particleCount: 16384).isEmpty)
        #expect(
            tiled.problems(on: lavapipe, particleCount: 131_072).first?.contains(
                "stops shader loops after 65535 iterations") == true)
        // Tile loads count too: a prefetched 32-body tile runs 35 iterations per 32 bodies.
        let prefetched = NBodyKernel.tiled(workgroup: 32, bodies: 1, tile: 32, prefetch: true)
        #expect(prefetched.problems(on: lavapipe, particleCount: 55_000).isEmpty)
        #expect(prefetched.problems(on: lavapipe, particleCount: 61_000).first?.contains("stops shader loops") == true)
        // lavapipe leaves a loop over more than 32 bodies rolled, inside the j-loop: at N = 16384
        // 40, 48 and 64 bodies per invocation all stopped early. GPUs have no such limit.
        for bodies in [33, 48, 64] {
            let heavy = NBodyKernel.streaming(workgroup: 32, bodies: bodies, force: .quotient)
            #expect(
                heavy.problems(on: lavapipe, particleCount: 1000).first?.contains(
                    "does not unroll a loop over more than 32 bodies") == true)
            #expect(heavy.problems(on: FabricatedDevices.nvidiaH100(index: 0), particleCount: 1000).isEmpty)
        }
    }

    /// The check a tuning candidate must pass is large enough, on lavapipe, for a loop the
    /// driver left rolled to run into the limit, wherever the N tuned for allows.
    @Test func shapesAreCheckedWhereTheLoopLimitShows() throws {
        let context = try ComputeContext()
        let shape = NBodyKernel.streaming(workgroup: 32, bodies: 32, force: .quotient)
        #expect(KernelTuner(device: context.device, particleCount: 16384).checkParticleCount(for: shape) > 8000)
        #expect(KernelTuner(device: context.device, particleCount: 3000).checkParticleCount(for: shape) == 3000)
        #expect(KernelTuner(device: context.device, particleCount: 100).checkParticleCount(for: shape) == 1031)
    }
}

/// Why the flat fields `body` gives name no N-body kernel; nil where they name one.
func whyNoKernel(_ body: () throws -> NBodyKernel) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as NBodyKernel.Unbuildable {
        return error.description
    } catch {
        return "\(error)"
    }
}
