import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Simulation

/// `verify`: one subcommand per workload, N-body the default.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            """
            Check the GPU against the CPU reference (verify nbody, the default, or verify life): a driver's first \
            correctness test.
            """,
        subcommands: WorkloadCommands.verify, defaultSubcommand: WorkloadCommands.verify.first)
}

struct VerifyLifeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "life",
        abstract: "Check the Life kernels against the CPU reference, cell for cell.",
        discussion: """
            Runs --steps generations with every kernel the rule can use (or --life-kernel) and \
            on the CPU, from a pattern or a random grid that uses every state of the rule, and \
            exits with 2 when any cell differs.
            """)

    @OptionGroup(title: "Life") var life: LifeOptions
    @OptionGroup var start: LifeStartOptions

    @Option(parsing: .unconditional, help: "Number of generations.")
    var steps: Int = 10

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        try life.validateStart(initFile: start.initFile)
        if life.stopWhenStable {
            throw ValidationError("--stop-when-stable applies to run; verify runs exactly --steps generations")
        }
    }

    func run() throws {
        var passed = true
        try withEngine(deviceOptions) { log in
            let setup = try life.setup(initFile: start.initFile)
            let rule = setup.rule
            let context = try makeContext(deviceOptions, log: log, for: .life)
            let device = context.device.description
            print("device: [\(device.index)] \(device.name) (\(device.driverText))")
            var kernels = life.lifeKernel.map({ [$0.kernel] }) ?? LifeKernel.candidates(for: rule, on: device)
            if life.lifeKernel == nil {
                // Denser kernels hold grids the byte-per-cell one cannot; check those that can.
                let fitting = kernels.filter {
                    LifeWorkload.sizeProblem(
                        width: setup.width, height: setup.height, kernel: $0, rule: rule, device: device) == nil
                }
                for kernel in kernels where !fitting.contains(kernel) && !fitting.isEmpty {
                    print("\(kernel) kernel: skipped, the grid does not fit the device's storage buffers with it")
                }
                if !fitting.isEmpty { kernels = fitting }
            }
            for kernel in kernels {
                try setup.checkFits(kernel: kernel, on: device)
            }
            // A random start uses every state of the rule, so Generations decay is checked too.
            let grid = life.startingGrid(setup, seed: start.seed, randomStates: true)
            let occupied = grid.cells.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
            print(
                """
                start: \
                \(start.initFile.map { "pattern \($0)" } ?? "random, density \(life.density), seed \(start.seed)"), \
                \(occupied) cells not dead
                """
            )
            let reporter = ShareProgress(label: "CPU reference")
            let cpu = LifeReference.advance(
                grid, rule: rule, generations: steps, bounded: setup.bounded, progress: reporter.update)
            reporter.finish()
            let outcomes = try LifeVerification.check(
                kernels: kernels, on: context.device, start: grid, rule: rule,
                bounded: setup.bounded, generations: steps, reference: cpu)
            for outcome in outcomes {
                print(
                    """
                    Life \(rule) on \(grid.width)x\(grid.height), \(outcome.kernel) kernel, \(steps) generations: \
                    \(outcome.difference.count) cells differ from the CPU reference
                    """
                        + outcome.difference.where)
            }
            passed = outcomes.allSatisfy(\.passed)
            print(passed ? "PASS (bit-exact)" : "FAIL")
        }
        if !passed { throw ExitStatus.verificationFailed }
    }
}

struct VerifyNBodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nbody",
        abstract: "Check N-body on the GPU against the float64 CPU reference.",
        discussion: """
            Runs --steps steps on the GPU and on the float64 CPU reference from the same state and \
            prints the maximum and RMS error of positions and velocities, relative to the RMS \
            magnitude of the reference. Then runs the same steps on the GPU again: every kernel \
            but one adding float atomics must give the same bits, or a race would go unseen inside \
            the tolerance. Exits with 2 when any error exceeds --tolerance or the bits differ.
            """)

    @OptionGroup var initial: InitialStateOptions
    @OptionGroup var physics: PhysicsOptions

    @Option(parsing: .unconditional, help: "Number of steps.")
    var steps: Int = 10

    @Option(parsing: .unconditional, help: "Largest acceptable relative error.")
    var tolerance: Double = 1e-4

    @Option(
        help: ArgumentHelp(
            "Kernel shape to check instead of the device's default, as for bench (e.g. 32,32,0q or 128,1,128p).",
            valueName: "W,B,T"), transform: parseKernelShape)
    var kernel: NBodyKernel?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            """
            With --steps 1: check K bodies chosen at random (by --seed) against a CPU reference of \
            just their step, which depends on the starting state alone; it costs K·N instead of N², \
            so systems of millions of bodies check in seconds.
            """, valueName: "K"))
    var sample: Int?

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard tolerance > 0, tolerance.isFinite else {
            throw ValidationError("--tolerance must be positive, got \(tolerance)")
        }
        if let sample {
            guard sample >= 1 else { throw ValidationError("--sample must be at least 1, got \(sample)") }
            // After the first step a body's state depends on every other body's.
            guard steps == 1 else {
                throw ValidationError("--sample checks one step exactly; give --steps 1 (got \(steps))")
            }
        }
    }

    func run() throws {
        var passed = true
        try withEngine(deviceOptions) { log in
            let context = try makeContext(deviceOptions, log: log, for: .nbody)
            if initial.initFile == nil {
                try NBodyCapacity.check(
                    particleCount: initial.particles, configuration: kernel, on: context.device.description)
            }
            let state = try initial.makeState(gravity: physics.gravity)
            let workload = try NBodyWorkload(
                device: context.device, state: state, parameters: physics.parameters,
                configuration: kernel)
            let device = context.device.description
            print("device: [\(device.index)] \(device.name) (\(device.driverText))")
            print("particles: \(state.count), steps: \(steps), kernel: \(workload.kernelDescription)")
            let reporter = ShareProgress(label: "CPU reference")
            let verification = try NBodyVerification(
                workload, from: state, steps: steps, tolerance: tolerance, sample: sample,
                seed: initial.seed, progress: reporter.update)
            reporter.finish()
            let comparison = verification.comparison
            if let rows = verification.sampledBodies {
                print(
                    """
                    checked: \(rows.count) bodies sampled from \(state.count), their step computed on the CPU \
                    against all \(state.count)
                    """
                )
            }
            print(
                """
                position error: max \(scientific(comparison.maxPositionError)), rms \
                \(scientific(comparison.rmsPositionError))
                """
            )
            print(
                """
                velocity error: max \(scientific(comparison.maxVelocityError)), rms \
                \(scientific(comparison.rmsVelocityError))
                """
            )
            let differing = verification.valuesDifferingOnRerun
            if verification.mustRepeatBits {
                print(
                    differing == 0
                        ? "repeat: the same bits"
                        : "repeat: \(differing) values differ from the first run's; this kernel must give the same bits"
                )
            } else {
                print(
                    """
                    repeat: \
                    \(differing == 0 ? "the same bits" : "\(differing) values differ in their last bits"), as \
                    float atomic sums may
                    """
                )
            }
            passed = verification.passed
            print(
                passed
                    ? "PASS (tolerance \(scientific(tolerance)))"
                    : !verification.withinTolerance
                        ? "FAIL: error \(scientific(comparison.worst)) exceeds tolerance \(scientific(tolerance))"
                        : "FAIL: a second run gave other bits")
        }
        if !passed { throw ExitStatus.verificationFailed }
    }
}
