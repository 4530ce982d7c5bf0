import Engine
import FoundationEssentials
import Testing

@testable import Simulation

/// A sweep's table and its series, from a results folder with summaries as tasks leave them.
struct SweepReportTests {
    @Test func theTableHasARowPerTaskAndSeriesGroupByAColumn() throws {
        let text = #"{"workload": "nbody", "axes": {"particles": [100, 1000], "model": ["cube", "plummer"]}}"#
        let plan = try SweepPlan(json: text)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try SweepResults(folder: folder, plan: plan)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Tasks 0 to 2 ended (2 failed, with a message that needs quoting); 3 never started.
        for task in plan.tasks.prefix(3) {
            let particles = task.parameters["particles"] == .int(100) ? 100.0 : 1000.0
            let summary = SweepTaskSummary(
                task: task.index, id: task.id, workload: .nbody, parameters: task.parameters,
                status: task.index == 2 ? .failed : .completed, message: task.index == 2 ? "broke, \"badly\"" : nil,
                device: "GPU, the first", driver: "d", kernel: "k", stepsReached: 10, totalSteps: 10, stepsRun: 10,
                wallSeconds: 1, gpuSeconds: nil, rate: particles * 1e6, population: nil, output: "state.npy",
                node: "n1", finished: Date(), exitStatus: task.index == 2 ? 1 : 0)
            try FileManager.default.createDirectory(at: results.folder(of: task), withIntermediateDirectories: true)
            try encoder.encode(summary).write(to: results.folder(of: task).appendingPathComponent("summary.json"))
        }
        let report = SweepReport(results: results)
        #expect(report.rows.map(\.status) == ["completed", "completed", "failed", "pending"])
        let lines = report.csv().split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("task,id,status,model,particles,device,driver,kernelRun,node,stepsReached"))
        #expect(lines[1].hasPrefix("0,0,completed,cube,100,\"GPU, the first\",d,k,n1,10,10,10,1.0,,100000000.0,,0,"))
        #expect(lines[3].hasSuffix(",1,\"broke, \"\"badly\"\"\""))
        #expect(lines[4] == "3,3,pending,plummer,1000" + String(repeating: ",", count: 13))
        let objects = try JSONDecoder().decode([[String: SweepValue]].self, from: report.json())
        #expect(
            objects.count == 4 && objects[3]["rate"] == nil
                && [.double(1e8), .int(100_000_000)].contains(objects[0]["rate"]))
        #expect(report.defaultX(axes: ["model", "particles"]) == "particles")
        let series = try report.series(metric: "rate", x: "particles", by: "model")
        // Only the completed tasks, both of the cube model.
        #expect(series.map(\.label) == ["cube"])
        #expect(series[0].points.map(\.x) == [100, 1000] && series[0].points.map(\.y) == [1e8, 1e9])
        #expect(try report.series(metric: "rate", x: "particles", by: nil).map(\.label) == ["interactions/s"])
        #expect(throws: EngineError.self) { try report.series(metric: "speed", x: "particles", by: nil) }
    }

    /// Life's population over time: a line per completed task, named by its value of a column,
    /// with its id where two share one; N-body sweeps record none.
    @Test func populationSeriesHaveALinePerTask() throws {
        let text = #"{"workload": "life", "axes": {"rule": ["B3/S23", "B36/S23"], "seed": [1, 2]}}"#
        let plan = try SweepPlan(json: text)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("series-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try SweepResults(folder: folder, plan: plan)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        for task in plan.tasks.prefix(3) {
            var summary = SweepTaskSummary(
                task: task.index, id: task.id, workload: .life, parameters: task.parameters, status: .completed,
                node: "n", finished: Date(), exitStatus: 0)
            summary.populationByGeneration = [[0, 10 + task.index], [5, 20 + task.index]]
            try FileManager.default.createDirectory(at: results.folder(of: task), withIntermediateDirectories: true)
            try encoder.encode(summary).write(to: results.folder(of: task).appendingPathComponent("summary.json"))
        }
        let report = SweepReport(results: results)
        let series = try report.populationSeries(by: "rule")
        #expect(series.map(\.label) == ["B3/S23 0", "B3/S23 1", "B36/S23"])
        #expect(series[2].points.map(\.x) == [0, 5] && series[2].points.map(\.y) == [12, 22])
        #expect(try report.populationSeries(by: nil).map(\.label) == ["0", "1", "2"])
        #expect(throws: EngineError.self) { try report.populationSeries(by: "colour") }
    }
}
