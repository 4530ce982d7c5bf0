import Engine
import FoundationEssentials
import Testing

@testable import Simulation

/// The run loop on lavapipe, with real workloads: batches, cadences, stops and broken states.
@Suite(.serialized) struct RunLoopTests {
    let context: ComputeContext
    let log = ValidationLog()

    init() throws {
        context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
    }

    func nbody(count: Int = 256, dt: Float = 0.001, seed: UInt64 = 3) throws -> (NBodyWorkload, ParticleState) {
        let parameters = NBodyParameters(dt: dt, softening: 0.01, gravity: 1)
        let state = InitialModel.plummer.generate(count: count, seed: seed, gravity: parameters.gravity)
        return (try NBodyWorkload(device: context.device, state: state, parameters: parameters), state)
    }

    /// Observers run at every multiple of their cadence, counted from the original start, and
    /// see the state of exactly that step: the same bits as an uninterrupted run of as many.
    @Test func cadencesEndBatchesOnTheirMultiplesAndSeeThatStepsState() throws {
        let (workload, start) = try nbody()
        let loop = RunLoop(workload: workload, firstStep: 3, totalSteps: 40, batchLimit: 1000)
        var seen: [Int: ParticleState] = [:]
        var frames: [Int] = []
        var reported: [Int] = []
        loop.observe(every: 7) { moment in
            seen[moment.step] = try moment.state
            return .goOn
        }
        loop.observe(every: 10) { moment in
            frames.append(moment.step)
            return .goOn
        }
        loop.progress = { reported.append($0) }
        let summary = try loop.run()
        guard case .completed = summary.ending else {
            Issue.record("ended \(summary.ending)")
            return
        }
        #expect(summary.stepsReached == 40 && summary.stepsRun == 37)
        #expect(seen.keys.sorted() == [7, 14, 21, 28, 35])
        #expect(frames == [10, 20, 30, 40])
        #expect(reported.last == 40 && reported == reported.sorted())
        // 4 steps after the start (3 -> 7), redone in one submission elsewhere.
        let (check, _) = try nbody()
        try check.upload(start)
        try check.advance(steps: 4)
        #expect(try check.download().values.map(\.bitPattern) == seen[7]!.values.map(\.bitPattern))
        #expect(log.count == 0, "\(log.messages)")
    }

    /// A stop request is honoured between batches; the state reached stays on the device.
    @Test func aStopRequestEndsTheRunBetweenBatches() throws {
        let (workload, _) = try nbody()
        let loop = RunLoop(workload: workload, totalSteps: 1_000_000, batchLimit: 5)
        var batches = 0
        loop.progress = { _ in batches += 1 }
        loop.shouldStop = { batches >= 3 }
        let summary = try loop.run()
        guard case .stopRequested = summary.ending else {
            Issue.record("ended \(summary.ending)")
            return
        }
        #expect(summary.stepsReached > 0 && summary.stepsReached <= 15)
        #expect(summary.stateIsSound)
    }

    /// A run that blows up stops at the first batch whose state is not finite; no observer
    /// (the checkpoint) ever sees that state, and the last sound step is named.
    @Test func aBrokenStateEndsTheRunBeforeAnyObserverSeesIt() throws {
        let (workload, _) = try nbody(count: 64, dt: 1e30)
        let loop = RunLoop(workload: workload, totalSteps: 200, batchLimit: 1)
        var saved: [Int] = []
        loop.observe(every: 1) { moment in
            let state = try moment.state
            #expect(NBodyWorkload.breakage(of: state) == nil)
            saved.append(moment.step)
            return .goOn
        }
        let summary = try loop.run()
        guard case .broken(let step, let lastSound, let problem) = summary.ending else {
            Issue.record("ended \(summary.ending)")
            return
        }
        #expect(step < 200 && lastSound == step - 1)
        #expect(saved.last.map { $0 == lastSound } ?? (lastSound == 0))
        #expect(problem.contains("is not finite"))
        #expect(!summary.stateIsSound)
    }

    /// An observer that fails (a frame that cannot be written) ends the run with its error;
    /// the state reached is intact for the outputs still to be written.
    @Test func aFailingObserverEndsTheRunWithItsError() throws {
        let (workload, _) = try nbody()
        let loop = RunLoop(workload: workload, totalSteps: 100, batchLimit: 100)
        loop.observe(every: 10) { moment in
            if moment.step == 20 {
                try RunOutputs.named("--frames") {
                    throw FileError(path: "/full/frame_000002.png", problem: "No space left on device")
                }
            }
            return .goOn
        }
        let summary = try loop.run()
        guard case .failed(let error) = summary.ending else {
            Issue.record("ended \(summary.ending)")
            return
        }
        #expect("\(error)".hasPrefix("--frames: "))
        #expect(summary.stepsReached == 20 && summary.stateIsSound)
    }

