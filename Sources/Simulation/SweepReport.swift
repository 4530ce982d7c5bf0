import Engine
import FoundationEssentials

/// A sweep's results as a table, one row per task (its parameters, where it ran, how it
/// ended, its timings), and as series of a metric against an axis for a plot.
public struct SweepReport {
    public struct Row {
        public var task: SweepTask
        /// Nil where the task has not ended.
        public var summary: SweepTaskSummary?
        /// completed, failed, running or pending.
        public var status: String
    }

    public let workload: SweepWorkload
    public let rows: [Row]
    /// The parameters any task has, in name order.
    public let parameterNames: [String]
    /// What each task's summary adds, in this order; `kernelRun` is the kernel that ran, where
    /// `kernel` is the parameter that asked for one.
    public static let summaryColumns = [
        "device", "driver", "kernelRun", "node", "stepsReached", "totalSteps", "stepsRun", "wallSeconds", "gpuSeconds",
        "rate", "population", "exitStatus", "message",
    ]

    /// ``summaryColumns`` and what the workload's summaries add: Gray-Scott's mean of v.
    static func summaryColumns(of workload: SweepWorkload) -> [String] {
        guard workload == .grayScott else { return summaryColumns }
        var columns = summaryColumns
        columns.insert("meanV", at: columns.firstIndex(of: "population")! + 1)
        return columns
    }

    public init(results: SweepResults) {
        workload = results.plan.workload
        parameterNames = Set(results.plan.tasks.flatMap(\.parameters.keys)).sorted()
        rows = results.plan.tasks.map { task in
            let summary = results.summary(of: task)
            return Row(
                task: task, summary: summary,
                status: summary?.status.rawValue ?? (results.hasStarted(task) ? "running" : "pending"))
        }
    }

    public var columns: [String] {
        ["task", "id", "status"] + parameterNames
            + Self.summaryColumns(of: workload).filter { !parameterNames.contains($0) }
    }

    /// The value in `column` of `row`; nil where it has none.
    public func value(_ column: String, in row: Row) -> SweepValue? {
        switch column {
        case "task": return .int(row.task.index)
        case "id": return .string(row.task.id)
        case "status": return .string(row.status)
        default: break
        }
        if let parameter = row.task.parameters[column] { return parameter }
        guard let summary = row.summary else { return nil }
        switch column {
        case "device": return summary.device.map(SweepValue.string)
        case "driver": return summary.driver.map(SweepValue.string)
        case "kernelRun": return summary.kernel.map(SweepValue.string)
        case "node": return .string(summary.node)
        case "stepsReached": return summary.stepsReached.map(SweepValue.int)
        case "totalSteps": return summary.totalSteps.map(SweepValue.int)
        case "stepsRun": return summary.stepsRun.map(SweepValue.int)
        case "wallSeconds": return summary.wallSeconds.map(SweepValue.double)
        case "gpuSeconds": return summary.gpuSeconds.map(SweepValue.double)
        case "rate": return summary.rate.map(SweepValue.double)
        case "population": return summary.population.map(SweepValue.int)
        case "meanV": return summary.meanV.map(SweepValue.double)
        case "exitStatus": return .int(Int(summary.exitStatus))
        case "message": return summary.message.map(SweepValue.string)
        default: return nil
        }
    }

    /// The table as CSV (RFC 4180): a header, then a row per task.
    public func csv() -> String {
        func field(_ value: SweepValue?) -> String {
            guard let text = value?.description else { return "" }
            guard text.contains(where: { [",", "\"", "\n", "\r"].contains($0) }) else { return text }
            return "\"" + text.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
        }
        let lines =
            [columns.joined(separator: ",")]
            + rows.map { row in
                columns.map { field(value($0, in: row)) }.joined(separator: ",")
            }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table as JSON: an object per task, without the columns it has no value for.
    public func json() throws -> Data {
        let objects = rows.map { row in
            Dictionary(
                uniqueKeysWithValues: columns.compactMap { column in value(column, in: row).map { (column, $0) } })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(objects)
    }

    /// What `metric` measures, in words, for the plot's axis.
    public func describe(_ metric: String) -> String {
        switch metric {
        case "rate": workload == .nbody ? "interactions/s" : "cell updates/s"
        case "wallSeconds": "wall time (s)"
        case "gpuSeconds": "GPU time (s)"
        default: metric
        }
    }

    /// The axis a plot puts along x by default: the first axis whose values are numbers.
    public func defaultX(axes: [String]) -> String? {
        axes.first { axis in rows.allSatisfy { number(value(axis, in: $0)) != nil } }
    }

    /// `metric` against `x` over the completed tasks, a series per value of `by` (one series
    /// when nil), sorted by label.
    /// - Throws: where a column is not in the table, or `metric` or `x` is not a number.
    public func series(
        metric: String, x: String, by: String?
    ) throws -> [(label: String, points: [(x: Double, y: Double)])] {
        for column in [metric, x] + (by.map { [$0] } ?? []) where !columns.contains(column) {
            throw EngineError.invalidInput(
                "'\(column)' is not a column of this sweep's table; it has \(columns.joined(separator: ", "))")
        }
        var groups: [String: [(x: Double, y: Double)]] = [:]
        for row in rows where row.status == "completed" {
            guard let xValue = number(value(x, in: row)), let yValue = number(value(metric, in: row)) else {
                throw EngineError.invalidInput(
                    "task \(row.task.id) has no number for \(number(value(x, in: row)) == nil ? x : metric)")
            }
            let label = by.flatMap { value($0, in: row)?.description } ?? describe(metric)
            groups[label, default: []].append((xValue, yValue))
        }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    /// Life's population against generation, a line per completed task, named by its value of
    /// `by` (and its id where tasks share one), or by its id.
    /// - Throws: for N-body sweeps, which record no population.
    public func populationSeries(by: String?) throws -> [(label: String, points: [(x: Double, y: Double)])] {
        guard workload == .life else {
            throw EngineError.invalidInput("only Life tasks record their population by generation")
        }
        if let by, !columns.contains(by) {
            throw EngineError.invalidInput(
                "'\(by)' is not a column of this sweep's table; it has \(columns.joined(separator: ", "))")
        }
        let completed = rows.filter { $0.status == "completed" && $0.summary?.populationByGeneration != nil }
        let names = completed.map { row in by.flatMap { value($0, in: row)?.description } ?? row.task.id }
        return zip(completed, names).map { row, name in
            let label = names.filter { $0 == name }.count > 1 ? "\(name) \(row.task.id)" : name
            let points = row.summary!.populationByGeneration!.compactMap { pair in
                pair.count == 2 ? (x: Double(pair[0]), y: Double(pair[1])) : nil
            }
            return (label, points)
        }
    }

    private func number(_ value: SweepValue?) -> Double? {
        switch value {
        case .int(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }
}
