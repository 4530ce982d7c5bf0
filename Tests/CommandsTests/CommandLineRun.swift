import Commands
import Engine
import Foundation
import Synchronization
import TestSupport

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

    /// Runs `arguments` (without the program's name) in ``commandEnvironment(_:)`` with
    /// `environment`'s changes.
    /// - Parameter stoppedBy: a stop asked for from the start, by this name, as a signal asks.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], stoppedBy: String? = nil
    ) throws -> Result {
        // The width lavapipe already has in this process: a command must not change the
        // process's environment under the other tests (the binary's tests check the choice).
        let width = ProcessInfo.processInfo.environment[LavapipeVectorWidth.variable] ?? "256"
        let env = commandEnvironment([LavapipeVectorWidth.variable: width].merging(environment) { $1 })
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
