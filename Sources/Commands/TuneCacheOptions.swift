import ArgumentParser
import Engine
import FoundationEssentials
import Simulation

/// Where tuned kernel shapes are kept, and whether to use them.
struct TuneCacheOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Tuning cache file (default: CAPITALENGINE_TUNE_CACHE, else $XDG_CACHE_HOME/capitalengine/tuning.json).",
            valueName: "file.json"))
    var tuneCache: String?

    @Flag(help: "Ignore tuned kernel shapes; use the device's untuned default.")
    var noTuneCache = false

    var url: URL {
        tuneCache.map { URL(fileURLWithPath: $0) }
            ?? TuningCache.defaultURL(environment: Console.environment)
    }

    var store: TuningStore {
        TuningStore(url: url, enabled: !noTuneCache, warn: { Console.note("warning: \($0)") })
    }

    /// Tunes for `particleCount`, reporting every trial on stderr (each line starting with
    /// `label`), and stores the fastest verified shape in the cache.
    func tuneAndStore(
        on device: Device, particleCount: Int, parameters: NBodyParameters, budget: Double, label: String = ""
    ) throws -> (winner: KernelTuner.Trial, trials: [KernelTuner.Trial]) {
        let result = try store.tuneAndStore(
            on: device, particleCount: particleCount, parameters: parameters, budget: budget,
            shouldStop: { [stop = StopRequest.current] in stop.requested != nil },
            trial: { Console.note($2.line(index: $0, total: $1, label: label)) },
            confirmed: { for line in KernelTuner.finalRoundLines($0, label: label) { Console.note(line) } })
        noteEarlyStop(tried: result.trials.count)
        return result
    }

    /// Tunes the Life kernel for a grid size and rule, reporting every trial on stderr, and
    /// stores the fastest verified one in the cache.
    func tuneLifeAndStore(
        on device: Device, width: Int, height: Int, rule: LifeRule, budget: Double
    ) throws -> (winner: LifeKernel, rate: Double, trials: [LifeKernelTuner.Trial]) {
        let result = try store.tuneLifeAndStore(
            on: device, width: width, height: height, rule: rule, budget: budget,
            shouldStop: { [stop = StopRequest.current] in stop.requested != nil },
            trial: { Console.note($2.line(index: $0, total: $1)) },
            confirmed: { for line in LifeKernelTuner.finalRoundLines($0) { Console.note(line) } })
        noteEarlyStop(tried: result.trials.count)
        return result
    }

    /// Tunes the Gray-Scott kernel shape for a field size, reporting every trial on stderr,
    /// and stores the fastest verified one in the cache.
    func tuneGrayScottAndStore(
        on device: Device, width: Int, height: Int, budget: Double
    ) throws -> (winner: GrayScottKernel, rate: Double, trials: [GrayScottKernelTuner.Trial]) {
        let result = try store.tuneGrayScottAndStore(
            on: device, width: width, height: height, budget: budget,
            shouldStop: { [stop = StopRequest.current] in stop.requested != nil },
            trial: { Console.note($2.line(index: $0, total: $1)) },
            confirmed: { for line in GrayScottKernelTuner.finalRoundLines($0) { Console.note(line) } })
        noteEarlyStop(tried: result.trials.count)
        return result
    }

    private func noteEarlyStop(tried: Int) {
        guard let signal = StopRequest.current.requested else { return }
        Console.note(TuningStore.stoppedLine(by: signal, tried: tried))
    }
}

/// What every `tune` command takes besides its size: its budget, JSON output, the cache it
/// stores into and the device.
struct TuneOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seconds to spend; the untuned default is always measured.")
    var budget: Double = 60

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var cache: TuneCacheOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard budget > 0, budget.isFinite else {
            throw ValidationError("--budget must be a positive number of seconds")
        }
        if cache.noTuneCache {
            throw ValidationError("tune stores its result in the tuning cache; drop --no-tune-cache")
        }
    }

    /// Runs a search on the chosen device once the cache is known to be writable. Ctrl-C or
    /// docker stop ends it after the current candidate, keeping the best so far.
    func search(wideVectors: Bool = false, _ body: (ComputeContext) throws -> Void) throws {
        StopRequest.listen(stoppingAfter: "the current candidate; the best so far will be stored")
        try withEngine(deviceOptions) { log in
            try cache.store.checkWritable()
            try body(try makeContext(deviceOptions, log: log, wideVectors: wideVectors))
        }
    }
}
