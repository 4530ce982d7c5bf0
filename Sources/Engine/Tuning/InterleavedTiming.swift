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
