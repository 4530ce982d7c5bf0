import FoundationEssentials
import Testing

@testable import Engine

@Suite("Life rules, RLE patterns and the CPU reference")
struct LifeTests {
    static let glider = "#N Glider\nx = 3, y = 3, rule = B3/S23\nbob$2bo$3o!\n"
    static let gosperGun = """
        #N Gosper glider gun
        x = 36, y = 9, rule = B3/S23
        24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4b
        obo$10bo5bo7bo$11bo3bo$12b2o!
        """

    @Test(
        "rule forms",
        arguments: [
            ("B3/S23", "B3/S23", 2), ("b36/s23", "B36/S23", 2), ("B3678/S34678", "B3678/S34678", 2),
            ("B2/S", "B2/S", 2),
            ("B2/S/C3", "B2/S/C3", 3), ("b2/s345/c4", "B2/S345/C4", 4), ("345/2/4", "B2/S345/C4", 4),
            ("23/3", "B3/S23", 2),
            ("S23/B3", "B3/S23", 2), (" B3/S23 ", "B3/S23", 2),
            // Without slashes, as Golly and Catagolue write them.
            ("b3s23", "B3/S23", 2), ("B36S23", "B36/S23", 2), ("B2S345C4", "B2/S345/C4", 4), ("S23B3", "B3/S23", 2),
            ("B2SC3", "B2/S/C3", 3),
        ])
    func ruleForms(text: String, canonical: String, states: Int) throws {
        let rule = try LifeRule(parsing: text)
        #expect(rule.description == canonical)
        #expect(rule.states == states)
    }

