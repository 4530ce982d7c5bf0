import Foundation

/// A directory of its own under the system's temporary directory, for one test, removed with
/// it: a suite that holds one as a property gets a fresh one for each test, gone when the test
/// ends, so runs leave nothing behind in /tmp.
public final class ScratchDirectory: Sendable {
    public let url: URL

    /// Made at once, named `prefix-UUID`.
    public init(_ prefix: String) {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to a file named `name` in the directory, and returns its URL.
    public func file(_ name: String, containing text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
