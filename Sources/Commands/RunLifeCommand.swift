import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Present
import Simulation

struct RunLifeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "life",
        abstract: "Run Life-like and Generations cellular automata on the GPU.",
        discussion: """
            Starts from a pattern or grid (--init: .rle or .npy) or a random grid (--density, --seed), runs --steps \
            generations, and prints the population. --output writes the final grid as .rle or \
            .npy; --checkpoint saves it with its generation, rule and topology, which --resume goes on \
            from bit for bit, on any kernel or device. Signals stop it as they stop `run nbody`.
            """)

    @OptionGroup(title: "Life") var life: LifeOptions
    @OptionGroup var start: LifeStartOptions

    @Option(parsing: .unconditional, help: "Number of generations.")
    var steps: Int = 1000

    @Option(help: ArgumentHelp("Write the final grid to this .rle or .npy file.", valueName: "file"))
    var output: String?

    @OptionGroup var checkpoints: CheckpointOptions

    @Option(
        help: ArgumentHelp(
            """
            Continue a run from a checkpoint, with its grid, rule and topology; --steps is the total, counted from \
            the original start.
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
        if let output {
            guard ["rle", "npy"].contains(URL(fileURLWithPath: output).pathExtension.lowercased()) else {
                throw ValidationError("--output for Life must name a .rle or .npy file, got '\(output)'")
            }
            try checkWritableFile(output, option: "--output")
        }
        try life.validateStart(initFile: start.initFile)
        // A checkpoint brings its own grid, rule and topology; these would be ignored.
        let superseded = start.givenNames + life.givenNames
        if resume != nil && !superseded.isEmpty {
            throw ValidationError(
                "--resume continues the checkpoint's grid with its rule; drop \(superseded.joined(separator: ", "))")
        }
    }

    func run() throws {
        try withEngine(deviceOptions) { log in try runLife(log: log) }
    }

    /// Generations on the GPU, summary with the population.
    func runLife(log: ValidationLog?) throws {
        let saved = try resume.map { try LifeCheckpoint.read(from: URL(fileURLWithPath: $0)) }
        let setup = try saved.map(LifeRunSetup.init(resuming:)) ?? life.setup(initFile: start.initFile)
        let (shown, context) = try openView(view, deviceOptions, log: log)
        let device = context.device.description
        let lifeRun = try LifeRun(
            setup: setup, origin: life.origin, density: life.density, seed: start.seed, steps: steps,
            firstStep: saved?.step ?? 0, device: context.device, given: life.lifeKernel?.kernel,
            givenSource: "--life-kernel",
            tuned: life.lifeKernel == nil
                ? tuning.store.tunedLifeKernel(for: device, width: setup.width, height: setup.height, rule: setup.rule)
                : nil,
            tuningSource: "tuned, from \(tuning.url.path)")
        let (grid, workload, session) = (lifeRun.start, lifeRun.workload, lifeRun.session)
        for line in lifeRun.announcement() { Console.note(line) }
        StopRequest.listen()
        let progress = StepProgress(total: steps, output: quiet ? nil : Console.progress)
        lifeRun.loop.shouldStop = { [stop = StopRequest.current] in stop.requested != nil }
        lifeRun.loop.progress = { progress.update(done: $0) }
        if life.stopWhenStable { try lifeRun.stopWhenStable() }
        if let output {
            session.addOutput("--output") { final, generation in
                try lifeRun.write(
                    final, to: URL(fileURLWithPath: output), comment: "CapitalEngine, generation \(generation)")
            }
        }
        checkpoints.add(to: session) { try lifeRun.checkpoint(at: $0, $1).write(to: $2) }
        let camera = view.topDownCamera(gridWidth: grid.width, gridHeight: grid.height)
        let report = try shown.run(
            session, showing: .cells(workload), camera: camera, steps: steps - lifeRun.firstStep)
        progress.finish()
        let final = try report.finalState ?? workload.download()
        let lines =
            report.summaryLines(final: final, stoppedBy: StopRequest.current.requested) + shown.summaryLines(report)
            + report.writtenLines(checkpoints.written(report, besides: output, unit: "generation"))
        for line in lines { Console.print(line) }
        try fail(shown.problems(report, unit: "generations", advice: "", kept: checkpoints.kept(besides: output)))
    }
}
