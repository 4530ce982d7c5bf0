import Engine
import Simulation
import Testing

/// The benchmark on lavapipe: repeats of whole dispatches, statistics, and a prompt stop.
@Suite(.serialized) struct BenchmarkTests {
    let context: ComputeContext

    init() throws {
        context = try ComputeContext()
    }

    @Test func repeatsTakeWholeDispatchesAndGiveTheirStatistics() throws {
        let workload = try LifeWorkload(
            device: context.device, width: 256, height: 256, rule: .conway, density: 0.5, seed: 1,
            kernel: .bitsTiled(generations: 8))
        var benchmark = Benchmark(repeats: 3, stepsPerRepeat: 10)
        var heard: [Int] = []
        benchmark.progress = { done, total in
            #expect(total == 3)
            heard.append(done)
        }
        let measurement = try benchmark.measure(workload)
        #expect(measurement.stepsPerRepeat == 16, "10 generations round up to two dispatches of 8")
        #expect(measurement.rates.count == 3 && measurement.secondsPerRepeat.count == 3)
        #expect(heard == [1, 2, 3])
        let rate = try #require(measurement.rate)
        #expect(rate.min <= rate.median && rate.median <= rate.max && rate.min > 0)
        for (seconds, rate) in zip(measurement.secondsPerRepeat, measurement.rates) {
            #expect(abs(rate - 256 * 256 * 16 / seconds) <= 1e-9 * rate)
        }
    }

    /// Sized by time, a repeat takes about the target; a stop ends the measurement with the
    /// repeats finished before it.
    @Test func aStopEndsTheMeasurementWithTheRepeatsDone() throws {
        let state = InitialModel.plummer.generate(count: 512, seed: 1, gravity: 1)
        let workload = try NBodyWorkload(device: context.device, state: state, parameters: NBodyParameters())
        var benchmark = Benchmark(repeats: 100)
        benchmark.targetSeconds = 0.05
        var done = 0
        benchmark.progress = { finished, _ in done = finished }
        benchmark.shouldStop = { done >= 2 }
        let measurement = try benchmark.measure(workload)
        #expect(measurement.rates.count == 2)
        #expect(measurement.stepsPerRepeat >= 1)
    }

    @Test func statisticsTakeTheMiddleValue() {
        #expect(Statistics([3, 1, 2]) == Statistics(median: 2, min: 1, max: 3))
        #expect(Statistics([4, 1, 2, 3]).median == 2.5)
    }
}

/// The benchmarks of each workload, as `bench` runs them: sizes in turn, each kernel checked
/// before it is timed, results as they come, and a stop heard between sizes.
@Suite(.serialized) struct WorkloadBenchmarkTests {
    let context: ComputeContext

    init() throws {
        context = try ComputeContext()
    }

