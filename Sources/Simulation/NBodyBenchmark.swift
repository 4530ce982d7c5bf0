import Engine

/// `bench nbody`: for each number of bodies, the kernel chosen (given, else tuned, else the
/// device's default), checked against the CPU reference, then measured (``Benchmark``) on a
/// Plummer model. A fast wrong kernel is worse than a slow one: lavapipe has returned wrong
/// results for heavy register blocking without any error, so nothing is timed unchecked.
public struct NBodyBenchmark {
    public var benchmark: Benchmark
    public var parameters: NBodyParameters
    public var seed: UInt64
    /// The kernel to measure at every size; nil for the tuned one, else the device's default.
    public var kernel: NBodyKernel?
    /// The tuning cache's kernel for a number of bodies, if any.
    public var tuned: (Int) -> NBodyKernel? = { _ in nil }
    /// Runs before a size is measured (`bench --tune` tunes and stores it there).
    public var beforeSize: (Int) throws -> Void = { _ in }
    /// Measures a workload with ``benchmark``: the caller's progress display goes around
    /// ``Benchmark/measure(_:)`` here.
    public var measure: (Benchmark, NBodyWorkload, _ label: String) throws -> Benchmark.Measurement = {
        benchmark, workload, _ in try benchmark.measure(workload)
    }
    /// Hears each size's result as it comes.
    public var measured: (NBodyBenchmarkResult, NBodyWorkload) -> Void = { _, _ in }
    /// Hears why a size was skipped (beyond the device's or the host's reach).
    public var skipped: (String) -> Void = { _ in }

    public init(benchmark: Benchmark, parameters: NBodyParameters, seed: UInt64) {
        self.benchmark = benchmark
        self.parameters = parameters
        self.seed = seed
    }

    /// Measures each of `particleCounts` in turn, until the benchmark's stop request; a size
    /// beyond the device is skipped, and nothing measured for that reason alone is an error.
    public func run(particleCounts: [Int], on device: Device) throws -> [NBodyBenchmarkResult] {
        var results: [NBodyBenchmarkResult] = []
        var beyond: [String] = []
        for n in particleCounts {
            if benchmark.shouldStop() { break }
            do {
                try NBodyCapacity.check(particleCount: n, configuration: kernel, on: device.description)
            } catch {
                // One size beyond the device should not cost the others' measurements.
                beyond.append("\(error)")
                skipped("\(error)")
                continue
            }
            try beforeSize(n)
            let state = InitialModel.plummer.generate(count: n, seed: seed, gravity: parameters.gravity)
            let workload = try NBodyWorkload(
                device: device, state: state, parameters: parameters, configuration: kernel ?? tuned(n))
            try Self.verify(workload.configuration, particleCount: n, device: device, parameters: parameters)
            let measurement = try measure(benchmark, workload, "N=\(n)")
            guard let rate = measurement.rate else { continue }
            let result = NBodyBenchmarkResult(
                particles: n, stepsPerRepeat: measurement.stepsPerRepeat, repeats: measurement.rates.count,
                kernel: workload.configuration, kernelDescription: workload.kernelDescription,
                bitReproducible: workload.isBitReproducible, secondsPerRepeat: measurement.secondsPerRepeat,
                interactionsPerSecond: rate, gflops: Statistics(measurement.rates.map { $0 * 20 / 1e9 }))
            results.append(result)
            measured(result, workload)
        }
        try benchmark.checkSomethingMeasured(results.count, skipped: beyond)
        return results
    }

    /// Checks `kernel` on a system small enough for the CPU reference, with N not a multiple
    /// of the workgroup; throws where it fails.
    public static func verify(
        _ kernel: NBodyKernel, particleCount: Int, device: Device, parameters: NBodyParameters
    ) throws {
        let checker = KernelTuner(device: device, particleCount: particleCount, parameters: parameters)
        let verification = try checker.verify(kernel)
        if let rejection = verification.rejection(tolerance: checker.tolerance) {
            throw EngineError.unsupported(
                "kernel shape \(kernel) fails its check on this device at N=\(verification.particleCount): "
                    + "\(rejection); not timing it")
        }
    }
}

/// One size of `bench nbody`, as `--json` writes it.
public struct NBodyBenchmarkResult: Encodable {
    public var particles: Int
    public var stepsPerRepeat: Int
    public var repeats: Int
    public var kernel: NBodyKernel
    /// The shape and, for the atomic pair-once form, how it adds (fixed point or floats),
    /// which depends on the device and the softening as well as the shape.
    public var kernelDescription: String
    /// Whether reruns give the same bits (false only for float atomic sums).
    public var bitReproducible: Bool
    public var secondsPerRepeat: [Double]
    public var interactionsPerSecond: Statistics
    public var gflops: Statistics
}

/// `bench nbody --json`: the device, the physics and each size's result.
public struct NBodyBenchmarkReport: Encodable {
    public var device: String
    public var deviceType: String
    public var vendor: String
    public var driver: String
    public var driverVersion: String
    public var apiVersion: String
    public var uuid: String
    public var timing: String
    public var parameters: NBodyParameters
    public var results: [NBodyBenchmarkResult]
    /// The signal that stopped the benchmark early; absent when it ran to the end.
    public var stoppedBy: String?

    public init(
        device: PhysicalDeviceDescription, parameters: NBodyParameters, results: [NBodyBenchmarkResult],
        stoppedBy: String?
    ) {
        self.device = device.name
        deviceType = device.type.rawValue
        vendor = device.vendor.name
        driver = device.driverText
        driverVersion = device.driverVersionText
        apiVersion = device.apiVersion.description
        uuid = device.uuid
        timing = device.supportsComputeTimestamps ? "gpu-timestamps" : "host-clock"
        self.parameters = parameters
        self.results = results
        self.stoppedBy = stoppedBy
    }
}

extension NBodyBenchmarkResult {
    /// The measurement as `bench nbody` prints it.
    public var line: String {
        let r = interactionsPerSecond
        return "N=\(particles): \(scientific(r.median)) interactions/s "
            + "(min \(scientific(r.min)), max \(scientific(r.max))), \(fixed(gflops.median, 1)) GFLOP/s, "
            + "\(stepsPerRepeat) steps x \(repeats), kernel: \(kernelDescription)"
    }
}

extension NBodyBenchmark {
    /// What `bench nbody` says first: the device and how it is timed.
    public static func headerLines(device: PhysicalDeviceDescription) -> [String] {
        [
            "device: \(device.heading())",
            "timing: \(device.supportsComputeTimestamps ? "GPU timestamps" : "host clock (no GPU timestamps)")",
        ]
    }
}
