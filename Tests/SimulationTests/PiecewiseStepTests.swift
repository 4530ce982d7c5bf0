import Engine
import Simulation
import Testing

/// Steps submitted in pieces, so that a long one can be stopped: the pieces compute what the
/// whole dispatch does, bit for bit, and a step stopped part way leaves the state as it was.
@Suite(.serialized) struct PiecewiseStepTests {
    let context: ComputeContext
    let log = ValidationLog()

    init() throws {
        context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
    }

    /// Stops after `pieces` pieces.
    final class StopAfter {
        var left: Int
        init(_ pieces: Int) { left = pieces }
        func ask() -> Bool {
            left -= 1
            return left < 0
        }
    }

    func checkNBody(_ configuration: NBodyKernel?) throws {
        let start = InitialModel.plummer.generate(count: 3000, seed: 4, gravity: 1)
        let whole = try NBodyWorkload(
            device: context.device, state: start, parameters: NBodyParameters(), configuration: configuration)
        try whole.advance(steps: 2)
        let pieces = try NBodyWorkload(
            device: context.device, state: start, parameters: NBodyParameters(), configuration: configuration)
        // Stopped after three pieces: nothing of the step is kept.
        let stopped = try pieces.advanceInPieces(pieceSeconds: 10, shouldStop: StopAfter(3).ask)
        #expect(stopped.steps == 0)
        #expect(try pieces.download() == start)
        for _ in 0..<2 {
            let ran = try pieces.advanceInPieces(pieceSeconds: 1e-6, shouldStop: { false })
            #expect(ran.steps == 1)
        }
        #expect(
            try pieces.download().values.map(\.bitPattern) == whole.download().values.map(\.bitPattern),
            "\(pieces.kernelDescription)")
    }

    @Test func nbodyPiecesEqualTheWholeStepForEveryKernelFamily() throws {
        let device = context.device.description
        try checkNBody(nil)
        try checkNBody(try NBodyKernel(parsing: "64,1,64"))
        try checkNBody(try NBodyKernel(parsing: "8,4,0a"))
        try checkNBody(try NBodyKernel(parsing: "8,32,0qs"))
        try checkNBody(try NBodyKernel(parsing: "128,1,0,4"))
        _ = device
        #expect(log.count == 0, "\(log.messages)")
    }

    @Test func lifePiecesEqualTheWholeDispatch() throws {
        let start = LifeStart.random(width: 1024, height: 768, density: 0.4, seed: 2, rule: .conway)
        for kernel in [LifeKernel.bytes, .bits, .wide, .bitsTiled(generations: 8)] {
            let whole = try LifeWorkload(device: context.device, grid: start, rule: .conway, kernel: kernel)
            let pieces = try LifeWorkload(device: context.device, grid: start, rule: .conway, kernel: kernel)
            let stopped = try pieces.advanceInPieces(pieceSeconds: 10, shouldStop: StopAfter(1).ask)
            #expect(stopped.steps == 0, "\(kernel)")
            #expect(try pieces.download() == start, "\(kernel)")
            let ran = try pieces.advanceInPieces(pieceSeconds: 1e-6, shouldStop: { false })
            #expect(ran.steps == pieces.generationsPerDispatch)
            try whole.advance(generations: ran.steps)
            #expect(try pieces.download() == whole.download(), "\(kernel)")
        }
        #expect(log.count == 0, "\(log.messages)")
    }

    /// The run loop's first step goes in pieces: a stop asked for during it ends the run with
    /// no step done and the starting state intact.
    @Test func aStopDuringTheFirstStepEndsTheRunWithTheStartingState() throws {
        let start = InitialModel.plummer.generate(count: 3000, seed: 4, gravity: 1)
        let workload = try NBodyWorkload(device: context.device, state: start, parameters: NBodyParameters())
        let loop = RunLoop(workload: workload, totalSteps: 100, batchLimit: 100)
        let stop = StopAfter(3)
        loop.shouldStop = stop.ask
        let summary = try loop.run()
        guard case .stopRequested = summary.ending else {
            Issue.record("ended \(summary.ending)")
            return
        }
        #expect(summary.stepsReached == 0)
        #expect(try workload.download() == start)
    }
}
