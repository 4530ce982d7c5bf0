import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Synchronization
import Present

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a simulation on the GPU: N-body gravity, or cellular automata with --workload life.",
        discussion: """
            Starts from a built-in model (--model, --seed, --particles) or a state file (--init), \
            runs --steps steps, shows progress on stderr and prints a summary with steps/s, \
            interactions/s and the energy drift. --output writes the final state as .npy \
            (float32, shape (N, 8): x y z m vx vy vz w); the file appears only when complete.

            SIGINT (Ctrl-C) or SIGTERM (docker stop) stops the run at the next step boundary, \
            within a fraction of a second: the state reached is written to --output, the summary \
            says how many steps ran, and the exit status is 0. A second signal aborts at once.
            """)

    @Option(help: "The simulation: nbody (default) or life (cellular automata).")
    var workload: WorkloadChoice = .nbody

    @OptionGroup(title: "Life workload") var life: LifeOptions

    @OptionGroup var initial: InitialStateOptions
    @OptionGroup var physics: PhysicsOptions

    @Option(parsing: .unconditional, help: "Number of steps.")
    var steps: Int = 1000

    @Option(help: ArgumentHelp("Write the final state to this .npy file.", valueName: "file.npy"))
    var output: String?

    @Option(help: ArgumentHelp("Write a resumable checkpoint here (FILE.npy plus FILE.npy.json): every --checkpoint-every steps, at the end, and when stopped by a signal.", valueName: "file.npy"))
    var checkpoint: String?

    @Option(parsing: .unconditional, help: "With --checkpoint: steps between checkpoints (0: only at the end or on a signal).")
    var checkpointEvery: Int = 0

    @Option(help: ArgumentHelp("Continue a run from a checkpoint; --steps is the total, counted from the original start. The checkpoint's dt, softening and G are used, and on the device it was computed on its kernel too, so the result equals an uninterrupted run's bit for bit.", valueName: "file.npy"))
    var resume: String?

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup(title: "Viewing") var view: ViewOptions
    @OptionGroup(title: "Tuning") var tuning: TuneCacheOptions

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard steps >= 0 else { throw ValidationError("--steps must be zero or more, got \(steps)") }
        if let output {
            if workload == .life {
                guard ["rle", "npy"].contains(URL(fileURLWithPath: output).pathExtension.lowercased()) else {
                    throw ValidationError("--output for Life must name a .rle or .npy file, got '\(output)'")
                }
                try checkWritableFile(output, option: "--output")
            } else {
                try checkWritableOutput(output, option: "--output")
            }
        }
        if let checkpoint {
            // Both halves of a checkpoint, or the run ends with an orphan .npy.
            try checkWritableOutput(checkpoint, option: "--checkpoint")
            try checkWritableFile(Checkpoint.metadataURL(for: URL(fileURLWithPath: checkpoint)).path, option: "--checkpoint")
        }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be zero or more") }
        if checkpointEvery > 0 && checkpoint == nil { throw ValidationError("--checkpoint-every needs --checkpoint FILE.npy") }
        if resume != nil && initial.initFile != nil { throw ValidationError("--resume and --init both give the starting state; use one") }
        if resume != nil && initial.givenSeed != nil { throw ValidationError("--resume continues the checkpoint's state; --seed would be ignored") }
        if workload == .life { try life.validateStart(initFile: initial.initFile) }
        let nbodyOnly = initial.givenNBodyNames + physics.givenNames
        if workload == .life {
            let checkpoints = [checkpoint.map { _ in "--checkpoint" }, checkpointEvery != 0 ? "--checkpoint-every" : nil,
                               resume.map { _ in "--resume" }].compactMap { $0 }
            try workload.refuse(nbodyOnly + checkpoints)
        } else {
            try workload.refuse(life.givenNames)
        }
        // A checkpoint brings its own state and physics; these would be ignored.
        if resume != nil && !nbodyOnly.isEmpty {
            throw ValidationError("--resume continues with the checkpoint's particles and physics; drop \(nbodyOnly.joined(separator: ", "))")
        }
    }

    func run() throws {
        if workload == .life {
            try withEngine(deviceOptions) { log in try runLife(log: log) }
            return
        }
        try withEngine(deviceOptions) { log in
            var parameters = physics.parameters
            var firstStep = 0
            let state: ParticleState
            var origin: Checkpoint.ComputedBy?
            if let resume {
                let saved = try Checkpoint.read(from: URL(fileURLWithPath: resume))
                state = saved.state
                parameters = saved.parameters
                firstStep = saved.step
                origin = saved.computedBy
                guard firstStep <= steps else {
                    throw EngineError.invalidInput("the checkpoint is at step \(firstStep), beyond --steps \(steps) (--steps counts from the original start)")
                }
                Console.note("resuming at step \(firstStep) of \(steps) from \(resume)")
            } else {
                state = try initial.makeState(gravity: physics.gravity)
            }
            let checkpointURL = checkpoint.map { URL(fileURLWithPath: $0) }
            let camera = Camera(fitting: state)
            let speed = speedScale(for: state)
            StopSignal.install()
            let progress = ProgressReporter(total: steps, enabled: !quiet)
            let started = Date()
            var done = firstStep
            var gpuSeconds = 0.0
            let final: ParticleState
            let workload: NBodyWorkload
            let context: ComputeContext
            var windowSummary: String?
            var displayLost = false

            if view.wantsWindow() {
                let window = try WindowSession(view: view, deviceOptions: deviceOptions, log: log)
                context = window.context
                let (shape, source) = kernel(for: context.device.description, particleCount: state.count, resuming: origin)
                workload = try NBodyWorkload(device: context.device, state: state, parameters: parameters, configuration: shape)
                announce(context, workload, state, kernelSource: source)
                // Periodic checkpoints as in a headless run; a frame's steps may cross a multiple
                // of --checkpoint-every, so the checkpoint holds the step it was taken at.
                var lastCheckpoint = firstStep
                let outcome = try window.present(.particles(workload, speedScale: speed), steps: steps - firstStep,
                                                 stepsPerFrame: view.stepsPerFrame, camera: camera,
                                                 progress: { progress.update(done: firstStep + $0) }, advanced: { ran in
                    let reached = firstStep + ran
                    guard let checkpointURL, checkpointEvery > 0, reached < steps,
                          reached / checkpointEvery > lastCheckpoint / checkpointEvery else { return }
                    try Checkpoint(step: reached, parameters: parameters, state: try workload.download(),
                                   computedBy: computedBy(context, workload)).write(to: checkpointURL)
                    lastCheckpoint = reached
                })
                done = firstStep + outcome.stepsDone
                windowSummary = "window: \(outcome.framesPresented) frames presented, \(outcome.swapchainsCreated) swapchain(s)"
                displayLost = outcome.connectionLost
            } else {
                let drawing = view.png != nil || view.frames != nil
                context = try makeContext(deviceOptions, log: log, graphics: drawing, for: .nbody)
                let (shape, source) = kernel(for: context.device.description, particleCount: state.count, resuming: origin)
                workload = try NBodyWorkload(device: context.device, state: state, parameters: parameters, configuration: shape)
                announce(context, workload, state, kernelSource: source)
                let size = view.imageSize
                let offscreen = drawing ? try OffscreenRenderer(device: context.device, width: size.width, height: size.height) : nil
                var sequence = try view.frames.map { try FrameSequence(directory: $0) }
                if let offscreen, sequence != nil {
                    try sequence!.write(try offscreen.render(workload, camera: camera, speedScale: speed))
                }
                var batch = 1
                while done < steps && StopSignal.requested == nil {
                    var count = min(batch, steps - done)
                    // Batches end on frame boundaries so every K-th step is drawn.
                    if sequence != nil { count = min(count, view.every - done % view.every) }
                    if checkpointEvery > 0 { count = min(count, checkpointEvery - done % checkpointEvery) }
                    let batchStart = Date()
                    gpuSeconds += try workload.advance(steps: count) ?? 0
                    done += count
                    progress.update(done: done)
                    if let offscreen, sequence != nil, done % view.every == 0 {
                        try sequence!.write(try offscreen.render(workload, camera: camera, speedScale: speed))
                    }
                    if let checkpointURL, checkpointEvery > 0, done % checkpointEvery == 0, done < steps {
                        try Checkpoint(step: done, parameters: parameters, state: try workload.download(),
                                       computedBy: computedBy(context, workload)).write(to: checkpointURL)
                    }
                    batch = nextBatchSize(lastBatch: count, took: Date().timeIntervalSince(batchStart), limit: 10_000)
                }
                if let offscreen, let png = view.png {
                    try offscreen.render(workload, camera: camera, speedScale: speed).write(to: URL(fileURLWithPath: png))
                }
                if let sequence { windowSummary = "frames: \(sequence.next) PNG files in \(sequence.directory.path)" }
            }
            progress.finish()
            let wall = Date().timeIntervalSince(started)
            final = try workload.download()

            if let output {
                try NPYFile.write(final, to: URL(fileURLWithPath: output))
            }
            if let checkpointURL {
                try Checkpoint(step: done, parameters: parameters, state: final, computedBy: computedBy(context, workload))
                    .write(to: checkpointURL)
            }

            let seconds = gpuSeconds > 0 ? gpuSeconds : wall
            if let signal = StopSignal.requested, done < steps {
                print("stopped: \(StopSignal.name(signal)) after \(done) of \(steps) steps")
            }
            print("steps: \(done)\(firstStep > 0 ? " (\(done - firstStep) in this run)" : "")")
            print("particles: \(state.count)")
            print("wall time: \(fixed(wall, 3)) s")
            let ran = done - firstStep
            if ran > 0 {
                print("steps/s: \(fixed(Double(ran) / seconds, 1))\(gpuSeconds > 0 ? " (GPU time)" : "")")
                print("interactions/s: \(scientific(workload.interactionsPerStep * Double(ran) / seconds))")
            }
            if state.count <= 16384 {
                let before = NBodyDiagnostics(state, parameters: parameters)
                let after = NBodyDiagnostics(final, parameters: parameters)
                let drift = before.totalEnergy != 0 ? (after.totalEnergy - before.totalEnergy) / abs(before.totalEnergy) : 0
                print("energy: \(scientific(before.totalEnergy, digits: 6)) -> \(scientific(after.totalEnergy, digits: 6)) (relative drift \(scientific(drift)))")
            }
            if let bad = final.firstNonFiniteValue {
                Console.note("warning: the state became non-finite (particle \(bad.particle), \(bad.field)); reduce --dt or raise --softening")
            }
            if let windowSummary { print(windowSummary) }
            if let output { print("output: \(output)") }
            if let png = view.png { print("png: \(png)") }
            if let checkpoint { print("checkpoint: \(checkpoint) (step \(done))") }
            if displayLost { try reportLostDisplay(done: done, of: steps, unit: "steps") }
        }
    }

    /// The X server went away under a window run: its results are written by now (Xlib would
    /// have ended the process before they were), and the run fails, as it did not finish as asked.
    func reportLostDisplay(done: Int, of steps: Int, unit: String) throws {
        let kept = [output.map { _ in "--output" }, checkpoint.map { _ in "--checkpoint" }].compactMap { $0 }
        Console.error("the connection to the X display was lost after \(done) of \(steps) \(unit)"
            + (kept.isEmpty ? "" : "; the state reached is in \(kept.joined(separator: " and "))"))
        throw ExitStatus.failure
    }

    /// The kernel for this run, and where it comes from (for the start line): resuming on the
    /// device, driver and shaders the checkpoint was computed with, the kernel the run started
    /// with, so that it goes on bit for bit whatever the tuning cache says now; otherwise the
    /// tuned one, or nil for the default.
    private func kernel(for device: PhysicalDeviceDescription, particleCount: Int,
                        resuming origin: Checkpoint.ComputedBy?) -> (NBodyKernelConfiguration?, source: String) {
        let tuned = tuning.tunedConfiguration(for: device, particleCount: particleCount)
        let usual = (tuned, tuned == nil ? "the device's default" : "tuned, from \(tuning.url.path)")
        guard let origin else { return usual }
        guard origin.ranOn(device) else {
            Console.note("note: the checkpoint was computed on \(origin.device) (driver \(origin.driverVersion)) or with other shaders; "
                + "resumed here, the run agrees with an uninterrupted one to rounding, not bit for bit")
            return usual
        }
        let chosen = tuned ?? .recommended(for: device, particleCount: particleCount)
        guard origin.kernel != chosen else { return usual }
        let problems = origin.kernel.problems(on: device, particleCount: particleCount)
        guard problems.isEmpty else {
            Console.note("warning: the kernel the run started with (\(origin.kernel)) cannot run here: \(problems.joined(separator: "; ")); "
                + "resumed with another, the run agrees with an uninterrupted one to rounding, not bit for bit")
            return usual
        }
        Console.note("resuming with the kernel the run started with, not \(tuned == nil ? "the default" : "the tuned one") (\(chosen)), so that it goes on bit for bit")
        return (origin.kernel, "the checkpoint's")
    }

    private func computedBy(_ context: ComputeContext, _ workload: NBodyWorkload) -> Checkpoint.ComputedBy {
        Checkpoint.ComputedBy(device: context.device.description, kernel: workload.configuration, bitReproducible: workload.isBitReproducible)
    }

    private func announce(_ context: ComputeContext, _ workload: NBodyWorkload, _ state: ParticleState, kernelSource: String) {
        let device = context.device.description
        Console.note("device: [\(device.index)] \(device.name) (\(device.type), \(device.driverText))")
        Console.note("simulating \(state.count) particles (\(initial.origin)), \(steps) steps, dt \(workload.parameters.dt); kernel: \(workload.kernelDescription) (\(kernelSource))")
        if !workload.isBitReproducible {
            // Only a tuned shape gets here, on a device without 64-bit integer atomics or with
            // zero softening; every default kernel adds in a fixed order.
            Console.note("note: this tuned kernel adds forces as float atomics, in an order that varies, so reruns (and a resumed run against an uninterrupted one) agree to rounding, not bit for bit; --no-tune-cache runs the default kernel, which is bit-reproducible")
        }
    }
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
            guard now.timeIntervalSince(state.lastReport) >= Console.progressInterval(terminal: terminal) else { return }
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
    private let total: Int
    private let enabled: Bool
    private let started = Date()
    private var lastReport = Date()
    private var printed = false
    private let terminal = Console.standardErrorIsTerminal

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func update(done: Int) {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(lastReport) >= Console.progressInterval(terminal: terminal) || (printed && done == total && terminal) else { return }
        lastReport = now
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-9)
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let line = "step \(done)/\(total) (\(Int(100 * Double(done) / Double(total)))%), \(fixed(rate, 1)) steps/s, ETA \(fixed(remaining, 0)) s"
        Console.progress(line, terminal: terminal)
        printed = true
    }

    func finish() {
        if enabled && terminal && printed { writeToStandardError("\n") }
    }
}
