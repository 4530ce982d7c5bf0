/// Throughput of a workload: a warm-up, then timed repeats of the same number of steps, each
/// timed with GPU timestamps where the device has them.
///
/// A repeat is submitted in pieces of about a quarter second, its time the sum of theirs, so
/// that a stop request is heard within a fraction of a second however long a repeat is; a
/// repeat cut short by a stop is not counted.
public struct Benchmark {
    /// Timed repeats.
    public var repeats: Int
    /// Steps per repeat; nil sizes repeats to `targetSeconds` from the warm-up.
    public var stepsPerRepeat: Int?
    /// How long a repeat should take when `stepsPerRepeat` is nil.
    public var targetSeconds = 0.5
    /// The most steps a repeat sized by `targetSeconds` takes.
    public var maximumSteps = 100_000
    /// Asked between pieces; true ends the measurement with the repeats done so far.
    public var shouldStop: () -> Bool = { false }
    /// Told after each repeat: repeats done, repeats asked for.
    public var progress: (Int, Int) -> Void = { _, _ in }

    public init(repeats: Int, stepsPerRepeat: Int? = nil) {
        precondition(repeats >= 1, "at least one repeat")
        precondition(stepsPerRepeat.map { $0 >= 1 } ?? true, "at least one step a repeat")
        self.repeats = repeats
        self.stepsPerRepeat = stepsPerRepeat
    }

    public struct Measurement: Sendable {
        /// Steps of each repeat, whole dispatches of the workload's kernel.
        public var stepsPerRepeat: Int
        public var secondsPerRepeat: [Double]
        /// Work per second (interactions, cell updates) of each repeat.
        public var rates: [Double]
        /// Median, min and max of `rates`.
        public var rate: Statistics? { rates.isEmpty ? nil : Statistics(rates) }
    }

    /// Warms `workload` up (pipelines compiled, clocks up), sizes the repeats and times them.
    public func measure<W: Workload>(_ workload: W) throws -> Measurement {
        let perDispatch = workload.stepsPerDispatch
        func wholeDispatches(_ steps: Int) -> Int { (steps + perDispatch - 1) / perDispatch * perDispatch }
        let warmUp = wholeDispatches(min(stepsPerRepeat ?? perDispatch, maximumSteps))
        _ = try workload.timedAdvance(steps: warmUp)
        let perStep = max(try workload.timedAdvance(steps: warmUp) / Double(warmUp), 1e-9)
        let steps = wholeDispatches(stepsPerRepeat ?? max(1, min(maximumSteps, Int(targetSeconds / perStep))))
        // Pieces of about a quarter second, in whole dispatches.
        let piece = wholeDispatches(max(1, min(steps, Int(0.25 / perStep))))
        var measurement = Measurement(stepsPerRepeat: steps, secondsPerRepeat: [], rates: [])
        repeats: for _ in 0..<repeats {
            var seconds = 0.0
            var done = 0
            while done < steps {
                if shouldStop() { break repeats }
                let count = min(piece, steps - done)
                seconds += try workload.timedAdvance(steps: count)
                done += count
            }
            measurement.secondsPerRepeat.append(seconds)
            measurement.rates.append(workload.workPerStep * Double(steps) / seconds)
            progress(measurement.rates.count, repeats)
        }
        return measurement
    }
}

/// The median and the spread of a set of measurements.
public struct Statistics: Codable, Sendable, Equatable {
    public var median: Double
    public var min: Double
    public var max: Double

    public init(median: Double, min: Double, max: Double) {
        self.median = median
        self.min = min
        self.max = max
    }

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "statistics of no values")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted.first!
        max = sorted.last!
    }
}
