import FoundationEssentials
import Glibc
import Synchronization

/// Collects the messages of `VK_LAYER_KHRONOS_validation` (and any other `VK_EXT_debug_utils`
/// source), so a run can fail when the layer reported anything.
public final class ValidationLog: Sendable {
    public struct Message: Sendable, Equatable, CustomStringConvertible {
        public enum Severity: String, Sendable { case verbose, info, warning, error }
        public var severity: Severity
        public var identifier: String
        public var text: String

        public var description: String { "validation \(severity.rawValue): [\(identifier)] \(text)" }
    }

    private let storage = Mutex<[Message]>([])
    /// Where each message is echoed as it arrives; nil keeps them silent.
    private let echo: (@Sendable (Message) -> Void)?

    /// Echoes each message on standard error as it arrives: what a command's user sees.
    public static let echoOnStandardError: @Sendable (Message) -> Void = { message in
        writeToStandardError(message.description + "\n")
    }

    public init(echo: (@Sendable (Message) -> Void)? = echoOnStandardError) {
        self.echo = echo
    }

    func record(_ message: Message) {
        storage.withLock { $0.append(message) }
        echo?(message)
    }

    public var messages: [Message] { storage.withLock { $0 } }
    public var count: Int { storage.withLock { $0.count } }
}
