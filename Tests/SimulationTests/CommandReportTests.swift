import FoundationEssentials
import TestSupport
import Testing

@testable import Engine
@testable import Simulation

/// What the commands print, formatted by the library: run summaries and their problems,
/// verification, tuning and sweep reports, as text and as JSON; runs on lavapipe.
@Suite(.serialized) struct CommandReportTests {
    let context: ComputeContext
    let log = ValidationLog()
    let scratch = ScratchDirectory("command-reports")

    init() throws {
        context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
    }

    let physics = NBodyParameters(dt: 0.001, softening: 0.01, gravity: 1)

    /// The top-level keys of `value`'s JSON.
    func jsonKeys(_ value: some Encodable) throws -> Set<String> {
        try JSONDecoder().decode(TopLevelKeys.self, from: try JSONEncoder().encode(value)).names
    }

    /// A completed run says its steps, bodies, rates and energy drift; a stopped one says what
    /// stopped it first; outputs are named only where written.
    @Test func anNBodyRunSummarySaysWhatRanAndWhatWasWritten() throws {
        let start = NBodyStart(
            state: InitialModel.plummer.generate(count: 200, seed: 3, gravity: 1), parameters: physics)
        let workload = try NBodyWorkload(device: context.device, state: start.state, parameters: physics)
        let session = RunSession(RunLoop(workload: workload, totalSteps: 30, batchLimit: 1000))
        session.addOutput("--output") { _, _ in }
        session.addOutput("--png") { _, _ in throw EngineError.invalidInput("disk full") }
        let report = try session.run()
        let lines = report.summaryLines(start: start, workload: workload, stoppedBy: nil)
        #expect(lines.first == "steps: 30")
        #expect(lines.contains("particles: 200"))
        #expect(lines.contains { $0.hasPrefix("steps/s: ") && $0.hasSuffix("(GPU time)") })
        #expect(lines.contains { $0.hasPrefix("interactions/s: ") })
        let energy = try #require(lines.first { $0.hasPrefix("energy: ") })
        #expect(energy.contains("relative drift"))
        #expect(
            report.writtenLines([("--output", "output: a.npy"), ("--png", "png: a.png")]) == ["output: a.npy"])
        #expect(report.problems(unit: "steps", advice: "") == ["--png: disk full; not written"])

