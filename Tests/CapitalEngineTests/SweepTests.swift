import Engine
import Foundation
import Present
import TestSupport
import Testing

/// `sweep` on the binary: tasks killed part way, and workers in processes of their own that
/// share the tasks.
@Suite("Sweeps", .serialized)
struct SweepTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("sweep")
    var directory: URL { scratch.url }

    func sweepFile(_ text: String) throws -> URL {
        try scratch.file("sweep-\(UUID().uuidString).json", containing: text)
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CapitalEngineProcess.Result {
        try CapitalEngineProcess.run(arguments, environment: environment)
    }

    /// A workload's task that runs long enough to be killed part way, the uninterrupted run it
    /// must equal, and how its checkpoints and final state are read.
    struct KillableTask: Sendable, CustomTestStringConvertible {
        var sweep: String
        var run: [String]
        var steps: Int
        var finalFile: String
        var step: @Sendable (URL) throws -> Int
        var testDescription: String
        /// Whether the task's final file holds what the uninterrupted run wrote.
        var same: @Sendable (_ task: URL, _ direct: URL) throws -> Bool = {
            try Data(contentsOf: $0) == Data(contentsOf: $1)
        }

        static let nbody = KillableTask(
            sweep:
                #"{"workload": "nbody", "fixed": {"particles": 1024, "steps": 600, "seed": 2, "checkpointEvery": 20}}"#,
            run: ["run", "--particles", "1024", "--seed", "2", "--steps", "600"], steps: 600, finalFile: "state.npy",
            step: { try Checkpoint.read(from: $0).step }, testDescription: "nbody")
        static let grayScott = KillableTask(
            sweep: #"""
                {"workload": "gray-scott",
                 "fixed": {"size": "256x256", "steps": 6000, "seed": 2, "checkpointEvery": 200}}
                """#,
            run: ["run", "gray-scott", "--size", "256x256", "--seed", "2", "--steps", "6000"], steps: 6000,
            finalFile: "field.npy", step: { try GrayScottCheckpoint.read(from: $0).step },
            testDescription: "gray-scott")
        // The RLE files' comments differ (the task's names it); their grids must not.
        static let life = KillableTask(
            sweep: #"""
                {"workload": "life",
                 "fixed": {"size": "1024x1024", "rule": "B2/S/C3", "steps": 8000, "seed": 2, "checkpointEvery": 200}}
                """#,
            run: ["run", "life", "--size", "1024x1024", "--rule", "B2/S/C3", "--seed", "2", "--steps", "8000"],
            steps: 8000, finalFile: "final.rle", step: { try LifeCheckpoint.read(from: $0).step },
            testDescription: "life",
            same: {
                try RLEFile.parse(String(contentsOf: $0, encoding: .utf8)).grid
                    == RLEFile.parse(String(contentsOf: $1, encoding: .utf8)).grid
            })
    }

    /// A task killed outright goes on from its last checkpoint when run again, and ends with the
    /// bits of a run never interrupted; one stopped by SIGTERM saves a checkpoint first.
    @Test(arguments: [KillableTask.nbody, KillableTask.grayScott, KillableTask.life], [SIGKILL, SIGTERM])
    func aKilledTaskResumesBitForBit(task: KillableTask, signal: Int32) throws {
        let file = try sweepFile(task.sweep)
        let results = directory.appendingPathComponent("killed-\(task.testDescription)-\(signal)")
        let engine = try CapitalEngineProcess(["sweep", "run", file.path, "--results", results.path, "--index", "0"])
        // Evidence that steps ran: the second checkpoint's metadata, written after its state:
        // the first is whole by then, whenever the kill lands.
        try engine.waitForFile(results.appendingPathComponent("0/checkpoint-b.npy.json"))
        kill(engine.process.processIdentifier, signal)
        let killed = try engine.wait(timeout: 120)
        // Process reports a killed child's signal as its status.
        #expect(killed.status == (signal == SIGKILL ? SIGKILL : 1), "\(killed.stderr)")
        if signal == SIGTERM {
            #expect(killed.stderr.contains("stopped by SIGTERM at step"), "\(killed.stderr)")
        }
        // The latest whole checkpoint: a kill while one was written leaves the other.
        let saved = try #require(
            ["a", "b"].compactMap { try? task.step(results.appendingPathComponent("0/checkpoint-\($0).npy")) }.max())
        #expect(saved > 0 && saved < task.steps)
        let status = try run(["sweep", "status", results.path])
        #expect(status.stdout.contains("1 tasks: 0 done, 1 running, 0 failed, 0 pending"), "\(status.stdout)")

        let resumed = try run(["sweep", "run", file.path, "--results", results.path, "--index", "0"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("task 0: resuming at step \(saved) of \(task.steps)"), "\(resumed.stderr)")
        let direct = directory.appendingPathComponent(
            "uninterrupted-\(task.testDescription)-\(signal).\(URL(fileURLWithPath: task.finalFile).pathExtension)")
        let reference = try run(task.run + ["--output", direct.path, "--quiet"])
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(try task.same(results.appendingPathComponent("0/\(task.finalFile)"), direct))
        if task.testDescription == "life" {
            // The population record went on across the kill: every 80th generation, once each.
            let summary =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: results.appendingPathComponent("0/summary.json"))) as? [String: Any]
            let record = try #require(summary?["populationByGeneration"] as? [[Int]])
            #expect(record.map { $0[0] } == Array(stride(from: 0, through: 8000, by: 80)), "\(record.map { $0[0] })")
            #expect(record.last?[1] == summary?["population"] as? Int)
        }
        for slot in ["a", "b"] {
            #expect(
                !FileManager.default.fileExists(atPath: results.appendingPathComponent("0/checkpoint-\(slot).npy").path)
            )
        }
    }

    /// Workers that get no index share the tasks through claims: every task runs once, and
    /// each worker goes on until none is left.
    @Test func workersWithoutAnIndexShareTheTasksThroughClaims() throws {
        let file = try sweepFile(
            #"{"workload": "nbody", "axes": {"seed": {"from": 1, "to": 6}}, "fixed": {"particles": 512, "steps": 60}}"#)
        let results = directory.appendingPathComponent("claimed")
        let workers = try (1...2).map { worker in
            try CapitalEngineProcess(
                ["sweep", "run", file.path, "--results", results.path, "--claim", "--quiet"],
                environment: ["CAPITALENGINE_NODE": "worker\(worker)"])
        }
        var completed: [[String]] = []
        for worker in workers {
            let result = try worker.wait(timeout: 300)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("failed or stopped; none left"), "\(result.stdout)")
            completed.append(
                result.stdout.split(separator: "\n").filter { $0.hasSuffix(": completed") }
                    .map { String($0.dropFirst("task ".count).prefix { $0 != ":" }) })
        }
        #expect(Set(completed[0]).isDisjoint(with: completed[1]), "no task ran twice: \(completed)")
        #expect((completed[0] + completed[1]).sorted() == ["0", "1", "2", "3", "4", "5"], "\(completed)")
        let status = try run(["sweep", "status", results.path])
        #expect(status.stdout.contains("6 tasks: 6 done, 0 running, 0 failed, 0 pending"), "\(status.stdout)")
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("0/claim").path))
    }
}
