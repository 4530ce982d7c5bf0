import Engine

/// N-body on the GPU against the float64 CPU reference: the errors after the same steps from
/// the same state, and a rerun that must give the same bits.
public struct NBodyVerification {
    /// How far the GPU's state is from the reference's.
    public var comparison: StateComparison
    /// The bodies checked, where a sample was: their step against all bodies.
    public var sampledBodies: [Int]?
    /// Values that differ, bit for bit, when the same steps run again.
    public var valuesDifferingOnRerun: Int
    /// Whether the kernel must give the same bits on a rerun (all but float atomic sums).
    public var mustRepeatBits: Bool
    public var tolerance: Double
    /// The bodies of the system checked.
    public var particleCount: Int

    public var withinTolerance: Bool { comparison.worst <= tolerance }
    public var passed: Bool { withinTolerance && (!mustRepeatBits || valuesDifferingOnRerun == 0) }

    /// Runs `steps` steps of `start` on the GPU and on the CPU, then again on the GPU.
    /// - Parameters:
    ///   - sample: with one step, the number of bodies to check, picked by `seed`: their step
    ///     costs K·N on the CPU instead of N², so millions of bodies check in seconds.
    ///   - progress: hears the CPU reference's share done.
    public init(
        _ workload: NBodyWorkload, from start: ParticleState, steps: Int, tolerance: Double,
        sample: Int? = nil, seed: UInt64 = 1, progress: (@Sendable (Double) -> Void)? = nil
    ) throws {
        precondition(sample == nil || steps == 1, "a sample checks one step")
        let gpu = try workload.result(from: start, steps: steps)
        if let sample, sample < start.count {
            // The same seed picks the same bodies (a Set's order would not: it varies by process).
            var random = SeededGenerator(seed: seed &+ 0x5A_4D_50_4C)
            var picked = Set<Int>()
            while picked.count < sample { picked.insert(Int(random.next() % UInt64(start.count))) }
            let rows = picked.sorted()
            let cpu = NBodyReference.step(start, parameters: workload.parameters, rows: rows, progress: progress)
            comparison = StateComparison(gpu.subset(rows), reference: cpu)
            sampledBodies = rows
        } else {
            let cpu = workload.reference(from: start, steps: steps, progress: progress)
            comparison = workload.discrepancy(of: gpu, from: cpu)
            sampledBodies = nil
        }
        // A race in a kernel or driver can stay inside the tolerance and still make reruns,
        // and resumed runs, differ: the same steps again must give the same bits.
        valuesDifferingOnRerun = try workload.valuesDifferingOnRerun(from: start, steps: steps, result: gpu)
        mustRepeatBits = workload.isBitReproducible
        self.tolerance = tolerance
        particleCount = start.count
    }
}

/// A Life kernel on the GPU against the CPU reference, cell for cell.
public struct LifeVerification {
    public var kernel: LifeKernel
    public var difference: LifeDifference
    public var passed: Bool { difference.count == 0 }

    /// Runs `generations` generations of `start` with each kernel and compares them with
    /// `reference`, the CPU's result of those generations.
    public static func check(
        kernels: [LifeKernel], on device: Device, start: LifeGrid, rule: LifeRule, bounded: Bool,
        generations: Int, reference: LifeGrid
    ) throws -> [LifeVerification] {
        try kernels.map { kernel in
            let workload = try LifeWorkload(device: device, grid: start, rule: rule, bounded: bounded, kernel: kernel)
            try workload.advance(generations: generations)
            return LifeVerification(
                kernel: kernel, difference: workload.discrepancy(of: try workload.download(), from: reference))
        }
    }
}

/// Where a grid differs from the reference: how many cells, and the rectangle holding them,
/// which tells a wrong tile seam from a wrong rule at a glance.
public struct LifeDifference: Sendable, Equatable {
    public var count = 0
    public var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1

    public init(_ grid: LifeGrid, reference: LifeGrid) {
        let width = grid.width
        for (index, (a, b)) in zip(grid.cells, reference.cells).enumerated() where a != b {
            let (y, x) = index.quotientAndRemainder(dividingBy: width)
            count += 1
            minX = min(minX, x)
            maxX = max(maxX, x)
            minY = min(minY, y)
            maxY = max(maxY, y)
        }
    }

    /// ", in x 3...40, y 0...7" (empty when nothing differs).
    public var `where`: String { count == 0 ? "" : ", in x \(minX)...\(maxX), y \(minY)...\(maxY)" }
}
