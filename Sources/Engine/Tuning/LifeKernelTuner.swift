import FoundationEssentials
import Glibc

/// Picks the fastest Life kernel for one device, rule class and grid size: each candidate is
/// first checked bit for bit against the CPU reference, then timed with GPU timestamps.
///
/// Exists because the best kernel is a property of the device: on lavapipe the one-generation
/// `bits` kernel beats every tiled one by 2-3x, while on GPUs temporal blocking should win by
/// cutting memory traffic, by how much depending on shared memory and bandwidth.
public struct LifeKernelTuner {
    public struct Trial: Sendable, Codable, Equatable {
        public var kernel: String
        public var cellUpdatesPerSecond: Double?
        /// The median of the final round's interleaved runs, for finalists only.
        public var confirmedCellUpdatesPerSecond: Double?
        public var rejection: String?
        /// The final round's figure where there was one, else the first pass's.
        public var measuredCellUpdatesPerSecond: Double? { confirmedCellUpdatesPerSecond ?? cellUpdatesPerSecond }
    }

    public let device: Device
    public let width: Int
    public let height: Int
    public let rule: LifeRule
    /// Asked between candidates: true ends the search early (Ctrl-C); the best so far wins.
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(device: Device, width: Int, height: Int, rule: LifeRule) {
        self.device = device
        self.width = width
        self.height = height
        self.rule = rule
    }

    /// The untuned default first, then every other kernel the rule can use on this device.
    public func candidates() -> [LifeKernel] {
        let preferred = LifeKernel.preferred(for: rule, on: device.description, cells: width * height)
        var kernels = [preferred]
        var all = LifeKernel.candidates(for: rule, on: device.description)
        // Two-state rules: the byte kernel is 8x the memory traffic and never wins.
        if rule.states == 2 { all.removeAll { $0 == .bytes } }
        if rule.states == 2, LifeTileShape(device: device.description, generations: 32) != nil {
            all.append(.bitsTiled(generations: 32))
        }
        for kernel in all where !kernels.contains(kernel) { kernels.append(kernel) }
        return kernels
    }

    /// Whether `kernel` matches the CPU reference on a torus whose width is not a multiple of
    /// its packing, over generations that are not a multiple of its blocking, bounded and not;
    /// and for `wide`, also in the shape it takes at the tuner's size (which depends on the
    /// row's length), on a few rows of that width.
    public func verify(_ kernel: LifeKernel) throws -> Bool {
        var random = SeededGenerator(seed: 99)
        func randomGrid(width: Int, height: Int) -> LifeGrid {
            var grid = LifeGrid(width: width, height: height)
            // Half the cells not dead alive, the rest spread over the dying states, so that
            // rules of many states have live cells to count too.
            for i in grid.cells.indices where random.uniform() < 0.4 {
                let dying = rule.states > 2 && random.uniform() < 0.5
                grid.cells[i] = dying ? UInt8(2 + Int(random.next() % UInt64(rule.states - 2))) : 1
            }
            return grid
        }
        let generations = 2 * kernel.generationsPerDispatch + 1
        var checks: [(grid: LifeGrid, bitsShape: LifeBitsShape?)] = [(randomGrid(width: 97, height: 75), nil)]
        if kernel == .wide {
            let stride = LifeCellLayout(kernel: kernel, rule: rule, width: width, height: height).stride
            checks.append(
                (
                    randomGrid(width: width, height: 19),
                    LifeBitsShape.preferred(for: kernel, on: device.description, stride: stride, height: height)
                ))
        }
        for (grid, bitsShape) in checks {
            for bounded in [false, true] {
                let workload = try LifeWorkload(
                    device: device, grid: grid, rule: rule, bounded: bounded, kernel: kernel,
                    subgroupShuffles: LifeWorkload.subgroupShufflesWanted(on: device.description),
                    bitsShape: bitsShape)
                try workload.advance(generations: generations)
                guard
                    try workload.download()
                        == LifeReference.advance(grid, rule: rule, generations: generations, bounded: bounded)
                else {
                    return false
                }
            }
        }
        return true
    }

    /// Cell updates per second of `kernel` on a random grid, the best of `runs` runs of about
    /// `seconds` of GPU time each.
    public func measure(_ kernel: LifeKernel, seconds: Double = 0.25, runs: Int = 3) throws -> Double {
        let workload = try LifeWorkload(
            device: device, width: width, height: height, rule: rule, density: 0.5, seed: 1, kernel: kernel)
        let perDispatch = workload.generationsPerDispatch
        let perGeneration = try workload.warmedSecondsPerGeneration()
        let dispatches = max(1, Int(seconds / max(perGeneration, 1e-9)) / perDispatch)
        var best = 0.0
        for _ in 0..<runs {
            let generations = dispatches * perDispatch
            best = max(
                best,
                workload.cellsPerGeneration * Double(generations)
                    / (try workload.timedAdvance(generations: generations)))
        }
        return best
    }

    /// Kernels re-timed in the final round besides the default: the fastest of the first pass.
    public var finalists = 3

    /// Tries candidates, the default first, until most of `budget` seconds have passed (the
    /// default is always measured), then re-times the fastest few and the default in
    /// interleaved runs and crowns the best median, since on a busy host first-pass samples
    /// spread as widely as close kernels differ. `report` hears about each trial as it ends;
    /// `confirmed`, the final round's finalists.
    /// - Returns: the fastest verified kernel (nil if none was correct) and every trial.
    public func tune(
        budget: Double, report: (Int, Int, Trial) -> Void = { _, _, _ in },
        confirmed: ([Trial]) -> Void = { _ in }
    ) -> (winner: LifeKernel?, trials: [Trial]) {
        let start = Date()
        let kernels = candidates()
        var trials: [Trial] = []
        for (index, kernel) in kernels.enumerated() {
            if index > 0 && (Date().timeIntervalSince(start) > 0.7 * budget || shouldStop()) { break }
            var trial = Trial(kernel: kernel.description)
            do {
                if try verify(kernel) {
                    trial.cellUpdatesPerSecond = try measure(kernel)
                } else {
                    trial.rejection = "wrong results against the CPU reference"
                }
            } catch {
                trial.rejection = "\(error)"
            }
            trials.append(trial)
            report(index + 1, kernels.count, trial)
        }
        // Trials are the kernels' first ones, in order.
        let round = InterleavedTiming.finalRound(
            firstPass: trials.map(\.cellUpdatesPerSecond), finalists: finalists, started: start, budget: budget,
            stopped: shouldStop()
        ) { trial, seconds in try measure(kernels[trial], seconds: seconds, runs: 1) }
        for (trial, median) in round.finalists { trials[trial].confirmedCellUpdatesPerSecond = median }
        if round.skippedForTime || !round.finalists.isEmpty { confirmed(round.finalists.map { trials[$0.trial] }) }
        return (round.winner.map { kernels[$0] }, trials)
    }
}
