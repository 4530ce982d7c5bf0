import Commands
import Dispatch
import Engine
import FoundationEssentials
import Glibc
import Synchronization

/// SIGINT and SIGTERM (Ctrl-C, `docker stop`) ask a run to stop at the next step boundary
/// and keep its results; a second signal ends the process at once, with 128 + the signal's
/// number as a shell reports a process killed by it. Files are only ever replaced whole
/// (`AtomicFile`), so the outputs of earlier runs stay intact.
///
/// The same signal again within `sameSignalWindow` of the first is the same request, not a
/// second one: `timeout(1)` sends its signal to the command and then to the command's
/// process group, which holds the command too, so one expiry delivers SIGTERM twice within
/// microseconds; a person's second Ctrl-C comes far later.
struct StopSignal: StopRequests {
    private static let flag = Atomic<Int32>(0)
    /// When the first signal was handled, in nanoseconds of the monotonic clock.
    private static let firstHandled = Atomic<UInt64>(0)
    static let sameSignalWindow: UInt64 = 250_000_000
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The signals are handled from the first `listen` on, once for the process.
    private static let installed = Mutex(false)

    func listen(stoppingAfter: String) {
        let first = Self.installed.withLock { installed in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let now = DispatchTime.now().uptimeNanoseconds
                if Self.flag.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged {
                    Self.firstHandled.store(now, ordering: .relaxed)
                    writeToStandardError(
                        "\n\(Self.name(number)): stopping after \(stoppingAfter) (signal again to abort)\n")
                } else if Self.flag.load(ordering: .relaxed) == number
                    && now &- Self.firstHandled.load(ordering: .relaxed) < Self.sameSignalWindow
                {
                    return
                } else {
                    // Not raise(): the dispatch source holds the signal, so it would come
                    // back here instead of ending the process.
                    writeToStandardError("\n\(Self.name(number)): aborting\n")
                    _exit(128 + number)
                }
            }
            source.resume()
            Self.sources.append(source)
        }
    }

    var requested: String? {
        let value = Self.flag.load(ordering: .relaxed)
        return value == 0 ? nil : Self.name(value)
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : "SIGTERM" }
}
