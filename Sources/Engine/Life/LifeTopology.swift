/// The grid a rule runs on, as Golly's rule suffix names it: `:T72,48` a torus of 72×48 cells,
/// `:P72,48` a plane of 72×48 with dead cells beyond its edges.
public struct LifeTopology: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    /// Dead cells beyond the edges (`:P`) rather than a torus (`:T`).
    public var bounded: Bool

    public init(width: Int, height: Int, bounded: Bool) {
        self.width = width
        self.height = height
        self.bounded = bounded
    }

    /// `:T72,48` or `:P72,48`.
    public var description: String { ":\(bounded ? "P" : "T")\(width),\(height)" }

    /// Parses the suffix after the colon (`T72,48`, `P72,48`); `rule` is the whole text, for messages.
    init(parsingSuffix suffix: String, of rule: String) throws(LifeRuleError) {
        let upper = suffix.uppercased()
        let names: [Character: String] = [
            "K": "Klein bottle", "C": "cross-surface", "S": "sphere", "H": "hexagonal grid",
        ]
        guard let kind = upper.first else {
            throw LifeRuleError(rule: rule, problem: "the grid suffix after ':' is empty")
        }
        if let name = names[kind] {
            throw LifeRuleError(
                rule: rule,
                problem:
                    "Golly's \(name) (':\(excerpt(suffix))') is not supported; a torus (:T) or a bounded plane (:P) is")
        }
        guard kind == "T" || kind == "P" else {
            throw LifeRuleError(
                rule: rule,
                problem:
                    "':\(excerpt(suffix))' is no grid; Golly's :T W,H (torus) and :P W,H (bounded plane) are supported")
        }
        let body = upper.dropFirst()
        if body.contains(where: { "*+-".contains($0) }) {
            throw LifeRuleError(
                rule: rule,
                problem: "twisted or shifted edges (':\(excerpt(suffix))') are not supported; a plain :\(kind) W,H is")
        }
        let sides = body.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmed) }
        guard sides.count == 2, let width = sides[0], let height = sides[1] else {
            throw LifeRuleError(
                rule: rule, problem: "':\(excerpt(suffix))' should give the grid as :\(kind)WIDTH,HEIGHT")
        }
        guard width >= 1, height >= 1, width <= LifeGrid.largestSide, height <= LifeGrid.largestSide else {
            let sides = "sides from 1 to \(LifeGrid.largestSide)"
            throw LifeRuleError(
                rule: rule, problem: "':\(excerpt(suffix))' needs \(sides) (an unbounded side, 0, needs --size)")
        }
        self.init(width: width, height: height, bounded: kind == "P")
    }
}

/// A rule as Golly writes it, with the grid it runs on where it names one: `B3/S23:T72,48`.
public struct LifeRuleSpecification: Sendable, Equatable {
    public var rule: LifeRule
    public var topology: LifeTopology?

    public init(rule: LifeRule, topology: LifeTopology? = nil) {
        self.rule = rule
        self.topology = topology
    }

    public init(parsing text: String) throws(LifeRuleError) {
        guard let colon = text.firstIndex(of: ":") else {
            self.init(rule: try LifeRule(parsing: text))
            return
        }
        let rule = try LifeRule(parsing: String(text[..<colon]))
        self.init(
            rule: rule,
            topology: try LifeTopology(parsingSuffix: String(text[text.index(after: colon)...]).trimmed, of: text))
    }

    /// `B3/S23:T72,48`, as Golly reads it.
    public var description: String { "\(rule)\(topology?.description ?? "")" }
}
