import Engine

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
        var measurement = Measurement(stepsPerRepeat: 0, secondsPerRepeat: [], rates: [])
        // Warm-up: pipelines compiled, clocks up. Its first dispatch goes in pieces, stoppable
        // and a first measure of how long a dispatch takes.
        let began = ContinuousClock.now
        let (ran, _) = try workload.advanceInPieces(pieceSeconds: 0.1, shouldStop: shouldStop)
        guard ran > 0 else { return measurement }
        // Dispatches longer than a quarter second are timed in pieces too.
        let inPieces = (ContinuousClock.now - began).seconds > 0.25
        let perStep: Double
        if inPieces {
            guard let seconds = try piecewise(workload, steps: perDispatch) else { return measurement }
            perStep = seconds / Double(perDispatch)
        } else {
            let warmUp = wholeDispatches(min(stepsPerRepeat ?? perDispatch, maximumSteps))
            _ = try workload.timedAdvance(steps: warmUp)
            perStep = try workload.timedAdvance(steps: warmUp) / Double(warmUp)
        }
        let steps = wholeDispatches(
            stepsPerRepeat ?? max(1, min(maximumSteps, Int(targetSeconds / max(perStep, 1e-9)))))
        measurement.stepsPerRepeat = steps
        // Submissions of about a quarter second, in whole dispatches.
        let piece = wholeDispatches(max(1, min(steps, Int(0.25 / max(perStep, 1e-9)))))
        repeats: for _ in 0..<repeats {
            var seconds = 0.0
            if inPieces {
                guard let timed = try piecewise(workload, steps: steps) else { break repeats }
                seconds = timed
            } else {
                var done = 0
                while done < steps {
                    if shouldStop() { break repeats }
                    let count = min(piece, steps - done)
                    seconds += try workload.timedAdvance(steps: count)
                    done += count
                }
            }
            measurement.secondsPerRepeat.append(seconds)
            measurement.rates.append(workload.workPerStep * Double(steps) / seconds)
            progress(measurement.rates.count, repeats)
        }
        return measurement
    }

    /// Seconds `steps` steps take, run a dispatch at a time in pieces: the GPU's time where
    /// the device has timestamps, else the host's; nil where a stop came first.
    private func piecewise<W: Workload>(_ workload: W, steps: Int) throws -> Double? {
        var seconds = 0.0
        var done = 0
        while done < steps {
            let began = ContinuousClock.now
            let (ran, gpu) = try workload.advanceInPieces(pieceSeconds: 0.1, shouldStop: shouldStop)
            guard ran > 0 else { return nil }
            seconds += gpu ?? (ContinuousClock.now - began).seconds
            done += ran
        }
        return seconds
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

extension Benchmark {
    /// Throws where a benchmark measured nothing because every size it was given was beyond
    /// the device (`skipped`, each reason already said), so that such a run does not end as a
    /// success with nothing to show; a stop that came first is not a failure.
    func checkSomethingMeasured(_ measured: Int, skipped: [String]) throws(EngineError) {
        guard measured == 0, let first = skipped.first, !shouldStop() else { return }
        throw .unsupported(
            "nothing was measured: \(first)"
                + (skipped.count > 1 ? " (and \(skipped.count - 1) more beyond this device)" : ""))
    }

    /// What a benchmark a signal ended says: how much of it was measured, which is reported
    /// as usual.
    public static func stoppedLine(by signal: String, measured: Int, of planned: Int, what: String) -> String {
        "\(signal): stopped early; \(measured) of \(planned) \(what) measured (a size's repeats may be fewer than "
            + "--repeats)"
    }
}
