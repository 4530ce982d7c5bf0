/// Patterns in the RLE format Golly and LifeWiki use:
///
///     #N Glider
///     x = 3, y = 3, rule = B3/S23
///     bob$2bo$3o!
///
/// `b`/`o` are dead/alive in two-state patterns; Generations patterns use `.` for 0 and
/// `A`...`X` for 1...24 (`pA`...`yO` beyond). `$` ends a row, `!` the pattern; a number
/// before a tag repeats it.
public enum RLEFile {
    public struct Pattern: Sendable, Equatable {
        public var grid: LifeGrid
        public var rule: LifeRule?
        public var comments: [String]
        /// The grid the rule's suffix names (`rule = B3/S23:T72,48`), if any.
        public var topology: LifeTopology?

        public init(grid: LifeGrid, rule: LifeRule? = nil, comments: [String] = [], topology: LifeTopology? = nil) {
            self.grid = grid
            self.rule = rule
            self.comments = comments
            self.topology = topology
        }
    }

    /// - Parameter largest: the grid the pattern must fit, checked against the header before
    ///   the pattern's own grid is made (a header may declare up to 2^30 cells).
    ///
    /// Works on the text's bytes, a line at a time (Swift's `Character`s took half a minute for
    /// a 16384² grid's 165 MB); a line with anything beyond ASCII goes through `Character`s, so
    /// that such a line's columns and messages name what a reader sees. Lines may end in CRLF.
    /// - Parameter gridWithoutSuffix: where `largest` is nil, the grid the pattern must fit
    ///   unless its rule's suffix names one (`rule = B3/S23:T72,48`), which it must fit then.
    public static func parse(
        _ text: String, largest: (width: Int, height: Int)? = nil,
        gridWithoutSuffix: (width: Int, height: Int)? = nil
    ) throws(RLEError) -> Pattern {
        var comments: [String] = []
        var header: (width: Int, height: Int, rule: LifeRuleSpecification?)?
        var commentRule: LifeRuleSpecification?
        // Where each state first appears, for a message that points at it.
        var firstSeen = [(line: Int, column: Int)?](repeating: nil, count: 256)
        // Replaced by the header's grid: the first line that is not a comment is the header.
        var grid = LifeGrid(width: 1, height: 1)
        var x = 0, y = 0
        var count: Int?
        var prefix: UInt8?
        var finished = false
        let bytes = Array(text.utf8)
        var lineCount = 0

        func place(_ state: UInt8, _ line: Int, _ column: Int) throws(RLEError) {
            let run = count ?? 1
            count = nil
            if state != 0 {
                guard x + run <= grid.width, y < grid.height else {
                    throw RLEError(
                        line: line, column: column,
                        problem: "the pattern is larger than its header's x = \(grid.width), y = \(grid.height)")
                }
                let start = y * grid.width + x
                for index in start..<start + run { grid.cells[index] = state }
                if firstSeen[Int(state)] == nil { firstSeen[Int(state)] = (line, column) }
            }
            x += run
        }

        var lineStart = 0
        while lineStart <= bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { lineStart = lineEnd + 1 }
            lineCount += 1
            let lineNumber = lineCount
            if finished { continue }
            // The line as byte-sized units, trimmed: ASCII as it is; otherwise one unit per
            // Character, whitespace as a space and anything else beyond ASCII as 0x80.
            // Columns count from the line's start, the leading whitespace (`indent`) included.
            var units = bytes[lineStart..<lineEnd]
            var characters: [Character] = []
            var indent = 0
            if units.allSatisfy({ $0 < 0x80 }) {
                while let first = units.first, isSpace(first) {
                    units.removeFirst()
                    indent += 1
                }
                while let last = units.last, isSpace(last) { units.removeLast() }
            } else {
                characters = Array(String(decoding: units, as: UTF8.self))
                while characters.first?.isWhitespace == true {
                    characters.removeFirst()
                    indent += 1
                }
                while characters.last?.isWhitespace == true { characters.removeLast() }
                units = ArraySlice(characters.map { $0.isWhitespace ? UInt8(ascii: " ") : $0.asciiValue ?? 0x80 })
            }
            func line() -> String { characters.isEmpty ? String(decoding: units, as: UTF8.self) : String(characters) }
            if units.isEmpty { continue }
            if units.first == UInt8(ascii: "#") {
                let comment = String(line().dropFirst())
                // `#r S/B`: the rule, in files older than the header's `rule =`.
                if comment.hasPrefix("r "), commentRule == nil {
                    do { commentRule = try LifeRuleSpecification(parsing: String(comment.dropFirst(2))) } catch {
                        throw RLEError(line: lineNumber, column: indent + 4, problem: error.description)
                    }
                }
                comments.append(comment.trimmingWhitespace())
                continue
            }
            if header == nil {
                header = try parseHeader(line(), lineNumber: lineNumber, firstColumn: indent + 1)
                let suffixGrid = header!.rule?.topology.map { (width: $0.width, height: $0.height) }
                if let largest = largest ?? suffixGrid ?? gridWithoutSuffix,
                    header!.width > largest.width || header!.height > largest.height
                {
                    throw RLEError(
                        line: lineNumber, column: indent + 1,
                        problem: "the pattern (\(header!.width)x\(header!.height)) is larger than the grid "
                            + "(\(largest.width)x\(largest.height)); raise --size")
                }
                grid = LifeGrid(width: header!.width, height: header!.height)
                continue
            }
            for (offset, unit) in units.enumerated() {
                let column = indent + offset + 1
                if isSpace(unit) { continue }
                // Letters compare as Unicode: "A" with a combining accent sorts between A and X.
                guard unit < 0x80 else {
                    throw RLEError(
                        line: lineNumber, column: column,
                        problem:
                            """
                            unknown character '\(excerpt(String(characters[offset])))' (expected b o . A-X $ ! or \
                            a count)
                            """
                    )
                }
                if unit >= UInt8(ascii: "0") && unit <= UInt8(ascii: "9") {
                    let (value, overflow) = (count ?? 0).multipliedReportingOverflow(by: 10)
                    let digit = Int(unit - UInt8(ascii: "0"))
                    guard !overflow, value + digit < 1 << 24 else {
                        throw RLEError(line: lineNumber, column: column, problem: "run length too large")
                    }
                    count = value + digit
                    continue
                }
                let letter = unit >= UInt8(ascii: "A") && unit <= UInt8(ascii: "X")
                if let pending = prefix {
                    guard letter else {
                        throw RLEError(
                            line: lineNumber, column: column,
                            problem:
                                """
                                '\(excerpt("\(Character(UnicodeScalar(pending)))\(Character(UnicodeScalar(unit)))"))' \
                                is not a state letter
                                """
                        )
                    }
                    let state = 24 * Int(pending - UInt8(ascii: "p") + 1) + Int(unit - UInt8(ascii: "A")) + 1
                    prefix = nil
                    guard state <= 255 else {
                        throw RLEError(line: lineNumber, column: column, problem: "state \(state) is beyond 255")
                    }
                    try place(UInt8(state), lineNumber, column)
                    continue
                }
                switch unit {
                case UInt8(ascii: "b"), UInt8(ascii: "."): try place(0, lineNumber, column)
                case UInt8(ascii: "o"): try place(1, lineNumber, column)
                case _ where letter: try place(unit - UInt8(ascii: "A") + 1, lineNumber, column)
                case UInt8(ascii: "p")...UInt8(ascii: "y"): prefix = unit
                case UInt8(ascii: "$"):
                    y += count ?? 1
                    count = nil
                    x = 0
                case UInt8(ascii: "!"):
                    finished = true
                default:
                    throw RLEError(
                        line: lineNumber, column: column,
                        problem:
                            """
                            unknown character '\(excerpt(String(Character(UnicodeScalar(unit)))))' (expected b o \
                            . A-X $ ! or a count)
                            """
                    )
                }
                if finished { break }
            }
        }
        guard var header else { throw RLEError(line: lineCount, column: 1, problem: "no header line 'x = .., y = ..'") }
        header.rule = header.rule ?? commentRule
        guard finished else { throw RLEError(line: lineCount, column: 1, problem: "the pattern does not end with '!'") }
        if let rule = header.rule?.rule, let state = (rule.states..<256).first(where: { firstSeen[$0] != nil }),
            let position = firstSeen[state]
        {
            throw RLEError(
                line: position.line, column: position.column,
                problem: rule.isGenerations
                    ? "state \(state) does not exist in \(rule)" : "state \(state) in a two-state rule (\(rule))")
        }
        return Pattern(grid: grid, rule: header.rule?.rule, comments: comments, topology: header.rule?.topology)
    }

    /// ASCII whitespace, as `Character.isWhitespace` has it: tab, line feed, vertical tab,
    /// form feed, carriage return, space.
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// - Parameter firstColumn: the column `line` starts at in its file.
    private static func parseHeader(
        _ line: String, lineNumber: Int, firstColumn: Int
    ) throws(RLEError) -> (width: Int, height: Int, rule: LifeRuleSpecification?) {
        var width: Int?, height: Int?, rule: LifeRuleSpecification?
        var column = firstColumn
        var fields = line.split(separator: ",", omittingEmptySubsequences: false)[...]
        while let first = fields.popFirst() {
            var field = first
            // The rule takes the rest of the line: a grid suffix has a comma of its own (B3/S23:T72,48).
            if field.split(separator: "=", maxSplits: 1).first?.trimmed.lowercased() == "rule" && !fields.isEmpty {
                field = line[field.startIndex..<fields.last!.endIndex]
                fields.removeAll()
            }
            defer { column += field.count + 1 }
            let pair = field.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace() }
            guard pair.count == 2 else {
                throw RLEError(
                    line: lineNumber, column: column,
                    problem: "bad header field '\(excerpt(field))'; expected 'x = .., y = .., rule = ..'")
            }
            switch pair[0].lowercased() {
            case "x":
                // 0 by 0 is Golly's empty pattern.
                guard let value = Int(pair[1]), value >= 0 else {
                    throw RLEError(line: lineNumber, column: column, problem: "x must be a width of 0 or more")
                }
                width = value
            case "y":
                guard let value = Int(pair[1]), value >= 0 else {
                    throw RLEError(line: lineNumber, column: column, problem: "y must be a height of 0 or more")
                }
                height = value
            case "rule":
                do { rule = try LifeRuleSpecification(parsing: pair[1]) } catch {
                    throw RLEError(line: lineNumber, column: column, problem: error.description)
                }
            default:
                throw RLEError(line: lineNumber, column: column, problem: "unknown header field '\(excerpt(pair[0]))'")
            }
        }
        guard let width, let height else {
            throw RLEError(line: lineNumber, column: firstColumn, problem: "the header needs both x and y")
        }
        // A side beyond the largest grid's is refused even where the other is 0 (no cells): a
        // pattern's rows are walked, and 0 by 10^15 would take days.
        let (cells, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, cells <= 1 << 30, width <= LifeGrid.largestSide, height <= LifeGrid.largestSide else {
            throw RLEError(
                line: lineNumber, column: firstColumn,
                problem: "pattern of \(width)x\(height) is too large (at most \(LifeGrid.largestSide) a side and "
                    + "\(1 << 30) cells)")
        }
        return (width, height, rule)
    }

    /// The RLE text of `grid`: runs per row, trailing dead cells and empty trailing rows
    /// dropped, lines of at most 70 characters. Made as bytes, for the same reason `parse`
    /// reads them.
    /// - Parameter topology: the grid to name in the rule's suffix, so that Golly opens the
    ///   pattern on the torus or bounded plane it ran on.
    public static func write(
        _ grid: LifeGrid, rule: LifeRule, topology: LifeTopology? = nil, comments: [String] = []
    ) -> String {
        let generations = rule.isGenerations
        var text: [UInt8] = []
        text.reserveCapacity(grid.cells.count / 8 + 256)
        for comment in comments { text += Array("#C \(comment)\n".utf8) }
        text += Array("x = \(grid.width), y = \(grid.height), rule = \(rule)\(topology?.description ?? "")\n".utf8)
        var body = RLEBody()
        // A state's tag: b/o for two-state rules; ., A-X, then pA-yO for Generations.
        func tag(_ state: UInt8) -> (UInt8, UInt8?) {
            if !generations { return (state == 0 ? UInt8(ascii: "b") : UInt8(ascii: "o"), nil) }
            if state == 0 { return (UInt8(ascii: "."), nil) }
            if state <= 24 { return (64 + state, nil) }
            return (UInt8(111 + (Int(state) - 1) / 24), UInt8(65 + (Int(state) - 1) % 24))
        }
        var wroteRow = false
        var pendingRows = 0
        let cells = grid.cells
        body.bytes.reserveCapacity(cells.count / 8)
        for y in 0..<grid.height {
            let row = cells[y * grid.width..<(y + 1) * grid.width]
            // Trailing dead cells are not written; a row of none is an empty row.
            guard let last = row.lastIndex(where: { $0 != 0 }) else {
                pendingRows += 1
                continue
            }
            let rows = pendingRows + (wroteRow ? 1 : 0)
            if rows > 0 { body.append(rows, UInt8(ascii: "$")) }
            pendingRows = 0
            wroteRow = true
            var x = row.startIndex
            while x <= last {
                let state = cells[x]
                var end = x + 1
                while end <= last && cells[end] == state { end += 1 }
                let (first, second) = tag(state)
                body.append(end - x, first, second)
                x = end
            }
        }
        body.append(1, UInt8(ascii: "!"))
        text += body.bytes
        text.append(UInt8(ascii: "\n"))
        return String(decoding: text, as: UTF8.self)
    }
}

/// The runs of an RLE pattern as text, in lines of at most 70 characters.
///
/// A struct with mutating methods rather than closures over local variables: those pay a
/// runtime exclusivity check on every access, most of the time for a 16384² grid.
private struct RLEBody {
    var bytes: [UInt8] = []
    var lineLength = 0

    /// Appends a run of `count` (written when above 1) of the tag `first` (and `second`).
    /// The digits are worked out here: a `String(count)` for every run allocates, and a large
    /// grid has up to hundreds of millions of runs.
    mutating func append(_ count: Int, _ first: UInt8, _ second: UInt8? = nil) {
        var digits = 0
        if count > 1 {
            var rest = count
            while rest > 0 {
                digits += 1
                rest /= 10
            }
        }
        let length = digits + 1 + (second == nil ? 0 : 1)
        if lineLength + length > 70 {
            bytes.append(UInt8(ascii: "\n"))
            lineLength = 0
        }
        if digits > 0 {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(count / divisor % 10))
                divisor /= 10
            }
        }
        bytes.append(first)
        if let second { bytes.append(second) }
        lineLength += length
    }
}

/// A malformed RLE file: where, and what is wrong.
public struct RLEError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var problem: String
    public var description: String { "line \(line), column \(column): \(problem)" }
}