    /// What the parser accepts, every kernel runs: 256 states at most, as in Golly, and the
    /// message says so.
    @Test func theStatesTheEngineRunsAreTheStatesTheParserTakes() throws {
        #expect(try LifeRule(parsing: "B3/S23/C256").states == 256)
        #expect(try LifeRule(parsing: "23/3/256").states == 256)
        for text in ["B3/S23/C257", "B3/S23/C1000", "23/3/257"] {
            #expect {
                _ = try LifeRule(parsing: text)
            } throws: { error in
                "\(error)".contains("is not a number of states from 2 to 256")
            }
        }
    }

    @Test(arguments: [
        "", "B3", "B9/S23", "B3/S23/C1", "X3/S23", "B33/S23", "B3/S23/C3/D4", "B3/B23", "B3S23X4", "B3B23",
    ])
    func malformedRulesShowTheAcceptedForms(text: String) {
        do {
            _ = try LifeRule(parsing: text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(error.description.contains("accepted rule forms: B3/S23"))
        }
    }

    @Test func generationsSemantics() {
        let brain = LifeRule.briansBrain
        #expect(brain.next(0, liveNeighbours: 2) == 1)
        #expect(brain.next(0, liveNeighbours: 3) == 0)
        #expect(brain.next(1, liveNeighbours: 2) == 2)  // S is empty: every live cell starts dying
        #expect(brain.next(2, liveNeighbours: 2) == 0)  // C-1 becomes 0, whatever the neighbours
        let starWars = try! LifeRule(parsing: "B2/S345/C4")
        #expect(starWars.next(1, liveNeighbours: 4) == 1)
        #expect(starWars.next(2, liveNeighbours: 2) == 3)
        #expect(starWars.next(3, liveNeighbours: 2) == 0)
        // Two-state rules die at once.
        #expect(LifeRule.conway.next(1, liveNeighbours: 1) == 0)
    }

    @Test func aBlinkerHasPeriodTwo() throws {
        var grid = LifeGrid(width: 5, height: 5)
        for x in 1...3 { grid[x, 2] = 1 }
        let once = LifeReference.step(grid, rule: .conway)
        #expect(once != grid)
        #expect((1...3).allSatisfy { once[2, $0] == 1 })
        #expect(LifeReference.step(once, rule: .conway) == grid)
    }

    @Test func aGliderMovesOneCellDiagonallyEveryFourGenerationsAndWraps() throws {
        let glider = try RLEFile.parse(Self.glider)
        #expect(glider.comments == ["N Glider"])
        #expect(glider.rule == .conway)
        var grid = LifeGrid(width: 8, height: 8)
        grid.place(glider.grid, atX: 2, y: 2)
        var moved = LifeGrid(width: 8, height: 8)
        moved.place(glider.grid, atX: 3, y: 3)
        #expect(LifeReference.advance(grid, rule: .conway, generations: 4) == moved)
        // Across the torus and back: 8 cells in 32 generations.
        #expect(LifeReference.advance(grid, rule: .conway, generations: 32) == grid)
        #expect(grid.population == 5)
    }

    @Test func theGosperGunFiresAGliderEveryThirtyGenerations() throws {
        let gun = try RLEFile.parse(Self.gosperGun)
        var grid = LifeGrid(width: 120, height: 120)
        grid.place(gun.grid, atX: 10, y: 10)
        #expect(grid.population == 36)
        var current = grid
        for period in 1...3 {
            current = LifeReference.advance(current, rule: .conway, generations: 30)
            #expect(current.population == 36 + 5 * period, "after \(30 * period) generations")
        }
    }

    @Test func rleRoundTrips() throws {
        var random = SeededGenerator(seed: 4)
        for rule in [LifeRule.conway, LifeRule.briansBrain, try LifeRule(parsing: "B2/S345/C60")] {
            var grid = LifeGrid(width: 97, height: 13)
            for i in grid.cells.indices where random.uniform() < 0.3 {
                grid.cells[i] = UInt8(1 + Int(random.next() % UInt64(rule.states - 1)))
            }
            // Trailing empty rows and a leading empty row are kept by the header's size.
            for x in 0..<97 {
                grid[x, 0] = 0
                grid[x, 12] = 0
            }
            let text = RLEFile.write(grid, rule: rule, comments: ["round trip"])
            #expect(text.split(separator: "\n").allSatisfy { $0.count <= 70 })
            let parsed = try RLEFile.parse(text)
            #expect(parsed.grid == grid, "\(rule)")
            #expect(parsed.rule == rule)
        }
        let gun = try RLEFile.parse(Self.gosperGun)
        #expect(try RLEFile.parse(RLEFile.write(gun.grid, rule: .conway)).grid == gun.grid)
    }

    /// Files written on Windows end lines in CRLF; Unicode spaces are spaces; columns count
    /// from the line's start, in characters as a reader counts them.
    /// Golly's grid suffix: a torus or a bounded plane of a given size is read with the rule
    /// (its comma is no header field); what is not supported is refused by name.
    @Test func gollysBoundedGridSuffixIsRead() throws {
        let torus = try RLEFile.parse("x = 3, y = 3, rule = B3/S23:T72,48\nbo$2bo$3o!\n")
        #expect(torus.rule == .conway && torus.topology == LifeTopology(width: 72, height: 48, bounded: false))
        let plane = try RLEFile.parse("x = 3, y = 3, rule = 23/3:P10,12\nbo$2bo$3o!\n")
        #expect(plane.topology == LifeTopology(width: 10, height: 12, bounded: true))
        #expect(
            try LifeRuleSpecification(parsing: "b3s23:t5,6").topology
                == LifeTopology(width: 5, height: 6, bounded: false))
        // The pattern must fit the grid its suffix names, as soon as the header is read.
        #expect { try RLEFile.parse("x = 30, y = 3, rule = B3/S23:T20,20\n30o!\n") } throws: { error in
            "\(error)".contains("line 1, column 1: the pattern (30x3) is larger than the grid (20x20)")
        }
        for (suffix, named) in [
            (":K20,20", "Klein bottle"), (":S20", "sphere"), (":C20,20", "cross-surface"),
            (":T20*,20", "twisted or shifted"), (":T20+2,20", "twisted or shifted"), (":T0,20", "unbounded side"),
            (":X1,1", "is no grid"),
        ] {
            #expect(throws: LifeRuleError.self) { try LifeRuleSpecification(parsing: "B3/S23" + suffix) }
            do { _ = try LifeRuleSpecification(parsing: "B3/S23" + suffix) } catch {
                #expect("\(error)".contains(named), "\(error)")
            }
        }
        // Written back with the grid the run used, and read again.
        let text = RLEFile.write(
            torus.grid, rule: .conway, topology: LifeTopology(width: 72, height: 48, bounded: false))
        #expect(text.contains("rule = B3/S23:T72,48"))
        #expect(try RLEFile.parse(text).topology == torus.topology)
    }

    /// Golly's empty pattern.
    @Test func anEmptyPatternIsRead() throws {
        let empty = try RLEFile.parse("x = 0, y = 0, rule = B3/S23\n!\n")
        #expect(empty.grid.width == 0 && empty.grid.height == 0 && empty.grid.population == 0)
        var grid = LifeGrid(width: 8, height: 8)
        grid.place(empty.grid, atX: 4, y: 4)
        #expect(grid.population == 0)
    }

    /// Files older than the header's `rule =` give the rule on a `#r S/B` line.
    @Test func anOldRuleLineGivesTheRule() throws {
        #expect(try RLEFile.parse("#N HighLife glider\n#r 23/36\nx = 3, y = 3\nbo$2bo$3o!\n").rule == LifeRule.highLife)
        // The header's rule, where both are given, is the one.
        #expect(try RLEFile.parse("#r 23/36\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n").rule == LifeRule.conway)
        #expect {
            try RLEFile.parse("#r 9/9\nx = 3, y = 3\nbo$2bo$3o!\n")
        } throws: { error in
            (error as? RLEError).map { $0.line == 1 && $0.column == 4 && $0.problem.contains("invalid rule '9/9'") }
                ?? false
        }
    }

    @Test func rleLineEndingsAndCharactersBeyondASCII() throws {
        let lf = try RLEFile.parse(Self.gosperGun)
        let crlf = try RLEFile.parse(
            Self.gosperGun.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"))
        #expect(crlf == lf)
        #expect(try RLEFile.parse("#C caf\u{e9}\r\nx = 3, y = 1\r\nb\u{a0}2o\u{2003}!\r\n").grid.cells == [0, 1, 1])
        #expect(try RLEFile.parse("#C caf\u{e9}\nx = 3, y = 1\nbo!\n").comments == ["C caf\u{e9}"])
        #expect {
            try RLEFile.parse("x = 3, y = 1\n\u{e9}\u{e9}z!\n")
        } throws: { error in
            (error as? RLEError)
                == RLEError(
                    line: 2, column: 1, problem: "unknown character '\u{e9}' (expected b o . A-X $ ! or a count)")
        }
        #expect {
            try RLEFile.parse("x = 3, y = 1\n  \u{a0}oz!\n")
        } throws: { error in
            (error as? RLEError).map { $0.line == 2 && $0.column == 5 && $0.problem.hasPrefix("unknown character 'z'") }
                ?? false
        }
    }

    @Test(
        "malformed RLE names the line and column",
        arguments: [
            ("x = 3\nbo!", "line 1, column 1: the header needs both x and y"),
            ("x = 3, y = 3, rule = B9/S23\nbo!", "line 1, column 14: invalid rule 'B9/S23'"),
            ("x = 2, y = 1\n3o!", "line 2, column 2: the pattern is larger than its header's x = 2, y = 1"),
            ("x = 3, y = 1\nbzo!", "line 2, column 2: unknown character 'z'"),
            ("x = 3, y = 1\n   bzo!", "line 2, column 5: unknown character 'z'"),
            ("  x = 3, y = 3, rule = B9/S23\nbo!", "line 1, column 16: invalid rule 'B9/S23'"),
            ("x = 3, y = 2\nbo$\nobo", "line 3, column 1: the pattern does not end with '!'"),
            ("x = 3, y = 1, rule = B3/S23\nAB!", "line 2, column 2: state 2 in a two-state rule (B3/S23)"),
            ("x = 4, y = 2, rule = B2/S/C3\nA.B$2.AC!", "line 2, column 8: state 3 does not exist in B2/S/C3"),
            ("x = 3, y = 1, width = 3\no!", "line 1, column 14: unknown header field 'width'"),
            ("#C only a comment\n", "no header line"),
        ])
    func malformedRLE(text: String, expected: String) {
        do {
            _ = try RLEFile.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }
}

