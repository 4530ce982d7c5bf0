import Engine
import FoundationEssentials

/// A run as a command (or a sweep's task) makes it: the run loop, what it draws and saves
/// along the way, and the outputs written from the final state, each on its own, so that one
/// that cannot be written costs none of the others.
public final class RunSession<W: Workload> {
    public let loop: RunLoop<W>
    public var workload: W { loop.workload }
    private var outputs: [(name: String, write: (W.State, Int) throws -> Void)] = []
    /// The step of the last checkpoint written along the way, which a broken state leaves in place.
    public private(set) var lastCheckpoint: Int?

    public init(_ loop: RunLoop<W>) {
        self.loop = loop
    }

    /// Draws now, and again every `every` steps; a drawing that fails ends the run as a
    /// failure of the output `name`.
    public func addFrames(every: Int, named name: String, _ draw: @escaping () throws -> Void) throws {
        try draw()
        loop.observe(every: every) { _ in
            try RunOutputs.named(name) { try draw() }
            return .goOn
        }
    }

    /// Saves the state every `every` steps before the last (the last is an output's job).
    public func addCheckpoints(
        every: Int, named name: String, _ save: @escaping (_ step: Int, _ state: W.State) throws -> Void
    ) {
        let totalSteps = loop.totalSteps
        loop.observe(every: every) { [unowned self] moment in
            guard moment.step < totalSteps else { return .goOn }
            try RunOutputs.named(name) { try save(moment.step, try moment.state) }
            lastCheckpoint = moment.step
            return .goOn
        }
    }

    /// Writes the output `name` at the end, from the final state (where it is sound) and the
    /// step it is at.
    public func addOutput(_ name: String, _ write: @escaping (_ final: W.State, _ step: Int) throws -> Void) {
        outputs.append((name, write))
    }

    /// Runs to the end and writes the outputs.
    /// - Parameter window: where a window paces the run, the window's loop: it advances the
    ///   workload itself, asks its first argument whether to stop (close), tells its second
    ///   the steps it has done so far (cadences and the state checks follow them), which
    ///   answers whether to go on stepping (not once the run settled: the window then shows
    ///   the settled state until it closes), and returns the steps done. Nil: the run loop
    ///   advances in batches on its own.
    public func run(
        pacedBy window: (
            (_ shouldStop: @escaping () -> Bool, _ advanced: @escaping (Int) throws -> Bool) throws -> Int
        )? = nil
    ) throws -> RunReport<W> {
        let summary: RunSummary
        if let window {
            let started = Date()
            let loop = self.loop
            func settled() -> Bool { if case .settled = loop.endingSoFar { true } else { false } }
            let done = try window(
                { loop.shouldStop() || (loop.endingSoFar != nil && !settled()) },
                { try loop.stepsAdvanced(to: loop.firstStep + $0) })
            summary = try loop.summary(
                stepsReached: settled() ? loop.stepReached : loop.firstStep + done,
                wallSeconds: Date().timeIntervalSince(started), stopRequested: loop.shouldStop())
        } else {
            summary = try loop.run()
        }
        let final = summary.stateIsSound ? try workload.download() : nil
        var writing = RunOutputs()
        if let final {
            for output in outputs { writing.add(output.name) { try output.write(final, summary.stepsReached) } }
        }
        return RunReport(
            summary: summary, finalState: final, failures: writing.writeAll(), lastCheckpoint: lastCheckpoint)
    }
}

/// How a run ended and what it wrote.
public struct RunReport<W: Workload> {
    public var summary: RunSummary
    /// The state reached, where it is sound (outputs were written from it).
    public var finalState: W.State?
    /// The outputs that could not be written, with the reason.
    public var failures: [RunOutputs.Failure]
    /// The step of the last checkpoint written along the way.
    public var lastCheckpoint: Int?

    /// Whether the output `name` was written.
    public func wrote(_ name: String) -> Bool {
        finalState != nil && !failures.contains { $0.name == name }
    }
}
