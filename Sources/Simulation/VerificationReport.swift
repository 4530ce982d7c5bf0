import Engine

extension LifeVerification {
    /// `verify life`: the kernel given, else every kernel `setup`'s rule can use on the device
    /// (those the grid fits, where some do), run for `generations` generations and compared
    /// with the CPU, cell for cell. A random start uses every state of the rule, so Generations
    /// decay is checked too; it is made once the grid is known to fit.
    /// - Parameters:
    ///   - origin, density, seed: the start, as ``LifeRunSetup/startingGrid(origin:density:seed:randomStates:)``
    ///     takes them.
    ///   - say: hears the report's lines as they come (the CPU reference can take minutes).
    /// - Returns: whether every kernel matched the CPU.
    public static func verify(
        _ setup: LifeRunSetup, kernel given: LifeKernel?, origin: (x: Int, y: Int)?, density: Double,
        seed: UInt64, generations: Int, on device: Device, progress: ShareProgress? = nil, say: (String) -> Void
    ) throws -> Bool {
        let description = device.description
        say("device: \(description.heading())")
        var kernels = given.map { [$0] } ?? LifeKernel.candidates(for: setup.rule, on: description)
        if given == nil {
            // Denser kernels hold grids the byte-per-cell one cannot; check those that can.
            let fitting = kernels.filter {
                LifeWorkload.sizeProblem(
                    width: setup.width, height: setup.height, kernel: $0, rule: setup.rule, device: description) == nil
            }
            for kernel in kernels where !fitting.contains(kernel) && !fitting.isEmpty {
                say("\(kernel) kernel: skipped, the grid does not fit the device's storage buffers with it")
            }
            if !fitting.isEmpty { kernels = fitting }
        }
        for kernel in kernels { try setup.checkFits(kernel: kernel, on: description) }
        let start = setup.startingGrid(origin: origin, density: density, seed: seed, randomStates: true)
        let startDescription =
            setup.patternFile.map { "pattern \($0)" } ?? "random, density \(density), seed \(seed)"
        let occupied = start.cells.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        say("start: \(startDescription), \(occupied) cells not dead")
        let cpu = LifeReference.advance(
            start, rule: setup.rule, generations: generations, bounded: setup.bounded, progress: progress?.update)
        progress?.finish()
        let outcomes = try check(
            kernels: kernels, on: device, start: start, rule: setup.rule, bounded: setup.bounded,
            generations: generations, reference: cpu)
        for outcome in outcomes {
            say(
                """
                Life \(setup.rule) on \(start.width)x\(start.height), \(outcome.kernel) kernel, \(generations) \
                generations: \(outcome.difference.count) cells differ from the CPU reference
                """
                    + outcome.difference.where)
        }
        let passed = outcomes.allSatisfy(\.passed)
        say(passed ? "PASS (bit-exact)" : "FAIL")
        return passed
    }
}

extension NBodyVerification {
    /// What `verify nbody` prints of the check: the bodies sampled, the errors, the rerun and
    /// the verdict.
    public var lines: [String] {
        var lines: [String] = []
        if let rows = sampledBodies {
            lines.append(
                "checked: \(rows.count) bodies sampled from \(particleCount), their step computed on the CPU "
                    + "against all \(particleCount)")
        }
        lines.append(
            "position error: max \(scientific(comparison.maxPositionError)), rms "
                + scientific(comparison.rmsPositionError))
        lines.append(
            "velocity error: max \(scientific(comparison.maxVelocityError)), rms "
                + scientific(comparison.rmsVelocityError))
        let differing = valuesDifferingOnRerun
        if mustRepeatBits {
            lines.append(
                differing == 0
                    ? "repeat: the same bits"
                    : "repeat: \(differing) values differ from the first run's; this kernel must give the same bits")
        } else {
            lines.append(
                "repeat: \(differing == 0 ? "the same bits" : "\(differing) values differ in their last bits"), as "
                    + "float atomic sums may")
        }
        lines.append(
            passed
                ? "PASS (tolerance \(scientific(tolerance)))"
                : !withinTolerance
                    ? "FAIL: error \(scientific(comparison.worst)) exceeds tolerance \(scientific(tolerance))"
                    : "FAIL: a second run gave other bits")
        return lines
    }
}

extension NBodyVerification {
    /// What `verify nbody` says before the check, which can take minutes on the CPU.
    public static func headerLines(workload: NBodyWorkload, steps: Int) -> [String] {
        [
            "device: \(workload.device.description.heading())",
            "particles: \(workload.particleCount), steps: \(steps), kernel: \(workload.kernelDescription)",
        ]
    }
}
