import Testing
@testable import Engine

@Suite("Life on the real Vulkan device", .serialized)
struct LifeGPUTests {
    func randomGrid(width: Int, height: Int, states: Int, seed: UInt64) -> LifeGrid {
        var random = SeededGenerator(seed: seed)
        var grid = LifeGrid(width: width, height: height)
        for i in grid.cells.indices where random.uniform() < 0.35 {
            grid.cells[i] = UInt8(1 + Int(random.next() % UInt64(states - 1)))
        }
        return grid
    }

    @Test("GPU equals the CPU reference bit for bit", arguments: [
        "B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B2/S/C3", "B2/S345/C4", "B0123478/S34678",
    ])
    func matchesReference(ruleText: String) throws {
        let rule = try LifeRule(parsing: ruleText)
        let context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        // Widths that are not multiples of 4 (the packing) or 16 (the workgroup).
        for (width, height) in [(37, 23), (5, 3), (64, 17)] {
            for bounded in [false, true] {
                let grid = randomGrid(width: width, height: height, states: rule.states, seed: UInt64(width * 31 + height))
                let workload = try LifeWorkload(device: context.device, grid: grid, rule: rule, bounded: bounded)
                try workload.advance(generations: 7)
                let expected = LifeReference.advance(grid, rule: rule, generations: 7, bounded: bounded)
                #expect(try workload.download() == expected, "\(rule) \(width)x\(height) bounded: \(bounded)")
            }
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    @Test func briansBrainStaysEqualForManyGenerations() throws {
        let context = try ComputeContext()
        let grid = randomGrid(width: 61, height: 47, states: 3, seed: 9)
        let workload = try LifeWorkload(device: context.device, grid: grid, rule: .briansBrain)
        var reference = grid
        for _ in 0..<5 {
            try workload.advance(generations: 20)
            reference = LifeReference.advance(reference, rule: .briansBrain, generations: 20)
            #expect(try workload.download() == reference)
        }
    }

    @Test func theGosperGunOnTheGPU() throws {
        let context = try ComputeContext()
        var grid = LifeGrid(width: 120, height: 120)
        grid.place(try RLEFile.parse(LifeTests.gosperGun).grid, atX: 10, y: 10)
        let workload = try LifeWorkload(device: context.device, grid: grid, rule: .conway)
        try workload.advance(generations: 90)
        #expect(try workload.download().population == 36 + 15)
    }
}
