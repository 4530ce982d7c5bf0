import Engine

/// `bench gray-scott`: the kernel checked against the CPU reference on a small field, then, for
/// each field size, measured (``Benchmark``) on a seeded field.
public struct GrayScottBenchmark {
    public var benchmark: Benchmark
    public var parameters: GrayScottParameters
    public var seed: UInt64
    /// The kernel shapes to measure at every size, each checked first; nil for one a size: the
    /// one `tuned` gives for it, else the device's default.
    public var kernels: [GrayScottKernel]?
    /// The tuned kernel shape for a field size, if any.
    public var tuned: (_ width: Int, _ height: Int) -> GrayScottKernel? = { _, _ in nil }
    /// Measures a workload with ``benchmark``: the caller's progress display goes around
    /// ``Benchmark/measure(_:)`` here.
    public var measure: (Benchmark, GrayScottWorkload, _ label: String) throws -> Benchmark.Measurement = {
        benchmark, workload, _ in try benchmark.measure(workload)
    }
    /// Hears each measurement as it comes.
    public var measured: (GrayScottBenchmarkResult) -> Void = { _ in }
    /// Hears why a size was skipped (beyond the device's reach).
    public var skipped: (String) -> Void = { _ in }

    public init(benchmark: Benchmark, parameters: GrayScottParameters, seed: UInt64) {
        self.benchmark = benchmark
        self.parameters = parameters
        self.seed = seed
    }

    /// 512², 2048² and 4096² where the device holds them.
    public static let defaultSizes = [(512, 512), (2048, 2048), (4096, 4096)]

    /// Checks each kernel shape, then measures each of `sizes` with each until the benchmark's
    /// stop request.
    public func run(sizes: [(Int, Int)], on device: Device) throws -> [GrayScottBenchmarkResult] {
        let fallback = GrayScottKernel.defaultKernel(for: device.description)
        let plan = sizes.map { size in (size, kernels ?? [tuned(size.0, size.1) ?? fallback]) }
        // Not a multiple of the workgroup either way, so the edges' invocations are checked too;
        // widths that divide by 4, by 2 alone and by neither, which decide how many cells each
        // access takes.
        let checks = [72, 70, 71].map { GrayScottField.seeded(width: $0, height: 45, seed: seed) }
        var checked: Set<GrayScottKernel> = []
        for kernel in plan.flatMap(\.1) where checked.insert(kernel).inserted {
            for check in checks {
                let verification = try GrayScottVerification(
                    try GrayScottWorkload(device: device, field: check, parameters: parameters, kernel: kernel),
                    from: check, steps: 20, tolerance: 1e-4)
                guard verification.passed else {
                    throw EngineError.unsupported(
                        "the Gray-Scott kernel with \(kernel) computes wrong results on this device "
                            + "(\(verification.lines.last ?? "")); not timing it")
                }
            }
        }
        var results: [GrayScottBenchmarkResult] = []
        var problems: [String] = []
        measuring: for ((width, height), shapes) in plan {
            for kernel in shapes {
                if benchmark.shouldStop() { break measuring }
                if let problem = GrayScottWorkload.sizeProblem(
                    width: width, height: height, kernel: kernel, device: device.description)
                {
                    // Said once: most problems are the field's, whatever the shapes.
                    if !problems.contains(problem) {
                        problems.append(problem)
                        skipped(problem)
                    }
                    continue
                }
                let workload = try GrayScottWorkload(
                    device: device, field: .seeded(width: width, height: height, seed: seed), parameters: parameters,
                    kernel: kernel)
                let measurement = try measure(benchmark, workload, "\(width)x\(height), \(kernel)")
                guard let rate = measurement.rate else { break measuring }
                let result = GrayScottBenchmarkResult(
                    width: width, height: height, rows: kernel.rows, columns: kernel.columns,
                    stepsPerRepeat: measurement.stepsPerRepeat,
                    repeats: measurement.rates.count, cellUpdatesPerSecond: rate)
                results.append(result)
                measured(result)
            }
        }
        try benchmark.checkSomethingMeasured(results.count, skipped: problems)
        return results
    }

    /// What `bench gray-scott` says first: the device and the rates.
    public static func headerLine(device: PhysicalDeviceDescription, parameters: GrayScottParameters) -> String {
        "device: \(device.heading()); Gray-Scott, feed \(parameters.feed), kill \(parameters.kill)"
    }
}

/// One measurement of `bench gray-scott`, as `--json` writes it.
public struct GrayScottBenchmarkResult: Encodable {
    public var width: Int
    public var height: Int
    /// The kernel's shape: rows a strip, cells a row.
    public var rows: Int
    public var columns: Int
    public var stepsPerRepeat: Int
    public var repeats: Int
    public var cellUpdatesPerSecond: Statistics

    /// The measurement as `bench gray-scott` prints it, with the least memory traffic it
    /// implies: a step reads and writes each cell's two floats once.
    public var line: String {
        let r = cellUpdatesPerSecond
        let bandwidth = 2 * Double(GrayScottField.bytesPerCell) * r.median
        let kernel = GrayScottKernel(rows: rows, columns: columns)
        return """
            \(width)x\(height), \(kernel): \(scientific(r.median)) cell updates/s \
            (min \(scientific(r.min)), max \(scientific(r.max))), \(stepsPerRepeat) steps x \(repeats); \
            memory traffic at least \(fixed(bandwidth / 1e9, 2)) GB/s
            """
    }
}

/// `bench gray-scott --json`: the device, the rates and every measurement.
public struct GrayScottBenchmarkReport: Encodable {
    public var device: String
    public var driver: String
    public var feed: Float
    public var kill: Float
    public var results: [GrayScottBenchmarkResult]
    /// The signal that stopped the benchmark early; absent when it ran to the end.
    public var stoppedBy: String?

    public init(
        device: PhysicalDeviceDescription, parameters: GrayScottParameters, results: [GrayScottBenchmarkResult],
        stoppedBy: String?
    ) {
        self.device = device.name
        driver = device.driverText
        feed = parameters.feed
        kill = parameters.kill
        self.results = results
        self.stoppedBy = stoppedBy
    }
}
