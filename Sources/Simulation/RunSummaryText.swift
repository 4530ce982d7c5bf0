import Engine

extension RunReport {
    /// Why the run failed, after its summary, where it did not end as asked: its state broke,
    /// an output along the way or at the end could not be written (those that could were).
    /// - Parameters:
    ///   - unit: what a step is called ("steps", "generations").
    ///   - advice: what to change where the state broke.
    public func problems(unit: String, advice: String) -> [String] {
        var problems: [String] = []
        switch summary.ending {
        case .broken(let step, let lastSound, let problem):
            let kept = lastCheckpoint.map { "; the checkpoint of step \($0) is kept" } ?? ""
            problems.append(
                "the state became non-finite between \(unit) \(lastSound) and \(step): \(problem); \(advice). "
                    + "No state was written at the end, as it could never be resumed\(kept)")
        case .failed(let error):
            problems.append(
                "\(error); the run stopped after \(summary.stepsReached) of \(summary.totalSteps) \(unit)")
        case .completed, .stopRequested, .settled:
            break
        }
        return problems + failures.map(\.problem)
    }

    /// "NAME: PATH" for each output written, in the order given.
    public func writtenLines(_ outputs: [(name: String, line: String)]) -> [String] {
        outputs.filter { wrote($0.name) }.map(\.line)
    }

    /// "stopped: SIGINT after 120 of 1000 steps" where a signal ended the run early (not one
    /// that closed a window showing a run that had settled).
    func stoppedLine(by signal: String?, unit: String) -> [String] {
        if case .settled = summary.ending { return [] }
        guard let signal, summary.stepsReached < summary.totalSteps else { return [] }
        return ["stopped: \(signal) after \(summary.stepsReached) of \(summary.totalSteps) \(unit)"]
    }
}

extension RunReport where W == NBodyWorkload {
    /// The summary of an N-body run from `start` on `workload`: steps, rates and, for systems
    /// small enough to sum on the CPU, the drift of the total energy.
    /// - Parameter stoppedBy: the signal that stopped the run, if one did.
    public func summaryLines(start: NBodyStart, workload: NBodyWorkload, stoppedBy: String?) -> [String] {
        var lines = stoppedLine(by: stoppedBy, unit: "steps")
        lines.append("steps: \(summary.stepsReached)\(start.firstStep > 0 ? " (\(summary.stepsRun) in this run)" : "")")
        lines.append("particles: \(start.state.count)")
        lines.append("wall time: \(fixed(summary.wallSeconds, 3)) s")
        if summary.stepsRun > 0 {
            let seconds = summary.ratedSeconds
            let clock = summary.gpuSeconds != nil ? " (GPU time)" : ""
            lines.append("steps/s: \(fixed(Double(summary.stepsRun) / seconds, 1))\(clock)")
            lines.append(
                "interactions/s: \(scientific(workload.interactionsPerStep * Double(summary.stepsRun) / seconds))")
        }
        if let finalState, start.state.count <= 16384 {
            let before = NBodyDiagnostics(start.state, parameters: start.parameters).totalEnergy
            let after = NBodyDiagnostics(finalState, parameters: start.parameters).totalEnergy
            let drift = before != 0 ? (after - before) / abs(before) : 0
            lines.append(
                "energy: \(scientific(before, digits: 6)) -> \(scientific(after, digits: 6)) "
                    + "(relative drift \(scientific(drift)))")
        }
        return lines
    }
}

extension RunReport where W == LifeWorkload {
    /// The summary of a Life run: generations, the population of `final` and the rate.
    public func summaryLines(final: LifeGrid, stoppedBy: String?) -> [String] {
        var lines = stoppedLine(by: stoppedBy, unit: "generations")
        if case .settled(let stable) = summary.ending { lines.append("stable: \(stable)") }
        let done = summary.stepsReached
        lines.append("generations: \(done)")
        lines.append("population: \(final.population)")
        lines.append("wall time: \(fixed(summary.wallSeconds, 3)) s")
        if done > 0 {
            let rate = Double(final.width * final.height) * Double(done) / summary.wallSeconds
            lines.append("cell updates/s: \(scientific(rate)) (wall clock)")
        }
        return lines
    }
}
