import Engine

/// `sweep plan`: the numbered tasks and the array range a scheduler takes.
public struct SweepPlanReport: CommandReport {
    public struct Task: Encodable {
        public var index: Int
        public var id: String
        public var parameters: [String: SweepValue]
    }

    public var workload: SweepWorkload
    public var count: Int
    public var array: String
    public var tasks: [Task]
    private var summaries: [String]

    private enum CodingKeys: String, CodingKey {
        case workload, count, array, tasks
    }

    public init(_ plan: SweepPlan) {
        workload = plan.workload
        count = plan.tasks.count
        array = "0-\(plan.tasks.count - 1)"
        tasks = plan.tasks.map { Task(index: $0.index, id: $0.id, parameters: $0.parameters) }
        summaries = plan.tasks.map(\.summary)
    }

    public var lines: [String] {
        zip(tasks, summaries).map { "\($0.id)  \($1)" } + ["\(count) \(workload.rawValue) tasks (--array=\(array))"]
    }
}

/// `sweep status`: how many tasks are done, running, failed and pending, and why each failed.
public struct SweepStatusReport: CommandReport {
    public struct Failed: Encodable {
        public var task: Int
        public var id: String
        public var message: String
    }

    public var tasks, done, running, pending: Int
    public var failed: [Failed]
    private var failedSummaries: [String]

    private enum CodingKeys: String, CodingKey {
        case tasks, done, running, pending, failed
    }

    public init(_ results: SweepResults) {
        let status = results.status()
        tasks = results.plan.tasks.count
        (done, running, pending) = (status.done, status.running, status.pending)
        failed = status.failed.map { Failed(task: $0.task.index, id: $0.task.id, message: $0.message) }
        failedSummaries = status.failed.map(\.task.summary)
    }

    public var lines: [String] {
        ["\(tasks) tasks: \(done) done, \(running) running, \(failed.count) failed, \(pending) pending"]
            + zip(failed, failedSummaries).map { "failed \($0.id) (\($1)): \($0.message)" }
    }
}

extension SweepTaskRunner.Outcome {
    /// How the task ended, as `sweep run` prints it: the summary's lines (standard output)
    /// and, where a stop ended it, the error (standard error).
    /// - Parameter stoppedBy: what asked the task to stop.
    public func report(
        of task: SweepTask, in results: SweepResults, stoppedBy: String?
    ) -> (
        lines: [String], error: String?
    ) {
        switch self {
        case .alreadyDone:
            return (["task \(task.id): already completed; nothing to do"], nil)
        case .stopped(let step, let resumable):
            return (
                [],
                "task \(task.id): stopped by \(stoppedBy ?? "a stop request") at step \(step); "
                    + (resumable ? "its checkpoint lets the next run go on from there" : "the next run starts it again")
            )
        case .ended(let summary):
            let folder = results.folder(of: task).path
            var lines = ["task \(task.id): \(summary.status.rawValue)\(summary.message.map { " (\($0))" } ?? "")"]
            if let reached = summary.stepsReached, let total = summary.totalSteps {
                lines.append("steps: \(reached) of \(total)")
            }
            if let rate = summary.rate { lines.append("rate: \(scientific(rate))/s") }
            if let population = summary.population { lines.append("population: \(population)") }
            if let output = summary.output { lines.append("output: \(folder)/\(output)") }
            if let picture = summary.picture { lines.append("png: \(folder)/\(picture)") }
            return (lines, nil)
        }
    }

    /// Whether the task has completed, now or before.
    public var completed: Bool {
        switch self {
        case .alreadyDone: true
        case .stopped: false
        case .ended(let summary): summary.status == .completed
        }
    }
}

extension SweepTask {
    /// What `sweep run` says as the task starts: "task 0003 of 9: particles 1024, seed 3".
    public func startLine(of count: Int) -> String { "task \(id) of \(count): \(summary)" }
}

extension SweepClaims {
    /// What a `--claim` worker says at its end.
    public static func workerLine(ran: Int, failed: Int, stopped: Bool) -> String {
        "worker: \(ran) task(s) run, \(failed) failed or stopped; \(stopped ? "stopped" : "none left")"
    }
}
