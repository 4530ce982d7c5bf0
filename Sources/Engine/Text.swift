import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Small text helpers that Foundation's full module would otherwise bring, with its 30 MB of
// ICU data: the binary imports only FoundationEssentials.

/// `printf`-style formatting of numbers (`"%.3e"`, `"%.1f"`), through the C library.
package func cFormat(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
        var buffer = [CChar](repeating: 0, count: 128)
        let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
        guard needed >= buffer.count else {
            return String(decoding: buffer.prefix(max(needed, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return withVaList(arguments) { again in
            var larger = [CChar](repeating: 0, count: needed + 1)
            _ = vsnprintf(&larger, larger.count, format, again)
            return String(decoding: larger.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    package var trimmed: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// Writes `text` to standard error, unbuffered.
package func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// The reason a file operation failed, in the system's words ("No such file or directory").
package func systemMessage(for error: any Error) -> String {
    if let error = error as? CocoaError, let posix = error.underlying as? POSIXError {
        return String(cString: strerror(posix.code.rawValue))
    }
    if let error = error as? POSIXError { return String(cString: strerror(error.code.rawValue)) }
    return "\(error)"
}

/// `text` made safe to show in a terminal: control characters (ESC, BEL, ...) escaped as
/// `\u{1B}`, so that a file's contents cannot retitle or clear the user's terminal, and cut
/// to `limit` characters, so that a 40 KB header is not printed whole.
package func excerpt(_ text: some StringProtocol, limit: Int = 60) -> String {
    var result = ""
    var shown = 0
    for character in text {
        guard shown < limit else { return result + "…" }
        let scalars = character.unicodeScalars
        if scalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            for scalar in scalars {
                result +=
                    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                    ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" : String(scalar)
            }
        } else {
            result.append(character)
        }
        shown += 1
    }
    return result
}

extension Character {
    /// 0 to 9 only (`isNumber` also takes other scripts' digits and fractions).
    package var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
