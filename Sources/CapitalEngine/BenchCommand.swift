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
            Measure throughput with GPU timestamps: N-body interactions/s (bench nbody, the default), or Life \
            cell updates/s (bench life).
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
        benchmark.shouldStop = { StopSignal.requested != nil }
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
        let context = try makeContext(deviceOptions, log: log, for: .life)
        let device = context.device.description
        let explicitKernels = lifeKernel.map(\.kernel)
        let sizes =
            grid.isEmpty
            // Only the layout matters here, and a rule's preferred kernels share one at every size.
            ? LifeBenchmark.defaultSizes(
                kernels: explicitKernels.isEmpty
                    ? [.preferred(for: lifeRule, on: device, cells: 1 << 20)] : explicitKernels, device: device)
            : grid.map { ($0.width, $0.height) }
        // Without --life-kernel: per size, the tuned kernel if `tune life` stored one, else the default.
        let cache = explicitKernels.isEmpty ? tuning.store.lookupCache() : nil
        func kernels(width: Int, height: Int) -> [LifeKernel] {
            guard explicitKernels.isEmpty else { return explicitKernels }
            let key = TuningCache.Key(device: device, lifeCells: width * height, rule: lifeRule)
            return [cache?.lookupLifeKernel(key) ?? .preferred(for: lifeRule, on: device, cells: width * height)]
        }
        if !json { print("device: [\(device.index)] \(device.name) (\(device.driverText)); Life \(lifeRule)") }
        struct LifeResult: Encodable {
            var kernel: String
            /// How the bits or wide kernel laid the grid onto invocations (wide's depends on the
            /// device and the row's length); absent for other kernels.
            var shape: String?
            var width: Int
            var height: Int
            var generationsPerRepeat: Int
            var repeats: Int
            var cellUpdatesPerSecond: Statistics
            /// Bytes one generation must read and write at the least, for a bandwidth bound.
            var bytesPerGeneration: Double
        }
        var results: [LifeResult] = []
        StopSignal.install(stoppingAfter: "the current piece of a timed run; the results so far will be reported")
        let benchmark = measuring.makeBenchmark()
        var planned = 0
        for (width, height) in sizes {
            for kernel in kernels(width: width, height: height) {
                planned += 1
                if StopSignal.requested != nil { continue }
                // At every size: the wide kernel's shape follows the row's length.
                let tuner = LifeKernelTuner(device: context.device, width: width, height: height, rule: lifeRule)
                guard try tuner.verify(kernel) else {
                    throw EngineError.unsupported(
                        """
                        the \(kernel) Life kernel computes wrong results on this device (checked against the CPU \
                        reference); not timing it
                        """
                    )
                }
                let workload: LifeWorkload
                do {
                    workload = try LifeWorkload(
                        device: context.device, width: width, height: height, rule: lifeRule,
                        density: 0.5, seed: seed, kernel: kernel)
                } catch EngineError.unsupported(let reason) {
                    // One size beyond one kernel's reach should not cost the other measurements.
                    Console.note("skipped: \(reason)")
                    continue
                }
                let measurement = try benchmark.measure(workload, label: "\(kernel) \(width)x\(height)")
                guard let rate = measurement.rate else { continue }
                let generations = measurement.stepsPerRepeat
                let rates = measurement.rates
                let result = LifeResult(
                    kernel: kernel.description, shape: workload.bitsShapeDescription, width: width, height: height,
                    generationsPerRepeat: generations,
                    repeats: rates.count, cellUpdatesPerSecond: rate,
                    bytesPerGeneration: workload.minimumBytesPerGeneration)
                results.append(result)
                if !json {
                    let r = result.cellUpdatesPerSecond
                    let bandwidth = result.bytesPerGeneration * r.median / workload.cellsPerGeneration
                    print(
                        """
                        \(workload.kernelDescription) \(width)x\(height): \(scientific(r.median)) cell updates/s \
                        (min \(scientific(r.min)), max \(scientific(r.max))), \(generations) generations x \
                        \(rates.count); memory traffic at least \(fixed(bandwidth / 1e9, 2)) GB/s
                        """
                    )
                }
            }
        }
        noteEarlyStop(measured: results.count, of: planned, what: "measurements")
        if json {
            struct Report: Encodable {
                var device: String
                var driver: String
                var rule: String
                var results: [LifeResult]
                var stoppedBy: String?
            }
            try printJSON(
                Report(
                    device: device.name, driver: device.driverText, rule: lifeRule.description, results: results,
                    stoppedBy: StopSignal.requested.map(StopSignal.name)))
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
            kernel shape so runs can be compared by a script. Ctrl-C (or SIGTERM) stops within a \
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

    @Option(parsing: .unconditional, help: "With --tune: seconds of tuning per N.")
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
            let context = try makeContext(deviceOptions, log: log, for: .nbody)
            let device = context.device.description
            if !json {
                print("device: [\(device.index)] \(device.name) (\(device.driverText))")
                print(
                    "timing: \(device.supportsComputeTimestamps ? "GPU timestamps" : "host clock (no GPU timestamps)")")
            }
            StopSignal.install(stoppingAfter: "the current piece of a timed run; the results so far will be reported")
            let benchmark = measuring.makeBenchmark()
            var results: [BenchResult] = []
            for n in particles {
                if StopSignal.requested != nil { break }
                if tune && kernel == nil {
                    _ = try tuning.tuneAndStore(
                        on: context.device, particleCount: n, parameters: physics.parameters,
                        budget: tuneBudget, label: "tune N=\(n) ")
                }
                try NBodyCapacity.check(particleCount: n, configuration: kernel, on: device)
                let state = InitialModel.plummer.generate(count: n, seed: seed, gravity: physics.gravity)
                let workload = try NBodyWorkload(
                    device: context.device, state: state, parameters: physics.parameters,
                    configuration: kernel
                        ?? tuning.store.tunedConfiguration(for: device, particleCount: n))
                try verifyShape(workload.configuration, particleCount: n, context: context)
                let measurement = try benchmark.measure(workload, label: "N=\(n)")
                guard let rate = measurement.rate else { continue }
                let stepsPerRun = measurement.stepsPerRepeat
                let rates = measurement.rates
                let times = measurement.secondsPerRepeat
                let result = BenchResult(
                    particles: n, stepsPerRepeat: stepsPerRun, repeats: rates.count, kernel: workload.configuration,
                    kernelDescription: workload.kernelDescription, bitReproducible: workload.isBitReproducible,
                    secondsPerRepeat: times, interactionsPerSecond: rate,
                    gflops: Statistics(rates.map { $0 * 20 / 1e9 }))
                results.append(result)
                if !json {
                    let r = result.interactionsPerSecond
                    let spread = "min \(scientific(r.min)), max \(scientific(r.max))"
                    print(
                        "N=\(n): \(scientific(r.median)) interactions/s (\(spread)), "
                            + "\(fixed(result.gflops.median, 1)) GFLOP/s, \(stepsPerRun) steps x \(rates.count), "
                            + "kernel: \(workload.kernelDescription)")
                }
            }
            noteEarlyStop(measured: results.count, of: particles.count, what: "sizes")
            if json {
                let report = BenchReport(
                    device: device.name, deviceType: device.type.rawValue, vendor: device.vendor.name,
                    driver: device.driverText, driverVersion: device.driverVersionText,
                    apiVersion: device.apiVersion.description, uuid: device.uuid,
                    timing: device.supportsComputeTimestamps ? "gpu-timestamps" : "host-clock",
                    parameters: physics.parameters, results: results,
                    stoppedBy: StopSignal.requested.map(StopSignal.name))
                try printJSON(report)
            }
        }
    }

    /// A fast wrong kernel is worse than a slow one: lavapipe has returned wrong results for
    /// heavy register blocking without any error. Check the shape on a system small enough for
    /// the CPU reference, with N not a multiple of the workgroup, before timing it.
    private func verifyShape(_ configuration: NBodyKernel, particleCount: Int, context: ComputeContext) throws {
        let checker = KernelTuner(device: context.device, particleCount: particleCount, parameters: physics.parameters)
        let verification = try checker.verify(configuration)
        if let rejection = verification.rejection(tolerance: checker.tolerance) {
            throw EngineError.unsupported(
                "kernel shape \(configuration) fails its check on this device at N=\(verification.particleCount): "
                    + "\(rejection); not timing it")
        }
    }

}

