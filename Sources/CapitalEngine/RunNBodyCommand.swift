import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Present
import Simulation
import Synchronization

/// `run`: one subcommand per workload, N-body the default.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run a simulation on the GPU: N-body gravity (run nbody, the default) or cellular automata (run life).",
        discussion: """
            `CapitalEngine run --particles 4096` runs N-body; `CapitalEngine run life --size 512x512` \
            runs Life (`--workload life` is accepted for it too). `CapitalEngine run nbody --help` \
            and `run life --help` list each one's options.
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

    @Option(
        help: ArgumentHelp(
            """
            Write a resumable checkpoint here (FILE.npy plus FILE.npy.json): every --checkpoint-every steps, at \
            the end, and when stopped by a signal.
            """,
            valueName: "file.npy"))
    var checkpoint: String?

    @Option(
        parsing: .unconditional,
        help: "With --checkpoint: steps between checkpoints (0: only at the end or on a signal).")
    var checkpointEvery: Int = 0

    @Option(
        help: ArgumentHelp(
            """
            Continue a run from a checkpoint; --steps is the total, counted from the original start. The \
            checkpoint's dt, softening and G are used, and on the device it was computed on its kernel too, so \
            the result equals an uninterrupted run's bit for bit.
            """,
            valueName: "file.npy"))
    var resume: String?

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup(title: "Viewing") var view: ViewOptions
    @OptionGroup(title: "Tuning") var tuning: TuneCacheOptions

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard steps >= 0 else { throw ValidationError("--steps must be zero or more, got \(steps)") }
        if let output { try checkWritableOutput(output, option: "--output") }
        if let checkpoint {
            // Both halves of a checkpoint, or the run ends with an orphan .npy.
            try checkWritableOutput(checkpoint, option: "--checkpoint")
            try checkWritableFile(
                Checkpoint.metadataURL(for: URL(fileURLWithPath: checkpoint)).path, option: "--checkpoint")
        }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be zero or more") }
        if checkpointEvery > 0 && checkpoint == nil {
            throw ValidationError("--checkpoint-every needs --checkpoint FILE.npy")
        }
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
            StopSignal.install()
            let progress = ProgressReporter(total: steps, enabled: !quiet)
            let window =
                try view.windowSystem().map {
                    try WindowSession(system: $0, view: view, deviceOptions: deviceOptions, log: log)
                }
            let drawing = view.png != nil || view.frames != nil
            let context = try window?.context ?? makeContext(deviceOptions, log: log, graphics: drawing, for: .nbody)
            let device = context.device.description
            let origin: NBodyRun.Origin =
                try resume.map { .checkpoint(try NBodyStart(resuming: URL(fileURLWithPath: $0), totalSteps: steps)) }
                ?? initial.initFile.map { .file(URL(fileURLWithPath: $0)) }
                ?? .model(initial.model, particles: initial.particles, seed: initial.seed)
            let run = try NBodyRun(
                from: origin, parameters: physics.parameters, steps: steps, device: context.device,
                tuned: { tuning.store.tunedConfiguration(for: device, particleCount: $0) },
                tuningSource: "tuned, from \(tuning.url.path)")
            let (start, workload, session) = (run.start, run.workload, run.session)
            if let resume { Console.note("resuming at step \(start.firstStep) of \(steps) from \(resume)") }
            let state = start.state
            let camera = Camera(fitting: state)
            let speed = speedScale(for: state)
            for note in run.choice.notes { Console.note(note) }
            announce(context, workload, state, kernelSource: run.choice.source)
            run.loop.shouldStop = { StopSignal.requested != nil }
            run.loop.progress = { progress.update(done: $0) }
            let size = view.imageSize
            let offscreen =
                drawing ? try OffscreenRenderer(device: context.device, width: size.width, height: size.height) : nil
            let sequence = try view.frames.map { try FrameSequence(directory: $0) }
            if let offscreen, let sequence {
                try session.addFrames(every: view.every, named: "--frames") {
                    try sequence.write(try offscreen.render(workload, camera: camera, speedScale: speed))
                }
            }
            let checkpointURL = checkpoint.map { URL(fileURLWithPath: $0) }
            if let checkpointURL, checkpointEvery > 0 {
                session.addCheckpoints(every: checkpointEvery, named: "--checkpoint") {
                    try run.checkpoint(at: $0, $1).write(to: checkpointURL)
                }
            }
            if let offscreen, let png = view.png {
                session.addOutput("--png") { _, _ in
                    try offscreen.render(workload, camera: camera, speedScale: speed).write(
                        to: URL(fileURLWithPath: png))
                }
            }
            if let output {
                session.addOutput("--output") { final, _ in try NPYFile.write(final, to: URL(fileURLWithPath: output)) }
            }
            if let checkpointURL {
                session.addOutput("--checkpoint") { try run.checkpoint(at: $1, $0).write(to: checkpointURL) }
            }

            var windowOutcome: WindowPresenter.Outcome?
            let report = try session.run(
                pacedBy: window.map {
                    windowPace(
                        $0, .particles(workload, speedScale: speed), steps: steps - start.firstStep,
                        stepsPerFrame: view.stepsPerFrame, camera: camera
                    ) { windowOutcome = $0 }
                })
            progress.finish()
            let summary = report.summary
            let done = summary.stepsReached

            if let signal = StopSignal.requested, done < steps {
                print("stopped: \(StopSignal.name(signal)) after \(done) of \(steps) steps")
            }
            print("steps: \(done)\(start.firstStep > 0 ? " (\(summary.stepsRun) in this run)" : "")")
            print("particles: \(state.count)")
            print("wall time: \(fixed(summary.wallSeconds, 3)) s")
            if summary.stepsRun > 0 {
                let seconds = summary.ratedSeconds
                let clock = summary.gpuSeconds != nil ? " (GPU time)" : ""
                print("steps/s: \(fixed(Double(summary.stepsRun) / seconds, 1))\(clock)")
                print(
                    "interactions/s: \(scientific(workload.interactionsPerStep * Double(summary.stepsRun) / seconds))")
            }
            if let final = report.finalState, state.count <= 16384 {
                let before = NBodyDiagnostics(state, parameters: start.parameters).totalEnergy
                let after = NBodyDiagnostics(final, parameters: start.parameters).totalEnergy
                let drift = before != 0 ? (after - before) / abs(before) : 0
                print(
                    "energy: \(scientific(before, digits: 6)) -> \(scientific(after, digits: 6)) "
                        + "(relative drift \(scientific(drift)))")
            }
            if let windowOutcome {
                print(
                    "window: \(windowOutcome.framesPresented) frames presented, "
                        + "\(windowOutcome.swapchainsCreated) swapchain(s)")
            } else if let sequence {
                print("frames: \(sequence.count) PNG files in \(sequence.directory.path)")
            }
            if let output, report.wrote("--output") { print("output: \(output)") }
            if let png = view.png, report.wrote("--png") { print("png: \(png)") }
            if let checkpoint, report.wrote("--checkpoint") { print("checkpoint: \(checkpoint) (step \(done))") }
            try reportEnding(report, unit: "steps", advice: "reduce --dt or raise --softening")
            if windowOutcome?.connectionLost == true {
                let kept = [output.map { _ in "--output" }, checkpoint.map { _ in "--checkpoint" }].compactMap { $0 }
                try reportLostDisplay(window?.system, done: done, of: steps, unit: "steps", kept: kept)
            }
        }
    }

    private func announce(
        _ context: ComputeContext, _ workload: NBodyWorkload, _ state: ParticleState, kernelSource: String
    ) {
        let device = context.device.description
        Console.note("device: [\(device.index)] \(device.name) (\(device.type), \(device.driverText))")
        Console.note(
            """
            simulating \(state.count) particles (\(initial.origin)), \(steps) steps, dt \
            \(workload.parameters.dt); kernel: \(workload.kernelDescription) (\(kernelSource))
            """
        )
        if !workload.isBitReproducible {
            // Only a tuned shape gets here, on a device without 64-bit integer atomics or with
            // zero softening; every default kernel adds in a fixed order.
            Console.note(
                """
                note: this tuned kernel adds forces as float atomics, in an order that varies, so reruns (and a \
                resumed run against an uninterrupted one) agree to rounding, not bit for bit; --no-tune-cache \
                runs the default kernel, which is bit-reproducible
                """
            )
        }
    }
}

/// Fails the run, after its summary, where it did not end as asked: its state broke, an
/// output along the way or at the end could not be written. The outputs that could be
/// written were.
func reportEnding<W: Workload>(_ report: RunReport<W>, unit: String, advice: String) throws {
    let summary = report.summary
    var failed = false
    switch summary.ending {
    case .broken(let step, let lastSound, let problem):
        let kept = report.lastCheckpoint.map { "; the checkpoint of step \($0) is kept" } ?? ""
        Console.error(
            "the state became non-finite between \(unit) \(lastSound) and \(step): \(problem); \(advice). "
                + "No state was written at the end, as it could never be resumed\(kept)")
        failed = true
    case .failed(let error):
        Console.error("\(error); the run stopped after \(summary.stepsReached) of \(summary.totalSteps) \(unit)")
        failed = true
    case .completed, .stopRequested, .settled:
        break
    }
    for failure in report.failures {
        Console.error("\(failure.name): \(failure.error); not written")
        failed = true
    }
    if failed { throw ExitStatus.failure }
}

/// The X server or Wayland compositor went away under a window run: its results are written by
/// now (Xlib would have ended the process before they were), and the run fails, as it did not
/// finish as asked.
func reportLostDisplay(_ system: WindowSystem?, done: Int, of steps: Int, unit: String, kept: [String]) throws {
    Console.error(
        "the connection to the \(system == .wayland ? "Wayland compositor" : "X display") was lost after "
            + "\(done) of \(steps) \(unit)"
            + (kept.isEmpty ? "" : "; the state reached is in \(kept.joined(separator: " and "))"))
    throw ExitStatus.failure
}

/// "LABEL: 37%, ETA 25 s" on stderr for work that reports its share done from any thread
/// (the CPU reference of a large system takes minutes). Quiet for the first second, so short
/// work prints nothing; then as often as `ProgressReporter`.
final class ShareProgress: Sendable {
    private struct State {
        var lastReport: Date
        var printed = false
    }

    private let label: String
    private let started = Date()
    private let terminal = Console.standardErrorIsTerminal
    private let state: Mutex<State>

    init(label: String) {
        self.label = label
        state = Mutex(State(lastReport: started))
    }

    func update(_ share: Double) {
        let now = Date()
        let elapsed = now.timeIntervalSince(started)
        guard elapsed >= 1, share > 0 else { return }
        let line = "\(label): \(Int(100 * share))%, ETA \(fixed(elapsed / share - elapsed, 0)) s"
        state.withLock { state in
            guard now.timeIntervalSince(state.lastReport) >= Console.progressInterval(terminal: terminal) else {
                return
            }
            state.lastReport = now
            state.printed = true
            Console.progress(line, terminal: terminal)
        }
    }

    func finish() {
        if terminal && state.withLock({ $0.printed }) { writeToStandardError("\r\u{1B}[K") }
    }
}

/// Progress of a long run on stderr: one rewritten line on a terminal, a line every few
/// seconds otherwise (logs of containers and CI).
final class ProgressReporter {
    private var total: Int
    private let enabled: Bool
    private let started = Date()
    private var lastReport = Date()
    private var printed = false
    private let terminal = Console.standardErrorIsTerminal

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    /// `done` of a total known only once the work has started.
    func update(done: Int, of total: Int) {
        self.total = total
        update(done: done)
    }

    func update(done: Int) {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard
            now.timeIntervalSince(lastReport) >= Console.progressInterval(terminal: terminal)
                || (printed && done == total && terminal)
        else { return }
        lastReport = now
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-9)
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let line =
            """
            step \(done)/\(total) (\(Int(100 * Double(done) / Double(total)))%), \(fixed(rate, 1)) steps/s, ETA \
            \(fixed(remaining, 0)) s
            """
        Console.progress(line, terminal: terminal)
        printed = true
    }

    func finish() {
        if enabled && terminal && printed { writeToStandardError("\n") }
    }
}
