import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Simulation

/// `bench`: one subcommand per workload, N-body the default.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            """
            Measure throughput with GPU timestamps: N-body interactions/s unless another workload \
            (`bench --help` lists them) is named, which reports its own rate (cell updates/s for the grids).
            """,
        subcommands: WorkloadCommands.bench, defaultSubcommand: WorkloadCommands.bench.first)
}

/// What every benchmark takes: repeats, their length, the seed and JSON.
struct BenchmarkOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Timed repeats per size.")
    var repeats: Int = 5

    @Option(parsing: .unconditional, help: "Steps per timed run; default: enough for about half a second.")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Seed of the state measured.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if let steps, !(1...1_000_000_000).contains(steps) {
            throw ValidationError("--steps must be between 1 and 1000000000, got \(steps)")
        }
    }

    /// Repeats as the options ask, that stop on a signal.
    func makeBenchmark() -> Benchmark {
        var benchmark = Benchmark(repeats: repeats, stepsPerRepeat: steps)
        benchmark.shouldStop = { [stop = StopRequest.current] in stop.requested != nil }
        return benchmark
    }
}

struct BenchLifeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "life",
        abstract: "Measure Life's cell updates/s with GPU timestamps.",
        discussion: """
            For each grid size and kernel: the kernel checked against the CPU reference, one \
            warm-up, then --repeats timed runs. Reports the median and the spread (min, max) of \
            cell updates/s and the least memory traffic that implies. Ctrl-C (or SIGTERM) stops \
            within a fraction of a second and reports what was measured (--json: with "stoppedBy").
            """)

    // `--size` too, since `run`, `verify` and `tune` spell the grid that way.
    @Option(
        name: [.long, .customLong("size")], parsing: .upToNextOption,
        help: ArgumentHelp(
            """
            Grid sizes to measure (--size works too); default: 1024x1024, 4096x4096, 16384x16384 and 65536x65536, \
            as far as the device's memory allows.
            """,
            valueName: "WxH"))
    var grid: [GridSize] = []

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            """
            Kernels to measure (several allowed): bytes (a byte per cell), bits (32 cells per word, Generations \
            rules in bit planes, a generation per dispatch), wide (the same grid, several 64-bit words per \
            invocation: for CPU drivers), tiled:K (bit-packed, K generations per dispatch in shared memory, K <= \
            32), streamed:K (K <= 32 generations per dispatch in registers, a subgroup per strip; both two-state \
            rules). Default: the rule's preferred kernel on the device. Each is checked against the CPU first.
            """,
            valueName: "kernel"))
    var lifeKernel: [LifeKernelArgument] = []

    @Option(help: ArgumentHelp("Rule to measure.", valueName: "rule"))
    var rule: String = "B3/S23"

    @OptionGroup var measuring: BenchmarkOptions
    @OptionGroup(title: "Tuning") var tuning: TuneCacheOptions
    @OptionGroup var deviceOptions: DeviceOptions

    var json: Bool { measuring.json }
    var steps: Int? { measuring.steps }
    var seed: UInt64 { measuring.seed }

    func validate() throws {
        do { _ = try LifeRule(parsing: rule) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        try withEngine(deviceOptions) { log in try benchLife(log: log) }
    }

    /// Cell updates per second of each Life kernel for each grid size.
    private func benchLife(log: ValidationLog?) throws {
        let lifeRule = try LifeRule(parsing: rule)
        let context = try makeContext(deviceOptions, log: log)
        let device = context.device.description
        StopRequest.listen(stoppingAfter: "the current piece of a timed run; the results so far will be reported")
        var suite = LifeBenchmark(benchmark: measuring.makeBenchmark(), rule: lifeRule, seed: seed)
        suite.kernels = lifeKernel.map(\.kernel)
        // Without --life-kernel: per size, the tuned kernel if `tune life` stored one.
        let cache = suite.kernels.isEmpty ? tuning.store.lookupCache() : nil
        suite.tuned = { width, height in
            cache?.lookupLifeKernel(TuningCache.Key(device: device, lifeCells: width * height, rule: lifeRule))
        }
        suite.measure = { benchmark, workload, label in
            try benchmark.measure(workload, label: label, output: Console.progress)
        }
        suite.skipped = { Console.note("skipped: \($0)") }
        suite.measured = { result, workload in if !json { Console.print(result.line(for: workload)) } }
        if !json { Console.print(LifeBenchmark.headerLine(device: device, rule: lifeRule)) }
        let sizes = grid.isEmpty ? suite.defaultSizes(on: device) : grid.map { ($0.width, $0.height) }
        let (results, planned) = try suite.run(sizes: sizes, on: context.device)
        noteEarlyStop(measured: results.count, of: planned, what: "measurements")
        if json {
            try printJSON(
                LifeBenchmarkReport(
                    device: device, rule: lifeRule, results: results, stoppedBy: StopRequest.current.requested))
        }
    }
}

struct BenchNBodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nbody",
        abstract: "Measure N-body interactions/s with GPU timestamps.",
        discussion: """
            For each N: one warm-up run, then --repeats timed runs of --steps steps each, timed \
            with GPU timestamp queries (host time where the device has none). Reports the median \
            and the spread (min, max) of interactions/s (N^2 per step) and GFLOP/s (20 FLOP per \
            interaction, the CUDA nbody sample's convention). --json adds device, driver and \
            kernel shape so runs can be compared by a script. An N beyond the device is skipped \
            with the reason (exit 1 where none is left). Ctrl-C (or SIGTERM) stops within a \
            fraction of a second, dropping the timed run under way, and reports what was measured \
            (--json: with "stoppedBy").
            """)

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Particle counts to measure (several allowed, e.g. --particles 16384 65536).", valueName: "N"))
    var particles: [Int] = [16384]

    @OptionGroup var measuring: BenchmarkOptions
    @OptionGroup var physics: PhysicsOptions

    @Option(
        help: ArgumentHelp(
            """
            Kernel shape to measure instead of the device's default: workgroup size, bodies per invocation, tile \
            size, 0 for none (e.g. 256,2,256 or 32,32,0), and optionally invocations per body (128,1,0,4). \
            Letters after the tile size: p prefetches tiles (32,1,32p), q spells the force as a quotient \
            m/(r²·√r²) instead of m·rsqrt(r²)³ (32,32,0q), s evaluates each pair once and applies its force to \
            both bodies, with a workgroup of one subgroup and no tile (8,32,0qs: the default on lavapipe), a does \
            so in the GPU form, passing bodies round the subgroup and adding shares atomically, in 64-bit fixed \
            point where the device has such atomics and the softening is above 0, else as floats (32,8,0a). Last, \
            uK writes the shared-tile loop out K bodies at a time (128,1,128u8). It is verified against the CPU \
            reference before it is timed.
            """,
            valueName: "W,B,T"), transform: parseKernelShape)
    var kernel: NBodyKernel?

    @OptionGroup(title: "Tuning") var tuning: TuneCacheOptions

    @Flag(help: "Tune each N first (as `tune` does, storing the winner), then measure the winner.")
    var tune = false

    @Option(parsing: .unconditional, help: ArgumentHelp("With --tune: seconds of tuning per N.", valueName: "seconds"))
    var tuneBudget: Double = 30

    @OptionGroup var deviceOptions: DeviceOptions

    var json: Bool { measuring.json }
    var repeats: Int { measuring.repeats }
    var seed: UInt64 { measuring.seed }

    func validate() throws {
        guard !particles.isEmpty else { throw ValidationError("--particles needs at least one value") }
        for n in particles where n < 1 || n > 1 << 31 {
            throw ValidationError("--particles values must be between 1 and \(1 << 31), got \(n)")
        }
        for n in particles {
            if let problem = NBodyCapacity.hostMemoryProblem(particleCount: n) {
                throw ValidationError("--particles: \(problem)")
            }
        }
        if tune && kernel != nil { throw ValidationError("--tune and --kernel both choose the kernel; use one") }
        if tune && tuning.noTuneCache {
            throw ValidationError("--tune stores its result in the tuning cache; drop --no-tune-cache")
        }
        guard tuneBudget > 0 else { throw ValidationError("--tune-budget must be positive") }
    }

    func run() throws {
        try withEngine(deviceOptions) { log in
            if tune { try tuning.store.checkWritable() }
            let context = try makeContext(deviceOptions, log: log, wideVectors: true)
            let device = context.device.description
            if !json { for line in NBodyBenchmark.headerLines(device: device) { Console.print(line) } }
            StopRequest.listen(stoppingAfter: "the current piece of a timed run; the results so far will be reported")
            var suite = NBodyBenchmark(
                benchmark: measuring.makeBenchmark(), parameters: physics.parameters, seed: seed)
            suite.kernel = kernel
            suite.tuned = { tuning.store.tunedConfiguration(for: device, particleCount: $0) }
            if tune && kernel == nil {
                suite.beforeSize = { n in
                    _ = try tuning.tuneAndStore(
                        on: context.device, particleCount: n, parameters: physics.parameters,
                        budget: tuneBudget, label: "tune N=\(n) ")
                }
            }
            suite.measure = { benchmark, workload, label in
                try benchmark.measure(workload, label: label, output: Console.progress)
            }
            suite.measured = { result, _ in if !json { Console.print(result.line) } }
            suite.skipped = { Console.note("skipped: \($0)") }
            let results = try suite.run(particleCounts: particles, on: context.device)
            noteEarlyStop(measured: results.count, of: particles.count, what: "sizes")
            if json {
                try printJSON(
                    NBodyBenchmarkReport(
                        device: device, parameters: physics.parameters, results: results,
                        stoppedBy: StopRequest.current.requested))
            }
        }
    }
}

/// Says, after a signal, how much of the benchmark ran; what ran is reported as usual.
func noteEarlyStop(measured: Int, of planned: Int, what: String) {
    guard let signal = StopRequest.current.requested else { return }
    Console.note(Benchmark.stoppedLine(by: signal, measured: measured, of: planned, what: what))
}
