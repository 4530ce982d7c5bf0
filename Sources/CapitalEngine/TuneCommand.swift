import ArgumentParser
import Engine
import FoundationEssentials
import Glibc

/// Where tuned kernel shapes are kept, and whether to use them.
struct TuneCacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Tuning cache file (default: CAPITALENGINE_TUNE_CACHE, else $XDG_CACHE_HOME/capitalengine/tuning.json).", valueName: "file.json"))
    var tuneCache: String?

    @Flag(help: "Ignore tuned kernel shapes; use the device's untuned default.")
    var noTuneCache = false

    var url: URL { tuneCache.map { URL(fileURLWithPath: $0) } ?? TuningCache.defaultURL() }

    /// The tuned shape for this device and size, if any; warns once about an unusable file.
    func tunedConfiguration(for device: PhysicalDeviceDescription, particleCount: Int) -> NBodyKernelConfiguration? {
        guard !noTuneCache else { return nil }
        let cache = TuningCache(url: url)
        if let warning = cache.warning { Console.note("warning: \(warning)") }
        return cache.lookup(TuningCache.Key(device: device, particleCount: particleCount))
    }

    /// Tunes for `particleCount`, reporting every trial on stderr (each line starting with
    /// `label`), and stores the fastest verified shape in the cache.
    /// - Returns: the winning trial and all trials.
    func tuneAndStore(on device: Device, particleCount: Int, parameters: NBodyParameters, budget: Double,
                      label: String = "") throws -> (winner: KernelTuner.Trial, trials: [KernelTuner.Trial]) {
        var tuner = KernelTuner(device: device, particleCount: particleCount, parameters: parameters)
        tuner.includeWrongCandidate = ProcessInfo.processInfo.environment["CAPITALENGINE_TUNE_TEST_WRONG_CANDIDATE"] == "1"
        let (winner, trials) = tuner.tune(budget: budget) { index, total, trial in
            let outcome = trial.rejection.map { "REJECTED: \($0)" }
                ?? "\(scientific(trial.interactionsPerSecond ?? 0)) interactions/s (verified, error \(scientific(trial.error ?? 0, digits: 2)))"
            Console.note("\(label)[\(index)/\(total)] \(trial.configuration): \(outcome)")
        }
        guard let winner, let best = trials.first(where: { $0.configuration == winner && $0.rejection == nil }) else {
            throw EngineError.unsupported("no candidate kernel computed correct results on \(device.description.name)")
        }
        var store = TuningCache(url: url)
        if let warning = store.warning { Console.note("warning: \(warning); it will be replaced") }
        try store.store(winner, rate: best.interactionsPerSecond ?? 0,
                        for: TuningCache.Key(device: device.description, particleCount: particleCount), device: device.description.name)
        return (best, trials)
    }
}

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Find the fastest verified N-body kernel shape for this device and size, and remember it.",
        discussion: """
            Tries workgroup sizes, bodies per invocation and shared-memory tiles within the \
            device's limits, the untuned default first. Every candidate is checked against the \
            CPU reference before it is timed; wrong ones are reported and discarded. The winner \
            is stored per device UUID, driver version, shader build and size class (N within a \
            factor of four) in the tuning cache, which run and bench then use automatically.
            """)

    @Option(help: "Particle count to tune for.")
    var particles: Int = 16384

    @Option(help: "Seconds to spend; the default shape is always measured.")
    var budget: Double = 60

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var cache: TuneCacheOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard particles >= 1 && particles <= 1 << 28 else { throw ValidationError("--particles must be between 1 and \(1 << 28)") }
        guard budget > 0, budget.isFinite else { throw ValidationError("--budget must be a positive number of seconds") }
    }

    func run() throws {
        try withEngine(deviceOptions) { log in
            let context = try makeContext(deviceOptions, log: log)
            let device = context.device.description
            Console.note("tuning for [\(device.index)] \(device.name), N=\(particles), budget \(fixed(budget, 0)) s")
            let (best, trials) = try cache.tuneAndStore(on: context.device, particleCount: particles,
                                                        parameters: NBodyParameters(), budget: budget)
            let winner = best.configuration
            let baseline = trials.first { $0.rejection == nil }
            if json {
                struct Report: Encodable {
                    var device: String
                    var particles: Int
                    var winner: NBodyKernelConfiguration
                    var cache: String
                    var trials: [KernelTuner.Trial]
                }
                try printJSON(Report(device: device.name, particles: particles, winner: winner, cache: cache.url.path, trials: trials))
            } else {
                print("winner: \(winner): \(scientific(best.interactionsPerSecond ?? 0)) interactions/s"
                      + (baseline.map { " (default: \(scientific($0.interactionsPerSecond ?? 0)))" } ?? ""))
                print("tried: \(trials.count), rejected: \(trials.filter { $0.rejection != nil }.count)")
                print("cache: \(cache.url.path)")
            }
        }
    }
}
