import Engine
import Foundation
import TestSupport
import Testing

/// Tuning stopped by the signal a person sends, on the binary.
@Suite("Kernel tuning, stopped", .serialized)
struct TuningTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("tuning")
    var directory: URL { scratch.url }

    /// Ctrl-C during a long tuning session ends the search after the current candidate and
    /// stores the best verified so far, so the minutes spent are not lost.
    @Test(arguments: [WorkloadName.nbody, .life])
    func aSignalEndsTuningEarlyAndKeepsTheBestSoFar(workload: WorkloadName) throws {
        let cache = directory.appendingPathComponent("stopped-\(workload).json")
        let arguments = workload == .nbody ? ["--particles", "2000"] : ["--workload", "life", "--size", "2048x2048"]
        let engine = try CapitalEngineProcess(
            ["tune", "--budget", "600", "--json", "--tune-cache", cache.path] + arguments)
        try engine.waitForStderr("[2/")
        kill(engine.process.processIdentifier, SIGINT)
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("SIGINT: stopping after the current candidate"), "\(result.stderr)")
        #expect(result.stderr.contains("SIGINT: the search stopped after"), "\(result.stderr)")
        #expect(!result.stderr.contains("no final round"), "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["stoppedBy"] as? String == "SIGINT")
        #expect(report["winner"] != nil)
        #expect(TuningCache(url: cache).warning == nil)
        let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: cache)) as? [String: Any])
        #expect((file["entries"] as? [Any])?.count == 1)
    }

    enum WorkloadName: String, CustomStringConvertible, Sendable {
        case nbody, life
        var description: String { rawValue }
    }
}
