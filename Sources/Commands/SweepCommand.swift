import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Present
import Simulation

/// `sweep`: many runs of one workload, as a scheduler's array of tasks.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a sweep of simulations as tasks of a scheduler's job array (Slurm, Kubernetes, Swarm).",
        discussion: """
            A sweep file (JSON) names a workload and the values its parameters take:

              {"workload": "nbody", "axes": {"particles": [1024, 4096], "seed": {"from": 1, "to": 10}},
               "fixed": {"steps": 200}, "extra": [{"particles": 512, "seed": 99}]}

            The tasks are the product of the axes (in the order of their names, the last varying \
            fastest), then the extra points, numbered from 0. `sweep plan FILE` lists them; \
            `sweep run FILE --results DIR` runs one, chosen by --index or by \
            CAPITALENGINE_TASK_INDEX, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; \
            `sweep status DIR` counts what is done; `sweep report DIR` tables and plots it.

            The parameters of each workload, as `run` spells its options (camel-cased):
            """ + "\n\n" + SweepWorkload.parameterList,
        subcommands: [SweepPlanCommand.self, SweepRunCommand.self, SweepStatusCommand.self, SweepReportCommand.self])
}

struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "List a sweep's numbered tasks and the array range to give a scheduler.")

    @Argument(help: ArgumentHelp("The sweep file.", valueName: "sweep.json"))
    var file: String

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws { _ = try readPlan(file) }

    func run() throws {
        try printReport(SweepPlanReport(try readPlan(file)), json: json)
    }
}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one task of a sweep (or, with --claim, task after task) into the results folder.",
        discussion: """
            The task's folder, DIR/<task id>, gets its parameters, its final state (state.npy, \
            final.rle or field.npy) and summary.json (device, driver, kernel, timings, status). A \
            completed task is not run again. A task saves checkpoints as it goes (every \
            checkpointEvery steps); killed (preempted, scancel, evicted), it goes on from the last \
            one when run again, bit for bit. SIGTERM or Ctrl-C stops it at once with a checkpoint, \
            and the exit status is 1, as for a task that fails.

            With --claim, for engines that give no index (Swarm, docker compose --scale), the \
            worker takes the next task no one holds through a claim file in DIR (atomic on NFS \
            too), runs it, and goes on until none is left. A claim its worker stops renewing is \
            given back after --lease seconds. Tasks that failed are left for `sweep status` to \
            report, not run again.
            """)

    @Argument(help: ArgumentHelp("The sweep file.", valueName: "sweep.json"))
    var file: String

    @Option(help: ArgumentHelp("The results folder, shared by all the sweep's tasks.", valueName: "DIR"))
    var results: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            """
            The task to run; default: CAPITALENGINE_TASK_INDEX, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, \
            the first set.
            """,
            valueName: "N"))
    var index: Int?

    @Flag(help: "Take tasks through claim files in the results folder until none is left, instead of one by index.")
    var claim = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("With --claim: seconds after which a claim not renewed is given back.", valueName: "s"))
    var lease: Double = 300

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup(title: "Tuning (Life and Gray-Scott tasks)") var tuning: TuneCacheOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        if claim && index != nil { throw ValidationError("--claim takes tasks as they come; drop --index") }
        guard lease >= 1 && lease.isFinite else { throw ValidationError("--lease must be at least 1 second") }
        let plan = try readPlan(file)
        if !claim { _ = try withCleanErrors { try plan.task(index: index, environment: Console.environment) } }
    }

    func run() throws {
        let plan = try readPlan(file)
        let environment = Console.environment
        let single = try claim ? nil : withCleanErrors { try plan.task(index: index, environment: environment) }
        try withEngine(deviceOptions) { log in
            let folder = try SweepResults(folder: URL(fileURLWithPath: results), plan: plan)
            // Pictures need a device that draws: asked for only where a task wants one.
            let pictures = plan.tasks.contains(where: \.wantsPicture)
            let context = try makeContext(
                deviceOptions, log: log, graphics: pictures, wideVectors: plan.workload == .nbody)
            StopRequest.listen()
            var runner = SweepTaskRunner(results: folder, device: context.device)
            runner.shouldStop = { [stop = StopRequest.current] in stop.requested != nil }
            runner.note = { Console.note($0) }
            runner.tuning = tuning.store
            if pictures {
                // The size `run --png` draws at.
                let renderer = try OffscreenRenderer(device: context.device, width: 1024, height: 768)
                runner.picture = { try renderer.render(picture: $0).encoded() }
            }
            // Slurm names the node; sweep.sbatch passes it on, into containers too.
            if let node = environment["CAPITALENGINE_NODE"] ?? environment["SLURMD_NODENAME"], !node.isEmpty {
                runner.node = node
            }
            if let single {
                guard try runTask(single, runner: runner, folder: folder) else { throw ExitStatus.failure }
                return
            }
            let claims = SweepClaims(results: folder, owner: "\(runner.node)/\(getpid())", lease: lease)
            let (ran, failed) = try claims.work(
                with: runner, shouldStop: { [stop = StopRequest.current] in stop.requested != nil }
            ) {
                try runTask($0, runner: $1, folder: folder)
            }
            Console.print(
                SweepClaims.workerLine(ran: ran, failed: failed, stopped: StopRequest.current.requested != nil))
            if failed > 0 || StopRequest.current.requested != nil { throw ExitStatus.failure }
        }
    }

    /// Runs `task` and prints how it ended. - Returns: whether it completed (or had before).
    private func runTask(_ task: SweepTask, runner: SweepTaskRunner, folder: SweepResults) throws -> Bool {
        var runner = runner
        let progress = StepProgress(total: 0, output: quiet ? nil : Console.progress)
        let renew = runner.renew
        runner.progress = { reached, total in
            progress.update(done: reached, of: total)
            renew()
        }
        Console.note(task.startLine(of: folder.plan.tasks.count))
        let outcome = try runner.run(task)
        progress.finish()
        let (lines, error) = outcome.report(of: task, in: folder, stoppedBy: StopRequest.current.requested)
        for line in lines { Console.print(line) }
        if let error { Console.error(error) }
        return outcome.completed
    }
}