    @Test func nbodySizesAreMeasuredInTurnUntilAStop() throws {
        let parameters = NBodyParameters(dt: 0.001, softening: 0.01, gravity: 1)
        var suite = NBodyBenchmark(
            benchmark: Benchmark(repeats: 2, stepsPerRepeat: 3), parameters: parameters, seed: 2)
        var before: [Int] = []
        var heard: [Int] = []
        suite.beforeSize = { before.append($0) }
        suite.measured = { result, workload in
            heard.append(result.particles)
            #expect(result.kernel == workload.configuration && result.repeats == 2)
            #expect(result.interactionsPerSecond.median > 0)
            #expect(abs(result.gflops.median - result.interactionsPerSecond.median * 20 / 1e9) < 1e-6)
        }
        let results = try suite.run(particleCounts: [100, 257], on: context.device)
        #expect(results.map(\.particles) == [100, 257] && heard == [100, 257] && before == [100, 257])
        // A stop asked after the first size leaves the rest unmeasured.
        var stopped = false
        suite.benchmark.shouldStop = { stopped }
        suite.measured = { _, _ in stopped = true }
        #expect(try suite.run(particleCounts: [100, 257], on: context.device).map(\.particles) == [100])
        // A size beyond the device is skipped with its reason, before anything is made or
        // tuned, and the others are measured; where every size is beyond it, nothing measured
        // is an error.
        suite.benchmark.shouldStop = { false }
        var skipped: [String] = []
        suite.skipped = { skipped.append($0) }
        before = []
        let huge = NBodyCapacity.largestParticleCount(on: context.device.description) + 1
        #expect(try suite.run(particleCounts: [huge, 100], on: context.device).map(\.particles) == [100])
        #expect(before == [100])
        #expect(skipped.count == 1 && skipped[0].contains("cannot run \(huge) particles"), "\(skipped)")
        suite.kernel = .streaming(workgroup: 65536, bodies: 1)
        #expect {
            try suite.run(particleCounts: [64, 100], on: context.device)
        } throws: {
            "\($0)".hasPrefix("nothing was measured: cannot run 64 particles")
                && "\($0)".hasSuffix("(and 1 more beyond this device)")
        }
        #expect(before == [100] && skipped.count == 3)
    }

    @Test func grayScottSizesBeyondTheDeviceAreSkipped() throws {
        var suite = GrayScottBenchmark(
            benchmark: Benchmark(repeats: 1, stepsPerRepeat: 2), parameters: GrayScottParameters(), seed: 1)
        var skipped: [String] = []
        suite.skipped = { skipped.append($0) }
        // Past the 128 MiB storage buffers of Debian 12's lavapipe at 8 bytes a cell.
        let large = (8192, 8192)
        let beyond =
            GrayScottWorkload.sizeProblem(width: large.0, height: large.1, device: context.device.description) != nil
        guard beyond else { return }
        #expect(try suite.run(sizes: [large, (64, 32)], on: context.device).map(\.width) == [64])
        #expect(skipped.count == 1 && skipped[0].contains("maxStorageBufferRange"), "\(skipped)")
        #expect {
            try suite.run(sizes: [large], on: context.device)
        } throws: {
            "\($0)".hasPrefix("nothing was measured: a 8192x8192 field needs")
        }
    }

    @Test func lifeKernelsAreMeasuredAtEachSizeAndSizesBeyondOneAreSkipped() throws {
        let rule = try LifeRule(parsing: "B2/S/C256")
        var suite = LifeBenchmark(benchmark: Benchmark(repeats: 1, stepsPerRepeat: 4), rule: rule, seed: 3)
        suite.kernels = [.bits, .wide]
        var skipped: [String] = []
        suite.skipped = { skipped.append($0) }
        // 16384 x 8192 cells in 9 bit planes, 144 MiB: past the 128 MiB storage buffers of Debian
        // 12's lavapipe; where the device holds it, only the small size is measured.
        let device = context.device.description
        let large = (16384, 8192)
        let beyond = [LifeKernel.bits, .wide].allSatisfy {
            LifeWorkload.sizeProblem(width: large.0, height: large.1, kernel: $0, rule: rule, device: device) != nil
        }
        let (results, planned) = try suite.run(sizes: [(256, 64)] + (beyond ? [large] : []), on: context.device)
        #expect(planned == (beyond ? 4 : 2))
        #expect(results.map(\.kernel) == ["bits", "wide"] && results.allSatisfy { $0.width == 256 })
        #expect(skipped.count == (beyond ? 2 : 0) && skipped.allSatisfy { $0.contains("maxStorageBufferRange") })
        // Without kernels: the tuned one where there is one, else the rule's default.
        suite.kernels = []
        suite.tuned = { width, _ in width == 256 ? .bytes : nil }
        #expect(suite.kernels(width: 256, height: 64, on: device) == [.bytes])
        #expect(
            suite.kernels(width: 512, height: 64, on: device) == [
                .preferred(for: rule, on: device, cells: 512 * 64)
            ])
        #expect(LifeBenchmark.defaultSizes(kernels: [.wide], rule: rule, device: device).first.map { $0.0 } == 1024)
        // Sizes whose bit planes do not fit are not planned: 16384² in 9 planes where it is beyond.
        #expect(
            LifeBenchmark.defaultSizes(kernels: [.wide], rule: rule, device: device).contains { $0.0 == 16384 }
                == !beyond)
    }
}