    /// Steps paced elsewhere (a window's frames) may pass a cadence's multiple; its observer
    /// then runs at the end of that batch, once.
    @Test func stepsPacedElsewhereRunTheCadencesTheyPass() throws {
        let (workload, _) = try nbody()
        let loop = RunLoop(workload: workload, totalSteps: 100, batchLimit: 100)
        var checkpoints: [Int] = []
        loop.observe(every: 10) { moment in
            checkpoints.append(moment.step)
            return .goOn
        }
        var reached = 0
        for frame in [3, 3, 3, 3, 9, 1] {
            try workload.advance(steps: frame)
            reached += frame
            #expect(try loop.stepsAdvanced(to: reached))
        }
        #expect(checkpoints == [12, 21])
        let summary = try loop.summary(stepsReached: reached, wallSeconds: 1, stopRequested: true)
        guard case .stopRequested = summary.ending else {
            Issue.record("ended \(summary.ending)")
            return
        }
    }

    /// Steps paced elsewhere (a window's frames, a few steps each) are not all checked, since a
    /// check downloads the whole state: those an observer sees are, and the last, so that a
    /// state broken between checks reaches neither an observer nor the outputs.
    @Test func stepsPacedElsewhereAreCheckedBeforeAnythingSeesThem() throws {
        let (workload, start) = try nbody()
        var broken = start
        broken.values[5] = .nan
        for stopEarly in [false, true] {
            let loop = RunLoop(workload: workload, totalSteps: 100, batchLimit: 100)
            // No check falls due by time in this test, however slow the machine.
            loop.batchSeconds = 1e9
            var seen: [Int] = []
            loop.observe(every: 10) { moment in
                seen.append(moment.step)
                return .goOn
            }
            try workload.upload(start)
            try workload.advance(steps: 2)
            #expect(try loop.stepsAdvanced(to: 2), "the first frame is checked and sound")
            try workload.upload(broken)
            // Unchecked: no observer and no end at step 4.
            #expect(try loop.stepsAdvanced(to: 4))
            let summary: RunSummary
            if stopEarly {
                summary = try loop.summary(stepsReached: 4, wallSeconds: 1, stopRequested: true)
            } else {
                #expect(try !loop.stepsAdvanced(to: 10))
                summary = try loop.summary(stepsReached: 10, wallSeconds: 1, stopRequested: false)
            }
            guard case .broken(let step, let lastSound, let problem) = summary.ending else {
                Issue.record("ended \(summary.ending)")
                continue
            }
            #expect(step == (stopEarly ? 4 : 10) && lastSound == 2 && seen.isEmpty)
            #expect(problem.contains("is not finite") && !summary.stateIsSound)
        }
    }

    /// Life's stability check ends a run on a still life or an oscillator of period 2.
    @Test func aLifeRunStopsWhenTheGridSettles() throws {
        for (pattern, expected) in [
            ("bo$bo$bo!", "period 2 at generation 2"), ("2o$2o!", "still life (unchanged) at generation 1"),
        ] {
            let parsed = try RLEFile.parse("x = 3, y = 3\n" + pattern, largest: (16, 16))
            let grid = LifeStart.grid(width: 16, height: 16, pattern: parsed.grid)
            let workload = try LifeWorkload(device: context.device, grid: grid, rule: .conway, kernel: .bytes)
            let loop = RunLoop(workload: workload, totalSteps: 1000, batchLimit: 1000)
            try loop.stopOnceSettled(lookBack: StableStateDetector.lookBack, StableStateDetector.settled(_:generation:))
            let summary = try loop.run()
            guard case .settled(let reason) = summary.ending else {
                Issue.record("ended \(summary.ending)")
                continue
            }
            #expect(reason == expected)
        }
    }

