import Testing

@testable import Engine

@Suite("Life on the real Vulkan device", .serialized)
struct LifeGPUTests {
    /// A third of the cells not dead: half of those alive, the rest in dying states spread
    /// evenly, so that rules of many states still have live cells to count.
    func randomGrid(width: Int, height: Int, states: Int, seed: UInt64) -> LifeGrid {
        var random = SeededGenerator(seed: seed)
        var grid = LifeGrid(width: width, height: height)
        for i in grid.cells.indices where random.uniform() < 0.35 {
            let dying = states > 2 && random.uniform() < 0.5
            grid.cells[i] = dying ? UInt8(2 + Int(random.next() % UInt64(states - 2))) : 1
        }
        return grid
    }

    @Test(
        "The byte kernel equals the CPU reference bit for bit",
        arguments: [
            "B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B2/S/C3", "B2/S345/C4", "B0123478/S34678",
        ])
    func matchesReference(ruleText: String) throws {
        let rule = try LifeRule(parsing: ruleText)
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        // Widths that are not multiples of 4 (the packing) or 16 (the workgroup), and narrower
        // than one word, where the torus wraps inside the neighbour window.
        for (width, height) in [(37, 23), (5, 3), (64, 17), (1, 4), (2, 3), (3, 5)] {
            for bounded in [false, true] {
                let grid = randomGrid(
                    width: width, height: height, states: rule.states, seed: UInt64(width * 31 + height))
                let workload = try LifeWorkload(
                    device: context.device, grid: grid, rule: rule, bounded: bounded, kernel: .bytes)
                try workload.advance(generations: 7)
                let expected = LifeReference.advance(grid, rule: rule, generations: 7, bounded: bounded)
                #expect(try workload.download() == expected, "\(rule) \(width)x\(height) bounded: \(bounded)")
            }
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    /// A Raspberry Pi's V3DV (256 invocations, 16 KiB of shared memory) is given the tiled
    /// kernel with tiles of 64 rows; run here, on the real driver, within the Pi's limits, it
    /// must equal the reference like every other shape.
    @Test func theKernelChosenForAPiMatchesTheReference() throws {
        let pi = FabricatedDevices.videoCore(index: 0)
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        for bounded in [false, true] {
            let grid = randomGrid(width: 200, height: 150, states: 2, seed: bounded ? 5 : 6)
            let workload = try LifeWorkload(
                device: context.device, grid: grid, rule: .conway, bounded: bounded, kernel: nil,
                subgroupShuffles: LifeWorkload.subgroupShufflesWanted(on: pi), shapedFor: pi)
            #expect(workload.kernel == .bitsTiled(generations: 8))
            #expect(workload.tile?.rows == 64)
            try workload.advance(generations: 13)
            #expect(
                try workload.download()
                    == LifeReference.advance(grid, rule: .conway, generations: 13, bounded: bounded),
                "bounded: \(bounded)")
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    /// The bit kernels' shapes: columns of words, and wide strips of 32- and 64-bit words, 1, 4
    /// and 8 words across (read four at a time where the row divides into them), 1 to 32 rows,
    /// not dividing the height, one or two generations a dispatch.
    static let bitsShapes: [LifeBitsShape] = [
        .columns(rows: 3), .wide(words: 1, wordBits: 32, rows: 1), .wide(words: 4, wordBits: 32, rows: 4),
        .wide(words: 8, wordBits: 32, rows: 32), .wide(words: 4, wordBits: 64, rows: 1),
        .wide(words: 8, wordBits: 64, rows: 4),
        .wide(words: 4, wordBits: 32, rows: 5, generations: 2),
        .wide(words: 8, wordBits: 32, rows: 1, generations: 2),
        .wide(words: 4, wordBits: 64, rows: 32, generations: 2),
        .wide(words: 8, wordBits: 64, rows: 3, generations: 2),
    ]

    static let twoStateRules = ["B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B0123478/S34678", "B1/S012345678"]

    @Test("Bit-packed kernels equal the CPU reference bit for bit", arguments: twoStateRules)
    func bitPackedKernelsMatchReference(ruleText: String) throws {
        let rule = try LifeRule(parsing: ruleText)
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        // Widths below, at and around the 32-cell word, a 30-word tile and several tiles; heights
        // below and around the tiled kernel's tile; 13 generations are not a multiple of 4 or 8.
        // Widths of 8, 10, 32 and 128 words test the wide shape's aligned and partial strips.
        // The two-generation wide shapes take the rows of whole aligned fours among them (100,
        // 256, 1000 and 4096 cells), also one and two rows tall.
        let sizes = [
            (1, 1), (5, 3), (32, 9), (33, 40), (100, 37), (961, 70), (64, 300), (256, 21), (320, 6), (1000, 11),
            (4096, 5),
            (256, 1), (1000, 2),
        ]
        for (width, height) in sizes {
            for bounded in [false, true] {
                let grid = randomGrid(width: width, height: height, states: 2, seed: UInt64(width * 7 + height))
                let expected = LifeReference.advance(grid, rule: rule, generations: 13, bounded: bounded)
                for kernel in [LifeKernel.bits, .wide, .bitsTiled(generations: 4), .bitsTiled(generations: 8)] {
                    let workload = try LifeWorkload(
                        device: context.device, grid: grid, rule: rule, bounded: bounded, kernel: kernel)
                    try workload.advance(generations: 13)
                    #expect(
                        try workload.download() == expected, "\(rule) \(kernel) \(width)x\(height) bounded: \(bounded)")
                }
                // The bit kernels' shapes, whichever the default (13 generations: six dispatches
                // of two, then one of one).
                let stride = (width + 31) / 32
                for shape in Self.bitsShapes
                where shape.problem(stride: stride, device: context.device.description) == nil {
                    let workload = try LifeWorkload(
                        device: context.device, grid: grid, rule: rule, bounded: bounded, kernel: shape.kernel,
                        subgroupShuffles: LifeWorkload.subgroupShufflesWanted(on: context.device.description),
                        bitsShape: shape)
                    try workload.advance(generations: 13)
                    #expect(
                        try workload.download() == expected,
                        "\(rule) \(shape.kernel), \(shape), \(width)x\(height) bounded: \(bounded)")
                }
                // The bit kernels' other variant: with shuffles where the default has none, and
                // the other way round.
                let shuffles = !LifeWorkload.subgroupShufflesWanted(on: context.device.description)
                if !shuffles || context.device.description.limits.subgroupShuffleRelativeInCompute {
                    for kernel in [LifeKernel.bits, .bitsTiled(generations: 8)] {
                        let workload = try LifeWorkload(
                            device: context.device, grid: grid, rule: rule, bounded: bounded, kernel: kernel,
                            subgroupShuffles: shuffles, bitsShape: kernel == .bits ? .columns(rows: 32) : nil)
                        try workload.advance(generations: 13)
                        #expect(
                            try workload.download() == expected,
                            "\(rule) \(kernel), shuffles \(shuffles), \(width)x\(height) bounded: \(bounded)")
                    }
                }
            }
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    /// Where the dying counter gains a plane (C - 2 a power of two) and either side of it, up
    /// to C = 256: both bit kernels' default shapes, bounded and not, against the reference.
    static let generationsStates = [3, 4, 5, 6, 9, 10, 17, 18, 33, 34, 65, 66, 129, 130, 255, 256]

    @Test("Bit-plane Generations kernels equal the CPU reference for every plane count", arguments: generationsStates)
    func bitPlaneKernelsMatchReference(states: Int) throws {
        let rule = LifeRule(birth: [2, 3], survival: [3, 4, 5], states: states)
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        for (width, height) in [(100, 37), (256, 21)] {
            for bounded in [false, true] {
                let grid = randomGrid(width: width, height: height, states: states, seed: UInt64(states * 13 + width))
                let expected = LifeReference.advance(grid, rule: rule, generations: 13, bounded: bounded)
                for kernel in [LifeKernel.bits, .wide] {
                    let workload = try LifeWorkload(
                        device: context.device, grid: grid, rule: rule, bounded: bounded, kernel: kernel)
                    #expect(workload.dyingPlanes == Int.bitWidth - (states - 2).leadingZeroBitCount)
                    try workload.advance(generations: 13)
                    #expect(
                        try workload.download() == expected, "\(rule) \(kernel) \(width)x\(height) bounded: \(bounded)")
                }
            }
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    /// Every shape of the bit kernels on Generations rules of one, two and eight dying planes,
    /// with widths that are not multiples of the word, 1xN and Nx1 grids.
    @Test("Bit-plane Generations kernels in every shape", arguments: ["B2/S/C3", "B2/S345/C4", "B3/S23/C256"])
    func bitPlaneShapesMatchReference(ruleText: String) throws {
        let rule = try LifeRule(parsing: ruleText)
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        let description = context.device.description
        let sizes = [(1, 1), (5, 3), (33, 40), (1000, 11), (4096, 5), (1, 17), (17, 1), (256, 1)]
        for (width, height) in sizes + [(100, 37), (1000, 2)] {
            for bounded in [false, true] {
                let grid = randomGrid(width: width, height: height, states: rule.states, seed: UInt64(width + height))
                let expected = LifeReference.advance(grid, rule: rule, generations: 13, bounded: bounded)
                for shape in Self.bitsShapes where shape.problem(stride: (width + 31) / 32, device: description) == nil
                {
                    for shuffles in [false, true]
                    where !shuffles || (shape.kernel == .bits && description.limits.subgroupShuffleRelativeInCompute) {
                        let workload = try LifeWorkload(
                            device: context.device, grid: grid, rule: rule, bounded: bounded, kernel: shape.kernel,
                            subgroupShuffles: shuffles, bitsShape: shape)
                        try workload.advance(generations: 13)
                        #expect(
                            try workload.download() == expected,
                            "\(rule) \(shape), shuffles \(shuffles), \(width)x\(height) bounded: \(bounded)")
                    }
                }
            }
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    /// A kernel whose words lose the cells from the words beside them must fail the comparison
    /// on the grids these tests use: otherwise they could not catch a halo mistake.
    @Test func aBrokenHaloFailsTheComparison() throws {
        let context = try ComputeContext()
        let description = context.device.description
        for rule in [LifeRule.conway, .briansBrain, try LifeRule(parsing: "B3/S23/C256")] {
            let grid = randomGrid(width: 100, height: 37, states: rule.states, seed: 4)
            let expected = LifeReference.advance(grid, rule: rule, generations: 13)
            for shape in [LifeBitsShape.columns(rows: 3), .wide(words: 4, wordBits: 32, rows: 4)] {
                for shuffles in [false, true]
                where !shuffles || (shape.kernel == .bits && description.limits.subgroupShuffleRelativeInCompute) {
                    let sound = try LifeWorkload(
                        device: context.device, grid: grid, rule: rule, bounded: false, kernel: shape.kernel,
                        subgroupShuffles: shuffles, bitsShape: shape)
                    let broken = try LifeWorkload(
                        device: context.device, grid: grid, rule: rule, bounded: false, kernel: shape.kernel,
                        subgroupShuffles: shuffles, bitsShape: shape, brokenHalo: true)
                    try sound.advance(generations: 13)
                    try broken.advance(generations: 13)
                    #expect(try sound.download() == expected, "\(rule) \(shape) shuffles \(shuffles)")
                    #expect(try broken.download() != expected, "\(rule) \(shape) shuffles \(shuffles), broken halo")
                }
            }
        }
    }

    /// The streamed kernel for every number of generations a dispatch (1 to 32), torus and
    /// bounded, on grids whose widths are not multiples of a strip or a word, tall enough for
    /// several runs, and a row or a column only; 45 generations are not a multiple of most.
    @Test("The streamed kernel equals the CPU reference for every K", arguments: 1...32)
    func streamedKernelMatchesReference(generations: Int) throws {
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: ValidationLog(echo: nil))
        guard context.device.description.limits.subgroupShuffleRelativeInCompute else { return }
        let rule = generations % 2 == 0 ? LifeRule.conway : try LifeRule(parsing: "B36/S23")
        let sizes = [(97, 61), (1000, 11), (40, 700), (1, 9), (9, 1)]
        for (index, (width, height)) in sizes.enumerated() where index < 2 || generations % 8 == 1 {
            for bounded in [false, true] {
                let grid = randomGrid(width: width, height: height, states: 2, seed: UInt64(generations * 7 + width))
                let workload = try LifeWorkload(
                    device: context.device, grid: grid, rule: rule, bounded: bounded,
                    kernel: .bitsStreamed(generations: generations))
                try workload.advance(generations: 45)
                #expect(
                    try workload.download()
                        == LifeReference.advance(grid, rule: rule, generations: 45, bounded: bounded),
                    "streamed:\(generations) \(width)x\(height) bounded: \(bounded)")
            }
        }
        #expect(context.instance.validationLog?.messages.isEmpty == true)
    }

    /// The dispatch sized for other subgroup sizes than the device's (lavapipe has 8 lanes;
    /// V3DV and Intel 16, AMD 64): the shader reads its own and covers the grid all the same.
    /// A broken halo must show.
    @Test func theStreamedKernelDoesNotDependOnTheSubgroupSizeItWasSizedFor() throws {
        let context = try ComputeContext()
        let real = context.device.description
        guard real.limits.subgroupShuffleRelativeInCompute else { return }
        let grid = randomGrid(width: 1000, height: 300, states: 2, seed: 12)
        let expected = LifeReference.advance(grid, rule: .conway, generations: 20)
        for lanes: UInt32 in [real.limits.subgroupSize, 4, 16, 32, 64] {
            var shaping = real
            shaping.limits.subgroupSize = lanes
            let workload = try LifeWorkload(
                device: context.device, grid: grid, rule: .conway, bounded: false,
                kernel: .bitsStreamed(generations: 8), subgroupShuffles: true, shapedFor: shaping)
            try workload.advance(generations: 20)
            #expect(try workload.download() == expected, "sized for \(shaping.limits.subgroupSize) lanes")
        }
        // Long runs: the Gosper gun fires a glider every 30 generations.
        var gun = LifeGrid(width: 120, height: 120)
        gun.place(try RLEFile.parse(LifeTests.gosperGun).grid, atX: 10, y: 10)
        let gunWorkload = try LifeWorkload(
            device: context.device, grid: gun, rule: .conway, kernel: .bitsStreamed(generations: 16))
        try gunWorkload.advance(generations: 90)
        #expect(try gunWorkload.download() == LifeReference.advance(gun, rule: .conway, generations: 90))
        #expect(try gunWorkload.download().population == 36 + 15)
        // Without subgroup shuffles in compute shaders (the Pi's V3DV as described here), the
        // streamed kernel is neither offered nor run.
        let pi = FabricatedDevices.videoCore(index: 0)
        let offered = LifeKernel.candidates(for: .conway, on: pi).map(\.description)
        #expect(!offered.contains { $0.hasPrefix("streamed") }, "\(offered)")
        #expect(throws: EngineError.self) {
            try LifeWorkload(
                device: context.device, grid: grid, rule: .conway, bounded: false,
                kernel: .bitsStreamed(generations: 8), subgroupShuffles: false, shapedFor: pi)
        }
        let broken = try LifeWorkload(
            device: context.device, grid: grid, rule: .conway, bounded: false, kernel: .bitsStreamed(generations: 8),
            subgroupShuffles: true, brokenHalo: true)
        try broken.advance(generations: 20)
        #expect(try broken.download() != expected, "a broken halo")
    }

    @Test func theTiledKernelRunsItsLongestBlock() throws {
        let context = try ComputeContext()
        let grid = randomGrid(width: 200, height: 150, states: 2, seed: 3)
        let kernel = LifeKernel.bitsTiled(generations: LifeKernel.maximumTiledGenerations)
        let workload = try LifeWorkload(device: context.device, grid: grid, rule: .conway, kernel: kernel)
        try workload.advance(generations: 70)
        #expect(try workload.download() == LifeReference.advance(grid, rule: .conway, generations: 70))
    }

    @Test func everyRuleDefaultsToBitPacking() throws {
        let context = try ComputeContext()
        let grid = randomGrid(width: 40, height: 40, states: 2, seed: 5)
        #expect(try LifeWorkload(device: context.device, grid: grid, rule: .conway).kernel != .bytes)
        let brain = try LifeWorkload(device: context.device, grid: LifeGrid(width: 8, height: 8), rule: .briansBrain)
        #expect(brain.kernel == .wide && brain.dyingPlanes == 1)
        // Temporal blocking keeps no dying planes.
        #expect(throws: EngineError.self) {
            try LifeWorkload(
                device: context.device, grid: LifeGrid(width: 8, height: 8), rule: .briansBrain,
                kernel: .bitsTiled(generations: 4))
        }
        // A state the rule does not have cannot be uploaded.
        var four = LifeGrid(width: 8, height: 8)
        four.cells[9] = 3
        #expect(throws: EngineError.self) {
            try LifeWorkload(device: context.device, grid: four, rule: .briansBrain, kernel: .bits)
        }
    }

    /// Grids packed a bit a cell and unpacked again are the same, whole words and a row's last
    /// part alike, and cells land where the kernels put them (bit i of word w: cell 32w + i).
    @Test func bitPackedGridsUnpackCellForCell() {
        var random = SeededGenerator(seed: 4)
        for width in [1, 7, 31, 32, 33, 64, 100] {
            let grid = LifeGrid(
                width: width, height: 3, cells: (0..<width * 3).map { _ in random.uniform(0, 1) < 0.5 ? 1 : 0 })
            let layout = LifeCellLayout(width: width, height: 3, cellsPerWord: 32)
            let words = layout.pack(grid)
            #expect(layout.unpack(words) == grid, "width \(width)")
            let stride = (width + 31) / 32
            for (cell, value) in grid.cells.enumerated() {
                let (y, x) = cell.quotientAndRemainder(dividingBy: width)
                #expect((words[y * stride + x / 32] >> UInt32(x % 32)) & 1 == UInt32(value))
            }
        }
    }

    @Test func aRandomStartMadeOnTheGPUSideIsPackedLikeAnUploadedOne() throws {
        let context = try ComputeContext()
        let packed = try LifeWorkload(
            device: context.device, width: 77, height: 20, rule: .conway, density: 0.4, seed: 11, kernel: .bits)
        let bytes = try LifeWorkload(
            device: context.device, width: 77, height: 20, rule: .conway, density: 0.4, seed: 11, kernel: .bytes)
        let start = try packed.download()
        let bytesStart = try bytes.download()
        #expect(start == bytesStart)
        #expect(start.population > 400 && start.population < 830)
        try packed.advance(generations: 5)
        #expect(try packed.download() == LifeReference.advance(start, rule: .conway, generations: 5))
    }

    @Test func briansBrainStaysEqualForManyGenerations() throws {
        let context = try ComputeContext()
        let grid = randomGrid(width: 61, height: 47, states: 3, seed: 9)
        let workloads = try [LifeKernel.bytes, .bits, .wide].map {
            try LifeWorkload(device: context.device, grid: grid, rule: .briansBrain, kernel: $0)
        }
        var reference = grid
        for _ in 0..<5 {
            reference = LifeReference.advance(reference, rule: .briansBrain, generations: 20)
            for workload in workloads {
                try workload.advance(generations: 20)
                #expect(try workload.download() == reference, "\(workload.kernel)")
            }
        }
    }

    /// Long enough for a cell of a 256-state rule to die through every dying state.
    @Test func aTwoHundredFiftySixStateRuleAgesThroughEveryState() throws {
        let context = try ComputeContext()
        let rule = try LifeRule(parsing: "B2/S/C256")
        var grid = randomGrid(width: 70, height: 9, states: 2, seed: 21)
        grid.cells[5] = 255
        grid.cells[6] = 2
        let workload = try LifeWorkload(device: context.device, grid: grid, rule: rule, kernel: .wide)
        try workload.advance(generations: 300)
        #expect(try workload.download() == LifeReference.advance(grid, rule: rule, generations: 300))
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

@Suite("Life kernel tuning on the real Vulkan device", .serialized)
struct LifeKernelTunerTests {
    @Test func theDefaultComesFirstAndTheWinnerIsVerified() throws {
        let context = try ComputeContext()
        let tuner = LifeKernelTuner(device: context.device, width: 256, height: 128, rule: .conway)
        let candidates = tuner.candidates()
        #expect(
            candidates.first == LifeKernel.preferred(for: .conway, on: context.device.description, cells: 256 * 128))
        #expect(!candidates.contains(.bytes), "the byte kernel never wins a two-state rule")
        #expect(candidates.contains(.bitsTiled(generations: 8)))
        #expect(
            candidates.contains(.bits) && candidates.contains(.wide), "both shapes of the one-generation bit kernel")
        // Enough budget for every candidate, then a final round, on a busy host too.
        var finalists: [LifeKernelTuner.Trial] = []
        let (winner, trials) = tuner.tune(budget: 20, confirmed: { finalists = $0 })
        let chosen = try #require(winner)
        #expect(try tuner.verify(chosen))
        #expect(trials.allSatisfy { $0.rejection == nil && ($0.cellUpdatesPerSecond ?? 0) > 0 })
        // The final round re-times the first pass's fastest three and the default; the fastest
        // there wins.
        let fastest = trials.sorted { $0.cellUpdatesPerSecond! > $1.cellUpdatesPerSecond! }.prefix(3).map(\.kernel)
        #expect(Set(finalists.map(\.kernel)) == Set(fastest + [trials[0].kernel]))
        #expect(finalists.allSatisfy { $0.confirmedCellUpdatesPerSecond != nil })
        #expect(
            finalists.max { $0.confirmedCellUpdatesPerSecond! < $1.confirmedCellUpdatesPerSecond! }?.kernel
                == chosen.description)
        // Generations rules: the bit-plane kernels, and the byte kernel, which they may not beat
        // for many states on a small grid.
        #expect(
            LifeKernelTuner(device: context.device, width: 64, height: 64, rule: .briansBrain).candidates()
                == [.wide, .bytes, .bits])
    }
}
