import FoundationEssentials
import Glibc

/// Reads and writes N-body state as NumPy `.npy`: `<f4`, C order, shape (N, 8).
///
/// Format versions 1.0 and 2.0 are read (they differ only in the header-length field);
/// 1.0 is written, which every NumPy reads. Anything else is a ``NPYError`` that says what.
public enum NPYFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    public static func read(from url: URL) throws -> ParticleState {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw NPYError(path: url.path, problem: "cannot be read: \(systemMessage(for: error))")
        }
        do {
            return try decode(data)
        } catch {
            throw NPYError(path: url.path, problem: error.text)
        }
    }

    /// Parses an `.npy` image; errors name the problem but not the file.
    public static func decode(_ data: Data) throws(NPYError.Problem) -> ParticleState {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw .init("is not a NumPy .npy file (bad magic; expected \\x93NUMPY)")
        }
        let (major, minor) = (bytes[6], bytes[7])
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2:
            guard bytes.count >= 12 else { throw .init("is truncated inside its header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .init("uses .npy format version \(major).\(minor); versions 1.0 and 2.0 are supported")
        }
        guard bytes.count >= headerStart + headerLength else { throw .init("is truncated inside its header") }
        guard let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .ascii) else {
            throw .init("has a header that is not ASCII")
        }
        let fields = try parseHeader(header)

        guard let descr = fields["descr"] else { throw .init("header has no 'descr'") }
        let dtype = unquote(descr)
        switch dtype {
        case "<f4": break
        case ">f4": throw .init("holds big-endian float32 ('>f4'); convert with array.astype('<f4')")
        default: throw .init("holds dtype '\(dtype)'; CapitalEngine needs little-endian float32 ('<f4')")
        }
        guard let fortran = fields["fortran_order"] else { throw .init("header has no 'fortran_order'") }
        switch fortran {
        case "False": break
        case "True": throw .init("is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)")
        default: throw .init("has an invalid fortran_order '\(fortran)'")
        }
        guard let shapeText = fields["shape"] else { throw .init("header has no 'shape'") }
        let shape = try parseShape(shapeText)
        guard shape.count == 2, shape[1] == ParticleState.floatsPerParticle else {
            throw .init("has shape \(shapeText); expected (N, 8): x y z m vx vy vz w per particle")
        }
        guard shape[0] >= 1 else { throw .init("holds no particles (shape \(shapeText))") }

        let dataStart = headerStart + headerLength
        let (expected, overflow) = shape[0].multipliedReportingOverflow(by: ParticleState.bytesPerParticle)
        guard !overflow else { throw .init("declares an impossible shape \(shapeText)") }
        let available = bytes.count - dataStart
        guard available >= expected else {
            throw .init("is truncated: shape \(shapeText) needs \(expected) bytes of data, the file has \(available)")
        }
        guard available == expected else {
            throw .init("has \(available - expected) bytes of unexpected data after the array")
        }
        var values = [Float](repeating: 0, count: shape[0] * ParticleState.floatsPerParticle)
        values.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[dataStart..<dataStart + expected]))
            }
        }
        #if _endian(big)
        values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        let state = ParticleState(values: values)
        if let bad = state.firstNonFiniteValue {
            throw .init("contains a non-finite value (NaN or Inf) in particle \(bad.particle), field \(bad.field)")
        }
        if let negative = state.firstNegativeMass {
            throw .init("gives particle \(negative) a negative mass")
        }
        return state
    }

    /// The bytes of a version 1.0 `.npy` file holding `state`.
    public static func encode(_ state: ParticleState) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(state.count), 8), }"
        // NumPy aligns the data to 64 bytes and ends the header with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        var values = state.values
        #if _endian(big)
        values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `state` atomically: to a temporary file beside `url`, then renamed into place,
    /// so an interrupted or failed write never leaves a partial file.
    public static func write(_ state: ParticleState, to url: URL) throws {
        try AtomicFile.write(encode(state), to: url)
    }

    private static func unquote(_ text: String) -> String {
        var value = text
        if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        return value
    }

    /// Splits the header's Python dict literal into its top-level entries.
    private static func parseHeader(_ header: String) throws(NPYError.Problem) -> [String: String] {
        var text = header.trimmed
        guard text.hasPrefix("{"), text.hasSuffix("}") else { throw .init("has a header that is not a dict: \(header)") }
        text = String(text.dropFirst().dropLast())
        var entries: [String] = []
        var depth = 0, quote: Character?, current = ""
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "(" || character == "[" {
                depth += 1
            } else if character == ")" || character == "]" {
                depth -= 1
            } else if character == "," && depth == 0 {
                entries.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        entries.append(current)
        var fields: [String: String] = [:]
        for entry in entries where !entry.trimmed.isEmpty {
            guard let colon = entry.firstIndex(of: ":") else { throw .init("has a malformed header entry '\(entry)'") }
            let key = unquote(entry[..<colon].trimmed)
            fields[key] = entry[entry.index(after: colon)...].trimmed
        }
        return fields
    }

    private static func parseShape(_ text: String) throws(NPYError.Problem) -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else { throw .init("has a malformed shape '\(text)'") }
        let inner = text.dropFirst().dropLast()
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmed.filter { $0 != "L" }
            guard let value = Int(trimmed), value >= 0 else { throw .init("has a malformed shape '\(text)'") }
            shape.append(value)
        }
        return shape
    }
}

/// A `.npy` file that cannot be used, with the path and what is wrong.
public struct NPYError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String

    public var description: String { "\(path): \(problem)" }

    /// What is wrong with an `.npy` image, before the path is known.
    public struct Problem: Error, Equatable {
        public var text: String
        init(_ text: String) { self.text = text }
    }
}

extension NPYFile {
    /// A cellular-automaton grid as `.npy`: uint8, C order, shape (H, W).
    public static func encode(_ grid: LifeGrid) -> Data {
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(grid.height), \(grid.width)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        data.append(contentsOf: grid.cells)
        return data
    }
}
