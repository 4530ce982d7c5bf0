import Engine
import FoundationEssentials
import Simulation
import Testing

/// What a Life run starts from: the rule, the grid and the pattern, from what was given.
struct LifeRunSetupTests {
    func pattern(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("setup-\(UUID().uuidString).rle")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func theGridComesFromTheSizeThenTheSuffixThenTheDefault() throws {
        let plane = try pattern("x = 3, y = 3, rule = B36/S23:P20,10\nbo$2bo$3o!\n")
        let fromSuffix = try LifeRunSetup(patternFile: plane, rule: nil, size: nil, bounded: false)
        #expect(fromSuffix.rule == .highLife && fromSuffix.width == 20 && fromSuffix.height == 10 && fromSuffix.bounded)
        let sized = try LifeRunSetup(patternFile: plane, rule: nil, size: (64, 48), bounded: false)
        #expect(sized.width == 64 && sized.height == 48 && !sized.bounded)
        let ruled = try LifeRunSetup(
            patternFile: plane, rule: try LifeRuleSpecification(parsing: "B3/S23:T30,40"), size: nil, bounded: false)
        #expect(ruled.rule == .conway && ruled.width == 30 && ruled.height == 40 && !ruled.bounded)
        let random = try LifeRunSetup(patternFile: nil, rule: nil, size: nil, bounded: true)
        #expect(random.width == 256 && random.height == 256 && random.bounded && random.pattern == nil)
        let grid = fromSuffix.startingGrid(origin: nil, density: 0, seed: 1)
        #expect(grid.width == 20 && grid.population == 5)
    }

    @Test func aPatternTheGridOrRuleCannotHoldIsRefused() throws {
        let wide = try pattern("x = 30, y = 1\n30o!\n")
        #expect(throws: (any Error).self) {
            try LifeRunSetup(patternFile: wide, rule: nil, size: (20, 20), bounded: false)
        }
        let brain = try pattern("x = 2, y = 1, rule = B2/S/C3\nAB!\n")
        #expect(throws: EngineError.self) {
            try LifeRunSetup(
                patternFile: brain, rule: try LifeRuleSpecification(parsing: "B3/S23"), size: nil, bounded: false)
        }
        #expect(throws: EngineError.self) {
            try LifeRunSetup(patternFile: "/tmp/glider.txt", rule: nil, size: nil, bounded: false)
        }
    }

    /// An `.npy` grid is a pattern without a rule: the whole grid where no size is given,
    /// placed as a pattern is where one is, and its states checked against the rule.
    @Test func anArrayIsTheGridUnlessASizeIsGiven() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("setup-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        let saved = LifeGrid(width: 6, height: 4, cells: [UInt8](repeating: 0, count: 18) + [1, 2, 0, 0, 0, 1])
        try NPYFile.encode(saved).write(to: url)
        let whole = try LifeRunSetup(
            patternFile: url.path, rule: try LifeRuleSpecification(parsing: "B2/S/C3"), size: nil, bounded: true)
        #expect(whole.width == 6 && whole.height == 4 && whole.bounded)
        #expect(whole.startingGrid(origin: nil, density: 0.5, seed: 1) == saved)
        let larger = try LifeRunSetup(
            patternFile: url.path, rule: try LifeRuleSpecification(parsing: "B2/S/C3"), size: (10, 8), bounded: false)
        let placed = larger.startingGrid(origin: (1, 2), density: 0, seed: 1)
        #expect(placed.width == 10 && placed.cells[(2 + 3) * 10 + 1 + 1] == 2)
        #expect(throws: EngineError.invalidInput("the pattern uses state 2, which B3/S23 does not have")) {
            try LifeRunSetup(patternFile: url.path, rule: nil, size: nil, bounded: false)
        }
        #expect(throws: EngineError.self) {
            try LifeRunSetup(
                patternFile: url.path, rule: try LifeRuleSpecification(parsing: "B2/S/C3"), size: (4, 4),
                bounded: false)
        }
    }
}
