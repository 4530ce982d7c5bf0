import Engine
import FoundationEssentials

/// Picks the fastest Gray-Scott kernel shape (``GrayScottKernel``: cells a row, rows a strip)
/// for one device and field size. Each candidate is first checked: against the float64 CPU
/// reference, against itself run again, and bit for bit against the first verified shape's
/// field, since the shape is a speed only and a checkpoint resumed with another must still go
/// on bit for bit. Then it is timed with GPU timestamps.
///
/// Exists because the best shape is a property of the device: on CPU drivers wide blocks and
/// long strips pay (fewer reads a cell), while on a GPU they leave fewer invocations to fill
/// it, the more so the smaller the field.
public struct GrayScottKernelTuner {
    public struct Trial: Sendable, Codable, Equatable {
        public var rows: Int
        public var columns: Int
        /// The largest difference of a concentration from the CPU reference; nil where the
        /// candidate could not run.
        public var error: Double?
        public var cellUpdatesPerSecond: Double?
        /// The median of the final round's interleaved runs, for finalists only.
        public var confirmedCellUpdatesPerSecond: Double?
        public var rejection: String?
        /// The final round's figure where there was one, else the first pass's.
        public var measuredCellUpdatesPerSecond: Double? { confirmedCellUpdatesPerSecond ?? cellUpdatesPerSecond }
        public var kernel: GrayScottKernel { GrayScottKernel(rows: rows, columns: columns) }

        init(_ kernel: GrayScottKernel) {
            rows = kernel.rows
            columns = kernel.columns
        }
    }

    public let device: Device
    public let width: Int
    public let height: Int
    /// Asked between candidates: true ends the search early (Ctrl-C); the best so far wins.
    public var shouldStop: @Sendable () -> Bool = { false }
    /// Shapes tried first with wrong rates (the kill rate doubled), which verification must
    /// reject: how tests prove the gate works.
    public var deliberatelyWrong: [GrayScottKernel] = []

    /// As `verify gray-scott`'s default.
    static let tolerance = 1e-4
    static let verificationSteps = 12
    /// The widths of block tried.
    static let columnChoices = [1, 2, 4, 8, 16]

    public init(device: Device, width: Int, height: Int) {
        self.device = device
        self.width = width
        self.height = height
    }

    private func runs(_ kernel: GrayScottKernel) -> Bool {
        GrayScottWorkload.sizeProblem(width: width, height: height, kernel: kernel, device: device.description) == nil
    }

    /// The search's first part: the device's default, then each other width of block with the
    /// default's strips, where the device runs it at this size.
    public func blockCandidates() -> [GrayScottKernel] {
        let initial = GrayScottKernel.defaultKernel(for: device.description)
        return [initial]
            + Self.columnChoices.filter { $0 != initial.columns }.map {
                GrayScottKernel(rows: initial.rows, columns: $0)
            }
            .filter(runs)
    }

    /// The second part, with the fastest block of the first: every other power of two of rows
    /// up to the first that covers the field's height (a longer strip is the same single strip
    /// a column), where the device runs it.
    public func stripCandidates(columns: Int) -> [GrayScottKernel] {
        var kernels: [GrayScottKernel] = []
        var length = 1
        while length <= GrayScottKernel.rowRange.upperBound {
            let kernel = GrayScottKernel(rows: length, columns: columns)
            if length != GrayScottKernel.defaultRows, runs(kernel) { kernels.append(kernel) }
            if length >= height { break }
            length *= 2
        }
        return kernels
    }

    /// The field candidates are checked on: random concentrations in every cell, not seeded
    /// spots, whose cells mostly sit at the fixed point u = 1, v = 0 and would hide a wrong
    /// stencil; part of a workgroup's block across, of the tuned width modulo 4 (which decides
    /// how many cells each access takes), and two strips and a part of the longest candidate
    /// down. u in [0.4, 1) and v in [0, 0.3): noise over all of [0, 1) grows without bound
    /// within a few steps.
    static func verificationField(longestStrip: Int, tunedWidth: Int) -> GrayScottField {
        var random = SeededGenerator(seed: 99)
        let (width, height) = (68 + tunedWidth % 4, 2 * longestStrip + 7)
        var values = [Float](repeating: 0, count: 2 * width * height)
        for cell in 0..<width * height {
            values[2 * cell] = Float(random.uniform(0.4, 1))
            values[2 * cell + 1] = Float(random.uniform(0, 0.3))
        }
        return GrayScottField(width: width, height: height, values: values)
    }

    /// Cell updates per second of `kernel` on a seeded field of the tuner's size: the median
    /// of five short repeats, after a warm-up.
    public func measure(_ kernel: GrayScottKernel) throws -> Double {
        let workload = try GrayScottWorkload(
            device: device, field: .seeded(width: width, height: height, seed: 1),
            parameters: GrayScottParameters(), kernel: kernel)
        var benchmark = Benchmark(repeats: 5)
        benchmark.targetSeconds = 0.1
        return try benchmark.measure(workload).rate?.median ?? 0
    }