/// Says, after a signal, how much of the benchmark ran; what ran is reported as usual.
func noteEarlyStop(measured: Int, of planned: Int, what: String) {
    guard let signal = StopSignal.requested else { return }
    Console.note(
        """
        \(StopSignal.name(signal)): stopped early; \(measured) of \(planned) \(what) measured (a size's repeats \
        may be fewer than --repeats)
        """
    )
}

struct BenchResult: Encodable {
    var particles: Int
    var stepsPerRepeat: Int
    var repeats: Int
    var kernel: NBodyKernel
    /// The shape and, for the atomic pair-once form, how it adds (fixed point or floats),
    /// which depends on the device and the softening as well as the shape.
    var kernelDescription: String
    /// Whether reruns give the same bits (false only for float atomic sums).
    var bitReproducible: Bool
    var secondsPerRepeat: [Double]
    var interactionsPerSecond: Statistics
    var gflops: Statistics
}

struct BenchReport: Encodable {
    var device: String
    var deviceType: String
    var vendor: String
    var driver: String
    var driverVersion: String
    var apiVersion: String
    var uuid: String
    var timing: String
    var parameters: NBodyParameters
    var results: [BenchResult]
    /// The signal that stopped the benchmark early; absent when it ran to the end.
    var stoppedBy: String?
}