struct SweepStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Count a sweep's done, running, failed and pending tasks.")

    @Argument(help: ArgumentHelp("The results folder.", valueName: "DIR"))
    var results: String

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws { _ = try readResults(results) }

    func run() throws {
        try printReport(SweepStatusReport(try readResults(results)), json: json)
    }
}

struct SweepReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Table a sweep's results (CSV and JSON, a row per task) and plot a metric against an axis.",
        discussion: """
            Writes PREFIX.csv, PREFIX.json and PREFIX.png (default PREFIX: DIR/report). The plot \
            shows --metric (rate: interactions/s or cell updates/s; wallSeconds, gpuSeconds, \
            population, ...) against --x (default: the first numeric axis) for the completed \
            tasks, a line per value of --by (an axis, or device, node, kernelRun...). Axes spanning \
            a factor of 20 or more are logarithmic. For Life, --x generation plots each task's \
            population against generation, named by its value of --by.
            """)

    @Argument(help: ArgumentHelp("The results folder.", valueName: "DIR"))
    var results: String

    @Option(help: "The metric plotted (a column of the table).")
    var metric = "rate"

    @Option(name: .customLong("x"), help: ArgumentHelp("The column along x.", valueName: "column"))
    var xAxis: String?

    @Option(help: ArgumentHelp("A line per value of this column.", valueName: "column"))
    var by: String?

    @Option(help: ArgumentHelp("Where the files go: PREFIX.csv, .json and .png.", valueName: "PREFIX"))
    var output: String?

    func validate() throws { _ = try readResults(results) }

    func run() throws {
        let folder = try readResults(results)
        let (lines, failures) = try withCleanErrors {
            try SweepReport(results: folder).write(
                prefix: output ?? folder.folder.appendingPathComponent("report").path, metric: metric, x: xAxis,
                by: by, axes: folder.plan.axes.map(\.name))
        }
        for line in lines { Console.print(line) }
        try fail(failures.map(\.problem))
    }
}

// The sweep file and the results folder are read in `validate()`, so that a bad one is
// reported with the usage of the command it was given to, and again in `run()`, which uses them.

/// The sweep file at `path`; a bad one is a usage error.
private func readPlan(_ path: String) throws -> SweepPlan {
    try withCleanErrors { try SweepPlan(contentsOf: URL(fileURLWithPath: path)) }
}

/// The results folder at `path`; one that holds no sweep's results is a usage error.
private func readResults(_ path: String) throws -> SweepResults {
    try withCleanErrors { try SweepResults(folder: URL(fileURLWithPath: path)) }
}

/// Runs `body`, turning a bad sweep file or folder into a usage error (exit 64) that says what
/// is wrong where.
private func withCleanErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SweepFileError {
        throw ValidationError(error.description)
    } catch let error as FileError {
        throw ValidationError(error.description)
    } catch let error as EngineError {
        throw ValidationError(error.description)
    }
}
