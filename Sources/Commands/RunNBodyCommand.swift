import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Present
import Simulation

/// `run`: one subcommand per workload, N-body the default.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run a simulation on the GPU: N-body gravity unless another workload (`run --help` lists them) is named.",
        discussion: """
            `CapitalEngine run --particles 4096` runs N-body; `CapitalEngine run life --size 512x512` \
            runs Life (`--workload life` is accepted too). `CapitalEngine run WORKLOAD --help` lists \
            a workload's options.
            """,
        subcommands: WorkloadCommands.run, defaultSubcommand: WorkloadCommands.run.first)
}

struct RunNBodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nbody",
        abstract: "Run N-body gravity on the GPU.",
        discussion: """
            Starts from a built-in model (--model, --seed, --particles) or a state file (--init), \
            runs --steps steps, shows progress on stderr and prints a summary with steps/s, \
            interactions/s and the energy drift. --output writes the final state as .npy \
            (float32, shape (N, 8): x y z m vx vy vz w); the file appears only when complete.

            SIGINT (Ctrl-C) or SIGTERM (docker stop) stops the run within a fraction of a second: \
            the state of the last whole step is written to --output, the summary says how many \
            steps ran, and the exit status is 0. A second signal aborts at once (exit 128 + the \
            signal's number). A run whose state stops being finite fails (exit 1), keeping the \
            last periodic checkpoint.
            """)

    @OptionGroup var initial: InitialStateOptions
    @OptionGroup var physics: PhysicsOptions

    @Option(parsing: .unconditional, help: "Number of steps.")
    var steps: Int = 1000

    @Option(help: ArgumentHelp("Write the final state to this .npy file.", valueName: "file.npy"))
    var output: String?

    @OptionGroup var checkpoints: CheckpointOptions

    @Option(
        help: ArgumentHelp(
            """
            Continue a run from a checkpoint; --steps is the total, counted from the original start. The \
            checkpoint's dt, softening and G are used, and on the device it was computed on its kernel too, so \
            the result equals an uninterrupted run's bit for bit.
            """,
            valueName: "file.npy"))
    var resume: String?

    @Option(
        help: ArgumentHelp(
            """
            Kernel shape to run, as for bench (e.g. 32,32,0q or 128,1,128p). Default: the one `tune` stored for \
            this device and N, else the device's; resuming, the checkpoint's, so that the run goes on bit for bit.
            """,
            valueName: "W,B,T"), transform: parseKernelShape)
    var kernel: NBodyKernel?

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup(title: "Viewing") var view: ViewOptions
    @OptionGroup(title: "Tuning") var tuning: TuneCacheOptions

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard steps >= 0 else { throw ValidationError("--steps must be zero or more, got \(steps)") }
        if let output { try checkWritableOutput(output, option: "--output") }
        if resume != nil && initial.initFile != nil {
            throw ValidationError("--resume and --init both give the starting state; use one")
        }
        if resume != nil && initial.givenSeed != nil {
            throw ValidationError("--resume continues the checkpoint's state; --seed would be ignored")
        }
        // A checkpoint brings its own state and physics; these would be ignored.
        let superseded = initial.givenNBodyNames + physics.givenNames
        if resume != nil && !superseded.isEmpty {
            throw ValidationError(
                """
                --resume continues with the checkpoint's particles and physics; drop \
                \(superseded.joined(separator: ", "))
                """
            )
        }
    }

    func run() throws {
        try withEngine(deviceOptions) { log in
            StopRequest.listen()
            let (shown, context) = try openView(view, deviceOptions, log: log, wideVectors: true)
            let device = context.device.description
            let origin: NBodyRun.Origin =
                try resume.map { .checkpoint(try NBodyStart(resuming: URL(fileURLWithPath: $0), totalSteps: steps)) }
                ?? initial.initFile.map { .file(URL(fileURLWithPath: $0)) }
                ?? .model(initial.model, particles: initial.particles, seed: initial.seed)
            let run = try NBodyRun(
                from: origin, parameters: physics.parameters, steps: steps, device: context.device,
                given: kernel, givenSource: "--kernel",
                tuned: { tuning.store.tunedConfiguration(for: device, particleCount: $0) },
                tuningSource: "tuned, from \(tuning.url.path)")
            let (start, workload, session) = (run.start, run.workload, run.session)
            for line in run.announcement(origin: initial.origin, resumedFrom: resume) {
                Console.note(line)
            }
            let progress = StepProgress(total: steps, output: quiet ? nil : Console.progress)
            run.loop.shouldStop = { [stop = StopRequest.current] in stop.requested != nil }
            run.loop.progress = { progress.update(done: $0) }
            if let output {
                session.addOutput("--output") { final, _ in try NPYFile.write(final, to: URL(fileURLWithPath: output)) }
            }
            checkpoints.add(to: session) { try run.checkpoint(at: $0, $1).write(to: $2) }
            let report = try shown.run(
                session, showing: .particles(workload, speedScale: speedScale(for: start.state)),
                camera: Camera(fitting: start.state), steps: steps - start.firstStep)
            progress.finish()
            let lines =
                report.summaryLines(start: start, workload: workload, stoppedBy: StopRequest.current.requested)
                + shown.summaryLines(report)
                + report.writtenLines(checkpoints.written(report, besides: output))
            for line in lines { Console.print(line) }
            try fail(
                shown.problems(
                    report, unit: "steps", advice: "reduce --dt or raise --softening",
                    kept: checkpoints.kept(besides: output)))
        }
    }
}
