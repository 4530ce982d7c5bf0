import FoundationEssentials
import Glibc

/// Reads and writes NumPy `.npy` arrays, C order: N-body states of shape (N, 8) and Gray-Scott
/// fields of shape (H, W, 2), little-endian float32 (`<f4`); Life grids of shape (H, W), uint8
/// (`|u1`, or bool where read).
///
/// Format versions 1.0 and 2.0 are read (they differ only in the header-length field);
/// 1.0 is written, which every NumPy reads. Anything else is a ``NPYError`` that says what.
public enum NPYFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads a state file straight into the particle array: the header first, then the data
    /// into place, so a file takes its own size in memory once, not three times, and a
    /// truncated one is refused before its data is read.
    public static func read(from url: URL) throws -> ParticleState {
        try read(from: url, as: .particles, make: particles)
    }

    /// Parses an `.npy` image of a state; errors name the problem but not the file.
    public static func decode(_ data: Data) throws(NPYError.Problem) -> ParticleState {
        try decode(data, as: .particles, make: particles)
    }

    /// Reads a Gray-Scott field file, as ``read(from:)`` reads a state.
    public static func readField(from url: URL) throws -> GrayScottField {
        try read(from: url, as: .field, make: field)
    }

    /// Parses an `.npy` image of a Gray-Scott field; errors name the problem but not the file.
    public static func decodeField(_ data: Data) throws(NPYError.Problem) -> GrayScottField {
        try decode(data, as: .field, make: field)
    }

    /// Reads a Life grid file, as ``read(from:)`` reads a state: a cell's state per byte.
    public static func readGrid(from url: URL) throws -> LifeGrid {
        try read(from: url, as: .grid, make: grid)
    }

    /// Parses an `.npy` image of a Life grid; errors name the problem but not the file.
    public static func decodeGrid(_ data: Data) throws(NPYError.Problem) -> LifeGrid {
        try decode(data, as: .grid, make: grid)
    }

    /// The type and shape an array must have for what reads it, and what its values take of the host.
    struct Layout {
        /// Why an array of `dtype` is not read, or nil where it is; `shape`, where it parses,
        /// tells which other command reads the file.
        var dtypeProblem: (_ dtype: String, _ shape: [Int]?) -> String?
        /// Bytes per value.
        var valueSize: Int
        /// The number of values an array of `shape` (spelled `text` in messages) holds; throws
        /// where the shape is not one this layout reads.
        var valueCount: ([Int], _ text: String) throws(NPYError.Problem) -> Int
        /// Why an array of `shape`, `count` values, would not fit this host, or nil.
        var hostMemoryProblem: (_ shape: [Int], _ count: Int) -> String?
        /// The most bytes read from a pipe, whose size cannot be checked first.
        var pipeLimit: Int

        /// The dtypes a Life grid is read from: uint8 as NumPy spells it, or bool.
        static let gridTypes: Set = ["|u1", "u1", "<u1", ">u1", "|b1", "b1"]

        /// What another command reads, for a file given to the wrong one: a dtype this layout
        /// does not read, or (float32) a shape it does not.
        static func otherReader(_ dtype: String, _ shape: [Int]?) -> String {
            switch shape?.count {
            case 2 where gridTypes.contains(dtype): " (a Life grid: run life --init)"
            case 2 where shape?[1] == ParticleState.floatsPerParticle: " (an N-body state: run --init)"
            case 3 where shape?[2] == 2: " (a Gray-Scott field: run gray-scott --init)"
            default: ""
            }
        }

        static func float32Problem(_ dtype: String, _ shape: [Int]?) -> String? {
            switch dtype {
            case "<f4": nil
            case ">f4": "holds big-endian float32 ('>f4'); convert with array.astype('<f4')"
            default:
                "holds dtype '\(excerpt(dtype))'; CapitalEngine needs little-endian float32 ('<f4')"
                    + (gridTypes.contains(dtype) ? otherReader(dtype, shape) : "")
            }
        }

        static var particles: Layout {
            Layout(
                dtypeProblem: float32Problem, valueSize: MemoryLayout<Float>.size,
                valueCount: { shape, text throws(NPYError.Problem) in
                    guard shape.count == 2, shape[1] == ParticleState.floatsPerParticle else {
                        throw .init(
                            "has shape \(text); expected (N, 8): x y z m vx vy vz w per particle"
                                + otherReader("<f4", shape))
                    }
                    guard shape[0] >= 1 else { throw .init("holds no particles (shape \(text))") }
                    return try product(shape, text, valueSize: MemoryLayout<Float>.size)
                },
                hostMemoryProblem: {
                    NBodyCapacity.hostMemoryProblem(particleCount: $1 / ParticleState.floatsPerParticle)
                },
                pipeLimit: Int(min(HostMemory.budgetBytes ?? 1 << 34, 1 << 40) / NBodyCapacity.hostBytesPerParticle)
                    * ParticleState.bytesPerParticle)
        }

        static var field: Layout {
            Layout(
                dtypeProblem: float32Problem, valueSize: MemoryLayout<Float>.size,
                valueCount: { shape, text throws(NPYError.Problem) in
                    guard shape.count == 3, shape[2] == 2 else {
                        throw .init(
                            "has shape \(text); expected (H, W, 2): u and v per cell" + otherReader("<f4", shape))
                    }
                    guard shape[0] >= 1, shape[1] >= 1 else { throw .init("holds no cells (shape \(text))") }
                    return try product(shape, text, valueSize: MemoryLayout<Float>.size)
                },
                hostMemoryProblem: { GrayScottField.hostMemoryProblem(cellCount: $1 / 2) },
                pipeLimit: Int(
                    min(HostMemory.budgetBytes ?? 1 << 34, 1 << 40) / GrayScottField.hostBytesPerCell
                        * UInt64(GrayScottField.bytesPerCell)))
        }

        static var grid: Layout {
            Layout(
                dtypeProblem: { dtype, shape in
                    gridTypes.contains(dtype)
                        ? nil
                        : "holds dtype '\(excerpt(dtype))'; a Life grid is uint8 ('|u1') or bool ('|b1'): "
                            + "convert with array.astype(numpy.uint8)" + otherReader(dtype, shape)
                },
                valueSize: 1,
                valueCount: { shape, text throws(NPYError.Problem) in
                    guard shape.count == 2 else {
                        throw .init("has shape \(text); expected (H, W): a cell's state per value")
                    }
                    guard shape[0] >= 1, shape[1] >= 1 else { throw .init("holds no cells (shape \(text))") }
                    return try product(shape, text, valueSize: 1)
                },
                hostMemoryProblem: { shape, _ in LifeGrid.hostMemoryProblem(width: shape[1], height: shape[0]) },
                pipeLimit: Int(min(HostMemory.physicalBytes ?? 1 << 34, 1 << 40) / 2))
        }

        /// The number of elements of `shape`, refused where their bytes do not fit an `Int`.
        private static func product(
            _ shape: [Int], _ text: String, valueSize: Int
        ) throws(NPYError.Problem) -> Int {
            var count = valueSize
            for side in shape {
                let (next, overflow) = count.multipliedReportingOverflow(by: side)
                guard !overflow else { throw .init("declares an impossible shape \(text)") }
                count = next
            }
            return count / valueSize
        }
    }

    private static func read<Value: Numeric, T>(
        from url: URL, as layout: Layout, make: ([Value], [Int]) throws(NPYError.Problem) -> T
    ) throws -> T {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NPYError(path: url.path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // A pipe (`--init /dev/stdin`) has no size to check the header against: read it whole,
        // up to what this host could hold, and parse that.
        guard InputFile.isRegular(descriptor) else {
            let bytes = try InputFile.read(descriptor: descriptor, path: url.path, limit: layout.pipeLimit)
            do { return try decode(Data(bytes), as: layout, make: make) } catch {
                throw NPYError(path: url.path, problem: error.text)
            }
        }
        func readExactly(_ destination: UnsafeMutableRawBufferPointer) throws -> Int {
            var offset = 0
            while offset < destination.count {
                let got = Glibc.read(descriptor, destination.baseAddress! + offset, destination.count - offset)
                if got < 0 && errno == EINTR { continue }
                guard got >= 0 else {
                    throw NPYError(path: url.path, problem: "cannot be read: \(String(cString: strerror(errno)))")
                }
                if got == 0 { break }
                offset += got
            }
            return offset
        }
        do {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw NPYError.Problem("cannot be read: \(String(cString: strerror(errno)))")
            }
            let fileSize = Int(status.st_size)
            var prefix = [UInt8](repeating: 0, count: 12)
            prefix.removeLast(12 - (try prefix.withUnsafeMutableBytes(readExactly)))
            let (headerStart, headerLength) = try headerBounds(prefix)
            let dataStart = headerStart + headerLength
            guard fileSize >= dataStart else { throw NPYError.Problem("is truncated inside its header") }
            var rest = [UInt8](repeating: 0, count: max(0, dataStart - prefix.count))
            _ = try rest.withUnsafeMutableBytes(readExactly)
            let (shape, count) = try arrayShape(
                header: Array((prefix + rest)[headerStart..<dataStart]), available: fileSize - dataStart,
                layout: layout)
            // Before the array is allocated: a consistent but enormous file is refused, not a crash.
            if let problem = layout.hostMemoryProblem(shape, count) {
                throw NPYError.Problem("is too large: \(problem)")
            }
            // A header shorter than the 12 bytes read first leaves the data before the offset.
            guard lseek(descriptor, off_t(dataStart), SEEK_SET) == off_t(dataStart) else {
                throw NPYError.Problem("cannot be read: \(String(cString: strerror(errno)))")
            }
            var values = [Value](repeating: .zero, count: count)
            guard try values.withUnsafeMutableBytes(readExactly) == count * layout.valueSize else {
                throw NPYError.Problem("is truncated: it shrank while being read")
            }
            return try make(values, shape)
        } catch let error as NPYError.Problem {
            throw NPYError(path: url.path, problem: error.text)
        }
    }

    private static func decode<Value: Numeric, T>(
        _ data: Data, as layout: Layout, make: ([Value], [Int]) throws(NPYError.Problem) -> T
    ) throws(NPYError.Problem) -> T {
        let bytes = [UInt8](data)
        let (headerStart, headerLength) = try headerBounds(bytes)
        guard bytes.count >= headerStart + headerLength else { throw .init("is truncated inside its header") }
        let dataStart = headerStart + headerLength
        let (shape, count) = try arrayShape(
            header: Array(bytes[headerStart..<dataStart]), available: bytes.count - dataStart, layout: layout)
        var values = [Value](repeating: .zero, count: count)
        values.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[dataStart..<dataStart + destination.count]))
            }
        }
        return try make(values, shape)
    }

    /// Where the header lies, from the file's first 10 (version 1) or 12 (version 2) bytes.
    private static func headerBounds(_ bytes: [UInt8]) throws(NPYError.Problem) -> (start: Int, length: Int) {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw .init("is not a NumPy .npy file (bad magic; expected \\x93NUMPY)")
        }
        let (major, minor) = (bytes[6], bytes[7])
        switch major {
        case 1:
            return (10, Int(bytes[8]) | Int(bytes[9]) << 8)
        case 2:
            guard bytes.count >= 12 else { throw .init("is truncated inside its header") }
            return (12, Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24)
        default:
            throw .init("uses .npy format version \(major).\(minor); versions 1.0 and 2.0 are supported")
        }
    }

    /// The shape the header declares and its number of values, checked against `layout` and
    /// against the `available` bytes after the header.
    private static func arrayShape(
        header headerBytes: [UInt8], available: Int, layout: Layout
    ) throws(NPYError.Problem) -> (shape: [Int], count: Int) {
        guard let header = String(bytes: headerBytes, encoding: .ascii) else {
            throw .init("has a header that is not ASCII")
        }
        let fields = try parseHeader(header)

        guard let descr = fields["descr"] else { throw .init("header has no 'descr'") }
        if let problem = layout.dtypeProblem(unquote(descr), fields["shape"].flatMap { try? parseShape($0) }) {
            throw .init(problem)
        }
        guard let fortran = fields["fortran_order"] else { throw .init("header has no 'fortran_order'") }
        switch fortran {
        case "False": break
        case "True": throw .init("is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)")
        default: throw .init("has an invalid fortran_order '\(excerpt(fortran))'")
        }
        guard let shapeText = fields["shape"] else { throw .init("header has no 'shape'") }
        let shape = try parseShape(shapeText)
        let count = try layout.valueCount(shape, shapeText)
        let expected = count * layout.valueSize
        guard available >= expected else {
            throw .init("is truncated: shape \(shapeText) needs \(expected) bytes of data, the file has \(available)")
        }
        guard available == expected else {
            throw .init("has \(available - expected) bytes of unexpected data after the array")
        }
        return (shape, count)
    }

    /// The floats of the file, in this host's order.
    private static func littleEndian(_ values: [Float]) -> [Float] {
        #if _endian(big)
            return values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #else
            return values
        #endif
    }

    /// The state the values make, refused if a value is not finite or a mass negative.
    private static func particles(_ values: [Float], shape: [Int]) throws(NPYError.Problem) -> ParticleState {
        let state = ParticleState(values: littleEndian(values))
        if let bad = state.firstNonFiniteValue {
            throw .init("contains a non-finite value (NaN or Inf) in particle \(bad.particle), field \(bad.field)")
        }
        if let negative = state.firstNegativeMass {
            throw .init("gives particle \(negative) a negative mass")
        }
        return state
    }

    /// The field the values make, refused if a concentration is not finite.
    private static func field(_ values: [Float], shape: [Int]) throws(NPYError.Problem) -> GrayScottField {
        let field = GrayScottField(width: shape[1], height: shape[0], values: littleEndian(values))
        if let bad = field.firstNonFiniteCell {
            throw .init("contains a non-finite value (NaN or Inf) in cell (\(bad.x), \(bad.y))")
        }
        return field
    }

    /// The grid the bytes make: a state per cell, which the rule run checks.
    private static func grid(_ cells: [UInt8], shape: [Int]) -> LifeGrid {
        LifeGrid(width: shape[1], height: shape[0], cells: cells)
    }

    /// The bytes of a version 1.0 `.npy` file holding `state`.
    public static func encode(_ state: ParticleState) -> Data {
        encode(floats: state.values, shape: [state.count, 8])
    }

    /// A version 1.0 `.npy` file's header for `descr` (`'<f4'`, `'|u1'`) and `shape`, C order.
    static func header(descr: String, shape: [Int]) -> Data {
        let dimensions = shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dimensions)), }"
        // NumPy aligns the data to 64 bytes and ends the header with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        return data
    }

    /// `values` as little-endian float32 of `shape`.
    static func encode(floats values: [Float], shape: [Int]) -> Data {
        var data = header(descr: "<f4", shape: shape)
        var values = values
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
        guard text.hasPrefix("{"), text.hasSuffix("}") else {
            throw .init("has a header that is not a dict: \(header)")
        }
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
            guard let colon = entry.firstIndex(of: ":") else {
                throw .init("has a malformed header entry '\(excerpt(entry))'")
            }
            let key = unquote(entry[..<colon].trimmed)
            fields[key] = entry[entry.index(after: colon)...].trimmed
        }
        return fields
    }

    private static func parseShape(_ text: String) throws(NPYError.Problem) -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else { throw .init("has a malformed shape '\(excerpt(text))'") }
        let inner = text.dropFirst().dropLast()
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmed.filter { $0 != "L" }
            guard let value = Int(trimmed), value >= 0 else { throw .init("has a malformed shape '\(excerpt(text))'") }
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
        var data = header(descr: "|u1", shape: [grid.height, grid.width])
        data.append(contentsOf: grid.cells)
        return data
    }

    /// A Gray-Scott field as `.npy`: float32, C order, shape (H, W, 2): u and v of each cell.
    public static func encode(_ field: GrayScottField) -> Data {
        encode(floats: field.values, shape: [field.height, field.width, 2])
    }

    /// Writes `field` atomically, as a state is written.
    public static func write(_ field: GrayScottField, to url: URL) throws {
        try AtomicFile.write(encode(field), to: url)
    }
}
