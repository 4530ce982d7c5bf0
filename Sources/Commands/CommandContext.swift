import Engine
import FoundationEssentials
import Glibc
import Simulation

/// What a command reads from and writes to the world around it: the environment, standard
/// output and error, and the requests to stop. The executable gives the process's own; tests
/// run the same commands in their own process with theirs (`CommandLineTool.run`).
public struct CommandContext: Sendable {
    public var environment: [String: String]
    public var standardOutput: @Sendable (String) -> Void
    public var standardError: @Sendable (String) -> Void
    public var stopRequests: any StopRequests
    /// Whether standard error is a terminal, where progress rewrites one line in place.
    public var standardErrorIsTerminal: Bool

    public init(
        environment: [String: String], stopRequests: any StopRequests,
        standardOutput: @escaping @Sendable (String) -> Void, standardError: @escaping @Sendable (String) -> Void,
        standardErrorIsTerminal: Bool = false
    ) {
        self.environment = environment
        self.stopRequests = stopRequests
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.standardErrorIsTerminal = standardErrorIsTerminal
    }

    /// The process's own environment, standard output and standard error.
    public static func process(stopRequests: any StopRequests) -> CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment, stopRequests: stopRequests,
            standardOutput: { Swift.print($0, terminator: "") }, standardError: { writeToStandardError($0) },
            standardErrorIsTerminal: isatty(STDERR_FILENO) != 0)
    }

    /// The context of the command running on this task.
    @TaskLocal static var current = process(stopRequests: NoStopRequests())
}

/// Asks a long command (a run, a benchmark, tuning, a sweep) to stop at its next boundary and
/// keep its results: the process's signals in the executable.
public protocol StopRequests: Sendable {
    /// Starts listening; `stoppingAfter` says what finishes before the stop, for the notice.
    func listen(stoppingAfter: String)
    /// The name of what asked to stop (`SIGINT`, `SIGTERM`), or nil.
    var requested: String? { get }
}

/// No stop is ever asked for.
public struct NoStopRequests: StopRequests {
    public init() {}
    public func listen(stoppingAfter: String) {}
    public var requested: String? { nil }
}

/// The stop requests of the command running on this task; a callback captures `current`
/// where it is made, so that it sees them on any thread.
enum StopRequest {
    static var current: any StopRequests { CommandContext.current.stopRequests }

    static func listen(stoppingAfter: String = "the current batch of steps") {
        current.listen(stoppingAfter: stoppingAfter)
    }
}

enum Console {
    static func print(_ line: String) {
        CommandContext.current.standardOutput(line + "\n")
    }

    static func error(_ message: String) {
        CommandContext.current.standardError("error: \(message)\n")
    }

    static func note(_ message: String) {
        CommandContext.current.standardError("\(message)\n")
    }

    static var environment: [String: String] { CommandContext.current.environment }

    /// Where progress of long work goes: standard error.
    static var progress: ProgressOutput {
        let context = CommandContext.current
        return ProgressOutput(terminal: context.standardErrorIsTerminal, write: context.standardError)
    }

    /// A validation layer's messages, each on standard error as it arrives.
    static func validationLog() -> ValidationLog {
        let standardError = CommandContext.current.standardError
        return ValidationLog { standardError($0.description + "\n") }
    }
}

/// The command line as a function: parses `arguments` (without the program's name), runs the
/// command and returns its exit status, with every message written as the executable writes
/// it (help and the version to standard output, errors with their usage to standard error).
public enum CommandLineTool {
    public static func run(_ arguments: [String], context: CommandContext) -> Int32 {
        CommandContext.$current.withValue(context) {
            do {
                var command = try CapitalEngineCommand.parseAsRoot(WorkloadCommands.rewritingWorkloadOption(arguments))
                try command.run()
                return 0
            } catch {
                let message = CapitalEngineCommand.fullMessage(for: error)
                let status = CapitalEngineCommand.exitCode(for: error).rawValue
                if !message.isEmpty {
                    if status == 0 {
                        context.standardOutput(message + "\n")
                    } else {
                        context.standardError(message + "\n")
                    }
                }
                return status
            }
        }
    }
}
