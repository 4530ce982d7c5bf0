import Engine
import FoundationEssentials
import Testing

@testable import Simulation

/// Runs as commands make them, on lavapipe: frames and checkpoints along the way, outputs at
/// the end, each written on its own, and runs a window paces.
@Suite(.serialized) struct RunSessionTests {
    let context: ComputeContext
    let log = ValidationLog()

    init() throws {
        context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
    }

    struct Unwritable: Error {}

    func nbody(dt: Float = 0.001) throws -> NBodyWorkload {
        let parameters = NBodyParameters(dt: dt, softening: 0.01, gravity: 1)
        let state = InitialModel.plummer.generate(count: 200, seed: 5, gravity: parameters.gravity)
        return try NBodyWorkload(device: context.device, state: state, parameters: parameters)
    }

    /// Frames at the start and on their cadence, checkpoints on theirs before the last step,
    /// and every output written but the one that fails, each from the final state and step.
    @Test func framesCheckpointsAndOutputsEachOnTheirOwn() throws {
        let workload = try nbody()
        let session = RunSession(RunLoop(workload: workload, firstStep: 2, totalSteps: 30, batchLimit: 1000))
        var frames = 0
        var checkpoints: [Int] = []
        var written: [String: Int] = [:]
        try session.addFrames(every: 10, named: "--frames") { frames += 1 }
        session.addCheckpoints(every: 6, named: "--checkpoint") { step, state in
            #expect(state.count == 200)
            checkpoints.append(step)
        }
        session.addOutput("--output") { _, step in written["--output"] = step }
        session.addOutput("--png") { _, _ in throw Unwritable() }
        session.addOutput("--checkpoint") { _, step in written["--checkpoint"] = step }
        let report = try session.run()
        #expect(frames == 4, "the start, then steps 10, 20 and 30")
        #expect(checkpoints == [6, 12, 18, 24], "the last step's checkpoint is an output's")
        #expect(report.lastCheckpoint == 24)
        #expect(written == ["--output": 30, "--checkpoint": 30])
        #expect(report.failures.map(\.name) == ["--png"])
        #expect(report.wrote("--output") && report.wrote("--checkpoint") && !report.wrote("--png"))
        let downloaded = try workload.download()
        #expect(report.finalState?.values == downloaded.values)
        #expect(log.count == 0, "\(log.messages)")
    }

    /// A state that breaks writes no output at the end, and the last checkpoint stays the one
    /// before it broke.
    @Test func aBrokenStateWritesNothingAtTheEnd() throws {
        // A huge time step flings the bodies apart until their positions overflow.
        let workload = try nbody(dt: 1e18)
        let session = RunSession(RunLoop(workload: workload, totalSteps: 400, batchLimit: 10))
        var written = false
        session.addCheckpoints(every: 1, named: "--checkpoint") { _, _ in }
        session.addOutput("--output") { _, _ in written = true }
        let report = try session.run()
        guard case .broken(let step, let lastSound, _) = report.summary.ending else {
            Issue.record("ended \(report.summary.ending)")
            return
        }
        #expect(!written && report.finalState == nil && !report.wrote("--output"))
        #expect(report.lastCheckpoint == lastSound && lastSound < step)
    }

    /// A window's loop paces the run: it advances the workload itself, its steps drive the
    /// cadences, and it stops when the run's cadence asks the run to.
    @Test func aWindowPacedRunFollowsTheStepsTheWindowReports() throws {
        let workload = try nbody()
        let loop = RunLoop(workload: workload, totalSteps: 50, batchLimit: 1000)
        let session = RunSession(loop)
        var frames = 0
        try session.addFrames(every: 4, named: "--frames") { frames += 1 }
        loop.observe(every: 4) { moment in moment.step >= 12 ? .stop("enough") : .goOn }
        var outputStep: Int?
        session.addOutput("--output") { _, step in outputStep = step }
        let report = try session.run(pacedBy: { shouldStop, advanced in
            var done = 0
            while !shouldStop() && done < 50 {
                try workload.advance(steps: 2)
                done += 2
                try advanced(done)
            }
            return done
        })
        #expect(report.summary.stepsReached == 12)
        #expect(frames == 4, "the start, then steps 4, 8 and 12")
        #expect(outputStep == 12)
        #expect(log.count == 0, "\(log.messages)")
    }
}
