import Engine
import FoundationEssentials

/// Picks the fastest strip length (`GrayScottWorkload.rows`) for one device and field size.
/// Each candidate is first checked: against the float64 CPU reference, against itself run
/// again, and bit for bit against the first verified strip's field, since the strip is a speed
/// only and a checkpoint resumed with another strip must still go on bit for bit. Then it is
/// timed with GPU timestamps.
///
/// Exists because the best strip is a property of the device: on CPU drivers long strips pay
/// (each cell after a strip's first reads three values rather than nine), while on a GPU they
/// leave fewer invocations to fill it, the more so the smaller the field.
public struct GrayScottStripTuner {
    public struct Trial: Sendable, Codable, Equatable {
        public var rows: Int
        /// The largest difference of a concentration from the CPU reference; nil where the
        /// candidate could not run.
        public var error: Double?
        public var cellUpdatesPerSecond: Double?
        /// The median of the final round's interleaved runs, for finalists only.
        public var confirmedCellUpdatesPerSecond: Double?
        public var rejection: String?
        /// The final round's figure where there was one, else the first pass's.
        public var measuredCellUpdatesPerSecond: Double? { confirmedCellUpdatesPerSecond ?? cellUpdatesPerSecond }
    }

    public let device: Device
    public let width: Int
    public let height: Int
    /// Asked between candidates: true ends the search early (Ctrl-C); the best so far wins.
    public var shouldStop: @Sendable () -> Bool = { false }
    /// Strip lengths tried first with wrong rates (the kill rate doubled), which verification
    /// must reject: how tests prove the gate works.
    public var deliberatelyWrong: [Int] = []

    /// As `verify gray-scott`'s default.
    static let tolerance = 1e-4
    static let verificationSteps = 12

    public init(device: Device, width: Int, height: Int) {
        self.device = device
        self.width = width
        self.height = height
    }

    /// The untuned default first, then every power of two up to the first that covers the
    /// field's height (a longer strip is the same single strip a column), where the device
    /// runs it at this size.
    public func candidates() -> [Int] {
        let limit = GrayScottWorkload.rowRange.upperBound
        var rows = [GrayScottWorkload.defaultRows]
        var length = 1
        while length <= limit {
            if length != GrayScottWorkload.defaultRows,
                GrayScottWorkload.sizeProblem(width: width, height: height, rows: length, device: device.description)
                    == nil
            {
                rows.append(length)
            }
            if length >= height { break }
            length *= 2
        }
        return rows
    }

    /// The field candidates are checked on: random concentrations in every cell, not seeded
    /// spots, whose cells mostly sit at the fixed point u = 1, v = 0 and would hide a wrong
    /// stencil; a workgroup and a part across, and two strips and a part of the longest
    /// candidate down, so that workgroups and strips end part-filled. u in [0.4, 1) and v in
    /// [0, 0.3): noise over all of [0, 1) grows without bound within a few steps.
    static func verificationField(longestStrip: Int) -> GrayScottField {
        var random = SeededGenerator(seed: 99)
        let (width, height) = (70, 2 * longestStrip + 7)
        var values = [Float](repeating: 0, count: 2 * width * height)
        for cell in 0..<width * height {
            values[2 * cell] = Float(random.uniform(0.4, 1))
            values[2 * cell + 1] = Float(random.uniform(0, 0.3))
        }
        return GrayScottField(width: width, height: height, values: values)
    }

    /// Cell updates per second of a strip of `rows` on a seeded field of the tuner's size:
    /// the median of five short repeats, after a warm-up.
    public func measure(_ rows: Int) throws -> Double {
        let workload = try GrayScottWorkload(
            device: device, field: .seeded(width: width, height: height, seed: 1),
            parameters: GrayScottParameters(), rows: rows)
        var benchmark = Benchmark(repeats: 5)
        benchmark.targetSeconds = 0.1
        return try benchmark.measure(workload).rate?.median ?? 0
    }

    /// Strips re-timed in the final round besides the default: the fastest of the first pass.
    public var finalists = 3

    /// Tries candidates, the default first, until most of `budget` seconds have passed (the
    /// default is always measured), then re-times the fastest few and the default in
    /// interleaved runs and crowns the best median: first-pass samples are short, and on a busy
    /// host they spread as widely as the strips differ. `report` hears about each trial as it
    /// ends (index, total, trial); `confirmed`, the final round's finalists.
    /// - Returns: the fastest verified strip (nil if none was correct) and every trial.
    public func tune(
        budget: Double, report: (Int, Int, Trial) -> Void = { _, _, _ in },
        confirmed: ([Trial]) -> Void = { _ in }
    ) -> (winner: Int?, trials: [Trial]) {
        let start = Date()
        let candidates = candidates()
        let planned = deliberatelyWrong.map { (rows: $0, wrong: true) } + candidates.map { (rows: $0, wrong: false) }
        let field = Self.verificationField(longestStrip: planned.map(\.rows).max() ?? 1)
        let reference = GrayScottReference.advance(
            field, parameters: GrayScottParameters(), steps: Self.verificationSteps)
        var baseline: (rows: Int, field: GrayScottField)?
        var trials: [Trial] = []
        for (index, candidate) in planned.enumerated() {
            if index > deliberatelyWrong.count && (Date().timeIntervalSince(start) > 0.7 * budget || shouldStop()) {
                break
            }
            var trial = Trial(rows: candidate.rows)
            do {
                let rates = candidate.wrong ? GrayScottParameters(kill: 2 * GrayScottParameters().kill) : .init()
                let workload = try GrayScottWorkload(
                    device: device, field: field, parameters: rates, rows: candidate.rows)
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
                        "\(differing) values differ, bit for bit, from a strip of \(baseline.rows)'s: a checkpoint "
                        + "resumed with it would not go on bit for bit"
                } else {
                    if baseline == nil { baseline = (candidate.rows, check.result) }
                    trial.cellUpdatesPerSecond = try measure(candidate.rows)
                }
            } catch {
                trial.rejection = "\(error)"
            }
            trials.append(trial)
            report(index + 1, planned.count, trial)
        }
        let timed = GrayScottField.seeded(width: width, height: height, seed: 1)
        let round = InterleavedTiming.finalRound(
            firstPass: trials.map(\.cellUpdatesPerSecond), finalists: finalists, started: start, budget: budget,
            stopped: shouldStop()
        ) { trial, seconds in
            // Measured as the first pass measures, warm-up included, so that the rounds compare
            // alike; one workload at a time holds the field, which may take much of a device's memory.
            let workload = try GrayScottWorkload(
                device: device, field: timed, parameters: GrayScottParameters(), rows: trials[trial].rows)
            var benchmark = Benchmark(repeats: 1)
            benchmark.targetSeconds = seconds
            return try benchmark.measure(workload).rates.first
        }
        for (trial, median) in round.finalists { trials[trial].confirmedCellUpdatesPerSecond = median }
        if round.skippedForTime || !round.finalists.isEmpty { confirmed(round.finalists.map { trials[$0.trial] }) }
        return (round.winner.map { trials[$0].rows }, trials)
    }
}
