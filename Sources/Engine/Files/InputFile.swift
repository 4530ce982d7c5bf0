import FoundationEssentials
import Glibc

/// Reads a whole input file, regular or not (a pipe, `/dev/stdin`), with the system's reason
/// when it cannot: missing, forbidden, a directory.
public enum InputFile {
    /// - Parameter limit: the most bytes accepted; a larger input is refused, not read whole.
    public static func read(_ path: String, limit: Int) throws(FileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        return try read(descriptor: descriptor, path: path, limit: limit)
    }

    /// Reads what is left of an open file.
    static func read(descriptor: Int32, path: String, limit: Int) throws(FileError) -> [UInt8] {
        var status = stat()
        if fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
            throw FileError(path: path, problem: "is a directory, not a file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw FileError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if got == 0 { return bytes }
            guard bytes.count + got <= limit else {
                throw FileError(path: path, problem: "is larger than the \(limit) bytes accepted")
            }
            bytes += chunk[..<got]
        }
    }

    /// Whether `descriptor` is a regular file, whose size and offsets can be trusted.
    static func isRegular(_ descriptor: Int32) -> Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }
}

extension RLEFile {
    /// The pattern in the file at `path`, no larger than `largest`. The text is read as UTF-8
    /// where it is; bytes that are not UTF-8 become U+FFFD, which the parser reports where it
    /// matters (inside the pattern) and ignores where the format does (after the final `!`).
    public static func read(
        from path: String, largest: (width: Int, height: Int)?,
        gridWithoutSuffix: (width: Int, height: Int)? = nil
    ) throws -> Pattern {
        // A pattern's text is at most a few bytes a cell, and comments; far beyond that is no pattern.
        let bytes = try InputFile.read(path, limit: 1 << 30)
        do {
            return try parse(
                String(decoding: bytes, as: UTF8.self), largest: largest, gridWithoutSuffix: gridWithoutSuffix)
        } catch {
            throw FileError(path: path, problem: error.description)
        }
    }
}
