import Foundation

/// A program a test runs: its output gathered as it comes, its end awaited against a deadline.
///
/// Never `waitUntilExit()` nor `readDataToEndOfFile()`: Swift 6.0's Foundation can block in
/// `waitUntilExit()` for good (its run loop misses the exit), and a read to end-of-file waits as
/// long as any process holds the pipe. One test blocked that way holds the whole suite until CI
/// gives up; here every wait ends, with an error that says what did not happen.
public final class ChildProcess: @unchecked Sendable {
    public struct Result: Sendable {
        /// The exit status, or the signal's number when `signalled`.
        public var status: Int32
        public var signalled: Bool
        /// Standard output as written: an image or a text.
        public var output: Data
        public var stderr: String
        public var stdout: String { String(decoding: output, as: UTF8.self) }
    }

    /// Where one of the child's outputs goes.
    public enum Output {
        /// Gathered, for `stdoutText`/`stderrText` and the result.
        case capture
        case discard
        /// Standard error only: into the same text as standard output, in the order written.
        case intoStandardOutput
        case file(FileHandle)
    }

    public let process = Process()
    private let stdoutText = LockedText(), stderrText = LockedText()
    private let exited = DispatchSemaphore(value: 0)
    private var pipes: [(pipe: Pipe, closed: DispatchSemaphore)] = []

    /// Starts `executable` with standard input at /dev/null, in `directory` when given.
    /// `environment` replaces the test's own when given.
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
        standardOutput: Output = .capture, standardError: Output = .capture
    ) throws {
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        let stdoutPipe = try attach(standardOutput, text: stdoutText, merged: nil)
        process.standardOutput = stdoutPipe
        process.standardError = try attach(standardError, text: stderrText, merged: stdoutPipe)
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    private func attach(_ output: Output, text: LockedText, merged: Any?) throws -> Any {
        switch output {
        case .discard: return FileHandle.nullDevice
        case .file(let handle): return handle
        case .intoStandardOutput:
            guard let merged else { throw ChildProcessError("standard output cannot go into itself") }
            return merged
        case .capture:
            let pipe = Pipe()
            let closed = DispatchSemaphore(value: 0)
            pipes.append((pipe, closed))
            // A thread of blocking reads to end-of-file: all that was written is read, and a
            // pipe a grandchild keeps open blocks this thread alone.
            let descriptor = pipe.fileHandleForReading.fileDescriptor
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count > 0 {
                        text.append(Data(buffer[0..<count]))
                    } else if count < 0 && errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                closed.signal()
            }
            return pipe
        }
    }

    /// Runs a program to its end and returns what it wrote.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
        standardError: Output = .capture, timeout: TimeInterval = 300
    ) throws -> Result {
        try ChildProcess(
            executable, arguments, environment: environment, directory: directory, standardError: standardError
        ).wait(timeout: timeout)
    }

    /// Runs a command found on PATH (`python3`, `spirv-val`) to its end.
    public static func run(
        command: String, _ arguments: [String], standardError: Output = .capture, timeout: TimeInterval = 300
    ) throws -> Result {
        try run(
            URL(fileURLWithPath: "/usr/bin/env"), [command] + arguments, standardError: standardError, timeout: timeout)
    }

    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }
    public var stdout: String { stdoutText.text }
    public var stderr: String { stderrText.text }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the end; past `timeout` the child is killed and the wait fails.
    @discardableResult
    public func wait(timeout: TimeInterval) throws -> Result {
        guard exited.wait(timeout: .now() + timeout) == .success else {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
            throw ChildProcessError(
                "\(process.executableURL?.lastPathComponent ?? "the child") did not exit within \(timeout) s; "
                    + "its standard error: \(stderrText.text.suffix(2000))")
        }
        exited.signal()  // a later wait returns at once
        // The pipes end when the child has exited, unless a child of its own still holds them:
        // wait briefly, never forever.
        for (_, closed) in pipes where closed.wait(timeout: .now() + 2) == .success { closed.signal() }
        return Result(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            output: stdoutText.data, stderr: stderrText.text)
    }

    /// Waits until `condition` holds while the child runs.
    public func wait(
        for what: @autoclosure () -> String, timeout: TimeInterval = 120, until condition: () -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard process.isRunning else { throw ChildProcessError("exited before \(what()): \(stderrText.text)") }
            guard Date() < deadline else { throw ChildProcessError("timed out waiting for \(what())") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Text appended from a pipe's handler and read by the test.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        bytes.append(data)
    }

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }

    var text: String { String(decoding: data, as: UTF8.self) }
}
