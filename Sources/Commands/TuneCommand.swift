import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Simulation

/// `tune`: one subcommand per workload, N-body the default.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract:
            """
            Find the fastest verified kernel for this device and size (N-body unless another workload, which \
            `tune --help` lists, is named), and remember it.
            """,
        discussion: """
            Every candidate is checked against the CPU reference, and against itself run again, \
            before it is timed; wrong ones are reported and discarded. The winner is stored per \
            device UUID, driver version, shader build, subgroup size (lavapipe's follows its \
            vector width) and size class (within a factor of four) in the tuning cache, which \
            run and bench then use automatically. Ctrl-C (or SIGTERM) ends the search after the \
            current candidate and stores the fastest verified so far.
            """,
        subcommands: WorkloadCommands.tune, defaultSubcommand: WorkloadCommands.tune.first)
}

struct TuneNBodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nbody",
        abstract: "Find the fastest verified N-body kernel shape for this device and N, and remember it.",
        discussion: """
            Tries workgroup sizes, bodies per invocation, shared-memory tiles, the force's \
            spelling (m·rsqrt(r²)³ or m/(r²·√r²)) and, where the device has subgroup shuffles, \
            evaluating each pair once for both bodies (on GPUs with atomic adds also in the form \
            that adds each body's shares atomically), within the device's limits, the untuned \
            default first; on GPUs the last part of the budget writes out the tile loops of the \
            three fastest tiled shapes (4, 8 and 16 bodies an iteration); then re-times the \
            fastest three and the default in interleaved runs and keeps the best of those (short \
            samples on a busy machine mislead).
            """)

    @Option(parsing: .unconditional, help: ArgumentHelp("Particle count to tune for.", valueName: "particles"))
    var particles: Int = 16384

    @OptionGroup var search: TuneOptions

    func validate() throws {
        guard particles >= 1 && particles <= 1 << 31 else {
            throw ValidationError("--particles must be between 1 and \(1 << 31)")
        }
        if let problem = NBodyCapacity.hostMemoryProblem(particleCount: particles) {
            throw ValidationError("--particles: \(problem)")
        }
    }

    func run() throws {
        try search.search(wideVectors: true) { context in
            let device = context.device.description
            try NBodyCapacity.check(particleCount: particles, on: device)
            Console.note(NBodyTuningReport.startLine(device: device, particles: particles, budget: search.budget))
            let (best, trials) = try search.cache.tuneAndStore(
                on: context.device, particleCount: particles, parameters: NBodyParameters(), budget: search.budget)
            let report = NBodyTuningReport(
                device: device, particles: particles, winner: best, cache: search.cache.url.path,
                trials: trials, stoppedBy: StopRequest.current.requested)
            try printReport(report, json: search.json)
        }
    }
}

struct TuneLifeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "life",
        abstract: "Find the fastest verified Life kernel for this device, grid size and rule family, and remember it.",
        discussion: """
            Tries the bit-packed kernels (Generations rules in bit planes), the tiled ones at every \
            blocking factor that fits and, where the device has subgroup shuffles, the streamed ones \
            (two-state rules), each checked bit for bit against the CPU reference first; then \
            re-times the fastest three and the default in interleaved runs and keeps the best of those.
            """)

    @Option(help: ArgumentHelp("Grid size to tune for.", valueName: "WxH"))
    var size: GridSize = GridSize(width: 4096, height: 4096)

    @Option(
        help: ArgumentHelp(
            "Rule to tune for (two-state rules share one tuning, Generations rules another).", valueName: "rule"))
    var rule: String = "B3/S23"

    @OptionGroup var search: TuneOptions

    func validate() throws {
        do { _ = try LifeRule(parsing: rule) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let lifeRule = try LifeRule(parsing: rule)
        try search.search { context in
            let device = context.device.description
            Console.note(
                LifeTuningReport.startLine(
                    rule: lifeRule, device: device, width: size.width, height: size.height, budget: search.budget))
            let (winner, rate, trials) = try search.cache.tuneLifeAndStore(
                on: context.device, width: size.width, height: size.height, rule: lifeRule, budget: search.budget)
            try printReport(
                LifeTuningReport(
                    device: device.name, width: size.width, height: size.height, rule: lifeRule, winner: winner,
                    rate: rate, cache: search.cache.url.path, trials: trials,
                    stoppedBy: StopRequest.current.requested),
                json: search.json)
        }
    }
}