    /// A soup that settles hundreds of generations in is checked only at the ends of batches
    /// that span many generations, yet the run ends at exactly the generation where the CPU's
    /// grids first repeat, with that generation's grid on the device, and no observer sees a
    /// generation past it; so too from a resumed start, and where a cadence ends every batch
    /// a few steps before a settled window would be whole; with kernels of one generation a
    /// dispatch and of several, on bytes and on bits.
    @Test func aSettlingRunEndsAtTheFirstSettledGeneration() throws {
        for (side, seed, firstStep, cadence, kernel) in [
            (32, 1 as UInt64, 0, 100, LifeKernel.bytes), (48, 3, 0, 64, .bitsTiled(generations: 4)),
            (48, 3, 300, 9, .wide),
        ] {
            let start = LifeStart.random(width: side, height: side, density: 0.3, seed: seed, rule: .conway)
            var grids = [start]
            var expected: (generation: Int, reason: String)?
            while expected == nil && grids.count < 5000 {
                grids.append(LifeReference.advance(grids[grids.count - 1], rule: .conway, generations: 1))
                expected = StableStateDetector.settled(Array(grids.suffix(3)), generation: grids.count - 1)
                    .map { (grids.count - 1, $0) }
            }
            let settled = try #require(expected, "seed \(seed) never settles")
            #expect(settled.generation > 200)
            let workload = try LifeWorkload(
                device: context.device, grid: grids[firstStep], rule: .conway, kernel: kernel)
            let loop = RunLoop(workload: workload, firstStep: firstStep, totalSteps: 5000, batchLimit: 100_000)
            try loop.stopOnceSettled(lookBack: StableStateDetector.lookBack, StableStateDetector.settled(_:generation:))
            var seen: [Int] = []
            loop.observe(every: cadence) { moment in
                seen.append(moment.step)
                let state = try moment.state
                #expect(moment.step < grids.count && state == grids[moment.step])
                return .goOn
            }
            let summary = try loop.run()
            guard case .settled(let reason) = summary.ending else {
                Issue.record("ended \(summary.ending)")
                continue
            }
            #expect(reason == settled.reason && summary.stepsReached == settled.generation)
            #expect(try workload.download() == grids[settled.generation])
            #expect(
                seen == Array(stride(from: (firstStep / cadence + 1) * cadence, to: settled.generation, by: cadence)))
            #expect(log.count == 0, "\(log.messages)")
        }
    }

    /// Steps paced elsewhere in batches of three (a window's frames): a soup settles at the
    /// generation the CPU names, its grid put back on the device; a pulsar (period 3) comes
    /// back to earlier grids but never settles, and the checks leave its grids as they were.
    @Test func stepsPacedElsewhereSettleWhereTheCPUSays() throws {
        let pulsar = try RLEFile.parse(
            "x = 13, y = 13\n2b3o3b3o2b2$o4bobo4bo$o4bobo4bo$o4bobo4bo$2b3o3b3o2b2$2b3o3b3o2b$o4bobo4bo$"
                + "o4bobo4bo$o4bobo4bo2$2b3o3b3o!",
            largest: (32, 32))
        for start in [
            LifeStart.random(width: 48, height: 48, density: 0.3, seed: 3, rule: .conway),
            LifeStart.grid(width: 32, height: 32, pattern: pulsar.grid),
        ] {
            var grids = [start]
            for _ in 0..<1200 {
                grids.append(LifeReference.advance(grids[grids.count - 1], rule: .conway, generations: 1))
            }
            let settledAt = (1..<grids.count).first { step in
                StableStateDetector.settled(Array(grids[max(0, step - 2)...step]), generation: step) != nil
            }
            let workload = try LifeWorkload(device: context.device, grid: start, rule: .conway, kernel: .bits)
            let loop = RunLoop(workload: workload, totalSteps: 1200, batchLimit: 1000)
            try loop.stopOnceSettled(lookBack: StableStateDetector.lookBack, StableStateDetector.settled(_:generation:))
            var done = 0
            while done < 1200 {
                try workload.advance(steps: 3)
                done += 3
                guard try loop.stepsAdvanced(to: done) else { break }
                #expect(try workload.download() == grids[done])
            }
            if let settledAt {
                guard case .settled(let reason) = loop.endingSoFar else {
                    Issue.record("ended \(String(describing: loop.endingSoFar))")
                    continue
                }
                #expect(reason == "period 2 at generation \(settledAt)" && loop.stepReached == settledAt)
                #expect(try workload.download() == grids[settledAt])
            } else {
                #expect(grids[3] == start && grids[1] != start, "a pulsar is of period 3")
                #expect(loop.endingSoFar == nil && done == 1200)
            }
            #expect(log.count == 0, "\(log.messages)")
        }
    }

    /// The batch grows toward a quarter second and never past its limit.
    @Test func batchesAreSizedToTheirTarget() {
        #expect(
            RunLoop<NBodyWorkload>.nextBatch(
                after: 1, took: .nanoseconds(Int64(0.001 * 1e9)), target: 0.25, limit: 10_000) == 250)
        #expect(
            RunLoop<NBodyWorkload>.nextBatch(
                after: 100, took: .nanoseconds(Int64(10 * 1e9)), target: 0.25, limit: 10_000) == 2)
        #expect(
            RunLoop<NBodyWorkload>.nextBatch(
                after: 1, took: .nanoseconds(Int64(100 * 1e9)), target: 0.25, limit: 10_000) == 1)
        #expect(
            RunLoop<NBodyWorkload>.nextBatch(after: 1, took: .nanoseconds(Int64(1e-9 * 1e9)), target: 0.25, limit: 500)
                == 500)
    }
}

/// Outputs are written independently: one failure costs no other, and each is named.
@Test func runOutputsWriteEveryOneThatCanBeWritten() {
    var outputs = RunOutputs()
    var written: [String] = []
    outputs.add("--png") { throw FileError(path: "/full/final.png", problem: "No space left on device") }
    outputs.add("--output") { written.append("--output") }
    outputs.add("--checkpoint") { written.append("--checkpoint") }
    let failures = outputs.writeAll()
    #expect(written == ["--output", "--checkpoint"])
    #expect(failures.map(\.name) == ["--png"])
    #expect("\(failures[0])".contains("No space left on device"))
}
