import FoundationEssentials

/// The tuners' final rounds: each round measures every finalist once, in turn, so that a slow
/// minute of a shared host (lavapipe on a VM, a GPU another job shares) hits every finalist
/// alike, which back-to-back samples cannot promise.
public enum InterleavedTiming {
    /// - Parameter measure: a finalist's rate in one round; nil, or an error, drops it.
    /// - Returns: each finalist's median over the rounds, nil for one dropped.
    public static func medians(count: Int, rounds: Int = 3, _ measure: (Int) throws -> Double?) -> [Double?] {
        var rates = Array(repeating: [Double](), count: count)
        var dropped = Set<Int>()
        for _ in 0..<rounds {
            for index in 0..<count where !dropped.contains(index) {
                if let rate = try? measure(index) { rates[index].append(rate) } else { dropped.insert(index) }
            }
        }
        return (0..<count).map { dropped.contains($0) ? nil : rates[$0].sorted()[rates[$0].count / 2] }
    }
}

extension InterleavedTiming {
    /// What a tuner's final round did.
    public struct FinalRound {
        /// The finalists, as indices of the trials, with their medians (nil for one dropped);
        /// empty where the round did not run.
        public var finalists: [(trial: Int, median: Double?)] = []
        /// Whether it was skipped because it would have overrun the budget by much.
        public var skippedForTime = false
        /// The winning trial: the fastest finalist to finish the round, else the first pass's
        /// fastest; nil where no trial was verified.
        public var winner: Int?
    }

    /// Re-times the `finalists` fastest trials of a first pass and the default (the first
    /// verified) in interleaved rounds, and crowns the best median: a first-pass sample is
    /// short, and on a busy host samples spread as widely as close candidates differ.
    /// - Parameters:
    ///   - firstPass: each trial's first-pass rate; nil where it was rejected.
    ///   - started: when the search began, which had `budget` seconds.
    ///   - measure: a trial's rate in one round, of about the seconds given.
    public static func finalRound(
        firstPass: [Double?], finalists: Int, started: Date, budget: Double, stopped: Bool,
        measure: (_ trial: Int, _ seconds: Double) throws -> Double?
    ) -> FinalRound {
        let verified = firstPass.indices.filter { firstPass[$0] != nil }
        var round = FinalRound(winner: verified.max { firstPass[$0]! < firstPass[$1]! })
        var chosen = Array(verified.sorted { firstPass[$0]! > firstPass[$1]! }.prefix(finalists))
        if let baseline = verified.first, !chosen.contains(baseline) { chosen.append(baseline) }
        guard chosen.count > 1, !stopped else { return round }
        let elapsed = Date().timeIntervalSince(started)
        let remaining = max(budget - elapsed, 0)
        // A finalist's three short runs cost about what its first-pass trial did; where that
        // would overrun the budget by much (the largest sizes), the first pass decides.
        guard Double(chosen.count) * elapsed / Double(firstPass.count) <= max(remaining, 0.5 * budget) else {
            round.skippedForTime = true
            return round
        }
        let seconds = min(0.2, max(0.02, remaining / Double(3 * chosen.count)))
        let medians = self.medians(count: chosen.count) { try measure(chosen[$0], seconds) }
        round.finalists = Array(zip(chosen, medians))
        let finished = round.finalists.compactMap { finalist in finalist.median.map { (finalist.trial, $0) } }
        if let fastest = finished.max(by: { $0.1 < $1.1 }) { round.winner = fastest.0 }
        return round
    }
}
