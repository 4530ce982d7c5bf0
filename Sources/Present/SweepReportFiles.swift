import Engine
import FoundationEssentials
import Simulation

extension SweepReport {
    /// `sweep report`: the table as PREFIX.csv and PREFIX.json and a plot of `metric` against
    /// `x` (default: the first numeric axis), a line per value of `by` (default: another
    /// axis), as PREFIX.png; `x` "generation" plots Life's population over time. Each file is
    /// written on its own, whole or not at all.
    /// - Returns: what to print (the files written, what the table and plot hold) and the
    ///   files that could not be written.
    /// - Throws: before anything is written, where a column named is not in the table.
    public func write(
        prefix: String, metric: String, x: String?, by: String?, axes: [String]
    ) throws -> (lines: [String], failures: [RunOutputs.Failure]) {
        guard let x = x ?? defaultX(axes: axes) else {
            throw EngineError.invalidInput("no axis of this sweep is numeric; give --x COLUMN")
        }
        let by = by ?? axes.first { $0 != x }
        let overTime = x == "generation"
        let metric = overTime ? "population" : metric
        let series = try overTime ? populationSeries(by: by) : self.series(metric: metric, x: x, by: by)
        var outputs = RunOutputs()
        outputs.add("CSV") { try AtomicFile.write(Data(csv().utf8), to: URL(fileURLWithPath: prefix + ".csv")) }
        outputs.add("JSON") { try AtomicFile.write(try json(), to: URL(fileURLWithPath: prefix + ".json")) }
        outputs.add("PNG") {
            let plot = LinePlot(
                title: "\(describe(metric)) against \(x)" + (by.map { " by \($0)" } ?? ""),
                xLabel: x, yLabel: describe(metric),
                series: series.map { LinePlot.Series(label: $0.label, points: $0.points) })
            try plot.render().write(to: URL(fileURLWithPath: prefix + ".png"))
        }
        let failures = outputs.writeAll()
        let written = ["CSV": "csv", "JSON": "json", "PNG": "png"].filter { name, _ in
            !failures.contains { $0.name == name }
        }
        let plotted = series.reduce(0) { $0 + $1.points.count }
        return (
            written.sorted { $0.key < $1.key }.map { "\(prefix).\($0.value)" }
                + ["\(rows.count) tasks in the table; \(plotted) point(s) plotted in \(series.count) line(s)"],
            failures
        )
    }
}
