import FoundationEssentials
import Glibc
import Synchronization

/// Writes files so that readers see either the old contents or the complete new ones.
public enum AtomicFile {
    /// Writes `data` to a temporary file in the destination's directory (so the rename stays
    /// on one file system), syncs it, and renames it over `url`. On failure the temporary
    /// file is removed and nothing is left behind.
    ///
    /// A symbolic link at `url` is written through, as `cp` does: the file it points to is
    /// replaced and the link stays.
    public static func write(_ data: Data, to url: URL) throws {
        let url = destination(of: url)
        removeStaleTemporaries(in: url.deletingLastPathComponent())
        let descriptor: Int32, temporary: URL
        do {
            (descriptor, temporary) = try createFile(beside: url, suffix: "\(UInt32.random(in: 0...UInt32.max)).tmp")
        } catch {
            throw FileError(path: url.path, problem: error.problem)
        }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil && rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw FileError(path: url.path, problem: "cannot be written: \(failure)")
        }
    }
}

extension AtomicFile {
    /// The file `write` replaces for `url`: where a symbolic link at `url` points, else `url`.
    static func destination(of url: URL) -> URL {
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return url }
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(url.path, &target, target.count - 1)
        guard length > 0 else { return url }
        let path = String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let resolved =
            path.hasPrefix("/")
            ? URL(fileURLWithPath: path) : url.deletingLastPathComponent().appendingPathComponent(path)
        // A chain of links, followed as far as the system allows.
        return resolved.path == url.path ? url : destination(of: resolved)
    }

    /// Directories already swept in this process: one look per directory, however many files
    /// (frames) are written there.
    private static let swept = Mutex<Set<String>>([])

    /// Removes temporary files of ours that a killed process left in `directory` (`SIGKILL`,
    /// the OOM killer): hidden, named `.<name>.<pid>.<number or probe>.tmp`, of a process that
    /// no longer exists.
    static func removeStaleTemporaries(in directory: URL) {
        let path = directory.standardizedFileURL.path
        guard swept.withLock({ $0.insert(path).inserted }) else { return }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 5, let pid = Int32(parts[parts.count - 3]), pid > 0,
                parts[parts.count - 2] == "probe" || UInt32(parts[parts.count - 2]) != nil
            else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory.appendingPathComponent(name).path) }
        }
    }

    /// Why `write(_:to:)` could not write `url`, found out by creating and removing a file
    /// beside it; nil when it can. Asked before long work, so that a run or a tuning session
    /// does not end by failing to save what it made. A permission check alone is not enough:
    /// root passes it on read-only and virtual file systems.
    public static func writeProblem(at url: URL) -> String? {
        let url = destination(of: url)
        var status = stat()
        if stat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return "is a directory" }
        do {
            let (descriptor, probe) = try createFile(beside: url, suffix: "probe.tmp")
            close(descriptor)
            unlink(probe.path)
            return nil
        } catch {
            return error.problem
        }
    }

    /// Why a file beside `url` could not be made.
    struct Refusal: Error {
        let problem: String
    }

    /// A new, hidden file in `url`'s directory (so a rename onto `url` stays on one file
    /// system), open for writing: the one `write` fills and the one `writeProblem` tries.
    private static func createFile(beside url: URL, suffix: String) throws(Refusal) -> (descriptor: Int32, url: URL) {
        let directory = url.deletingLastPathComponent()
        var status = stat()
        guard stat(directory.path, &status) == 0 else {
            let reason = errno == ENOENT ? "does not exist" : "cannot be reached: \(String(cString: strerror(errno)))"
            throw Refusal(problem: "its directory \(directory.path) \(reason)")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw Refusal(problem: "\(directory.path) is not a directory") }
        // Hidden and named after the target, cut short where the target's name is so long that
        // the additions would pass the file system's limit of 255 bytes a name.
        let tail = ".\(getpid()).\(suffix)"
        var stem = url.lastPathComponent
        while 1 + stem.utf8.count + tail.utf8.count > 255 && !stem.isEmpty { stem.removeLast() }
        let file = directory.appendingPathComponent("." + stem + tail)
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Refusal(problem: "cannot be written: \(String(cString: strerror(errno)))") }
        return (descriptor, file)
    }
}

/// A file the engine could not read or write, with the reason.
public struct FileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// FNV-1a, 64 bits, as hex: enough to tell two files or builds apart, with no dependency.
package func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        value ^= UInt64(byte)
        value = value &* 0x100_0000_01B3
    }
    return String(value, radix: 16)
}
