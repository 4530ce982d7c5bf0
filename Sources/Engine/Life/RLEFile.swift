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
    }

    /// - Parameter largest: the grid the pattern must fit, checked against the header before
    ///   the pattern's own grid is made (a header may declare up to 2^30 cells).
    public static func parse(_ text: String, largest: (width: Int, height: Int)? = nil) throws(RLEError) -> Pattern {
        var comments: [String] = []
        var header: (width: Int, height: Int, rule: LifeRule?)?
        var grid: LifeGrid?
        var x = 0, y = 0
        var count: Int?
        var prefix: Character?
        var finished = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)

        func place(_ state: UInt8, _ line: Int, _ column: Int) throws(RLEError) {
            let run = count ?? 1
            count = nil
            guard let current = grid else { throw RLEError(line: line, column: column, problem: "cells before the header line") }
            if state != 0 {
                guard x + run <= current.width, y < current.height else {
                    throw RLEError(line: line, column: column,
                                   problem: "the pattern is larger than its header's x = \(current.width), y = \(current.height)")
                }
                for offset in 0..<run { grid![x + offset, y] = state }
            }
            x += run
        }

        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            let line = String(rawLine).trimmingWhitespace()
            if finished { continue }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                comments.append(String(line.dropFirst()).trimmingWhitespace())
                continue
            }
            if header == nil {
                header = try parseHeader(line, lineNumber: lineNumber)
                if let largest, header!.width > largest.width || header!.height > largest.height {
                    throw RLEError(line: lineNumber, column: 1, problem: "the pattern (\(header!.width)x\(header!.height)) is larger than the grid "
                        + "(\(largest.width)x\(largest.height)); raise --size")
                }
                grid = LifeGrid(width: header!.width, height: header!.height)
                continue
            }
            for (offset, character) in line.enumerated() {
                let column = offset + 1
                if character.isWhitespace { continue }
                // Letters compare as Unicode: "A" with a combining accent sorts between A and X.
                guard character.isASCII else {
                    throw RLEError(line: lineNumber, column: column, problem: "unknown character '\(character)' (expected b o . A-X $ ! or a count)")
                }
                if let digit = character.wholeNumberValue, character.isASCII {
                    let (value, overflow) = (count ?? 0).multipliedReportingOverflow(by: 10)
                    guard !overflow, value + digit < 1 << 24 else { throw RLEError(line: lineNumber, column: column, problem: "run length too large") }
                    count = value + digit
                    continue
                }
                if let pending = prefix {
                    guard character >= "A" && character <= "X" else {
                        throw RLEError(line: lineNumber, column: column, problem: "'\(pending)\(character)' is not a state letter")
                    }
                    let state = 24 * Int(pending.asciiValue! - Character("p").asciiValue! + 1) + Int(character.asciiValue! - Character("A").asciiValue!) + 1
                    prefix = nil
                    guard state <= 255 else { throw RLEError(line: lineNumber, column: column, problem: "state \(state) is beyond 255") }
                    try place(UInt8(state), lineNumber, column)
                    continue
                }
                switch character {
                case "b", ".": try place(0, lineNumber, column)
                case "o": try place(1, lineNumber, column)
                case "A"..."X": try place(UInt8(character.asciiValue! - Character("A").asciiValue! + 1), lineNumber, column)
                case "p"..."y": prefix = character
                case "$":
                    y += count ?? 1
                    count = nil
                    x = 0
                case "!":
                    finished = true
                default:
                    throw RLEError(line: lineNumber, column: column, problem: "unknown character '\(character)' (expected b o . A-X $ ! or a count)")
                }
                if finished { break }
            }
        }
        guard let header, let grid else { throw RLEError(line: lines.count, column: 1, problem: "no header line 'x = .., y = ..'") }
        guard finished else { throw RLEError(line: lines.count, column: 1, problem: "the pattern does not end with '!'") }
        if let rule = header.rule, !rule.isGenerations, grid.cells.contains(where: { $0 > 1 }) {
            throw RLEError(line: 1, column: 1, problem: "states above 1 in a two-state rule (\(rule))")
        }
        if let rule = header.rule, let highest = grid.cells.max(), Int(highest) >= rule.states {
            throw RLEError(line: 1, column: 1, problem: "state \(highest) does not exist in \(rule)")
        }
        return Pattern(grid: grid, rule: header.rule, comments: comments)
    }

    private static func parseHeader(_ line: String, lineNumber: Int) throws(RLEError) -> (width: Int, height: Int, rule: LifeRule?) {
        var width: Int?, height: Int?, rule: LifeRule?
        var column = 1
        for field in line.split(separator: ",", omittingEmptySubsequences: false) {
            defer { column += field.count + 1 }
            let pair = field.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace() }
            guard pair.count == 2 else {
                throw RLEError(line: lineNumber, column: column, problem: "bad header field '\(field)'; expected 'x = .., y = .., rule = ..'")
            }
            switch pair[0].lowercased() {
            case "x":
                guard let value = Int(pair[1]), value >= 1 else { throw RLEError(line: lineNumber, column: column, problem: "x must be a positive width") }
                width = value
            case "y":
                guard let value = Int(pair[1]), value >= 1 else { throw RLEError(line: lineNumber, column: column, problem: "y must be a positive height") }
                height = value
            case "rule":
                do { rule = try LifeRule(parsing: pair[1]) } catch {
                    throw RLEError(line: lineNumber, column: column, problem: error.description)
                }
            default:
                throw RLEError(line: lineNumber, column: column, problem: "unknown header field '\(pair[0])'")
            }
        }
        guard let width, let height else { throw RLEError(line: lineNumber, column: 1, problem: "the header needs both x and y") }
        let (cells, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, cells <= 1 << 30 else { throw RLEError(line: lineNumber, column: 1, problem: "pattern of \(width)x\(height) is too large") }
        return (width, height, rule)
    }

    /// The RLE text of `grid`: runs per row, trailing dead cells and empty trailing rows
    /// dropped, lines of at most 70 characters.
    public static func write(_ grid: LifeGrid, rule: LifeRule, comments: [String] = []) -> String {
        let generations = rule.isGenerations
        func tag(_ state: UInt8) -> String {
            if !generations { return state == 0 ? "b" : "o" }
            if state == 0 { return "." }
            if state <= 24 { return String(Character(UnicodeScalar(UInt8(64) + state))) }
            let high = (Int(state) - 1) / 24, low = (Int(state) - 1) % 24
            return String(Character(UnicodeScalar(UInt8(111 + high)))) + String(Character(UnicodeScalar(UInt8(65 + low))))
        }
        var tokens: [String] = []
        var pendingRows = 0
        for y in 0..<grid.height {
            var runs: [(UInt8, Int)] = []
            for x in 0..<grid.width {
                let state = grid[x, y]
                if let last = runs.last, last.0 == state { runs[runs.count - 1].1 += 1 } else { runs.append((state, 1)) }
            }
            if runs.last?.0 == 0 { runs.removeLast() }
            if runs.isEmpty {
                pendingRows += 1
                continue
            }
            if !tokens.isEmpty || pendingRows > 0 {
                let rows = pendingRows + (tokens.isEmpty ? 0 : 1)
                if rows > 0 { tokens.append(rows > 1 ? "\(rows)$" : "$") }
            }
            pendingRows = 0
            for (state, run) in runs { tokens.append((run > 1 ? "\(run)" : "") + tag(state)) }
        }
        tokens.append("!")
        var lines = comments.map { "#C \($0)" }
        lines.append("x = \(grid.width), y = \(grid.height), rule = \(rule)")
        var current = ""
        for token in tokens {
            if current.count + token.count > 70 {
                lines.append(current)
                current = ""
            }
            current += token
        }
        lines.append(current)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A malformed RLE file: where, and what is wrong.
public struct RLEError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var problem: String
    public var description: String { "line \(line), column \(column): \(problem)" }
}
