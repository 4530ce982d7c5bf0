import Dispatch
import FoundationEssentials
import Engine
import Glibc
import Synchronization

/// SIGINT and SIGTERM (Ctrl-C, `docker stop`) ask a run to stop at the next step boundary
/// and keep its results; a second signal ends the process at once.
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
                    signal(number, SIG_DFL)
                    raise(number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : "SIGTERM" }
}