/// `--kernel W,B,T[,S]` (`NBodyKernel(parsing:)`), read with a reason when it names no kernel.
func parseKernelShape(_ argument: String) throws -> NBodyKernel {
    do { return try NBodyKernel(parsing: argument) } catch { throw ValidationError("\(error)") }
}

/// `--life-kernel bytes|bits|tiled:K`.
struct LifeKernelArgument: ExpressibleByArgument {
    var kernel: LifeKernel

    init?(argument: String) {
        guard let kernel = LifeKernel(parsing: argument) else { return nil }
        self.kernel = kernel
    }

    static var defaultCompletionKind: CompletionKind { .list(["bytes", "bits", "wide", "tiled:8"]) }
}

extension Benchmark {
    /// Measures `workload`, with its progress on stderr ("LABEL: repeat 2/5"): rewritten in
    /// place on a terminal; in a log, the first repeat and then a line every few seconds.
    func measure<W: Workload>(_ workload: W, label: String) throws -> Measurement {
        var benchmark = self
        let terminal = Console.standardErrorIsTerminal
        // In a log, the first repeat and then a line every few seconds.
        var lastLine = Date.distantPast
        benchmark.progress = { done, total in
            let now = Date()
            guard done == 1 || now.timeIntervalSince(lastLine) >= Console.progressInterval(terminal: terminal) else {
                return
            }
            lastLine = now
            Console.progress("\(label): repeat \(done)/\(total)", terminal: terminal)
        }
        let measurement = try benchmark.measure(workload)
        if terminal && !measurement.rates.isEmpty { writeToStandardError("\r\u{1B}[K") }
        return measurement
    }
}

/// The Life benchmark's sizes and its correctness gate.
enum LifeBenchmark {
    /// Square grids of 1024^2, 4096^2, 16384^2 and the largest power of two up to 65536^2 whose
    /// two buffers fit, for every kernel, in half the device's memory and in one storage buffer.
    static func defaultSizes(kernels: [LifeKernel], device: PhysicalDeviceDescription) -> [(Int, Int)] {
        let densest = kernels.map(\.cellsPerWord).min() ?? 32
        let fitting = [1024, 2048, 4096, 8192, 16384, 32768, 65536].filter { side in
            let bytes = UInt64((side + densest - 1) / densest) * 4 * UInt64(side)
            return bytes <= UInt64(device.limits.maxStorageBufferRange) && 2 * bytes <= device.deviceLocalMemory / 2
        }
        let chosen =
            fitting.filter { [1024, 4096, 16384].contains($0) } + (fitting.last.map { $0 > 16384 ? [$0] : [] } ?? [])
        return (chosen.isEmpty ? Array(fitting.prefix(1)) : chosen).map { ($0, $0) }
    }
}
