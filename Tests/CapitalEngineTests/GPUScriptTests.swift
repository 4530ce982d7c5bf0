import Foundation
import TestSupport
import Testing

/// `scripts/gpu-benchmarks.sh` runs where device time is a few minutes a session and a command
/// the device tool stops brings back only its few files: its deadline has to hold, and what a
/// cut step measured has to survive. Checked here with the real binary on lavapipe.
@Suite("The GPU machine's benchmark script")
struct GPUScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/gpu-benchmarks.sh")

    @Test func aStepIsCutAtTheDeadlineWithItsResultsKeptAndTheRestSkipped() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gpu-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        // 25 s of the 50 are the script's reserve, so the first tuning step (budget 30 s) gets
        // 25 s and every later one too little to start (under 20 s).
        var environment = ProcessInfo.processInfo.environment
        environment["GPU_BENCH_SECONDS"] = "50"
        environment["LP_NATIVE_VECTOR_WIDTH"] = environment["LP_NATIVE_VECTOR_WIDTH"] ?? "256"
        let result = try ChildProcess.run(
            URL(fileURLWithPath: "/bin/bash"),
            [Self.script.path, CommandLineTests.binary.path, out.path, "tune-nbody"],
            environment: environment, standardError: .intoStandardOutput)
        #expect(result.status == 0, "\(result.stdout)")

        let summary = try String(contentsOf: out.appendingPathComponent("summary.txt"), encoding: .utf8)
        let lines = summary.split(separator: "\n").map(String.init)
        // Cut by timeout's TERM (status 124), not killed: tune stopped and stored its best.
        let first = try #require(lines.first { $0.hasPrefix("tune-nbody-16384 ") }, "\(summary)")
        #expect(first.contains("rc=124"), "\(summary)")
        let cache =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tuning.json")))
            as? [String: Any]
        let entries = try #require(cache?["entries"] as? [[String: Any]], "no tuning cache entries: \(summary)")
        #expect(entries.contains { ($0["key"] as? [String: Any])?["sizeClass"] as? String == "N>=16384" }, "\(entries)")
        for step in ["tune-nbody-65536", "tune-nbody-262144", "tune-nbody-1048576", "bench-nbody-tuned"] {
            let line = try #require(lines.first { $0.hasPrefix(step + " ") }, "\(step) missing: \(summary)")
            #expect(line.contains("skipped: out of time"), "\(line)")
        }
        #expect(summary.contains("bench-nbody-tuned: no JSON report"), "\(summary)")
        // The logs travel as one archive, none left loose, and no empty report stands in for one.
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(files.contains("logs.tgz"), "\(files)")
        #expect(!files.contains { $0.hasSuffix(".log") }, "\(files)")
        #expect(!files.contains("bench-nbody-tuned.json"), "\(files)")
    }
}
