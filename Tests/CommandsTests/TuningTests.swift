import Engine
import Foundation
import TestSupport
import Testing

@Suite("Kernel tuning and its cache", .serialized)
struct TuningTests {
    func runEngine(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineRun.Result {
        try CommandLineRun.run(arguments, environment: environment)
    }

    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("tuning")
    var directory: URL { scratch.url }

    /// A shape no default picks, so its use is unmistakable.
    let unusual = NBodyKernel.streaming(workgroup: 64, bodies: 3)

    func benchKernel(_ extra: [String]) throws -> NBodyKernel {
        let result = try runEngine(
            ["bench", "--particles", "1000", "--repeats", "1", "--steps", "1", "--json"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        let kernel = try #require(results.first?["kernel"])
        return try JSONDecoder().decode(NBodyKernel.self, from: JSONSerialization.data(withJSONObject: kernel))
    }

    /// A cache entry written the way `tune` writes it, for the real device.
    func writeCache(_ url: URL, uuidOverride: String? = nil, shape: NBodyKernel) throws {
        let instance = try Instance()
        var device = try #require(try instance.physicalDevices().first?.description)
        if let uuidOverride { device.uuid = uuidOverride }
        var cache = TuningCache(url: url)
        try cache.store(shape, rate: 1, for: TuningCache.Key(device: device, particleCount: 1000), device: device.name)
    }

    /// The library's tests prove that a wrong shape is rejected (`TuningStore`); here the
    /// command reports each trial and stores the winner that bench then uses.
    @Test func tuningStoresAVerifiedShapeThatBenchThenUses() throws {
        let cache = directory.appendingPathComponent("tuned.json")
        let result = try runEngine(["tune", "--particles", "1000", "--budget", "2", "--tune-cache", cache.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("[1/"))
        #expect(result.stderr.contains("interactions/s (verified, error"))
        #expect(result.stdout.contains("winner: workgroup"))
        // The fastest shapes and the default are timed again, side by side, before one wins
        // (2 s leave room for that on a busy host).
        #expect(result.stderr.contains("final round"))
        let data = try Data(contentsOf: cache)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.count == 1)
        // The winner is what bench now uses by itself.
        let stored = try #require(entries[0]["configuration"])
        let winner = try JSONDecoder().decode(NBodyKernel.self, from: JSONSerialization.data(withJSONObject: stored))
        #expect(try benchKernel(["--tune-cache", cache.path]) == winner)
    }

    /// Where even the final round's few steps would overrun the budget, the first pass decides
    /// and the budget holds (12000 bodies take about 40 ms a step on lavapipe; a second is spent).
    @Test func aSlowFinalRoundIsSkippedRatherThanOverrunningTheBudget() throws {
        let cache = directory.appendingPathComponent("slow.json")
        let result = try runEngine(["tune", "--particles", "12000", "--budget", "1", "--tune-cache", cache.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("no final round"))
        #expect(!result.stderr.contains("final round, "))
        #expect(result.stdout.contains("winner: workgroup"))
        #expect(FileManager.default.fileExists(atPath: cache.path))
    }

    @Test func lifeTuningStoresAVerifiedKernelThatRunAndBenchThenUse() throws {
        let cache = directory.appendingPathComponent("life.json")
        let result = try runEngine([
            "tune", "--workload", "life", "--size", "300x200", "--budget", "1",
            "--tune-cache", cache.path, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("[1/"))
        #expect(result.stderr.contains("cell updates/s (verified bit-exact)"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let winner = try #require(report["winner"] as? String)
        let entries = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: cache)) as? [String: Any])?["entries"]
                as? [[String: Any]])
        #expect(entries.first?["lifeKernel"] as? String == winner)

        // A kernel no default would pick on this device, stored for the size class, is used.
        let instance = try Instance()
        let device = try #require(try instance.physicalDevices().first?.description)
        var store = TuningCache(url: cache)
        try store.store(
            lifeKernel: .bitsTiled(generations: 5), rate: 1,
            for: TuningCache.Key(device: device, lifeCells: 300 * 200, rule: .conway), device: device.name)
        let run = try runEngine([
            "run", "--workload", "life", "--size", "300x200", "--steps", "7", "--tune-cache", cache.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("tiled:5 kernel (tuned, from \(cache.path))"), "\(run.stderr)")
        let untuned = try runEngine([
            "run", "--workload", "life", "--size", "300x200", "--steps", "7",
            "--tune-cache", cache.path, "--no-tune-cache",
        ])
        #expect(!untuned.stderr.contains("tiled:5 kernel"), "\(untuned.stderr)")
        #expect(untuned.stderr.contains("kernel (the device's default)"), "\(untuned.stderr)")
        let bench = try runEngine([
            "bench", "--workload", "life", "--grid", "300x200", "--repeats", "1", "--steps", "5",
            "--json", "--tune-cache", cache.path,
        ])
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(bench.stdout.contains("\"kernel\" : \"tiled:5\""), "\(bench.stdout)")
        // Generations rules tune apart: the two-state entry is not theirs.
        let brain = try runEngine([
            "run", "--workload", "life", "--rule", "B2/S/C3", "--size", "300x200", "--steps", "3",
            "--tune-cache", cache.path,
        ])
        #expect(brain.status == 0, "\(brain.stderr)")
        #expect(brain.stderr.contains("kernel (the device's default)"), "\(brain.stderr)")
        #expect(!brain.stderr.contains("tiled:5"), "\(brain.stderr)")
    }

    @Test func grayScottTuningStoresAVerifiedShapeThatRunAndBenchThenUse() throws {
        let cache = directory.appendingPathComponent("gray-scott.json")
        let result = try runEngine([
            "tune", "--workload", "gray-scott", "--size", "96x40", "--budget", "2", "--tune-cache", cache.path,
            "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("[1/11] a strip of 16 rows of 8 cells: "), "\(result.stderr)")
        #expect(result.stderr.contains("cell updates/s (verified, error"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let winner = try [#require(report["rows"] as? Int), #require(report["columns"] as? Int)]
        let entries = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: cache)) as? [String: Any])?["entries"]
                as? [[String: Any]])
        #expect([entries.first?["grayScottRows"] as? Int, entries.first?["grayScottColumns"] as? Int] == winner)

        // A shape no tuning would pick, stored for the size class, is used by run and bench.
        let instance = try Instance()
        let device = try #require(try instance.physicalDevices().first?.description)
        var store = TuningCache(url: cache)
        try store.store(
            grayScottKernel: GrayScottKernel(rows: 3, columns: 3), rate: 1,
            for: TuningCache.Key(device: device, grayScottCells: 96 * 40), device: device.name)
        let run = try runEngine(["run", "gray-scott", "--size", "96x40", "--steps", "5", "--tune-cache", cache.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains("a strip of 3 rows of 3 cells per invocation (tuned, from \(cache.path))"),
            "\(run.stderr)")
        let untuned = try runEngine([
            "run", "gray-scott", "--size", "96x40", "--steps", "5", "--tune-cache", cache.path, "--no-tune-cache",
        ])
        #expect(
            untuned.stderr.contains("a strip of 16 rows of 8 cells per invocation (the default)"), "\(untuned.stderr)")
        // A part given keeps the rest of the default, not of the tuned shape.
        let given = try runEngine([
            "run", "gray-scott", "--size", "96x40", "--steps", "5", "--tune-cache", cache.path, "--rows", "2",
        ])
        #expect(given.stderr.contains("a strip of 2 rows of 8 cells per invocation (given)"), "\(given.stderr)")
        let bench = try runEngine([
            "bench", "gray-scott", "--size", "96x40", "64x48", "--repeats", "1", "--steps", "2", "--json",
            "--tune-cache", cache.path,
        ])
        #expect(bench.status == 0, "\(bench.stderr)")
        let results = try #require(
            (try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])?["results"]
                as? [[String: Any]])
        // 64x48 is in the same size class as 96x40 (within a factor of four in cells).
        #expect(results.map { $0["rows"] as? Int } == [3, 3], "\(bench.stdout)")
        #expect(results.map { $0["columns"] as? Int } == [3, 3], "\(bench.stdout)")
        // Given lists measure every shape they make.
        let shapes = try runEngine([
            "bench", "gray-scott", "--size", "96x40", "--repeats", "1", "--steps", "2", "--json", "--rows", "4", "8",
            "--columns", "1", "2", "--tune-cache", cache.path,
        ])
        #expect(shapes.status == 0, "\(shapes.stderr)")
        let measured = try #require(
            (try JSONSerialization.jsonObject(with: Data(shapes.stdout.utf8)) as? [String: Any])?["results"]
                as? [[String: Any]])
        #expect(
            measured.map { [$0["rows"] as? Int, $0["columns"] as? Int] } == [[4, 1], [4, 2], [8, 1], [8, 2]],
            "\(shapes.stdout)")
    }

    @Test func runAndBenchUseTheCacheUnlessToldNot() throws {
        let cache = directory.appendingPathComponent("reuse.json")
        // A shape no default would pick, so its use is unmistakable.
        try writeCache(cache, shape: unusual)
        #expect(try benchKernel(["--tune-cache", cache.path]) == unusual)
        let run = try runEngine(
            ["run", "--particles", "1000", "--steps", "2"], environment: ["CAPITALENGINE_TUNE_CACHE": cache.path])
        #expect(
            run.stderr.contains(
                "kernel: workgroup 64, 3 bodies/invocation, no shared tile (tuned, from \(cache.path))"),
            "\(run.stderr)")
        let untuned = try runEngine(["run", "--particles", "1000", "--steps", "2", "--no-tune-cache"])
        #expect(untuned.stderr.contains("(the device's default)"), "\(untuned.stderr)")
        #expect(try benchKernel(["--tune-cache", cache.path, "--no-tune-cache"]) != unusual)
    }

    @Test func anotherDevicesEntryIsNotUsed() throws {
        let cache = directory.appendingPathComponent("foreign.json")
        try writeCache(cache, uuidOverride: "00000000-0000-0000-0000-0000000000aa", shape: unusual)
        #expect(try benchKernel(["--tune-cache", cache.path]) != unusual)
    }

    /// A tuned shape that adds forces atomically keeps bit-for-bit resumes where it adds in
    /// fixed point (softening above 0 on a device with 64-bit integer atomics, as lavapipe);
    /// with zero softening it adds floats, gives them up, and run says so.
    @Test func aTunedAtomicKernelResumesBitForBitAndSaysWhenItCannot() throws {
        let subgroup = Int(try #require(try Instance().physicalDevices().first?.description.limits.subgroupSize))
        let cache = directory.appendingPathComponent("atomic.json")
        try writeCache(cache, shape: NBodyKernel.atomicPairs(workgroup: subgroup, bodies: 2))
        let whole = directory.appendingPathComponent("atomic-whole.npy")
        let checkpoint = directory.appendingPathComponent("atomic-ckpt.npy")
        let resumed = directory.appendingPathComponent("atomic-resumed.npy")
        let common = ["--particles", "1000", "--model", "galaxies", "--tune-cache", cache.path]
        let tuned = try runEngine(["run", "--steps", "12", "--output", whole.path] + common)
        #expect(tuned.status == 0, "\(tuned.stderr)")
        #expect(tuned.stderr.contains("shares added atomically in 64-bit fixed point"))
        #expect(!tuned.stderr.contains("not bit for bit"))
        #expect(try runEngine(["run", "--steps", "5", "--checkpoint", checkpoint.path] + common).status == 0)
        let second = try runEngine([
            "run", "--resume", checkpoint.path, "--steps", "12", "--output", resumed.path,
            "--tune-cache", cache.path,
        ])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("shares added atomically in 64-bit fixed point"))
        #expect(try Data(contentsOf: whole) == Data(contentsOf: resumed))

        let unsoftened = try runEngine(["run", "--steps", "2", "--softening", "0"] + common)
        #expect(unsoftened.status == 0, "\(unsoftened.stderr)")
        #expect(unsoftened.stderr.contains("shares added atomically as floats"))
        #expect(unsoftened.stderr.contains("agree to rounding, not bit for bit"))
        let plain = try runEngine(["run", "--steps", "2", "--softening", "0", "--no-tune-cache"] + common)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("agree to rounding"))
    }

    /// A checkpoint records what computed it; resumed on the same device, driver and shaders
    /// the run keeps the kernel it started with, whatever the tuning cache says by then, and
    /// goes on bit for bit. Elsewhere it says the bits will differ.
    @Test func aResumedRunKeepsTheKernelItStartedWith() throws {
        let cache = directory.appendingPathComponent("resume.json")
        try writeCache(cache, shape: unusual)
        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let common = ["--particles", "1000", "--model", "galaxies"]
        #expect(
            try runEngine(
                ["run", "--steps", "12", "--output", file("k-whole.npy"), "--tune-cache", cache.path] + common
            ).status == 0)
        #expect(
            try runEngine(["run", "--steps", "12", "--output", file("k-default.npy"), "--no-tune-cache"] + common)
                .status == 0)
        // The tuned and the default kernel add in different orders: their bits differ.
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: file("k-whole.npy")))
                != Data(contentsOf: URL(fileURLWithPath: file("k-default.npy"))))

        let checkpoint = file("k-ckpt.npy")
        #expect(
            try runEngine(["run", "--steps", "5", "--checkpoint", checkpoint, "--tune-cache", cache.path] + common)
                .status == 0)
        let metadata = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint + ".json")))
                as? [String: Any])
        let computedBy = try #require(metadata["computedBy"] as? [String: Any])
        #expect((computedBy["kernel"] as? [String: Any])?["bodiesPerInvocation"] as? Int == 3)
        #expect(computedBy["bitReproducible"] as? Bool == true)

        let resumed = try runEngine([
            "run", "--resume", checkpoint, "--steps", "12", "--output", file("k-resumed.npy"), "--no-tune-cache",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("resuming with the kernel the run started with, not the default"),
            "\(resumed.stderr)")
        #expect(resumed.stderr.contains("kernel: workgroup 64, 3 bodies/invocation"))
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: file("k-whole.npy")))
                == Data(contentsOf: URL(fileURLWithPath: file("k-resumed.npy"))))

        // Computed elsewhere (another device UUID): said, and the device's own kernel runs.
        var foreign = metadata
        var elsewhere = computedBy
        elsewhere["deviceUUID"] = "00000000-0000-0000-0000-0000000000aa"
        foreign["computedBy"] = elsewhere
        try JSONSerialization.data(withJSONObject: foreign).write(to: URL(fileURLWithPath: checkpoint + ".json"))
        let moved = try runEngine(["run", "--resume", checkpoint, "--steps", "6", "--no-tune-cache"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stderr.contains("to rounding, not bit for bit"), "\(moved.stderr)")
        #expect(!moved.stderr.contains("kernel: workgroup 64, 3 bodies/invocation"))

        // Checkpoints from before the record resume as they did: with this run's kernel, silently.
        var old = metadata
        old.removeValue(forKey: "computedBy")
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: checkpoint + ".json"))
        let plain = try runEngine(["run", "--resume", checkpoint, "--steps", "6", "--no-tune-cache"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(
            !plain.stderr.contains("bit for bit") && !plain.stderr.contains("kernel the run started with"),
            "\(plain.stderr)")
    }

    @Test func aCorruptCacheIsIgnoredWithAWarning() throws {
        let cache = directory.appendingPathComponent("corrupt.json")
        try Data("{ not json".utf8).write(to: cache)
        let result = try runEngine(["run", "--particles", "100", "--steps", "1", "--tune-cache", cache.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("is not a CapitalEngine tuning cache; ignoring it"))
        // tune refuses it before tuning and leaves it as it was: it may be someone's file.
        let tuned = try runEngine(["tune", "--particles", "100", "--budget", "0.5", "--tune-cache", cache.path])
        #expect(tuned.status == 1, "\(tuned.stderr)")
        #expect(tuned.stderr.contains("is not a CapitalEngine tuning cache, and is left as it is"), "\(tuned.stderr)")
        #expect(!tuned.stderr.contains("[1/"), "no candidate was tried: \(tuned.stderr)")
        #expect(try Data(contentsOf: cache) == Data("{ not json".utf8))
        let device = try runEngine(["tune", "--particles", "100", "--budget", "0.5", "--tune-cache", "/dev/null"])
        #expect(device.status == 1 && device.stderr.contains("/dev/null: is not a regular file"), "\(device.stderr)")
    }

    /// Valid JSON with numbers no device can run, as a hand edit leaves it: the shape is
    /// ignored with its reason, and the run goes on with the default.
    @Test func aCachedShapeWithImpossibleNumbersIsIgnoredWithItsReason() throws {
        let cache = directory.appendingPathComponent("impossible.json")
        try writeCache(cache, shape: NBodyKernel.split(workgroup: .max, invocations: 2))
        let result = try runEngine(["run", "--particles", "1000", "--steps", "1", "--tune-cache", cache.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("warning: ignoring the tuned shape (workgroup 9223372036854775807"),
            "\(result.stderr)")
        #expect(result.stderr.contains("exceeds the device's"), "\(result.stderr)")
    }

    /// Each workload's report against itself, and against the same report at a thousandth of
    /// the speed (beyond any spread, though tiny runs beside other tests spread widely): which
    /// real kernel is slower depends on the driver and on how busy the machine is, and this
    /// tests the script, not the kernels.
    @Test func theComparisonScriptFlagsARegression() throws {
        func compare(_ a: URL, _ b: URL) throws -> (Int32, String) {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/compare-bench.py")
            let result = try ChildProcess.run(
                command: "python3", [script.path, a.path, b.path], standardError: .discard)
            return (result.status, result.stdout)
        }
        var reports: [URL] = []
        for (name, arguments, rate) in [
            (
                "nbody", ["bench", "--particles", "1024", "--repeats", "3", "--kernel", "32,16,0"],
                "interactionsPerSecond"
            ),
            ("life", ["bench", "life", "--size", "96x64", "--repeats", "3", "--steps", "4"], "cellUpdatesPerSecond"),
            (
                "gray-scott", ["bench", "gray-scott", "--size", "64x48", "--rows", "4", "16", "--repeats", "3"],
                "cellUpdatesPerSecond"
            ),
        ] {
            let fast = directory.appendingPathComponent("\(name)-fast.json")
            let slow = directory.appendingPathComponent("\(name)-slow.json")
            let result = try runEngine(arguments + ["--json"])
            #expect(result.status == 0, "\(result.stderr)")
            try Data(result.stdout.utf8).write(to: fast)
            var report = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            report["results"] = try #require(report["results"] as? [[String: Any]]).map { entry in
                var entry = entry
                if let rates = entry[rate] as? [String: Double] { entry[rate] = rates.mapValues { $0 / 1000 } }
                return entry
            }
            try JSONSerialization.data(withJSONObject: report).write(to: slow)
            let (status, output) = try compare(fast, slow)
            #expect(status == 1 && output.contains("REGRESSION"), "\(name): \(output)")
            #expect(output.hasPrefix(name), "\(name): \(output)")
            let (same, _) = try compare(fast, fast)
            #expect(same == 0, "\(name)")
            reports.append(fast)
        }
        // One kernel a size in each: compared by size, so that a new default kernel is measured
        // against the old one.
        let single = try runEngine(["bench", "gray-scott", "--size", "64x48", "--repeats", "3", "--json"])
        #expect(single.status == 0, "\(single.stderr)")
        var changed = try #require(try JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? [String: Any])
        changed["results"] = try #require(changed["results"] as? [[String: Any]]).map { entry in
            var entry = entry
            entry["columns"] = 1
            if let rates = entry["cellUpdatesPerSecond"] as? [String: Double] {
                entry["cellUpdatesPerSecond"] = rates.mapValues { $0 / 1000 }
            }
            return entry
        }
        let defaultKernel = directory.appendingPathComponent("gray-scott-default.json")
        let otherKernel = directory.appendingPathComponent("gray-scott-other.json")
        try Data(single.stdout.utf8).write(to: defaultKernel)
        try JSONSerialization.data(withJSONObject: changed).write(to: otherKernel)
        let (slower, comparison) = try compare(defaultKernel, otherKernel)
        #expect(slower == 1 && comparison.contains("REGRESSION"), "\(comparison)")
        #expect(
            comparison.contains("a strip of 16 rows of 1 cell (before: a strip of 16 rows of 8 cells)"), "\(comparison)"
        )
        // Reports of two workloads, and a text bench log: a clear refusal, not a traceback or a
        // regression.
        let (mixed, _) = try compare(reports[0], reports[2])
        #expect(mixed == 2)
        let text = directory.appendingPathComponent("bench.log")
        try Data("N=1024: 1.0e9 interactions/s\n".utf8).write(to: text)
        let (refused, _) = try compare(text, reports[0])
        #expect(refused == 2)
    }
}
