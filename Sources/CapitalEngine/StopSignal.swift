import Dispatch
import FoundationEssentials
import Engine
import Glibc
import Synchronization

/// SIGINT and SIGTERM (Ctrl-C, `docker stop`) ask a run to stop at the next step boundary
/// and keep its results; a second signal ends the process at once, with 128 + the signal's
/// number as a shell reports a process killed by it. Files are only ever replaced whole
/// (`AtomicFile`), so the outputs of earlier runs stay intact.
enum StopSignal {
    private static let flag = Atomic<Int32>(0)
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The signal that asked to stop, or nil.
    static var requested: Int32? {
        let value = flag.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// - Parameter stoppingAfter: what finishes before the stop, as the first signal's note
    ///   tells the user.
    static func install(stoppingAfter: String = "the current batch of steps") {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if flag.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged {
                    let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                    writeToStandardError("\n\(name): stopping after \(stoppingAfter) (signal again to abort)\n")
                } else {
                    // Not raise(): the dispatch source holds the signal, so it would come
                    // back here instead of ending the process.
                    writeToStandardError("\n\(name(number)): aborting\n")
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : "SIGTERM" }
}