        let stopped = RunSession(RunLoop(workload: workload, totalSteps: 1000, batchLimit: 10))
        var batches = 0
        stopped.loop.shouldStop = {
            batches += 1
            return batches > 2
        }
        let stoppedReport = try stopped.run()
        let stoppedLines = stoppedReport.summaryLines(start: start, workload: workload, stoppedBy: "SIGTERM")
        let reached = stoppedReport.summary.stepsReached
        #expect(reached < 1000)
        #expect(stoppedLines.first == "stopped: SIGTERM after \(reached) of 1000 steps")
        #expect(stoppedReport.problems(unit: "steps", advice: "").isEmpty)
        #expect(log.count == 0, "\(log.messages)")
    }

    /// A state that breaks is a problem that names the steps, the advice and the checkpoint kept.
    @Test func aBrokenRunIsAProblemWithAdvice() throws {
        let start = NBodyStart(
            state: InitialModel.plummer.generate(count: 200, seed: 3, gravity: 1),
            parameters: NBodyParameters(dt: 1e18, softening: 0.01, gravity: 1))
        let workload = try NBodyWorkload(device: context.device, state: start.state, parameters: start.parameters)
        let session = RunSession(RunLoop(workload: workload, totalSteps: 400, batchLimit: 10))
        session.addCheckpoints(every: 1, named: "--checkpoint") { _, _ in }
        let report = try session.run()
        let problems = report.problems(unit: "steps", advice: "reduce --dt")
        #expect(problems.count == 1)
        let problem = try #require(problems.first)
        #expect(problem.hasPrefix("the state became non-finite between steps "), "\(problem)")
        #expect(problem.contains("; reduce --dt. No state was written at the end"), "\(problem)")
        #expect(problem.hasSuffix("the checkpoint of step \(try #require(report.lastCheckpoint)) is kept"))
        #expect(report.writtenLines([("--output", "output: x.npy")]).isEmpty)
    }

    /// `verify nbody`'s lines: errors, the rerun and the verdict, which a tolerance too tight fails.
    @Test func nbodyVerificationSaysItsVerdict() throws {
        let state = InitialModel.plummer.generate(count: 256, seed: 2, gravity: 1)
        let workload = try NBodyWorkload(device: context.device, state: state, parameters: physics)
        let passing = try NBodyVerification(workload, from: state, steps: 2, tolerance: 1e-3)
        #expect(
            NBodyVerification.headerLines(workload: workload, steps: 2).last
                == "particles: 256, steps: 2, kernel: \(workload.kernelDescription)")
        #expect(passing.lines.first?.hasPrefix("position error: max ") == true)
        #expect(passing.lines.contains("repeat: the same bits"))
        #expect(passing.lines.last == "PASS (tolerance 1.00e-03)")
        let failing = try NBodyVerification(workload, from: state, steps: 2, tolerance: 1e-15)
        #expect(failing.lines.last?.hasPrefix("FAIL: error ") == true, "\(failing.lines)")
        let sampled = try NBodyVerification(workload, from: state, steps: 1, tolerance: 1e-3, sample: 10)
        #expect(
            sampled.lines.first == "checked: 10 bodies sampled from 256, their step computed on the CPU against all 256"
        )
    }

    /// `verify life` says the device, the start, each kernel's difference and the verdict.
    @Test func lifeVerificationSaysEachKernel() throws {
        let setup = try LifeRunSetup(
            patternFile: nil, rule: LifeRuleSpecification(parsing: "B2/S/C3"), size: (40, 30), bounded: false)
        var lines: [String] = []
        let passed = try LifeVerification.verify(
            setup, kernel: nil, origin: nil, density: 0.4, seed: 3, generations: 5, on: context.device
        ) { lines.append($0) }
        #expect(passed)
        #expect(lines.first?.hasPrefix("device: [") == true)
        #expect(
            lines.contains { $0.hasPrefix("start: random, density 0.4, seed 3, ") && $0.hasSuffix(" cells not dead") })
        for kernel in LifeKernel.candidates(for: setup.rule, on: context.device.description) {
            #expect(
                lines.contains(
                    "Life \(setup.rule) on 40x30, \(kernel) kernel, 5 generations: 0 cells differ from the CPU "
                        + "reference"
                ),
                "\(lines)")
        }
        #expect(lines.last == "PASS (bit-exact)")
    }

    /// The tuning reports keep `tune --json`'s keys, and their text names the winner, the
    /// default's rate and the rejections.
    @Test func tuningReportsAsTextAndJSON() throws {
        let device = context.device.description
        let untuned = NBodyKernel.recommended(for: device, particleCount: 1000)
        let fast = KernelTuner.Trial(
            configuration: .streaming(workgroup: 64, bodies: 1), error: 1e-6, interactionsPerSecond: 2e9)
        let rejected = KernelTuner.Trial(
            configuration: .streaming(workgroup: 32, bodies: 1), rejection: "wrong results")
        #expect(![fast.configuration, rejected.configuration].contains(untuned))
        var defaultShape = KernelTuner.Trial(configuration: untuned, error: 1e-6, interactionsPerSecond: 1e9)
        defaultShape.confirmedInteractionsPerSecond = 1.5e9
        func nbody(_ trials: [KernelTuner.Trial]) -> NBodyTuningReport {
            NBodyTuningReport(
                device: device, particles: 1000, winner: fast, cache: "/c.json", trials: trials, stoppedBy: nil)
        }
        let report = nbody([rejected, defaultShape, fast])
        #expect(
            report.lines == [
                "winner: \(fast.configuration): 2.00e+09 interactions/s (default: 1.50e+09)",
                "tried: 3, rejected: 1", "cache: /c.json",
            ])
        // Where the device's default was rejected, no other shape is called the default.
        var rejectedNBodyDefault = defaultShape
        (rejectedNBodyDefault.error, rejectedNBodyDefault.rejection) = (nil, "wrong results")
        rejectedNBodyDefault.interactionsPerSecond = nil
        rejectedNBodyDefault.confirmedInteractionsPerSecond = nil
        #expect(
            nbody([rejectedNBodyDefault, rejected, fast]).lines.first
                == "winner: \(fast.configuration): 2.00e+09 interactions/s")
        #expect(try jsonKeys(report) == ["device", "particles", "winner", "cache", "trials"])
        #expect(rejected.outcome == "REJECTED: wrong results")
        #expect(
            rejected.line(index: 1, total: 3, label: "tune N=1000 ")
                == "tune N=1000 [1/3] \(rejected.configuration): REJECTED: wrong results")
        #expect(
            NBodyTuningReport.startLine(device: context.device.description, particles: 1000, budget: 30)
                .hasSuffix(", N=1000, budget 30 s"))
        #expect(
            TuningStore.stoppedLine(by: "SIGINT", tried: 4).hasPrefix("SIGINT: the search stopped after 4 candidates"))
        #expect(fast.outcome == "2.00e+09 interactions/s (verified, error 1.0e-06)")
        #expect(
            KernelTuner.finalRoundLines([defaultShape], label: "x ") == [
                "x final round, 1 shapes in interleaved runs:",
                "x   \(defaultShape.configuration): 1.50e+09 interactions/s (first pass 1.00e+09)",
            ])
        #expect(KernelTuner.finalRoundLines([]).first?.hasPrefix("no final round") == true)

        let life = LifeTuningReport(
            device: "lavapipe", width: 64, height: 32, rule: .conway, winner: .bits, rate: 3e9, cache: "/c.json",
            trials: [
                LifeKernelTuner.Trial(kernel: "wide", cellUpdatesPerSecond: 1e9),
                LifeKernelTuner.Trial(kernel: "tiled:64", rejection: "too large"),
            ], stoppedBy: "SIGINT")
        #expect(
            life.lines == [
                "winner: bits: 3.00e+09 cell updates/s (default: 1.00e+09)", "tried: 2, rejected: 1", "cache: /c.json",
            ])
        #expect(
            try jsonKeys(life) == ["device", "width", "height", "rule", "winner", "cache", "trials", "stoppedBy"])
        #expect(
            LifeKernelTuner.Trial(kernel: "wide", cellUpdatesPerSecond: 1e9).line(index: 2, total: 5)
                == "[2/5] wide: 1.00e+09 cell updates/s (verified bit-exact)")

        // Gray-Scott names the default's rate only where the device's default shape was verified.
        let initial = GrayScottKernel.defaultKernel(for: device)
        var byDefault = GrayScottKernelTuner.Trial(initial)
        byDefault.cellUpdatesPerSecond = 1e8
        var wider = GrayScottKernelTuner.Trial(GrayScottKernel(rows: 32, columns: initial.columns))
        wider.cellUpdatesPerSecond = 2e8
        func grayScott(_ trials: [GrayScottKernelTuner.Trial]) -> [String] {
            GrayScottTuningReport(
                device: device, width: 64, height: 64, kernel: wider.kernel, rate: 2e8, cache: "/c.json",
                trials: trials, stoppedBy: nil
            ).lines
        }
        #expect(
            grayScott([byDefault, wider]).first
                == "winner: \(wider.kernel): 2.00e+08 cell updates/s (default: 1.00e+08)")
        var rejectedDefault = byDefault
        (rejectedDefault.cellUpdatesPerSecond, rejectedDefault.rejection) = (nil, "wrong results")
        #expect(grayScott([rejectedDefault, wider]).first == "winner: \(wider.kernel): 2.00e+08 cell updates/s")
    }

    /// `sweep plan` and `sweep status`: the tasks, the array range, and the counts.
    @Test func sweepPlanAndStatusReports() throws {
        let plan = try SweepPlan(
            json: #"{"workload": "life", "axes": {"seed": [1, 2, 3]}, "fixed": {"steps": 5, "size": "16x16"}}"#)
        let report = SweepPlanReport(plan)
        #expect(report.lines.count == 4)
        #expect(report.lines.first == "0  \(plan.tasks[0].summary)")
        #expect(report.lines.last == "3 life tasks (--array=0-2)")
        #expect(try jsonKeys(report) == ["workload", "count", "array", "tasks"])

        let results = try SweepResults(folder: scratch.url.appendingPathComponent("sweep"), plan: plan)
        let status = SweepStatusReport(results)
        #expect(status.lines == ["3 tasks: 0 done, 0 running, 0 failed, 3 pending"])
        #expect(try jsonKeys(status) == ["tasks", "done", "running", "pending", "failed"])

        var runner = SweepTaskRunner(results: results, device: context.device)
        runner.note = { _ in }
        let outcome = try runner.run(plan.tasks[1])
        #expect(outcome.completed)
        let (lines, error) = outcome.report(of: plan.tasks[1], in: results, stoppedBy: nil)
        #expect(error == nil)
        #expect(lines.first == "task 1: completed")
        #expect(lines.contains("steps: 5 of 5"))
        #expect(lines.contains { $0.hasPrefix("output: \(results.folder(of: plan.tasks[1]).path)/") })
        let again = try runner.run(plan.tasks[1])
        #expect(
            again.report(of: plan.tasks[1], in: results, stoppedBy: nil).lines == [
                "task 1: already completed; nothing to do"
            ])
        #expect(SweepStatusReport(results).lines == ["3 tasks: 1 done, 0 running, 0 failed, 2 pending"])
        #expect(plan.tasks[2].startLine(of: 3) == "task 2 of 3: \(plan.tasks[2].summary)")
        #expect(
            SweepClaims.workerLine(ran: 2, failed: 1, stopped: false)
                == "worker: 2 task(s) run, 1 failed or stopped; none left")
        let stopped = SweepTaskRunner.Outcome.stopped(step: 40, resumable: true)
        #expect(!stopped.completed)
        #expect(
            stopped.report(of: plan.tasks[2], in: results, stoppedBy: "SIGTERM").error
                == "task 2: stopped by SIGTERM at step 40; its checkpoint lets the next run go on from there")
        #expect(log.count == 0, "\(log.messages)")
    }
}

/// The keys of a JSON object, whatever their values.
private struct TopLevelKeys: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var names: Set<String>

    init(from decoder: any Decoder) throws {
        names = Set(try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue))
    }
}
