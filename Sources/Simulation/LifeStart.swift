import Engine
import FoundationEssentials

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
    public static func random(
        width: Int, height: Int, density: Double, seed: UInt64, rule: LifeRule,
        randomStates: Bool = false
    ) -> LifeGrid {
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
/// life) or back to what it was two generations ago (period 2). Either lasts, as the run
/// loop's settling check asks.
public enum StableStateDetector {
    /// Generations before the one looked at that the check compares it with.
    public static let lookBack = 2

    /// Looks at the last of `grids`, consecutive generations up to `generation`.
    /// - Returns: what it settled into ("still life (unchanged) at generation 12"), or nil.
    public static func settled(_ grids: [LifeGrid], generation: Int) -> String? {
        guard let grid = grids.last else { return nil }
        if grids.count >= 2 && grid == grids[grids.count - 2] {
            return "still life (unchanged) at generation \(generation)"
        }
        if grids.count >= 3 && grid == grids[grids.count - 3] { return "period 2 at generation \(generation)" }
        return nil
    }
}

/// What a Life run starts from, resolved from what the user gave: the pattern file, the rule
/// and the grid. The rule is the one given, else the pattern's, else Conway's; the grid is the
/// size given (with `bounded`), else the grid a rule's suffix names (`B3/S23:T72,48`: of the
/// rule given, else of the pattern's), else an `.npy` pattern's own size, else 256×256.
/// An `.npy` file (uint8 or bool, shape (H, W), as `--output` writes one) is a pattern without
/// a rule: placed as an RLE pattern is, so that where it sets the grid it is the whole grid.
public struct LifeRunSetup: Sendable {
    /// The RLE or `.npy` file the pattern came from, if one did.
    public var patternFile: String?
    public var pattern: RLEFile.Pattern?
    public var rule: LifeRule
    public var width: Int
    public var height: Int
    public var bounded: Bool

    public static let defaultSide = 256

    public init(
        patternFile: String?, rule given: LifeRuleSpecification?, size: (width: Int, height: Int)?, bounded: Bool
    ) throws {
        self.patternFile = patternFile
        var arraySize: (width: Int, height: Int)?
        if let patternFile {
            // Checked against the grid as soon as the header is read, before a large body is.
            let fixed = size ?? given?.topology.map { (width: $0.width, height: $0.height) }
            switch URL(fileURLWithPath: patternFile).pathExtension.lowercased() {
            case "rle":
                pattern = try RLEFile.read(
                    from: patternFile, largest: fixed, gridWithoutSuffix: (Self.defaultSide, Self.defaultSide))
            case "npy":
                let grid = try NPYFile.readGrid(from: URL(fileURLWithPath: patternFile))
                pattern = RLEFile.Pattern(grid: grid)
                arraySize = (grid.width, grid.height)
            default:
                throw EngineError.invalidInput(
                    "--init for Life takes an .rle pattern or an .npy grid, got '\(patternFile)'")
            }
        }
        rule = given?.rule ?? pattern?.rule ?? .conway
        if let pattern, let highest = rule.missingState(in: pattern.grid) {
            throw EngineError.invalidInput("the pattern uses state \(highest), which \(rule) does not have")
        }
        let topology = size == nil ? given?.topology ?? pattern?.topology : nil
        (width, height) =
            size ?? topology.map { ($0.width, $0.height) } ?? arraySize ?? (Self.defaultSide, Self.defaultSide)
        self.bounded = bounded || topology?.bounded == true
        if let pattern, pattern.grid.width > width || pattern.grid.height > height {
            throw EngineError.invalidInput(
                "the pattern (\(pattern.grid.width)x\(pattern.grid.height)) is larger than the grid "
                    + "(\(width)x\(height)); raise --size")
        }
    }

    /// The grid, rule and topology of a checkpoint, its grid the pattern that fills the grid.
    public init(resuming checkpoint: LifeCheckpoint) {
        patternFile = nil
        pattern = RLEFile.Pattern(grid: checkpoint.grid)
        rule = checkpoint.rule
        (width, height) = (checkpoint.grid.width, checkpoint.grid.height)
        bounded = checkpoint.bounded
    }

    /// Refuses, before any cell is made, a grid that `device` (with `kernel`) or this host cannot hold.
    public func checkFits(kernel: LifeKernel, on device: PhysicalDeviceDescription) throws {
        if let problem = LifeWorkload.sizeProblem(
            width: width, height: height, kernel: kernel, rule: rule, device: device)
            ?? LifeGrid.hostMemoryProblem(width: width, height: height)
        {
            throw EngineError.unsupported(problem)
        }
    }

    /// The starting grid: the pattern at `origin` (nil: centred), or a random start where a
    /// cell is live with probability `density`, in state 1, or with `randomStates` in any live
    /// state of the rule.
    public func startingGrid(
        origin: (x: Int, y: Int)?, density: Double, seed: UInt64, randomStates: Bool = false
    ) -> LifeGrid {
        if let pattern { return LifeStart.grid(width: width, height: height, pattern: pattern.grid, origin: origin) }
        return LifeStart.random(
            width: width, height: height, density: density, seed: seed, rule: rule, randomStates: randomStates)
    }
}