    /// Shapes re-timed in the final round besides the default: the fastest of the first pass.
    public var finalists = 3

    /// Tries the widths of block with the default strips, then the strip lengths with the
    /// fastest block, the default first, until most of `budget` seconds have passed (the
    /// default is always measured); then re-times the fastest few and the default in
    /// interleaved runs and crowns the best median: first-pass samples are short, and on a busy
    /// host they spread as widely as the shapes differ. `report` hears about each trial as it
    /// ends (index, total, trial); `confirmed`, the final round's finalists.
    /// - Returns: the fastest verified shape (nil if none was correct) and every trial.
    public func tune(
        budget: Double, report: (Int, Int, Trial) -> Void = { _, _, _ in },
        confirmed: ([Trial]) -> Void = { _ in }
    ) -> (winner: GrayScottKernel?, trials: [Trial]) {
        let start = Date()
        let blocks = blockCandidates()
        // The strips to come, as far as their count and lengths go: the block does not change
        // them (it is checked only across the field).
        let strips = stripCandidates(columns: blocks[0].columns)
        let total = deliberatelyWrong.count + blocks.count + strips.count
        let longest = (deliberatelyWrong + blocks + strips).map(\.rows).max() ?? 1
        let field = Self.verificationField(longestStrip: longest, tunedWidth: width)
        let reference = GrayScottReference.advance(
            field, parameters: GrayScottParameters(), steps: Self.verificationSteps)
        var baseline: (kernel: GrayScottKernel, field: GrayScottField)?
        var trials: [Trial] = []
        func attempt(_ kernel: GrayScottKernel, wrong: Bool) {
            var trial = Trial(kernel)
            do {
                let rates = wrong ? GrayScottParameters(kill: 2 * GrayScottParameters().kill) : .init()
                let workload = try GrayScottWorkload(device: device, field: field, parameters: rates, kernel: kernel)
                let check = try GrayScottVerification(
                    workload, from: field, steps: Self.verificationSteps, tolerance: Self.tolerance,
                    reference: reference)
                trial.error = check.comparison.maxError
                let differing = baseline.map { check.result.valuesDiffering(from: $0.field) } ?? 0
                if !check.withinTolerance {
                    let error = scientific(check.comparison.maxError, digits: 2)
                    trial.rejection =
                        "wrong results against the CPU reference (error \(error), "
                        + "tolerance \(scientific(Self.tolerance, digits: 1)))"
                } else if check.valuesDifferingOnRerun > 0 {
                    trial.rejection = "a second run gave other bits (\(check.valuesDifferingOnRerun) values)"
                } else if let baseline, differing > 0 {
                    trial.rejection =
                        "\(differing) values differ, bit for bit, from \(baseline.kernel)'s: a checkpoint "
                        + "resumed with it would not go on bit for bit"
                } else {
                    if baseline == nil { baseline = (kernel, check.result) }
                    trial.cellUpdatesPerSecond = try measure(kernel)
                }
            } catch {
                trial.rejection = "\(error)"
            }
            trials.append(trial)
            report(trials.count, total, trial)
        }
        func outOfTime() -> Bool { Date().timeIntervalSince(start) > 0.7 * budget || shouldStop() }
        for kernel in deliberatelyWrong { attempt(kernel, wrong: true) }
        for (index, kernel) in blocks.enumerated() {
            if index > 0 && outOfTime() { break }
            attempt(kernel, wrong: false)
        }
        let fastestBlock = trials.filter { $0.cellUpdatesPerSecond != nil }
            .max { $0.cellUpdatesPerSecond! < $1.cellUpdatesPerSecond! }?.columns
        if let fastestBlock {
            for kernel in stripCandidates(columns: fastestBlock) {
                if outOfTime() { break }
                attempt(kernel, wrong: false)
            }
        }
        let timed = GrayScottField.seeded(width: width, height: height, seed: 1)
        let round = InterleavedTiming.finalRound(
            firstPass: trials.map(\.cellUpdatesPerSecond), finalists: finalists, started: start, budget: budget,
            stopped: shouldStop()
        ) { trial, seconds in
            // Measured as the first pass measures, warm-up included, so that the rounds compare
            // alike; one workload at a time holds the field, which may take much of a device's memory.
            let workload = try GrayScottWorkload(
                device: device, field: timed, parameters: GrayScottParameters(), kernel: trials[trial].kernel)
            var benchmark = Benchmark(repeats: 1)
            benchmark.targetSeconds = seconds
            return try benchmark.measure(workload).rates.first
        }
        for (trial, median) in round.finalists { trials[trial].confirmedCellUpdatesPerSecond = median }
        if round.skippedForTime || !round.finalists.isEmpty { confirmed(round.finalists.map { trials[$0.trial] }) }
        return (round.winner.map { trials[$0].kernel }, trials)
    }
}
