import Engine
import FoundationEssentials
import Simulation
import Testing

/// Verification and the tuning store on lavapipe.
@Suite(.serialized) struct VerificationTests {
    let context: ComputeContext

    init() throws {
        context = try ComputeContext()
    }

    /// What verification asks of any workload, through the protocol alone: the device's result
    /// of some steps, the CPU's, and how far apart they are.
    func discrepancy<W: Workload>(of workload: W, from start: W.State, steps: Int) throws -> W.Discrepancy {
        let device = try workload.result(from: start, steps: steps)
        return workload.discrepancy(of: device, from: workload.reference(from: start, steps: steps, progress: nil))
    }

    @Test func everyWorkloadChecksAgainstItsReferenceThroughTheProtocol() throws {
        let particles = InitialModel.galaxies.generate(count: 200, seed: 3, gravity: 1)
        let parameters = NBodyParameters(dt: 0.002, softening: 0.02, gravity: 1)
        let nbody = try NBodyWorkload(device: context.device, state: particles, parameters: parameters)
        let comparison = try discrepancy(of: nbody, from: particles, steps: 6)
        #expect(comparison.worst > 0 && comparison.worst < 1e-4, "\(comparison)")
        // The reference takes the workload's physics: another dt is far from it.
        let other = NBodyReference.advance(
            particles, parameters: NBodyParameters(dt: 0.004, softening: 0.02, gravity: 1), steps: 6)
        #expect(nbody.discrepancy(of: try nbody.download(), from: other).worst > 1e-3)

        let grid = LifeStart.random(
            width: 70, height: 40, density: 0.5, seed: 8, rule: try LifeRule(parsing: "B2/S/C3"))
        for bounded in [false, true] {
            let life = try LifeWorkload(
                device: context.device, grid: grid, rule: try LifeRule(parsing: "B2/S/C3"), bounded: bounded,
                kernel: .bits)
            #expect(try discrepancy(of: life, from: grid, steps: 7).count == 0)
            // The reference takes the workload's edges: the other edges differ.
            let otherEdges = LifeReference.advance(
                grid, rule: try LifeRule(parsing: "B2/S/C3"), generations: 7, bounded: !bounded)
            #expect(life.discrepancy(of: try life.download(), from: otherEdges).count > 0)
        }

        let field = GrayScottField.seeded(width: 40, height: 30, seed: 2)
        let grayScott = try GrayScottWorkload(device: context.device, field: field, parameters: GrayScottParameters())
        #expect(try discrepancy(of: grayScott, from: field, steps: 25).maxError < 1e-5)
        // The reference takes the workload's rates: another feed rate is far from it.
        let otherFeed = GrayScottReference.advance(field, parameters: GrayScottParameters(feed: 0.03), steps: 25)
        #expect(grayScott.discrepancy(of: try grayScott.download(), from: otherFeed).maxError > 1e-3)
    }

    /// A Gray-Scott check passes within a tolerance and gives the same bits again; a
    /// tolerance below its error fails.
    @Test func grayScottPassesAgainstTheReferenceAndFailsBeyondATightTolerance() throws {
        let start = GrayScottField.seeded(width: 50, height: 37, seed: 5)
        let workload = try GrayScottWorkload(device: context.device, field: start, parameters: GrayScottParameters())
        let verification = try GrayScottVerification(workload, from: start, steps: 40, tolerance: 1e-4)
        #expect(verification.passed && verification.valuesDifferingOnRerun == 0)
        #expect(verification.comparison.maxError > 0)
        let strict = try GrayScottVerification(
            workload, from: start, steps: 40, tolerance: verification.comparison.maxError / 10)
        #expect(!strict.passed && strict.lines.last?.hasPrefix("FAIL: error") == true)
    }

    @Test func nbodyPassesAgainstTheReferenceAndFailsBeyondATightTolerance() throws {
        let start = InitialModel.plummer.generate(count: 300, seed: 2, gravity: 1)
        let workload = try NBodyWorkload(device: context.device, state: start, parameters: NBodyParameters())
        let verification = try NBodyVerification(workload, from: start, steps: 5, tolerance: 1e-4)
        #expect(verification.passed)
        #expect(verification.comparison.worst > 0 && verification.comparison.worst < 1e-4)
        #expect(verification.mustRepeatBits && verification.valuesDifferingOnRerun == 0)
        let strict = try NBodyVerification(
            workload, from: start, steps: 5, tolerance: verification.comparison.worst / 10)
        #expect(!strict.passed && !strict.withinTolerance)
    }

