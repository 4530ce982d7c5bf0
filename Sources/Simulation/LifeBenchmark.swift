import Engine

/// `bench life`: for each grid size and kernel (given, else tuned, else the rule's default),
/// the kernel checked against the CPU reference at that size, then measured (``Benchmark``)
/// on a random grid of half live cells.
public struct LifeBenchmark {
    public var benchmark: Benchmark
    public var rule: LifeRule
    public var seed: UInt64
    /// The kernels to measure at every size; empty for the tuned one, else the rule's default.
    public var kernels: [LifeKernel] = []
    /// The tuning cache's kernel for a size, if any.
    public var tuned: (_ width: Int, _ height: Int) -> LifeKernel? = { _, _ in nil }
    /// Measures a workload with ``benchmark``: the caller's progress display goes around
    /// ``Benchmark/measure(_:)`` here.
    public var measure: (Benchmark, LifeWorkload, _ label: String) throws -> Benchmark.Measurement = {
        benchmark, workload, _ in try benchmark.measure(workload)
    }
    /// Hears each measurement as it comes.
    public var measured: (LifeBenchmarkResult, LifeWorkload) -> Void = { _, _ in }
    /// Hears why a size was skipped for a kernel (beyond its reach on this device).
    public var skipped: (String) -> Void = { _ in }

    public init(benchmark: Benchmark, rule: LifeRule, seed: UInt64) {
        self.benchmark = benchmark
        self.rule = rule
        self.seed = seed
    }

    /// Square grids of 1024², 4096², 16384² and the largest power of two up to 65536² whose two
    /// buffers of `rule` fit, for every kernel, in half the device's memory and in one storage
    /// buffer.
    public static func defaultSizes(
        kernels: [LifeKernel], rule: LifeRule, device: PhysicalDeviceDescription
    ) -> [(Int, Int)] {
        let fitting = [1024, 2048, 4096, 8192, 16384, 32768, 65536].filter { side in
            let bytes = (kernels.isEmpty ? [.bits] : kernels).map {
                LifeWorkload.stateBytes(width: side, height: side, kernel: $0, rule: rule)
            }.max()!
            return bytes <= UInt64(device.limits.maxStorageBufferRange) && 2 * bytes <= device.deviceLocalMemory / 2
        }
        let chosen =
            fitting.filter { [1024, 4096, 16384].contains($0) } + (fitting.last.map { $0 > 16384 ? [$0] : [] } ?? [])
        return (chosen.isEmpty ? Array(fitting.prefix(1)) : chosen).map { ($0, $0) }
    }

    /// The sizes measured where none are given: ``defaultSizes(kernels:rule:device:)`` of the
    /// kernels given, else of the rule's default (a rule's default kernels share one layout at
    /// every size).
    public func defaultSizes(on device: PhysicalDeviceDescription) -> [(Int, Int)] {
        Self.defaultSizes(
            kernels: kernels.isEmpty ? [.preferred(for: rule, on: device, cells: 1 << 20)] : kernels, rule: rule,
            device: device)
    }

    /// The kernels measured at a size.
    public func kernels(width: Int, height: Int, on device: PhysicalDeviceDescription) -> [LifeKernel] {
        guard kernels.isEmpty else { return kernels }
        return [tuned(width, height) ?? .preferred(for: rule, on: device, cells: width * height)]
    }

    /// Measures every kernel at each of `sizes`, until the benchmark's stop request.
    /// - Returns: the results, and how many measurements were planned.
    public func run(sizes: [(Int, Int)], on device: Device) throws -> (results: [LifeBenchmarkResult], planned: Int) {
        var results: [LifeBenchmarkResult] = []
        var planned = 0
        var beyond: [String] = []
        for (width, height) in sizes {
            for kernel in kernels(width: width, height: height, on: device.description) {
                planned += 1
                if benchmark.shouldStop() { continue }
                // At every size: the wide kernel's shape follows the row's length.
                let tuner = LifeKernelTuner(device: device, width: width, height: height, rule: rule)
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
                        device: device, width: width, height: height, rule: rule, density: 0.5, seed: seed,
                        kernel: kernel)
                } catch EngineError.unsupported(let reason) {
                    // One size beyond one kernel's reach should not cost the other measurements.
                    beyond.append(reason)
                    skipped(reason)
                    continue
                }
                let measurement = try measure(benchmark, workload, "\(kernel) \(width)x\(height)")
                guard let rate = measurement.rate else { continue }
                let result = LifeBenchmarkResult(
                    kernel: kernel.description, shape: workload.bitsShapeDescription, width: width, height: height,
                    generationsPerRepeat: measurement.stepsPerRepeat, repeats: measurement.rates.count,
                    cellUpdatesPerSecond: rate, bytesPerGeneration: workload.minimumBytesPerGeneration)
                results.append(result)
                measured(result, workload)
            }
        }
        try benchmark.checkSomethingMeasured(results.count, skipped: beyond)
        return (results, planned)
    }
}

/// One measurement of `bench life`, as `--json` writes it.
public struct LifeBenchmarkResult: Encodable {
    public var kernel: String
    /// How the bits or wide kernel laid the grid onto invocations (wide's depends on the
    /// device and the row's length); absent for other kernels.
    public var shape: String?
    public var width: Int
    public var height: Int
    public var generationsPerRepeat: Int
    public var repeats: Int
    public var cellUpdatesPerSecond: Statistics
    /// Bytes one generation must read and write at the least, for a bandwidth bound.
    public var bytesPerGeneration: Double
}

extension LifeBenchmarkResult {
    /// The measurement as `bench life` prints it, with the least memory traffic it implies.
    public func line(for workload: LifeWorkload) -> String {
        let r = cellUpdatesPerSecond
        let bandwidth = bytesPerGeneration * r.median / workload.cellsPerGeneration
        return """
            \(workload.kernelDescription) \(width)x\(height): \(scientific(r.median)) cell updates/s \
            (min \(scientific(r.min)), max \(scientific(r.max))), \(generationsPerRepeat) generations x \
            \(repeats); memory traffic at least \(fixed(bandwidth / 1e9, 2)) GB/s
            """
    }
}

/// `bench life --json`: the device, the rule and every measurement.
public struct LifeBenchmarkReport: Encodable {
    public var device: String
    public var driver: String
    public var rule: String
    public var results: [LifeBenchmarkResult]
    /// The signal that stopped the benchmark early; absent when it ran to the end.
    public var stoppedBy: String?

    public init(device: PhysicalDeviceDescription, rule: LifeRule, results: [LifeBenchmarkResult], stoppedBy: String?) {
        self.device = device.name
        driver = device.driverText
        self.rule = rule.description
        self.results = results
        self.stoppedBy = stoppedBy
    }
}

extension LifeBenchmark {
    /// What `bench life` says first: the device and the rule.
    public static func headerLine(device: PhysicalDeviceDescription, rule: LifeRule) -> String {
        "device: \(device.heading()); Life \(rule)"
    }
}
