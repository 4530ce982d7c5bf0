import Engine
import FoundationEssentials
import TestSupport
import Testing

@testable import Simulation

/// Runs put together from their descriptions (`NBodyRun`, `LifeRun`), as `run` and a sweep's
/// tasks make them, on lavapipe.
@Suite(.serialized) struct RunDescriptionTests {
    let context: ComputeContext
    let log = ValidationLog()
    let scratch = ScratchDirectory("run-description")
    var directory: URL { scratch.url }

    init() throws {
        context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
    }

    let physics = NBodyParameters(dt: 0.001, softening: 0.01, gravity: 1)

    /// A run stopped at a checkpoint and resumed from it ends with the bits of one that ran
    /// through, and the resume keeps the kernel the checkpoint was computed with.
    @Test func aResumedNBodyRunEqualsAnUninterruptedOne() throws {
        let origin = NBodyRun.Origin.model(.plummer, particles: 300, seed: 4)
        let whole = try NBodyRun(
            from: origin, parameters: physics, steps: 40, device: context.device, given: nil, givenSource: "",
            tuned: { _ in nil },
            tuningSource: "")
        #expect(whole.choice.source == "the device's default")
        let through = try #require(try whole.session.run().finalState)

        let first = try NBodyRun(
            from: origin, parameters: physics, steps: 15, device: context.device, given: nil, givenSource: "",
            tuned: { _ in nil },
            tuningSource: "")
        let url = directory.appendingPathComponent("half.npy")
        first.session.addOutput("checkpoint") { state, step in try first.checkpoint(at: step, state).write(to: url) }
        _ = try first.session.run()
        // A tuned kernel other than the checkpoint's: the resume keeps the checkpoint's.
        let plain = NBodyKernel.streaming(workgroup: 32, bodies: 1)
        let other = whole.workload.configuration == plain ? NBodyKernel.streaming(workgroup: 64, bodies: 1) : plain
        let second = try NBodyRun(
            from: .checkpoint(try NBodyStart(resuming: url, totalSteps: 40)), parameters: physics, steps: 40,
            device: context.device, given: nil, givenSource: "", tuned: { _ in other }, tuningSource: "tuned")
        #expect(second.start.firstStep == 15)
        #expect(second.workload.configuration == whole.workload.configuration)
        let resumed = try #require(try second.session.run().finalState)
        #expect(resumed.values == through.values)
        // A kernel asked for by name wins over the checkpoint's, and the run says what that costs.
        let asked = try NBodyRun(
            from: .checkpoint(try NBodyStart(resuming: url, totalSteps: 40)), parameters: physics, steps: 40,
            device: context.device, given: other, givenSource: "--kernel", tuned: { _ in nil }, tuningSource: "")
        #expect(asked.workload.configuration == other && asked.choice.source == "--kernel")
        #expect(
            asked.choice.notes.contains { $0.contains("resumed with --kernel's") && $0.contains("not bit for bit") })
        // The checkpoint's own kernel, asked for, goes on as the checkpoint would, without a note.
        let same = try NBodyRun(
            from: .checkpoint(try NBodyStart(resuming: url, totalSteps: 40)), parameters: physics, steps: 40,
            device: context.device, given: whole.workload.configuration, givenSource: "--kernel", tuned: { _ in other },
            tuningSource: "tuned")
        #expect(same.choice.notes.isEmpty && same.workload.configuration == whole.workload.configuration)
        #expect(log.count == 0, "\(log.messages)")
    }

    /// A kernel asked for wins over the tuned one, is named in the start line, and one the
    /// device cannot run is refused before the state is made.
    @Test func anNBodyRunTakesTheKernelAskedFor() throws {
        let asked = NBodyKernel.streaming(workgroup: 32, bodies: 2)
        let run = try NBodyRun(
            from: .model(.plummer, particles: 200, seed: 3), parameters: physics, steps: 3, device: context.device,
            given: asked, givenSource: "--kernel", tuned: { _ in .streaming(workgroup: 64, bodies: 1) },
            tuningSource: "tuned")
        #expect(run.workload.configuration == asked)
        #expect(run.announcement(origin: "plummer", resumedFrom: nil).contains { $0.hasSuffix("(--kernel)") })
        let final = try #require(try run.session.run().finalState)
        let reference = NBodyReference.advance(run.start.state, parameters: physics, steps: 3)
        #expect(StateComparison(final, reference: reference).worst < 1e-4)
        let tooWide = NBodyKernel.streaming(workgroup: 2048, bodies: 1)
        #expect(throws: EngineError.self) {
            try NBodyRun(
                from: .model(.plummer, particles: 200, seed: 3), parameters: physics, steps: 3,
                device: context.device, given: tooWide, givenSource: "--kernel", tuned: { _ in nil }, tuningSource: "")
        }
        #expect(log.count == 0, "\(log.messages)")
    }

    /// A model larger than the device holds is refused before its state is made.
    @Test func aModelBeyondTheDeviceIsRefusedBeforeItIsMade() throws {
        #expect(throws: EngineError.self) {
            try NBodyRun(
                from: .model(.plummer, particles: 1 << 30, seed: 1), parameters: physics, steps: 1,
                device: context.device, given: nil, givenSource: "", tuned: { _ in nil }, tuningSource: "")
        }
    }

    /// The kernel given wins over the tuned one, which wins over the device's default; each
    /// run says which it took.
    @Test func aLifeRunSaysWhichKernelItTookAndWhy() throws {
        let setup = try LifeRunSetup(patternFile: nil, rule: nil, size: (64, 48), bounded: false)
        func run(given: LifeKernel?, tuned: LifeKernel?) throws -> LifeRun {
            try LifeRun(
                setup: setup, origin: nil, density: 0.3, seed: 2, steps: 5, device: context.device, given: given,
                givenSource: "--life-kernel", tuned: tuned, tuningSource: "tuned")
        }
        let given = try run(given: .bytes, tuned: .bits)
        #expect(given.kernel == .bytes && given.kernelSource == "--life-kernel")
        let tuned = try run(given: nil, tuned: .bits)
        #expect(tuned.kernel == .bits && tuned.kernelSource == "tuned")
        let preferred = try run(given: nil, tuned: nil)
        #expect(preferred.kernelSource == "the device's default")
        let final = try #require(try preferred.session.run().finalState)
        #expect(final == LifeReference.advance(preferred.start, rule: .conway, generations: 5))
    }

    /// The stability check compares grids on the host: a grid whose copies this host cannot
    /// hold is refused before the run, with what it needs.
    @Test func aStabilityCheckBeyondTheHostsMemoryIsRefused() {
        let problem = LifeRun.stabilityCheckMemoryProblem(width: 32768, height: 32768, memory: 8 << 30)
        #expect(problem?.contains("a 32768x32768 grid needs 10 GiB of host memory; this machine has 8 GiB") == true)
        #expect(LifeRun.stabilityCheckMemoryProblem(width: 32768, height: 32768, memory: 16 << 30) == nil)
    }

    /// A blinker settles into period 2, which its summary says; its final grid is written as
    /// RLE and as .npy, and the RLE reads back as the same grid and rule.
    @Test func aLifeRunStopsWhenStableAndWritesItsGrid() throws {
        let blinker = directory.appendingPathComponent("blinker.rle")
        try Data("x = 3, y = 1, rule = B3/S23\n3o!\n".utf8).write(to: blinker)
        let setup = try LifeRunSetup(patternFile: blinker.path, rule: nil, size: (16, 16), bounded: true)
        let run = try LifeRun(
            setup: setup, origin: nil, density: 0, seed: 1, steps: 1000, device: context.device, given: nil,
            givenSource: "", tuned: nil, tuningSource: "")
        try run.stopWhenStable()
        let report = try run.session.run()
        guard case .settled = report.summary.ending else {
            Issue.record("not settled: \(report.summary.ending)")
            return
        }
        #expect(report.summary.stepsReached < 10)
        let final = try #require(report.finalState)
        let lines = report.summaryLines(final: final, stoppedBy: nil)
        #expect(lines.first?.hasPrefix("stable: ") == true, "\(lines)")
        #expect(lines.contains("generations: \(report.summary.stepsReached)"))
        #expect(lines.contains("population: 3"))
        #expect(lines.contains { $0.hasPrefix("cell updates/s: ") && $0.hasSuffix("(wall clock)") })
        let rle = directory.appendingPathComponent("final.rle")
        try run.write(final, to: rle, comment: "a blinker")
        let read = try RLEFile.parse(String(decoding: try Data(contentsOf: rle), as: UTF8.self))
        #expect(read.rule == .conway && read.grid.population == 3)
        let npy = directory.appendingPathComponent("final.npy")
        try run.write(final, to: npy, comment: "")
        #expect(try Data(contentsOf: npy) == NPYFile.encode(final))
        #expect(log.count == 0, "\(log.messages)")
    }
}
