import Engine
import FoundationEssentials

/// The tuning cache as runs use it: where tuned kernels are looked up (passing over one the
/// device cannot run), and where a search stores its winner.
public struct TuningStore {
    public let url: URL
    /// False where tuned kernels are to be ignored (`--no-tune-cache`).
    public let enabled: Bool
    /// Hears what the user should know: an unusable cache file, a tuned kernel passed over.
    public var warn: (String) -> Void

    public init(url: URL, enabled: Bool = true, warn: @escaping (String) -> Void = { _ in }) {
        self.url = url
        self.enabled = enabled
        self.warn = warn
    }

    /// Refuses, before any tuning, a cache path that holds something else or could not be
    /// written at the end.
    public func checkWritable() throws {
        let elsewhere = "tuning results go there (--tune-cache or CAPITALENGINE_TUNE_CACHE chooses another file)"
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            // Read-only, forbidden, or a file where a directory should be: say which.
            throw FileError(
                path: directory.path, problem: "cannot be made a directory: \(systemMessage(for: error)); \(elsewhere)")
        }
        if let occupant = TuningCache.occupant(at: url) {
            throw FileError(path: url.path, problem: "\(occupant); \(elsewhere)")
        }
        if let problem = AtomicFile.writeProblem(at: url) {
            throw FileError(path: url.path, problem: "\(problem); \(elsewhere)")
        }
    }

    /// The cache to look tuned kernels up in, read now; nil where disabled.
    public func lookupCache() -> TuningCache? {
        guard enabled else { return nil }
        let cache = TuningCache(url: url)
        if let warning = cache.warning { warn(warning) }
        return cache
    }

    /// The tuned N-body kernel for this device and size, if any. One the device cannot run
    /// here (tuned with another `LP_NATIVE_VECTOR_WIDTH`, so another subgroup size) is passed
    /// over, with a warning, for the untuned default.
    public func tunedConfiguration(
        for device: PhysicalDeviceDescription, particleCount: Int
    ) -> NBodyKernel? {
        guard let shape = lookupCache()?.lookup(TuningCache.Key(device: device, particleCount: particleCount)) else {
            return nil
        }
        let problems = shape.problems(on: device, particleCount: particleCount)
        guard problems.isEmpty else {
            warn("ignoring the tuned shape (\(shape)): " + problems.joined(separator: "; "))
            return nil
        }
        return shape
    }

    /// The tuned Life kernel for this device, rule family and grid size, if any.
    public func tunedLifeKernel(
        for device: PhysicalDeviceDescription, width: Int, height: Int, rule: LifeRule
    ) -> LifeKernel? {
        lookupCache()?.lookupLifeKernel(TuningCache.Key(device: device, lifeCells: width * height, rule: rule))
    }

    /// The tuned Gray-Scott kernel shape for this device and field size, if any. One the device
    /// cannot run at this size (the class spans fields of other shapes) is passed over, with a
    /// warning, for the default.
    public func tunedGrayScottKernel(
        for device: PhysicalDeviceDescription, width: Int, height: Int
    ) -> GrayScottKernel? {
        guard
            let kernel = lookupCache()?.lookupGrayScottKernel(
                TuningCache.Key(device: device, grayScottCells: width * height))
        else { return nil }
        if let problem = GrayScottWorkload.sizeProblem(width: width, height: height, kernel: kernel, device: device) {
            warn("ignoring the tuned kernel, \(kernel): \(problem)")
            return nil
        }
        return kernel
    }

    /// Tunes the N-body kernel for `particleCount` and stores the fastest verified shape.
    /// - Parameters:
    ///   - deliberatelyWrong: shapes to try first with wrong physics (G doubled), which
    ///     verification must reject: how tests prove the gate works.
    ///   - trial: hears each trial as it ends (index, total, trial).
    ///   - confirmed: hears the final round's finalists (none where it was skipped).
    /// - Returns: the winning trial and every trial.
    public func tuneAndStore(
        on device: Device, particleCount: Int, parameters: NBodyParameters, budget: Double,
        deliberatelyWrong: [NBodyKernel] = [], shouldStop: @escaping @Sendable () -> Bool = { false },
        trial: (Int, Int, KernelTuner.Trial) -> Void = { _, _, _ in },
        confirmed: ([KernelTuner.Trial]) -> Void = { _ in }
    ) throws
        -> (winner: KernelTuner.Trial, trials: [KernelTuner.Trial])
    {
        var tuner = KernelTuner(device: device, particleCount: particleCount, parameters: parameters)
        tuner.shouldStop = shouldStop
        let (winner, trials) = tuner.tune(
            budget: budget, deliberatelyWrong: deliberatelyWrong, progress: trial, confirmed: confirmed)
        guard let winner, let best = trials.first(where: { $0.configuration == winner && $0.rejection == nil }) else {
            throw EngineError.unsupported(
                "no candidate kernel ran correctly on \(device.description.name): "
                    + "each was rejected, for the reason shown above"
            )
        }
        try updateCache { cache in
            try cache.store(
                winner, rate: best.measuredInteractionsPerSecond ?? 0,
                for: TuningCache.Key(device: device.description, particleCount: particleCount),
                device: device.description.name)
        }
        return (best, trials)
    }

    /// Tunes the Life kernel for a grid size and rule and stores the fastest verified one.
    public func tuneLifeAndStore(
        on device: Device, width: Int, height: Int, rule: LifeRule, budget: Double,
        shouldStop: @escaping @Sendable () -> Bool = { false },
        trial: (Int, Int, LifeKernelTuner.Trial) -> Void = { _, _, _ in },
        confirmed: ([LifeKernelTuner.Trial]) -> Void = { _ in }
    ) throws
        -> (winner: LifeKernel, rate: Double, trials: [LifeKernelTuner.Trial])
    {
        var tuner = LifeKernelTuner(device: device, width: width, height: height, rule: rule)
        tuner.shouldStop = shouldStop
        let (winner, trials) = tuner.tune(budget: budget, report: trial, confirmed: confirmed)
        guard let winner, let best = trials.first(where: { $0.kernel == winner.description }),
            let rate = best.measuredCellUpdatesPerSecond
        else {
            throw EngineError.unsupported(
                "no Life kernel ran correctly on \(device.description.name): "
                    + "each candidate was rejected, for the reason shown above"
            )
        }
        try updateCache { cache in
            try cache.store(
                lifeKernel: winner, rate: rate,
                for: TuningCache.Key(device: device.description, lifeCells: width * height, rule: rule),
                device: device.description.name)
        }
        return (winner, rate, trials)
    }

    /// Tunes the Gray-Scott kernel shape for a field size and stores the fastest verified one.
    /// - Parameter deliberatelyWrong: shapes to try first with wrong rates, which verification
    ///   must reject: how tests prove the gate works.
    public func tuneGrayScottAndStore(
        on device: Device, width: Int, height: Int, budget: Double, deliberatelyWrong: [GrayScottKernel] = [],
        shouldStop: @escaping @Sendable () -> Bool = { false },
        trial: (Int, Int, GrayScottKernelTuner.Trial) -> Void = { _, _, _ in },
        confirmed: ([GrayScottKernelTuner.Trial]) -> Void = { _ in }
    ) throws
        -> (winner: GrayScottKernel, rate: Double, trials: [GrayScottKernelTuner.Trial])
    {
        var tuner = GrayScottKernelTuner(device: device, width: width, height: height)
        tuner.shouldStop = shouldStop
        tuner.deliberatelyWrong = deliberatelyWrong
        let (winner, trials) = tuner.tune(budget: budget, report: trial, confirmed: confirmed)
        guard let winner, let best = trials.first(where: { $0.kernel == winner && $0.rejection == nil }),
            let rate = best.measuredCellUpdatesPerSecond
        else {
            throw EngineError.unsupported(
                "no Gray-Scott kernel shape ran correctly on \(device.description.name): "
                    + "each candidate was rejected, for the reason shown above"
            )
        }
        try updateCache { cache in
            try cache.store(
                grayScottKernel: winner, rate: rate,
                for: TuningCache.Key(device: device.description, grayScottCells: width * height),
                device: device.description.name)
        }
        return (winner, rate, trials)
    }

    /// Reads the cache as it is now, warning where the file will be replaced, and stores into it.
    private func updateCache(_ store: (inout TuningCache) throws -> Void) throws {
        var cache = TuningCache(url: url)
        if let warning = cache.warning { warn("\(warning); it will be replaced") }
        try store(&cache)
    }
}
