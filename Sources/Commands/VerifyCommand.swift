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
            Check the GPU against the CPU reference, N-body unless another workload (`verify --help` lists \
            them) is named: a driver's first correctness test.
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
            let context = try makeContext(deviceOptions, log: log)
            passed = try LifeVerification.verify(
                setup, kernel: life.lifeKernel?.kernel, origin: life.origin,
                density: life.density, seed: start.seed, generations: steps, on: context.device,
                progress: ShareProgress(label: "CPU reference", output: Console.progress)
            ) { Console.print($0) }
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
            let context = try makeContext(deviceOptions, log: log, wideVectors: true)
            if initial.initFile == nil {
                try NBodyCapacity.check(
                    particleCount: initial.particles, configuration: kernel, on: context.device.description)
            }
            let state = try initial.makeState(gravity: physics.gravity)
            let workload = try NBodyWorkload(
                device: context.device, state: state, parameters: physics.parameters,
                configuration: kernel)
            for line in NBodyVerification.headerLines(workload: workload, steps: steps) { Console.print(line) }
            let reporter = ShareProgress(label: "CPU reference", output: Console.progress)
            let verification = try NBodyVerification(
                workload, from: state, steps: steps, tolerance: tolerance, sample: sample,
                seed: initial.seed, progress: reporter.update)
            reporter.finish()
            for line in verification.lines { Console.print(line) }
            passed = verification.passed
        }
        if !passed { throw ExitStatus.verificationFailed }
    }
}