@Suite("Life kernel choice on fabricated devices")
struct LifeKernelChoiceTests {
    @Test func eachDeviceClassGetsAKernelWithinItsLimits() {
        let pi = FabricatedDevices.videoCore(index: 0)
        #expect(LifeKernel.preferred(for: .conway, on: pi, cells: 1 << 20) == .bitsTiled(generations: 8))
        // 16 KiB of shared memory: two copies of a 32-word tile of 64 rows.
        #expect(LifeTileShape(device: pi, generations: 8)?.rows == 64)
        #expect(LifeTileShape(device: pi, generations: 32) == nil, "too little shared memory for a 32-row halo")
        let h100 = FabricatedDevices.nvidiaH100(index: 0)
        #expect(LifeTileShape(device: h100, generations: 8)?.rows == 192)
        // Measured on the H100: temporal blocking below 8192², one generation per dispatch above.
        #expect(LifeKernel.preferred(for: .conway, on: h100, cells: 4096 * 4096) == .bitsTiled(generations: 16))
        #expect(LifeKernel.preferred(for: .conway, on: h100, cells: 8192 * 8192) == .bits)
        #expect(LifeKernel.preferred(for: .conway, on: FabricatedDevices.lavapipe(index: 0), cells: 1 << 20) == .wide)
        // Generations rules: bit planes, one generation a dispatch.
        #expect(LifeKernel.preferred(for: .briansBrain, on: h100, cells: 1 << 30) == .bits)
        #expect(LifeKernel.preferred(for: .briansBrain, on: pi, cells: 1 << 20) == .bits)
        #expect(
            LifeKernel.preferred(for: .briansBrain, on: FabricatedDevices.lavapipe(index: 0), cells: 1 << 20) == .wide)
        let tiny = PhysicalDeviceDescription(
            index: 0, name: "tiny", type: .integrated, vendorID: 1, apiVersion: APIVersion(1, 1, 0),
            queueFamilies: FabricatedDevices.computeQueue(), memoryHeaps: [],
            limits: FabricatedDevices.limits(invocations: 128, shared: 4096))
        #expect(
            LifeKernel.preferred(for: .conway, on: tiny, cells: 1 << 20) == .bits,
            "no tile fits: the one-generation kernel")
    }

    @Test func theWideKernelShapesItselfToTheDriverAndTheRow() throws {
        let lavapipe = FabricatedDevices.lavapipe(index: 0)
        // 4096² cells: 128 words a row, 64 as 64-bit words, 8 an invocation (two aligned fours).
        let large = LifeBitsShape.preferred(for: .wide, on: lavapipe, stride: 128, height: 4096)
        guard case .wide(8, 64, let rows, let generations)? = large else {
            Issue.record("\(String(describing: large))")
            return
        }
        #expect(rows >= 1 && rows <= 32)
        // Strips of 32 rows advance two generations a dispatch; shorter ones one.
        #expect(generations == (rows == 32 ? 2 : 1), "\(large!)")
        #expect(
            LifeBitsShape.preferred(for: .wide, on: lavapipe, stride: 512, height: 16384)?.generationsPerDispatch == 2)
        // An odd number of 32-bit words a row: 32-bit words, 4 an invocation.
        guard case .wide(4, 32, _, 1)? = LifeBitsShape.preferred(for: .wide, on: lavapipe, stride: 31, height: 100)
        else {
            Issue.record("odd stride")
            return
        }
        // Small grids get shorter strips, so that every driver thread has a workgroup.
        let small = try #require(LifeBitsShape.preferred(for: .wide, on: lavapipe, stride: 16, height: 512))
        #expect(small.rows < 32)
        #expect(small.generationsPerDispatch == 1)
        #expect(
            small.invocations(stride: 16, height: 512) >= ProcessInfo.processInfo.activeProcessorCount
                * LifeBitsShape.wideGroupInvocations
                || small.rows == 1)
        // A driver told to run on fewer threads (LP_NUM_THREADS, through the instance) gets
        // longer strips: fewer workgroups keep it busy.
        var fewThreads = lavapipe
        fewThreads.cpuDriverThreads = 1
        let long = try #require(LifeBitsShape.preferred(for: .wide, on: fewThreads, stride: 16, height: 512))
        #expect(long.rows >= small.rows)
        #expect(long.invocations(stride: 16, height: 512) >= LifeBitsShape.wideGroupInvocations)
        // Narrow rows: no more invocations across a workgroup than strips in the row.
        #expect(LifeBitsShape.wide(words: 8, wordBits: 64, rows: 4).group(stride: 16) == (1, 64))
        #expect(LifeBitsShape.wide(words: 4, wordBits: 32, rows: 4).group(stride: 100) == (8, 8))
        #expect(
            LifeBitsShape.preferred(for: .bits, on: FabricatedDevices.nvidiaH100(index: 0), stride: 2048, height: 65536)
                == .columns(rows: 8))
        #expect(LifeBitsShape.preferred(for: .bits, on: lavapipe, stride: 2048, height: 65536) == .columns(rows: 32))
        #expect(
            LifeBitsShape.preferred(for: .bitsTiled(generations: 8), on: lavapipe, stride: 2048, height: 65536) == nil)
        // 64-bit words need them in shaders and an even row.
        #expect(LifeBitsShape.wide(words: 4, wordBits: 64, rows: 8).problem(stride: 3, device: lavapipe) != nil)
        #expect(
            LifeBitsShape.wide(words: 4, wordBits: 64, rows: 8).problem(
                stride: 4, device: FabricatedDevices.videoCore(index: 0)) != nil)
        #expect(LifeBitsShape.wide(words: 4, wordBits: 64, rows: 8).problem(stride: 4, device: lavapipe) == nil)
        // Two generations a dispatch need whole aligned fours across the row; 1 or 2 only.
        #expect(
            LifeBitsShape.wide(words: 4, wordBits: 64, rows: 8, generations: 2).problem(stride: 8, device: lavapipe)
                == nil)
        #expect(
            LifeBitsShape.wide(words: 4, wordBits: 64, rows: 8, generations: 2).problem(stride: 12, device: lavapipe)
                != nil)
        #expect(
            LifeBitsShape.wide(words: 2, wordBits: 32, rows: 8, generations: 2).problem(stride: 8, device: lavapipe)
                != nil)
        #expect(
            LifeBitsShape.wide(words: 4, wordBits: 32, rows: 8, generations: 3).problem(stride: 8, device: lavapipe)
                != nil)
        #expect(
            LifeBitsShape.wide(words: 8, wordBits: 64, rows: 32, generations: 2).description.hasSuffix(
                "32 rows, 2 generations a dispatch"))
    }

    @Test func kernelNamesRoundTrip() {
        for kernel in [LifeKernel.bytes, .bits, .wide, .bitsTiled(generations: 1), .bitsTiled(generations: 32)] {
            #expect(LifeKernel(parsing: kernel.description) == kernel)
        }
        for bad in ["tiled", "tiled:0", "tiled:33", "tiled:x", "bit", ""] {
            #expect(LifeKernel(parsing: bad) == nil, "\(bad)")
        }
    }
}