    /// A sample checks one step of a few bodies; the same seed picks the same ones.
    @Test func aSampleChecksTheBodiesItPicks() throws {
        let start = InitialModel.plummer.generate(count: 2000, seed: 2, gravity: 1)
        let workload = try NBodyWorkload(device: context.device, state: start, parameters: NBodyParameters())
        let first = try NBodyVerification(workload, from: start, steps: 1, tolerance: 1e-4, sample: 50, seed: 9)
        let again = try NBodyVerification(workload, from: start, steps: 1, tolerance: 1e-4, sample: 50, seed: 9)
        #expect(first.passed)
        #expect(first.sampledBodies?.count == 50)
        #expect(first.sampledBodies == again.sampledBodies && first.comparison == again.comparison)
    }

    @Test func lifeKernelsAgreeWithTheReferenceAndDifferencesAreLocated() throws {
        let start = LifeStart.random(width: 96, height: 64, density: 0.4, seed: 5, rule: .conway)
        let reference = LifeReference.advance(start, rule: .conway, generations: 9)
        let outcomes = try LifeVerification.check(
            kernels: [.bytes, .bits, .bitsTiled(generations: 4)], on: context.device,
            start: start, rule: .conway, bounded: false, generations: 9, reference: reference)
        #expect(outcomes.map(\.kernel) == [.bytes, .bits, .bitsTiled(generations: 4)])
        #expect(outcomes.filter { !$0.passed }.isEmpty)
        var wrong = reference
        wrong[5, 7] = 1 - wrong[5, 7]
        wrong[40, 3] = 1 - wrong[40, 3]
        let difference = LifeDifference(wrong, reference: reference)
        #expect(difference.count == 2 && difference.where == ", in x 5...40, y 3...7")
    }

