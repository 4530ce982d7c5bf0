import Engine
import Foundation
import Present
import TestSupport
import Testing

/// `sweep`'s commands: their exit codes, the files in the results folder, claims.
@Suite("Sweep commands", .serialized)
struct SweepTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("sweep")
    var directory: URL { scratch.url }

    func sweepFile(_ text: String) throws -> URL {
        try scratch.file("sweep-\(UUID().uuidString).json", containing: text)
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineRun.Result {
        try CommandLineRun.run(arguments, environment: environment)
    }

    @Test func planListsTheTasksAndABadFileIsAUsageError() throws {
        let file = try sweepFile(#"{"workload": "nbody", "axes": {"particles": [64, 96], "seed": [1, 2, 3]}}"#)
        let plan = try run(["sweep", "plan", file.path])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("0  particles=64 seed=1\n1  particles=64 seed=2\n"))
        #expect(plan.stdout.contains("6 nbody tasks (--array=0-5)"))
        let json = try run(["sweep", "plan", file.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["count"] as? Int == 6 && object["array"] as? String == "0-5")
        let bad = try sweepFile("{\"workload\": \"nbody\",\n \"axes\": {\"sead\": [1]}}")
        let refused = try run(["sweep", "plan", bad.path])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("\(bad.path), line 2: \"sead\": no parameter of nbody"), "\(refused.stderr)")
        #expect(refused.stderr.contains("Usage: CapitalEngine sweep plan <sweep.json>"), "\(refused.stderr)")
        let missing = try run(["sweep", "run", file.path, "--results", directory.appendingPathComponent("r").path])
        #expect(missing.status == 64 && missing.stderr.contains("no task index"), "\(missing.stderr)")
        #expect(missing.stderr.contains("See 'CapitalEngine sweep run --help'"), "\(missing.stderr)")
        let aFile = try run(["sweep", "run", file.path, "--results", file.path, "--index", "0"])
        #expect(aFile.status == 1 && aFile.stderr.contains("is a file, not a results folder"), "\(aFile.stderr)")
        let nothing = try run(["sweep", "status", directory.path])
        #expect(nothing.status == 64 && nothing.stderr.contains("holds no sweep's results"), "\(nothing.stderr)")
        #expect(nothing.stderr.contains("Usage: CapitalEngine sweep status <DIR>"), "\(nothing.stderr)")
    }

    /// A Gray-Scott sweep over the feed and kill rates: each task's field equals a direct run's
    /// bit for bit (with another kernel shape, which leaves the bits), its picture is drawn, and
    /// the report plots the mean of v against the feed.
    @Test func aGrayScottSweepMapsTheRates() throws {
        let file = try sweepFile(
            """
            {"workload": "gray-scott", "axes": {"feed": [0.03, 0.055], "kill": [0.06, 0.065]},
             "fixed": {"size": "40x32", "steps": 300, "seed": 2, "png": true, "rows": 5, "columns": 3}}
            """)
        let results = directory.appendingPathComponent("gray-scott")
        for index in 0..<4 {
            let task = try run(["sweep", "run", file.path, "--results", results.path, "--index", "\(index)"])
            #expect(
                task.status == 0 && task.stdout.contains("task \(index): completed"), "\(task.stdout)\(task.stderr)")
        }
        let direct = directory.appendingPathComponent("direct-field.npy")
        let reference = try run([
            "run", "gray-scott", "--size", "40x32", "--steps", "300", "--seed", "2", "--feed", "0.055", "--kill",
            "0.065", "--output", direct.path, "--quiet",
        ])
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(try Data(contentsOf: direct) == Data(contentsOf: results.appendingPathComponent("3/field.npy")))
        let picture = try PNGImage.decode(Data(contentsOf: results.appendingPathComponent("3/picture.png")))
        #expect(picture.width == 1024 && picture.height == 768)
        let report = try run(["sweep", "report", results.path, "--metric", "meanV", "--x", "feed", "--by", "kill"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("4 tasks in the table; 4 point(s) plotted in 2 line(s)"), "\(report.stdout)")
        let csv = try String(contentsOf: results.appendingPathComponent("report.csv"), encoding: .utf8)
        #expect(
            csv.hasPrefix("task,id,status,columns,feed,kill,png,rows,seed,size,steps,")
                && csv.contains(",population,meanV,"))
        #expect(csv.contains("a strip of 5 rows of 3 cells per invocation"), "\(csv)")
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: results.appendingPathComponent("report.json")))
                as? [[String: Any]])
        // Each task's mean of v is its field's.
        for row in rows {
            let id = try #require(row["id"] as? String)
            let data = try Data(contentsOf: results.appendingPathComponent("\(id)/field.npy"))
            let field = data.dropFirst(10 + (Int(data[8]) | Int(data[9]) << 8)).withUnsafeBytes {
                Array($0.bindMemory(to: Float.self))
            }
            let meanV = stride(from: 1, to: field.count, by: 2).reduce(0.0) { $0 + Double(field[$1]) } / 1280
            #expect(abs((row["meanV"] as? Double ?? -1) - meanV) < 1e-9, "task \(id)")
        }
    }

    /// Life and Gray-Scott tasks that name no kernel take the one tuned for the device, which
    /// leaves their results as they are; `--no-tune-cache` runs the defaults.
    @Test func lifeAndGrayScottTasksTakeTheTunedKernel() throws {
        let cache = directory.appendingPathComponent("tuned.json")
        let instance = try Instance()
        let device = try #require(try instance.physicalDevices().first?.description)
        var store = TuningCache(url: cache)
        try store.store(
            lifeKernel: .bitsTiled(generations: 5), rate: 1,
            for: TuningCache.Key(device: device, lifeCells: 48 * 40, rule: .conway), device: device.name)
        try store.store(
            grayScottKernel: GrayScottKernel(rows: 3, columns: 2), rate: 1,
            for: TuningCache.Key(device: device, grayScottCells: 40 * 32), device: device.name)
        for (workload, size, output, tuned) in [
            ("life", "48x40", "final.rle", "tiled:5 kernel (tuned, from \(cache.path))"),
            (
                "gray-scott", "40x32", "field.npy",
                "a strip of 3 rows of 2 cells per invocation (tuned, from \(cache.path))"
            ),
        ] {
            let file = try sweepFile(
                #"{"workload": "\#(workload)", "axes": {"seed": [7]}, "fixed": {"size": "\#(size)", "steps": 25}}"#)
            var outputs: [Data] = []
            for extra in [["--tune-cache", cache.path], ["--tune-cache", cache.path, "--no-tune-cache"]] {
                let results = directory.appendingPathComponent("\(workload)-\(extra.count)")
                let task = try run(["sweep", "run", file.path, "--results", results.path, "--index", "0"] + extra)
                #expect(task.status == 0, "\(task.stderr)")
                #expect(task.stderr.contains(tuned) == (extra.count == 2), "\(workload) \(extra): \(task.stderr)")
                outputs.append(try Data(contentsOf: results.appendingPathComponent("0/\(output)")))
            }
            #expect(outputs[0] == outputs[1], "\(workload): the tuned kernel's result is the default's")
        }
    }

    /// Each task writes its folder; one equals a direct run bit for bit; a completed task is
    /// not run again; a task that cannot run fails with its reason, and status says so.
    @Test func tasksRunIntoTheirFoldersAndStatusCountsThem() throws {
        let file = try sweepFile(
            """
            {"workload": "nbody", "axes": {"particles": [200, 300]}, "fixed": {"steps": 30, "seed": 4},
             "extra": [{"particles": 100, "kernel": "4096,1,64"}]}
            """)
        let results = directory.appendingPathComponent("results")
        let first = try run(["sweep", "run", file.path, "--results", results.path, "--index", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("task 1: completed"))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: results.appendingPathComponent("1/summary.json")))
                as? [String: Any])
        #expect(summary["status"] as? String == "completed" && summary["stepsReached"] as? Int == 30)
        #expect(summary["device"] as? String != nil && summary["kernel"] as? String != nil)
        let direct = directory.appendingPathComponent("direct.npy")
        let reference = try run([
            "run", "--particles", "300", "--seed", "4", "--steps", "30", "--output", direct.path, "--quiet",
        ])
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(try Data(contentsOf: direct) == Data(contentsOf: results.appendingPathComponent("1/state.npy")))

        let again = try run(
            ["sweep", "run", file.path, "--results", results.path], environment: ["SLURM_ARRAY_TASK_ID": "1"])
        #expect(again.status == 0 && again.stdout.contains("already completed"), "\(again.stdout)")
        let failed = try run(["sweep", "run", file.path, "--results", results.path, "--index", "2"])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("task 2: failed (") && failed.stdout.contains("exceeds the device's"))
        let status = try run(["sweep", "status", results.path])
        #expect(status.status == 0)
        #expect(status.stdout.contains("3 tasks: 1 done, 0 running, 1 failed, 1 pending"), "\(status.stdout)")
        #expect(status.stdout.contains("failed 2 (kernel=4096,1,64 particles=100 seed=4 steps=30): "))
        let json = try run(["sweep", "status", results.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["done"] as? Int == 1 && object["pending"] as? Int == 1 && object["tasks"] as? Int == 3)
        let report = try run(["sweep", "report", results.path, "--by", "node"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(
            report.stdout.contains("3 tasks in the table; 1 point(s) plotted in 1 line(s)"), "\(report.stdout)")
        let csv = try String(contentsOf: results.appendingPathComponent("report.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 4 && csv.contains("\n2,2,failed,"))
        let png = try PNGImage.decode(Data(contentsOf: results.appendingPathComponent("report.png")))
        #expect(png.width == 900 && png.height == 560)
        let unknown = try run(["sweep", "report", results.path, "--metric", "speed"])
        #expect(unknown.status == 64 && unknown.stderr.contains("'speed' is not a column"), "\(unknown.stderr)")
        // A folder of another sweep's results is not mixed with these.
        let other = try sweepFile(#"{"workload": "life", "axes": {"seed": [1, 2]}}"#)
        let mixed = try run(["sweep", "run", other.path, "--results", results.path, "--index", "0"])
        #expect(mixed.status == 1 && mixed.stderr.contains("holds the results of another sweep"), "\(mixed.stderr)")
    }

    @Test func aLifeTaskWritesItsGridAndPopulation() throws {
        let file = try sweepFile(
            #"{"workload": "life", "axes": {"rule": ["B3/S23", "B2/S/C3"]}, "#
                + #""fixed": {"size": "48x40", "steps": 25, "seed": 7, "png": true}}"#)
        let results = directory.appendingPathComponent("life")
        let task = try run(
            ["sweep", "run", file.path, "--results", results.path], environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(task.status == 0, "\(task.stderr)")
        let direct = directory.appendingPathComponent("direct.rle")
        let reference = try run([
            "run", "life", "--size", "48x40", "--rule", "B2/S/C3", "--steps", "25", "--seed", "7", "--output",
            direct.path, "--quiet",
        ])
        #expect(reference.status == 0, "\(reference.stderr)")
        let population = try #require(reference.stdout.split(separator: "\n").first { $0.hasPrefix("population: ") })
        #expect(task.stdout.contains(population), "\(task.stdout)")
        let grid = try RLEFile.read(from: results.appendingPathComponent("1/final.rle").path, largest: nil)
        let expected = try RLEFile.read(from: direct.path, largest: nil)
        #expect(grid.grid == expected.grid)
        // Each task's population over time, a line per rule.
        let other = try run(["sweep", "run", file.path, "--results", results.path, "--index", "0"])
        #expect(other.status == 0, "\(other.stderr)")
        let overTime = try run(["sweep", "report", results.path, "--x", "generation", "--by", "rule"])
        #expect(overTime.status == 0, "\(overTime.stderr)")
        #expect(
            overTime.stdout.contains("2 tasks in the table; 52 point(s) plotted in 2 line(s)"), "\(overTime.stdout)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: results.appendingPathComponent("1/summary.json")))
                as? [String: Any])
        let samples = try #require(summary["populationByGeneration"] as? [[Int]])
        #expect(samples.count == 26 && samples.first?[0] == 0 && samples.last?[0] == 25)
        #expect(samples.last?[1] == Int(population.dropFirst("population: ".count)))
        // The picture asked for: the grid drawn as `run --png` draws it.
        let picture = try PNGImage.decode(Data(contentsOf: results.appendingPathComponent("1/picture.png")))
        #expect(picture.width == 1024 && picture.height == 768)
        let drawn = directory.appendingPathComponent("direct.png")
        let png = try run([
            "run", "life", "--size", "48x40", "--rule", "B2/S/C3", "--steps", "25", "--seed", "7", "--png",
            drawn.path, "--quiet",
        ])
        #expect(png.status == 0, "\(png.stderr)")
        #expect(try PNGImage.decode(Data(contentsOf: drawn)) == picture)
    }

    /// Life tasks that stop when the grid settles end where `run life --stop-when-stable` does:
    /// the generation as their steps reached, how it settled as their message, its grid written.
    @Test func lifeTasksStopWhenTheGridSettles() throws {
        let file = try sweepFile(
            #"{"workload": "life", "axes": {"seed": [1, 3]}, "#
                + #""fixed": {"size": "32x32", "steps": 20000, "stopWhenStable": true}}"#)
        let results = directory.appendingPathComponent("settling")
        for (index, seed) in [(0, 1), (1, 3)] {
            let task = try run(["sweep", "run", file.path, "--results", results.path, "--index", "\(index)"])
            #expect(task.status == 0, "\(task.stderr)")
            let direct = directory.appendingPathComponent("settled-\(seed).rle")
            let reference = try run([
                "run", "life", "--size", "32x32", "--steps", "20000", "--seed", "\(seed)", "--stop-when-stable",
                "--output", direct.path, "--quiet",
            ])
            let stable = try #require(reference.stdout.split(separator: "\n").first { $0.hasPrefix("stable: ") })
            let generations = try #require(
                reference.stdout.split(separator: "\n").first { $0.hasPrefix("generations: ") })
            let summary = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: results.appendingPathComponent("\(index)/summary.json"))) as? [String: Any])
            #expect(summary["status"] as? String == "completed")
            #expect(summary["message"] as? String == String(stable.dropFirst("stable: ".count)))
            let reached = try #require(summary["stepsReached"] as? Int)
            #expect(reached < 20000 && "generations: \(reached)" == generations)
            let population = try #require(
                reference.stdout.split(separator: "\n").first { $0.hasPrefix("population: ") })
            let samples = try #require(summary["populationByGeneration"] as? [[Int]])
            #expect(samples.last == [reached, Int(population.dropFirst("population: ".count)) ?? -1])
            let grid = try RLEFile.read(from: results.appendingPathComponent("\(index)/final.rle").path, largest: nil)
            #expect(try grid.grid == RLEFile.read(from: direct.path, largest: nil).grid)
        }
        let bad = try sweepFile(#"{"workload": "life", "fixed": {"stopWhenStable": "yes"}}"#)
        let plan = try run(["sweep", "plan", bad.path])
        #expect(plan.status != 0 && plan.stderr.contains("stopWhenStable"), "\(plan.stderr)")
    }

    /// A claim its worker stopped renewing is taken over once its lease is out; a live one is
    /// left to its worker.
    @Test func anExpiredClaimIsTakenOverAndALiveOneLeftAlone() throws {
        let file = try sweepFile(
            #"{"workload": "life", "axes": {"seed": [1, 2, 3]}, "fixed": {"size": "32x32", "steps": 10}}"#)
        let results = directory.appendingPathComponent("leases")
        let plan = try run(["sweep", "run", file.path, "--results", results.path, "--index", "2"])
        #expect(plan.status == 0, "\(plan.stderr)")
        try FileManager.default.removeItem(at: results.appendingPathComponent("2/summary.json"))
        for task in ["0", "1"] {
            let folder = results.appendingPathComponent(task)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try "a-dead-worker/1 0\n".write(
                to: folder.appendingPathComponent("claim"), atomically: true, encoding: .utf8)
        }
        // Task 0's worker last renewed its claim an hour ago; task 1's just now.
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-3600)],
            ofItemAtPath: results.appendingPathComponent("0/claim").path)
        let worker = try run(["sweep", "run", file.path, "--results", results.path, "--claim", "--lease", "600"])
        #expect(worker.status == 0, "\(worker.stderr)")
        #expect(worker.stdout.contains("task 0: completed") && worker.stdout.contains("task 2: completed"))
        #expect(!worker.stdout.contains("task 1:"), "\(worker.stdout)")
        let status = try run(["sweep", "status", results.path])
        #expect(status.stdout.contains("3 tasks: 2 done, 1 running, 0 failed, 0 pending"), "\(status.stdout)")
        let both = try run(["sweep", "run", file.path, "--results", results.path, "--claim", "--index", "1"])
        #expect(both.status == 64 && both.stderr.contains("drop --index"), "\(both.stderr)")
    }
}
