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

    /// The run's field, written as .npy, is the CPU reference's after the same steps from the
    /// same seeded start; its picture shows it; the summary names the steps and the mean of v.
    @Test func runWritesTheFieldAndItsPicture() throws {
        let output = directory.appendingPathComponent("field.npy")
        let png = directory.appendingPathComponent("field.png")
        let result = try CommandLineRun.run([
            "run", "gray-scott", "--size", "48x40", "--steps", "60", "--seed", "4", "--feed", "0.04",
            "--output", output.path, "--png", png.path, "--validate",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Gray-Scott on a 48x40 torus (seed 4), 60 steps, feed 0.04"), "\(result.stderr)")
        #expect(result.stdout.contains("steps: 60\nmean v: "), "\(result.stdout)")
        #expect(result.stdout.contains("output: \(output.path)\npng: \(png.path)"), "\(result.stdout)")
        let data = try Data(contentsOf: output)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let values = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let reference = GrayScottReference.advance(
            .seeded(width: 48, height: 40, seed: 4), parameters: GrayScottParameters(feed: 0.04), steps: 60)
        let field = GrayScottField(width: 48, height: 40, values: values)
        #expect(FieldComparison(field, reference: reference).maxError < 1e-5)
        #expect(result.stdout.contains("mean v: \(String(format: "%.5f", field.meanV))"), "\(result.stdout)")
        let picture = try PNGImage.decode(Data(contentsOf: png))
        #expect(picture == GrayScottPicture.render(field))
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
        #expect(text.status == 0 && text.stdout.contains("64x64: "), "\(text.stdout)\(text.stderr)")
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
        ] {
            let result = try CommandLineRun.run(["run", "gray-scott", "--output", output.path] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let huge = try CommandLineRun.run(["run", "gray-scott", "--size", "1048576x1048576", "--output", output.path])
        #expect(huge.status == 1 && huge.stderr.contains("maxStorageBufferRange"), "\(huge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    /// A stop asked for before the first step ends the run at once with its field written.
    @Test func aStopRequestEndsTheRunWithItsField() throws {
        let output = directory.appendingPathComponent("stopped.npy")
        let result = try CommandLineRun.run(
            ["run", "gray-scott", "--size", "32x32", "--steps", "1000000", "--output", output.path],
            stoppedBy: "SIGTERM")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stopped: SIGTERM after 0 of 1000000 steps"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: output.path))
    }
}