    /// The tuner's gate: a shape given wrong physics is rejected, and the winner stored is
    /// one that passed; the cache then hands it back for the same device and size.
    @Test func tuningRejectsAWrongShapeAndStoresAVerifiedWinner() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let store = TuningStore(url: url)
        try store.checkWritable()
        let device = context.device.description
        let wrong = NBodyKernel.recommended(for: device, particleCount: 1000)
        var heard: [KernelTuner.Trial] = []
        let (winner, trials) = try store.tuneAndStore(
            on: context.device, particleCount: 1000, parameters: NBodyParameters(),
            budget: 1, deliberatelyWrong: [wrong],
            trial: { _, _, trial in heard.append(trial) })
        #expect(trials.first?.configuration == wrong)
        #expect(trials.first?.rejection?.hasPrefix("wrong results") == true, "\(String(describing: trials.first))")
        #expect(winner.rejection == nil)
        #expect(!heard.isEmpty && heard.count <= trials.count)
        #expect(store.tunedConfiguration(for: device, particleCount: 1000) == winner.configuration)
        #expect(TuningStore(url: url, enabled: false).tunedConfiguration(for: device, particleCount: 1000) == nil)
    }

    /// A tuned shape this device cannot run (tuned at another vector width) is passed over
    /// with a warning; a path that holds something else is refused before any tuning.
    @Test func anUnrunnableTunedShapeIsPassedOverAndAForeignFileRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("unrunnable-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let device = context.device.description
        let tooWide = NBodyKernel.streaming(
            workgroup: Int(device.limits.maxComputeWorkGroupInvocations) * 2, bodies: 1)
        var cache = TuningCache(url: url)
        try cache.store(
            tooWide, rate: 1, for: TuningCache.Key(device: device, particleCount: 1000), device: device.name)
        var warnings: [String] = []
        let store = TuningStore(url: url, warn: { warnings.append($0) })
        #expect(store.tunedConfiguration(for: device, particleCount: 1000) == nil)
        #expect(warnings.count == 1 && warnings[0].hasPrefix("ignoring the tuned shape"))

        let foreign = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: foreign) }
        try Data("not a cache".utf8).write(to: foreign)
        #expect(throws: FileError.self) { try TuningStore(url: foreign).checkWritable() }
        #expect(try Data(contentsOf: foreign) == Data("not a cache".utf8))
    }

    /// The kernel tuner's gate: a shape given wrong rates is rejected, every other is checked
    /// against the CPU and against the default shape's bits before it is timed, the blocks
    /// come before the strips, a final round re-times the fastest, and the winner stored comes
    /// back for the same device and size.
    @Test func grayScottTuningRejectsWrongRatesAndStoresAVerifiedWinner() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strips-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let store = TuningStore(url: url)
        let device = context.device.description
        let wrong = GrayScottKernel(rows: 4, columns: 2)
        var heard: [GrayScottKernelTuner.Trial] = []
        var finalists: [GrayScottKernelTuner.Trial] = []
        let (winner, rate, trials) = try store.tuneGrayScottAndStore(
            on: context.device, width: 96, height: 40, budget: 10, deliberatelyWrong: [wrong],
            trial: { _, _, trial in heard.append(trial) }, confirmed: { finalists = $0 })
        #expect(trials.first?.kernel == wrong)
        #expect(trials.first?.rejection?.hasPrefix("wrong results") == true, "\(String(describing: trials.first))")
        // The device's default first (lavapipe's: 8 cells a row), each other block with its
        // strips, then the powers of two of rows up to the first that covers 40 with the
        // fastest block, as far as the budget went on a busy host.
        let tuner = GrayScottKernelTuner(device: context.device, width: 96, height: 40)
        let blocks = tuner.blockCandidates()
        #expect(blocks.map(\.columns) == [8, 1, 2, 4, 16] && blocks.allSatisfy { $0.rows == 16 })
        let tried = trials.dropFirst().map(\.kernel)
        #expect(tried.count >= 2 && Array(blocks.prefix(tried.count)) == Array(tried.prefix(blocks.count)), "\(tried)")
        if tried.count > blocks.count {
            let fastest = try #require(
                trials.dropFirst().prefix(blocks.count).max { $0.cellUpdatesPerSecond! < $1.cellUpdatesPerSecond! })
            let strips = tuner.stripCandidates(columns: fastest.columns)
            #expect(strips.map(\.rows) == [1, 2, 4, 8, 32, 64])
            #expect(Array(tried.dropFirst(blocks.count)) == Array(strips.prefix(tried.count - blocks.count)))
        }
        for trial in trials.dropFirst() {
            #expect(trial.rejection == nil, "\(trial)")
            #expect(try #require(trial.error) < 1e-5, "\(trial)")
        }
        #expect(heard.map(\.kernel) == trials.map(\.kernel))
        #expect(finalists.count >= 2 && finalists.contains { $0.kernel == blocks[0] })
        #expect(finalists.allSatisfy { $0.confirmedCellUpdatesPerSecond != nil })
        let best = try #require(finalists.max { $0.confirmedCellUpdatesPerSecond! < $1.confirmedCellUpdatesPerSecond! })
        #expect(winner == best.kernel && rate == best.confirmedCellUpdatesPerSecond)
        #expect(store.tunedGrayScottKernel(for: device, width: 96, height: 40) == winner)
        // Sizes within a factor of four in cells share it; others have none.
        #expect(store.tunedGrayScottKernel(for: device, width: 80, height: 50) == winner)
        #expect(store.tunedGrayScottKernel(for: device, width: 512, height: 512) == nil)
        #expect(TuningStore(url: url, enabled: false).tunedGrayScottKernel(for: device, width: 96, height: 40) == nil)
    }

    /// A stored shape this field cannot take (more strips down it than the device's workgroup
    /// count allows) is passed over with a warning, as is one no workload takes and one stored
    /// with rows alone, before blocks of cells existed.
    @Test func anUnrunnableTunedGrayScottKernelIsPassedOver() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strip-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let device = context.device.description
        let tall = Int(device.limits.maxComputeWorkGroupCount[1]) + 1
        var cache = TuningCache(url: url)
        try cache.store(
            grayScottKernel: GrayScottKernel(rows: 1, columns: 4), rate: 1,
            for: TuningCache.Key(device: device, grayScottCells: 64 * tall), device: device.name)
        var warnings: [String] = []
        let store = TuningStore(url: url, warn: { warnings.append($0) })
        #expect(store.tunedGrayScottKernel(for: device, width: 64, height: tall) == nil)
        #expect(
            warnings.count == 1 && warnings[0].hasPrefix("ignoring the tuned kernel, a strip of 1 row of 4 cells"),
            "\(warnings)")
        for columns in [0, 17] {
            try cache.store(
                grayScottKernel: GrayScottKernel(rows: 16, columns: columns), rate: 1,
                for: TuningCache.Key(device: device, grayScottCells: 64 * 64), device: device.name)
            #expect(store.tunedGrayScottKernel(for: device, width: 64, height: 64) == nil)
        }
        try cache.store(
            grayScottKernel: GrayScottKernel(rows: 32, columns: 2), rate: 1,
            for: TuningCache.Key(device: device, grayScottCells: 64 * 64), device: device.name)
        #expect(store.tunedGrayScottKernel(for: device, width: 64, height: 64) == GrayScottKernel(rows: 32, columns: 2))
        let stored = try String(contentsOf: url, encoding: .utf8)
        let rowsAlone = stored.replacingOccurrences(of: #""grayScottColumns" : 2,"#, with: "")
        #expect(rowsAlone != stored)
        try Data(rowsAlone.utf8).write(to: url)
        #expect(store.tunedGrayScottKernel(for: device, width: 64, height: 64) == nil)
    }
}
