/// A Life-like or Generations cellular-automaton rule.
///
/// Life-like rules have two states; Generations rules have `states` > 2, where a live cell
/// that does not survive starts dying through states 2...C-1 instead of dying at once, and
/// only state-1 cells count as neighbours.
public struct LifeRule: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Neighbour counts (0...8) at which a dead cell is born.
    public var birth: Set<Int>
    /// Neighbour counts at which a live cell stays alive.
    public var survival: Set<Int>
    /// 2 for Life-like rules, C for Generations rules.
    public var states: Int

    /// The most states a rule may have, as in Golly: a cell is a byte, states 0 to 255.
    public static let maximumStates = 256

    /// The highest state in `grid` that this rule does not have, or nil where it has them all.
    public func missingState(in grid: LifeGrid) -> UInt8? {
        grid.cells.max().flatMap { Int($0) >= states ? $0 : nil }
    }

    public init(birth: Set<Int>, survival: Set<Int>, states: Int = 2) {
        self.birth = birth
        self.survival = survival
        self.states = states
    }

    /// Bit n set when n live neighbours give birth: the kernels' form of ``birth``.
    public var birthMask: UInt32 { birth.reduce(0) { $0 | (1 << UInt32($1)) } }
    /// Bit n set when n live neighbours let a live cell survive.
    public var survivalMask: UInt32 { survival.reduce(0) { $0 | (1 << UInt32($1)) } }

    public static let conway = LifeRule(birth: [3], survival: [2, 3])
    public static let highLife = LifeRule(birth: [3, 6], survival: [2, 3])
    public static let briansBrain = LifeRule(birth: [2], survival: [], states: 3)

    public static let acceptedForms = """
        accepted rule forms: B3/S23 (birth/survival, e.g. B36/S23, B2/S), B2/S345/C4 (Generations \
        with C states), the same without slashes (B3S23, B2S345C4), Golly's S/B and S/B/C \
        (23/3, 345/2/4); case does not matter
        """

    /// Parses `B3/S23`, `B2/S/C3`, the same without slashes (`B3S23`), Golly's older `S/B` and
    /// `S/B/C` (`23/3`, `345/2/4`), any case.
    public init(parsing text: String) throws(LifeRuleError) {
        let trimmed = text.trimmingWhitespace().uppercased()
        var parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // Golly and Catagolue also let the letters alone separate the parts: B3S23, B2S345C4.
        if parts.count == 1, trimmed.first == "B" || trimmed.first == "S" {
            parts = []
            for character in trimmed {
                if character.isLetter {
                    parts.append(String(character))
                } else {
                    parts[parts.count - 1].append(character)
                }
            }
        }
        func digits(_ part: Substring, in whole: String) throws(LifeRuleError) -> Set<Int> {
            var counts = Set<Int>()
            for character in part {
                guard let value = character.wholeNumberValue, value <= 8 else {
                    throw LifeRuleError(
                        rule: text, problem: "'\(excerpt(String(character)))' is not a neighbour count 0-8")
                }
                guard counts.insert(value).inserted else {
                    throw LifeRuleError(
                        rule: text, problem: "neighbour count \(value) appears twice in '\(excerpt(whole))'")
                }
            }
            return counts
        }
        func states(_ part: String) throws(LifeRuleError) -> Int {
            let digitsOnly = part.hasPrefix("C") || part.hasPrefix("G") ? String(part.dropFirst()) : part
            // The cells are bytes, states 0 to 255: 256 states at most, as every kernel runs them.
            guard let value = Int(digitsOnly), value >= 2, value <= LifeRule.maximumStates else {
                throw LifeRuleError(
                    rule: text,
                    problem: "'\(excerpt(part))' is not a number of states from 2 to \(LifeRule.maximumStates)")
            }
            return value
        }
        guard parts.count == 2 || parts.count == 3, !trimmed.isEmpty else {
            throw LifeRuleError(rule: text, problem: "expected two or three parts separated by '/'")
        }
        if parts[0].hasPrefix("B") {
            guard parts[1].hasPrefix("S") else { throw LifeRuleError(rule: text, problem: "after B... comes S...") }
            birth = try digits(parts[0].dropFirst(), in: parts[0])
            survival = try digits(parts[1].dropFirst(), in: parts[1])
            self.states = parts.count == 3 ? try states(parts[2]) : 2
        } else if parts[0].hasPrefix("S") {
            // S23/B3 is accepted too: the letters say which is which.
            guard parts[1].hasPrefix("B") else { throw LifeRuleError(rule: text, problem: "after S... comes B...") }
            survival = try digits(parts[0].dropFirst(), in: parts[0])
            birth = try digits(parts[1].dropFirst(), in: parts[1])
            self.states = parts.count == 3 ? try states(parts[2]) : 2
        } else {
            // Golly's older form: survival/birth[/states], digits only.
            survival = try digits(Substring(parts[0]), in: parts[0])
            birth = try digits(Substring(parts[1]), in: parts[1])
            self.states = parts.count == 3 ? try states(parts[2]) : 2
        }
    }

    public var isGenerations: Bool { states > 2 }

    /// The canonical B/S (or B/S/C) form.
    public var description: String {
        let b = birth.sorted().map(String.init).joined(), s = survival.sorted().map(String.init).joined()
        return isGenerations ? "B\(b)/S\(s)/C\(states)" : "B\(b)/S\(s)"
    }

    /// The next state of a cell in `state` with `liveNeighbours` neighbours in state 1.
    public func next(_ state: UInt8, liveNeighbours: Int) -> UInt8 {
        switch state {
        case 0: return birth.contains(liveNeighbours) ? 1 : 0
        case 1:
            if survival.contains(liveNeighbours) { return 1 }
            return states > 2 ? 2 : 0
        default:
            return Int(state) + 1 >= states ? 0 : state + 1
        }
    }
}

public struct LifeRuleError: Error, Equatable, CustomStringConvertible {
    public var rule: String
    public var problem: String
    public var description: String { "invalid rule '\(excerpt(rule))': \(problem); \(LifeRule.acceptedForms)" }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }
}
