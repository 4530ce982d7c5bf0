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
