import Engine

/// The grid a Life run starts from: a pattern placed on the grid, or a random start.
public enum LifeStart {
    /// A grid of `width`×`height` with `pattern` at `origin` (nil: centred).
    public static func grid(width: Int, height: Int, pattern: LifeGrid, origin: (x: Int, y: Int)? = nil) -> LifeGrid {
        var grid = LifeGrid(width: width, height: height)
        let origin = origin ?? ((width - pattern.width) / 2, (height - pattern.height) / 2)
        grid.place(pattern, atX: origin.x, y: origin.y)
        return grid
    }

    /// A random grid where each cell is live with probability `density`: in state 1, or with
    /// `randomStates` in any live state of `rule` (so a Generations rule's decay is exercised).
    /// The same seed gives the same grid.
    public static func random(width: Int, height: Int, density: Double, seed: UInt64, rule: LifeRule,
                              randomStates: Bool = false) -> LifeGrid {
        var grid = LifeGrid(width: width, height: height)
        var random = SeededGenerator(seed: seed)
        let states = UInt64(rule.states)
        for i in grid.cells.indices where random.uniform() < density {
            grid.cells[i] = randomStates ? UInt8(1 + random.next() % (states - 1)) : 1
        }
        return grid
    }
}

/// Tells when a Life grid stops changing: unchanged from one generation to the next (a still
/// life) or back to what it was two generations ago (period 2).
public struct StableStateDetector {
    private var previous: [LifeGrid]

    public init(start: LifeGrid) {
        previous = [start]
    }

    /// Looks at the grid of `generation`, the one after the last seen.
    /// - Returns: what it settled into ("still life (unchanged) at generation 12"), or nil.
    public mutating func settled(_ grid: LifeGrid, generation: Int) -> String? {
        if grid == previous.last { return "still life (unchanged) at generation \(generation)" }
        if previous.count >= 2 && grid == previous[previous.count - 2] { return "period 2 at generation \(generation)" }
        previous = Array((previous + [grid]).suffix(2))
        return nil
    }
}
