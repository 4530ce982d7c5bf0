import ArgumentParser
import Engine
import FoundationEssentials
import Present
import Simulation

struct RunGrayScottCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gray-scott",
        abstract: "Run Gray-Scott reaction-diffusion on the GPU.",
        discussion: """
            Two chemicals on a torus: u is fed in, v feeds on it (u + 2v -> 3v), and each \
            diffuses at its own rate; from a few seeded spots, stripes and spots grow whose \
            shape the feed and kill rates choose (the defaults grow coral). Runs --steps steps \
            and prints the mean concentration of v. --output writes the final field as .npy \
            (float32, shape (H, W, 2): u and v), which --init starts from. A window, --png and \
            --frames show v from dark blue through cyan to white. Signals stop it as they stop \
            `run nbody`.
            """)

    @OptionGroup(title: "Gray-Scott") var model: GrayScottOptions
    @OptionGroup var start: GrayScottStartOptions

    @Option(
        name: .customLong("size"),
        help: ArgumentHelp(
            "Field size, 1 to 1048576 a side, as far as the device holds it (default: 256x256).", valueName: "WxH"))
    var givenSize: GridSize?

    @Option(parsing: .unconditional, help: "Number of steps.")
    var steps: Int = 5000

    @OptionGroup(title: "Kernel") var kernel: GrayScottKernelOptions

    @Option(help: ArgumentHelp("Write the final field to this .npy file.", valueName: "file.npy"))
    var output: String?

    @OptionGroup var checkpoints: CheckpointOptions

    @Option(
        help: ArgumentHelp(
            """
            Continue a run from a checkpoint; --steps is the total, counted from the original start. The \
            checkpoint's rates are used, so that on the device it was computed on the result equals an \
            uninterrupted run's bit for bit.
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
        try start.check(size: givenSize)
        if let output { try checkWritableOutput(output, option: "--output") }
        // A checkpoint brings its own field, size and rates; these would be ignored.
        let superseded = start.givenNames + (givenSize.map { _ in ["--size"] } ?? []) + model.givenNames
        if resume != nil && !superseded.isEmpty {
            throw ValidationError(
                "--resume continues the checkpoint's field with its rates; drop \(superseded.joined(separator: ", "))")
        }
    }

    func run() throws {
        try withEngine(deviceOptions) { log in
            let (shown, context) = try openView(view, deviceOptions, log: log)
            let origin =
                try resume.map { .checkpoint(try GrayScottCheckpoint.read(from: URL(fileURLWithPath: $0))) }
                ?? start.origin(size: givenSize ?? GridSize(width: 256, height: 256))
            let device = context.device.description
            let run = try GrayScottRun(
                from: origin, parameters: model.parameters, steps: steps, device: context.device,
                kernel: kernel.kernel(for: device), givenSource: "given",
                tuned: { tuning.store.tunedGrayScottKernel(for: device, width: $0, height: $1) },
                tuningSource: "tuned, from \(tuning.url.path)")
            for line in run.announcement { Console.note(line) }
            StopRequest.listen()
            let progress = StepProgress(total: steps, output: quiet ? nil : Console.progress)
            run.loop.shouldStop = { [stop = StopRequest.current] in stop.requested != nil }
            run.loop.progress = { progress.update(done: $0) }
            if let output {
                run.session.addOutput("--output") { final, _ in
                    try NPYFile.write(final, to: URL(fileURLWithPath: output))
                }
            }
            checkpoints.add(to: run.session) { try run.checkpoint(at: $0, $1).write(to: $2) }
            let camera = view.topDownCamera(gridWidth: run.start.width, gridHeight: run.start.height)
            let report = try shown.run(
                run.session, showing: .field(run.workload), camera: camera, steps: steps - run.firstStep)
            progress.finish()
            let final = try report.finalState ?? run.workload.download()
            let lines =
                report.summaryLines(final: final, stoppedBy: StopRequest.current.requested) + shown.summaryLines(report)
                + report.writtenLines(checkpoints.written(report, besides: output))
            for line in lines { Console.print(line) }
            try fail(
                shown.problems(
                    report, unit: "steps", advice: "lower --dt or the diffusion rates",
                    kept: checkpoints.kept(besides: output)))
        }
    }
}

struct VerifyGrayScottCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gray-scott",
        abstract: "Check Gray-Scott on the GPU against the float64 CPU reference.",
        discussion: """
            Runs --steps steps on the GPU and on the float64 CPU reference from the same seeded \
            field and prints the largest and the RMS difference of a concentration; then runs them \
            on the GPU again, which must give the same bits. Exits with 2 when the difference \
            exceeds --tolerance or the bits differ.
            """)

    @OptionGroup(title: "Gray-Scott") var model: GrayScottOptions
    @OptionGroup var start: GrayScottStartOptions

    @Option(
        name: .customLong("size"),
        help: ArgumentHelp(
            "Field size (default: 100x75, which leaves workgroups and strips part-filled).", valueName: "WxH"))
    var givenSize: GridSize?

    @Option(parsing: .unconditional, help: "Number of steps.")
    var steps: Int = 50

    @Option(parsing: .unconditional, help: "Largest acceptable difference of a concentration.")
    var tolerance: Double = 1e-4

    @OptionGroup(title: "Kernel") var kernel: GrayScottKernelOptions

    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        try start.check(size: givenSize)
        guard tolerance > 0, tolerance.isFinite else {
            throw ValidationError("--tolerance must be positive, got \(tolerance)")
        }
    }

    func run() throws {
        var passed = true
        try withEngine(deviceOptions) { log in
            let context = try makeContext(deviceOptions, log: log)
            let field = try start.origin(size: givenSize ?? GridSize(width: 100, height: 75))
                .field(on: context.device.description)
            let workload = try GrayScottWorkload(
                device: context.device, field: field, parameters: model.parameters,
                kernel: kernel.kernel(for: context.device.description))
            for line in GrayScottVerification.headerLines(workload: workload, steps: steps) { Console.print(line) }
            let reporter = ShareProgress(label: "CPU reference", output: Console.progress)
            let verification = try GrayScottVerification(
                workload, from: field, steps: steps, tolerance: tolerance, progress: reporter.update)
            reporter.finish()
            for line in verification.lines { Console.print(line) }
            passed = verification.passed
        }
        if !passed { throw ExitStatus.verificationFailed }
    }
}

struct BenchGrayScottCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gray-scott",
        abstract: "Measure Gray-Scott's cell updates/s with GPU timestamps.",
        discussion: """
            The kernel is checked against the CPU reference first (with each shape of --rows and \
            --columns); then, for each field size and shape, one warm-up and --repeats timed \
            runs. Reports the median and the spread (min, max) of cell updates/s and the least \
            memory traffic that implies. Ctrl-C (or SIGTERM) stops within a fraction of a second \
            and reports what was measured (--json: with "stoppedBy").
            """)

    @Option(
        name: .customLong("size"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Field sizes to measure; default: 512x512, 2048x2048 and 4096x4096, as far as the device holds them.",
            valueName: "WxH"))
    var sizes: [GridSize] = []

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            """
            Strip lengths to measure (several allowed, 1 to \(GrayScottKernel.rowRange.upperBound)): the rows \
            each invocation steps down. Default: at each size the tuned kernel's, else \
            \(GrayScottKernel.defaultRows).
            """,
            valueName: "R"))
    var rows: [Int] = []

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            """
            Widths of block to measure (several allowed, 1 to \(GrayScottKernel.columnRange.upperBound)): the \
            adjacent cells each invocation steps in a row, which read (C + 2) / C values a cell. Every shape of \
            --rows and --columns is measured. Default: at each size the tuned kernel's, else 8 on CPU drivers \
            and 1 on GPUs.
            """,
            valueName: "C"))
    var columns: [Int] = []

    @OptionGroup(title: "Gray-Scott") var model: GrayScottOptions
    @OptionGroup var measuring: BenchmarkOptions
    @OptionGroup(title: "Tuning") var tuning: TuneCacheOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        try checkKernelParts(rows: rows, columns: columns)
    }

    func run() throws {
        try withEngine(deviceOptions) { log in
            let context = try makeContext(deviceOptions, log: log)
            let device = context.device.description
            let json = measuring.json
            StopRequest.listen(stoppingAfter: "the current piece of a timed run; the results so far will be reported")
            var suite = GrayScottBenchmark(
                benchmark: measuring.makeBenchmark(), parameters: model.parameters, seed: measuring.seed)
            suite.kernels = GrayScottKernel.given(rows: rows, columns: columns, for: device)
            suite.tuned = { tuning.store.tunedGrayScottKernel(for: device, width: $0, height: $1) }
            suite.measure = { benchmark, workload, label in
                try benchmark.measure(workload, label: label, output: Console.progress)
            }
            suite.skipped = { Console.note("skipped: \($0)") }
            suite.measured = { if !json { Console.print($0.line) } }
            if !json { Console.print(GrayScottBenchmark.headerLine(device: device, parameters: model.parameters)) }
            let planned = sizes.isEmpty ? GrayScottBenchmark.defaultSizes : sizes.map { ($0.width, $0.height) }
            let results = try suite.run(sizes: planned, on: context.device)
            noteEarlyStop(
                measured: results.count, of: planned.count * (suite.kernels?.count ?? 1), what: "measurements")
            if json {
                try printJSON(
                    GrayScottBenchmarkReport(
                        device: device, parameters: model.parameters, results: results,
                        stoppedBy: StopRequest.current.requested))
            }
        }
    }
}

struct TuneGrayScottCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gray-scott",
        abstract: "Find the fastest verified Gray-Scott kernel shape for this device and field size, and remember it.",
        discussion: """
            Tries the device's default, then each width of block (1 to 16 cells a row) with the \
            default strips, then every power of two of rows up to the field's height with the \
            fastest block. Each is checked against the CPU reference, run again for the same bits, \
            and compared bit for bit with the first verified shape's field (a shape is a speed only, \
            so a checkpoint goes on bit for bit whichever runs it). The rates do not change the \
            work, so one tuning serves them all.
            """)

    @Option(help: ArgumentHelp("Field size to tune for.", valueName: "WxH"))
    var size: GridSize = GridSize(width: 2048, height: 2048)

    @OptionGroup var search: TuneOptions

    func run() throws {
        try search.search { context in
            let device = context.device.description
            try GrayScottWorkload.checkSize(width: size.width, height: size.height, on: device)
            Console.note(
                GrayScottTuningReport.startLine(
                    device: device, width: size.width, height: size.height, budget: search.budget))
            let (winner, rate, trials) = try search.cache.tuneGrayScottAndStore(
                on: context.device, width: size.width, height: size.height, budget: search.budget)
            try printReport(
                GrayScottTuningReport(
                    device: device, width: size.width, height: size.height, kernel: winner, rate: rate,
                    cache: search.cache.url.path, trials: trials, stoppedBy: StopRequest.current.requested),
                json: search.json)
        }
    }
}
