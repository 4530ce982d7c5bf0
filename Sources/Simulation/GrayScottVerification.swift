import Engine

/// Gray-Scott on the GPU against the float64 CPU reference: the largest difference of a
/// concentration after the same steps from the same field, and a rerun that must give the same
/// bits (every cell's sum has a fixed order).
public struct GrayScottVerification {
    public var comparison: FieldComparison
    /// Values that differ, bit for bit, when the same steps run again.
    public var valuesDifferingOnRerun: Int
    public var tolerance: Double
    /// The GPU's field after the steps.
    public var result: GrayScottField

    public var withinTolerance: Bool { comparison.maxError <= tolerance }
    public var passed: Bool { withinTolerance && valuesDifferingOnRerun == 0 }

    /// Runs `steps` steps of `start` on the GPU, on the CPU (unless `reference` holds its
    /// result already), then on the GPU again.
    /// - Parameter progress: hears the CPU reference's share done.
    public init(
        _ workload: GrayScottWorkload, from start: GrayScottField, steps: Int, tolerance: Double,
        reference: GrayScottField? = nil, progress: (@Sendable (Double) -> Void)? = nil
    ) throws {
        result = try workload.result(from: start, steps: steps)
        comparison = workload.discrepancy(
            of: result, from: reference ?? workload.reference(from: start, steps: steps, progress: progress))
        valuesDifferingOnRerun = try workload.valuesDifferingOnRerun(from: start, steps: steps, result: result)
        self.tolerance = tolerance
    }

    /// What `verify gray-scott` says before the check.
    public static func headerLines(workload: GrayScottWorkload, steps: Int) -> [String] {
        [
            "device: \(workload.device.description.heading())",
            "field: \(workload.width)x\(workload.height), steps: \(steps), kernel: \(workload.kernelDescription)",
        ]
    }

    /// The errors, the rerun and the verdict.
    public var lines: [String] {
        [
            "concentration error: max \(scientific(comparison.maxError)), rms \(scientific(comparison.rmsError))",
            valuesDifferingOnRerun == 0
                ? "repeat: the same bits"
                : "repeat: \(valuesDifferingOnRerun) values differ from the first run's; "
                    + "this kernel must give the same bits",
            passed
                ? "PASS (tolerance \(scientific(tolerance)))"
                : !withinTolerance
                    ? "FAIL: error \(scientific(comparison.maxError)) exceeds tolerance \(scientific(tolerance))"
                    : "FAIL: a second run gave other bits",
        ]
    }
}
