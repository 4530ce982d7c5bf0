import Engine
import Foundation
import Present
import TestSupport
import Testing

@Suite("Gray-Scott commands", .serialized)
struct GrayScottCommandTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("gray-scott-cli")
    var directory: URL { scratch.url }

    /// v's colour as gray_scott_field.frag draws it: dark blue through cyan to white.
    static func ramp(_ v: Float) -> [Double] {
        let t = 2 * Double(min(max(v / 0.35, 0), 1))
        let dark: [Double] = [8, 10, 30]
        let cyan: [Double] = [0, 150, 200]
        let white: [Double] = [255, 255, 255]
        let (from, to, share) = t < 1 ? (dark, cyan, t) : (cyan, white, t - 1)
        return (0..<3).map { (channel: Int) -> Double in from[channel] + (to[channel] - from[channel]) * share }
    }

    /// The run's field, written as .npy, is the CPU reference's after the same steps from the
    /// same seeded start; its picture, drawn by the GPU from the field's buffer, shows each
    /// cell's v; the summary names the steps and the mean of v.
    @Test func runWritesTheFieldAndItsPicture() throws {
        let output = directory.appendingPathComponent("field.npy")
        let png = directory.appendingPathComponent("field.png")
        let result = try CommandLineRun.run([
            "run", "gray-scott", "--size", "48x40", "--steps", "60", "--seed", "4", "--feed", "0.04",
            "--output", output.path, "--window", "480x400", "--png", png.path, "--validate",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Gray-Scott on a 48x40 torus (seed 4), 60 steps, feed 0.04"), "\(result.stderr)")
        #expect(result.stdout.contains("steps: 60\nmean v: "), "\(result.stdout)")
        #expect(result.stdout.contains("png: \(png.path)\noutput: \(output.path)"), "\(result.stdout)")
        let data = try Data(contentsOf: output)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let values = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let reference = GrayScottReference.advance(
            .seeded(width: 48, height: 40, seed: 4), parameters: GrayScottParameters(feed: 0.04), steps: 60)
        let field = GrayScottField(width: 48, height: 40, values: values)
        #expect(FieldComparison(field, reference: reference).maxError < 1e-5)
        #expect(result.stdout.contains("mean v: \(String(format: "%.5f", field.meanV))"), "\(result.stdout)")

        // The fitted camera shows the 40 rows in 1.04 x 40 cells' height, centred.
        let picture = try PNGImage.decode(Data(contentsOf: png))
        #expect(picture.width == 480 && picture.height == 400)
        let pixelsPerCell = 400 / (40 * 1.04)
        // The drawing adds onto the cleared background, as every scene's does.
        let background = picture.pixel(x: 2, y: 200)
        #expect(max(background.r, background.g, background.b) <= 12)
        let seeded = (0..<48 * 40).filter { values[2 * $0 + 1] > 0.1 }.prefix(20).map { ($0 % 48, $0 / 48) }
        #expect(!seeded.isEmpty)
        for (x, y) in [(0, 0), (47, 39), (10, 20), (30, 5)] + seeded {
            let px = Int((240 + (Double(x) + 0.5 - 24) * pixelsPerCell).rounded(.down))
            let py = Int((200 + (Double(y) + 0.5 - 20) * pixelsPerCell).rounded(.down))
            let drawn = picture.pixel(x: px, y: py)
            let expected = zip(
                Self.ramp(values[2 * (y * 48 + x) + 1]), [background.r, background.g, background.b].map(Double.init)
            ).map { min($0 + $1, 255) }
            let off = zip([drawn.r, drawn.g, drawn.b].map(Double.init), expected).map { abs($0 - $1) }.max()!
            #expect(off <= 1.5, "cell (\(x), \(y)): drawn \(drawn), expected \(expected)")
        }
        // Beyond the field on either side, the background.
        #expect(picture.pixel(x: 477, y: 3) == background)
    }

    @Test func verifyPassesAndFailsBeyondTheTolerance() throws {
        let passed = try CommandLineRun.run(["verify", "--workload", "gray-scott", "--steps", "30"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(passed.stdout.contains("field: 100x75, steps: 30"), "\(passed.stdout)")
        #expect(passed.stdout.contains("repeat: the same bits\nPASS"), "\(passed.stdout)")
        let failed = try CommandLineRun.run(["verify", "gray-scott", "--steps", "30", "--tolerance", "1e-12"])
        #expect(failed.status == 2 && failed.stdout.contains("FAIL: error"), "\(failed.stdout)")
    }

    @Test func benchReportsJSON() throws {
        let result = try CommandLineRun.run([
            "bench", "gray-scott", "--size", "64x64", "96x32", "--repeats", "2", "--steps", "3", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["width"] as? Int } == [64, 96])
        #expect(results.allSatisfy { $0["stepsPerRepeat"] as? Int == 3 && $0["repeats"] as? Int == 2 })
        let rate = try #require(results.first?["cellUpdatesPerSecond"] as? [String: Double])
        #expect((rate["median"] ?? 0) > 0)
        let text = try CommandLineRun.run(["bench", "gray-scott", "--size", "64x64", "--repeats", "1", "--steps", "2"])
        #expect(
            text.status == 0 && text.stdout.contains("64x64, a strip of 16 rows of 8 cells: "),
            "\(text.stdout)\(text.stderr)")
    }

    /// Sizes beyond the device are skipped with their reason; where none is left, nothing
    /// measured is a failure, not an empty success.
    @Test func benchOfSizesBeyondTheDeviceFails() throws {
        let result = try CommandLineRun.run(["bench", "gray-scott", "--size", "65536x65536", "--json"])
        #expect(result.status == 1 && result.stdout.isEmpty, "\(result.stdout)")
        #expect(result.stderr.contains("skipped: a 65536x65536 field needs"), "\(result.stderr)")
        #expect(result.stderr.contains("error: nothing was measured: a 65536x65536 field needs"), "\(result.stderr)")
    }

    /// --rows measures each strip length at each size, each checked against the CPU first;
    /// one out of range, or a width of block, is a usage error.
    @Test func benchMeasuresEachStripLength() throws {
        let result = try CommandLineRun.run([
            "bench", "gray-scott", "--size", "64x64", "96x32", "--rows", "1", "5", "--repeats", "1", "--steps", "2",
            "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(
            results.map { "\($0["width"] ?? "")x\($0["height"] ?? "")/\($0["rows"] ?? "")" }
                == ["64x64/1", "64x64/5", "96x32/1", "96x32/5"])
        for (option, value, range) in [("--rows", "0", "1024"), ("--rows", "1025", "1024"), ("--columns", "17", "16")] {
            let refused = try CommandLineRun.run(["bench", "gray-scott", option, "4", value])
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(
                refused.stderr.contains("\(option) must be between 1 and \(range), got \(value)"), "\(refused.stderr)")
        }
    }

    /// Bad rates, sizes and files are usage errors that name the option; another workload's
    /// options are unknown; a field beyond the device fails before anything is written.
    @Test func badInputIsRefusedByName() throws {
        let output = directory.appendingPathComponent("never.npy")
        for (arguments, message) in [
            (["--dt", "2"], "the diffusion blows up"),
            (["--feed", "-0.1"], "--feed must be between 0 and 1"),
            (["--size", "0x5"], "The value '0x5' is invalid for '--size <WxH>'"),
            (["--output", directory.appendingPathComponent("field.txt").path], "--output must name a .npy file"),
            (["--png", "/nonexistent/a.png"], "--png: directory '/nonexistent' does not exist"),
            (["--particles", "5"], "Unknown option '--particles'"),
            (["--rule", "B3/S23"], "Unknown option '--rule'"),
            (["--rows", "0"], "--rows must be between 1 and 1024, got 0"),
            (["--columns", "0"], "--columns must be between 1 and 16, got 0"),
        ] {
            let result = try CommandLineRun.run(["run", "gray-scott", "--output", output.path] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Rates that pass the checks can still blow up: the run stops there and writes nothing.
        let blown = try CommandLineRun.run([
            "run", "gray-scott", "--size", "32x32", "--steps", "2000", "--dt", "50", "--diffusion-u", "0.02",
            "--diffusion-v", "0.01", "--output", output.path,
        ])
        #expect(blown.status == 1, "\(blown.stderr)")
        #expect(blown.stderr.contains("the state became non-finite between steps"), "\(blown.stderr)")
        #expect(blown.stderr.contains("lower --dt or the diffusion rates") && !blown.stdout.contains("mean v"))
        let huge = try CommandLineRun.run(["run", "gray-scott", "--size", "1048576x1048576", "--output", output.path])
        #expect(huge.status == 1 && huge.stderr.contains("maxStorageBufferRange"), "\(huge.stderr)")
        let checked = try CommandLineRun.run(["verify", "gray-scott", "--size", "1048576x1048576"])
        #expect(checked.status == 1 && checked.stderr.contains("maxStorageBufferRange"), "\(checked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    /// A run from a field another run wrote goes on as one that never stopped: the same bits as
    /// an uninterrupted run's; verify checks a field from a file as it checks a seeded one.
    @Test func aRunFromASavedFieldGoesOnBitForBit() throws {
        let first = directory.appendingPathComponent("first.npy")
        let second = directory.appendingPathComponent("second.npy")
        let whole = directory.appendingPathComponent("whole.npy")
        let size = ["--size", "70x45", "--seed", "3"]
        let start = try CommandLineRun.run(["run", "gray-scott", "--steps", "120", "--output", first.path] + size)
        #expect(start.status == 0, "\(start.stderr)")
        // Another kernel shape on the way: a speed only, the bits stay.
        let resumed = try CommandLineRun.run([
            "run", "gray-scott", "--init", first.path, "--steps", "80", "--output", second.path, "--validate",
            "--rows", "3", "--columns", "2",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("Gray-Scott on a 70x45 torus (from \(first.path)), 80 steps"), "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("kernel: workgroup 64, a strip of 3 rows of 2 cells per invocation (given)"),
            "\(resumed.stderr)")
        let uninterrupted = try CommandLineRun.run(
            ["run", "gray-scott", "--steps", "200", "--output", whole.path] + size)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        #expect(try Data(contentsOf: second) == Data(contentsOf: whole))
        #expect(try NPYFile.readField(from: whole) != NPYFile.readField(from: first))

        let verified = try CommandLineRun.run([
            "verify", "gray-scott", "--init", whole.path, "--steps", "10", "--rows", "1", "--columns", "1",
        ])
        #expect(
            verified.status == 0
                && verified.stdout.contains(
                    "field: 70x45, steps: 10, kernel: workgroup 64, a strip of 1 row of 1 cell per"),
            "\(verified.stdout)")
    }

    /// A run that checkpoints and one that resumes from the checkpoint end with the bits of a run
    /// never interrupted; the resumed run takes the checkpoint's rates and refuses others.
    @Test func aCheckpointedRunResumesBitForBit() throws {
        let checkpoint = directory.appendingPathComponent("checkpoint.npy")
        let resumed = directory.appendingPathComponent("resumed.npy")
        let whole = directory.appendingPathComponent("whole.npy")
        let first = try CommandLineRun.run([
            "run", "gray-scott", "--size", "70x45", "--kill", "0.06", "--steps", "120", "--checkpoint", checkpoint.path,
            "--checkpoint-every", "50",
        ])
        #expect(first.status == 0 && first.stdout.contains("checkpoint: \(checkpoint.path) (step 120)"), "\(first)")
        let saved = try GrayScottCheckpoint.read(from: checkpoint)
        #expect(saved.step == 120 && saved.parameters == GrayScottParameters(kill: 0.06))
        let second = try CommandLineRun.run([
            "run", "gray-scott", "--resume", checkpoint.path, "--steps", "200", "--output", resumed.path, "--validate",
        ])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("(resumed at step 120), 200 steps, feed 0.055, kill 0.06"), "\(second.stderr)")
        #expect(second.stdout.contains("steps: 200\n"), "\(second.stdout)")
        let uninterrupted = try CommandLineRun.run([
            "run", "gray-scott", "--size", "70x45", "--kill", "0.06", "--steps", "200", "--output", whole.path,
        ])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        #expect(try Data(contentsOf: resumed) == Data(contentsOf: whole))

        for (arguments, message) in [
            (["--kill", "0.05"], "--resume continues the checkpoint's field with its rates; drop --kill"),
            (["--size", "8x8", "--seed", "2"], "drop --seed, --size"),
            (["--checkpoint-every", "10"], "--checkpoint-every needs --checkpoint FILE.npy"),
        ] {
            let result = try CommandLineRun.run(["run", "gray-scott", "--resume", checkpoint.path] + arguments)
            #expect(result.status == 64 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let past = try CommandLineRun.run(["run", "gray-scott", "--resume", checkpoint.path, "--steps", "100"])
        #expect(past.status == 1 && past.stderr.contains("the checkpoint is at step 120, beyond --steps 100"))
    }

    /// --init's file sets the size and the start, so --size and --seed are refused beside it; a
    /// file that is not a field fails naming what it is, and nothing is written.
    @Test func aSavedFieldIsRefusedWithWhatItIs() throws {
        let output = directory.appendingPathComponent("never.npy")
        let state = directory.appendingPathComponent("state.npy")
        try NPYFile.write(InitialModel.plummer.generate(count: 8, seed: 1), to: state)
        for (arguments, message) in [
            (["--size", "8x8"], "--init's field has its own size; drop --size"),
            (["--seed", "2"], "--init gives the starting field; --seed places spots instead"),
        ] {
            let result = try CommandLineRun.run(["run", "gray-scott", "--init", state.path] + arguments)
            #expect(result.status == 64 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let wrong = try CommandLineRun.run(["run", "gray-scott", "--init", state.path, "--output", output.path])
        #expect(wrong.status == 1, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("state.npy: has shape (8, 8); expected (H, W, 2)"), "\(wrong.stderr)")
        let missing = try CommandLineRun.run(
            ["verify", "gray-scott", "--init", directory.appendingPathComponent("missing.npy").path])
        #expect(missing.status == 1 && missing.stderr.contains("missing.npy: cannot be read"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    /// A stop asked for before the first step ends the run at once with its field written.
    @Test func aStopRequestEndsTheRunWithItsField() throws {
        let output = directory.appendingPathComponent("stopped.npy")
        let checkpoint = directory.appendingPathComponent("stopped-checkpoint.npy")
        let result = try CommandLineRun.run(
            [
                "run", "gray-scott", "--size", "32x32", "--steps", "1000000", "--output", output.path, "--checkpoint",
                checkpoint.path,
            ],
            stoppedBy: "SIGTERM")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stopped: SIGTERM after 0 of 1000000 steps"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: output.path))
        #expect(try GrayScottCheckpoint.read(from: checkpoint).field == NPYFile.readField(from: output))
        let bench = try CommandLineRun.run(
            ["bench", "gray-scott", "--size", "64x64", "128x128", "--json"], stoppedBy: "SIGINT")
        #expect(bench.status == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        #expect(report["stoppedBy"] as? String == "SIGINT" && (report["results"] as? [Any])?.isEmpty == true)
    }
}
