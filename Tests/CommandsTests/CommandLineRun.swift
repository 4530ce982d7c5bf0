import Commands
import Engine
import Foundation
import Synchronization

/// The command line run in the test's own process, as the binary runs it: the same parsing,
/// messages, files and exit status, with an environment of the test's and the output collected.
/// What only a process has (its signals, its standard output's fate, the environment the
/// Vulkan loader reads) is tested on the binary, in CapitalEngineTests.
enum CommandLineRun {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` (without the program's name). The environment is this process's,
    /// without DISPLAY and the CAPITALENGINE_ variables and with a tuning cache of its own,
    /// unless `environment` sets them.
    /// - Parameter stoppedBy: a stop asked for from the start, by this name, as a signal asks.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], stoppedBy: String? = nil
    ) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for name in ["DISPLAY", "WAYLAND_DISPLAY", "CAPITALENGINE_DEVICE", "CAPITALENGINE_VALIDATE"] { env[name] = nil }
        // A tuning cache left by someone's `tune` must not change the shapes tests see.
        env["CAPITALENGINE_TUNE_CACHE"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("no-tuning-\(UUID().uuidString).json").path
        // The width lavapipe already has in this process: a command must not change the
        // process's environment under the other tests (the binary's tests check the choice).
        env[LavapipeVectorWidth.variable] = env[LavapipeVectorWidth.variable] ?? "256"
        env.merge(environment) { $1 }
        let stdout = Collected(), stderr = Collected()
        let context = CommandContext(
            environment: env, stopRequests: stoppedBy.map { StopAsked(name: $0) } ?? NoStopRequests(),
            standardOutput: stdout.append,
            standardError: stderr.append)
        let status = CommandLineTool.run(arguments, context: context)
        return Result(status: status, stdout: stdout.text, stderr: stderr.text)
    }
}

private final class Collected: Sendable {
    private let collected = Mutex("")

    @Sendable func append(_ text: String) { collected.withLock { $0 += text } }

    var text: String { collected.withLock { $0 } }
}

/// A stop asked for before the command starts.
private struct StopAsked: StopRequests {
    let name: String
    func listen(stoppingAfter: String) {}
    var requested: String? { name }
}
