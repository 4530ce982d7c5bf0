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
            try LifeRunSetup(patternFile: "/tmp/glider.npy", rule: nil, size: nil, bounded: false)
        }
    }
}
