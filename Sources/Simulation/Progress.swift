import Engine
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where progress of long work goes: one line rewritten in place on a terminal; in a log
/// (containers, CI), where each line stays, a line every few seconds.
public struct ProgressOutput: Sendable {
    public let terminal: Bool
    private let write: @Sendable (String) -> Void

    public init(terminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.terminal = terminal
        self.write = write
    }

    /// Standard error, rewritten in place where it is a terminal.
    public static var standardError: ProgressOutput {
        ProgressOutput(terminal: isatty(2) != 0, write: writeToStandardError)
    }

    /// Seconds between lines.
    public var interval: Double { terminal ? 0.2 : 5.0 }

    public func show(_ line: String) {
        write(terminal ? "\r\u{1B}[K\(line)" : "\(line)\n")
    }

    /// Clears a rewritten line, so that what follows starts on a clean one.
    public func clear() {
        if terminal { write("\r\u{1B}[K") }
    }

    /// Ends a rewritten line, leaving it on screen.
    public func endLine() {
        if terminal { write("\n") }
    }
}

/// "step 120/1000 (12%), 75.0 steps/s, ETA 12 s" as a run goes, at the pace ``ProgressOutput``
/// sets. A total of 0 is one not known yet (`update(done:of:)` gives it).
public final class StepProgress {
    private var total: Int
    private let output: ProgressOutput?
    private let started = Date()
    private var lastReport = Date()
    private var printed = false

    /// - Parameter output: nil for no progress (`--quiet`).
    public init(total: Int, output: ProgressOutput?) {
        self.total = total
        self.output = output
    }

    /// `done` of a total known only once the work has started.
    public func update(done: Int, of total: Int) {
        self.total = total
        update(done: done)
    }

    public func update(done: Int) {
        guard let output, total > 0 else { return }
        let now = Date()
        guard
            now.timeIntervalSince(lastReport) >= output.interval || (printed && done == total && output.terminal)
        else { return }
        lastReport = now
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-9)
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        output.show(
            """
            step \(done)/\(total) (\(Int(100 * Double(done) / Double(total)))%), \(fixed(rate, 1)) steps/s, ETA \
            \(fixed(remaining, 0)) s
            """
        )
        printed = true
    }

    public func finish() {
        if printed { output?.endLine() }
    }
}

/// "LABEL: 37%, ETA 25 s" for work that reports its share done from any thread (the CPU
/// reference of a large system takes minutes). Quiet for the first second, so short work
/// prints nothing.
public final class ShareProgress: Sendable {
    private struct State {
        var lastReport: Date
        var printed = false
    }

    private let label: String
    private let output: ProgressOutput
    private let started = Date()
    private let state: Mutex<State>

    public init(label: String, output: ProgressOutput = .standardError) {
        self.label = label
        self.output = output
        state = Mutex(State(lastReport: started))
    }

    @Sendable public func update(_ share: Double) {
        let now = Date()
        let elapsed = now.timeIntervalSince(started)
        guard elapsed >= 1, share > 0 else { return }
        let line = "\(label): \(Int(100 * share))%, ETA \(fixed(elapsed / share - elapsed, 0)) s"
        state.withLock { state in
            guard now.timeIntervalSince(state.lastReport) >= output.interval else { return }
            state.lastReport = now
            state.printed = true
            output.show(line)
        }
    }

    public func finish() {
        if state.withLock({ $0.printed }) { output.clear() }
    }
}

extension Benchmark {
    /// Measures `workload` with "LABEL: repeat 2/5" on `output`: the first repeat, then at
    /// the pace ``ProgressOutput`` sets.
    public func measure<W: Workload>(_ workload: W, label: String, output: ProgressOutput) throws -> Measurement {
        var benchmark = self
        var lastLine = Date.distantPast
        benchmark.progress = { done, total in
            let now = Date()
            guard done == 1 || now.timeIntervalSince(lastLine) >= output.interval else { return }
            lastLine = now
            output.show("\(label): repeat \(done)/\(total)")
        }
        let measurement = try benchmark.measure(workload)
        if !measurement.rates.isEmpty { output.clear() }
        return measurement
    }
}
