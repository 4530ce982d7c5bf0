import FoundationEssentials
import Glibc

/// Searches the N-body kernel's shape for one device and problem size: every candidate is
/// checked against the CPU reference before it may win, then timed with GPU timestamps.
///
/// Exists because the best shape differs by an order of magnitude between devices (32 bodies
/// per invocation and no shared tile on lavapipe, 2 bodies and a 256-body tile on an H100),
/// and because a fast wrong kernel is worse than a slow one: lavapipe has returned wrong
/// results for heavy register blocking with no error at all.
public struct KernelTuner {
    public struct Trial: Sendable, Codable, Equatable {
        public var configuration: NBodyKernel
        /// Relative error against the CPU reference; nil when the candidate could not run.
        public var error: Double?
        public var interactionsPerSecond: Double?
        public var rejection: String?
        /// The median of the longer, interleaved runs of the final round, for finalists only.
        public var confirmedInteractionsPerSecond: Double?
        /// The final round's figure where there was one, else the first pass's.
        public var measuredInteractionsPerSecond: Double? { confirmedInteractionsPerSecond ?? interactionsPerSecond }
    }

    public let device: Device
    public let particleCount: Int
    public let parameters: NBodyParameters
    /// Largest relative error a candidate may show against the CPU reference.
    public var tolerance = 1e-4

    /// The systems candidates are checked and timed on, made once per tuning run: every
    /// candidate is checked on the same few systems, whose CPU reference for thousands of
    /// bodies takes a good part of a second, and timed on one of N bodies.
    private let systems = TuningSystems()

    public init(device: Device, particleCount: Int, parameters: NBodyParameters = NBodyParameters()) {
        self.device = device
        self.particleCount = particleCount
        self.parameters = parameters
    }

    /// Shapes worth trying on this device, the untuned default first, all within its limits.
    public func candidates() -> [NBodyKernel] {
        let description = device.description
        let limit = Int(
            min(
                description.limits.maxComputeWorkGroupInvocations, description.limits.maxComputeWorkGroupSize.first ?? 1
            ))
        let maxTile = Int(description.limits.maxComputeSharedMemorySize) / 16
        var shapes = [NBodyKernel.recommended(for: description, particleCount: particleCount)]
        let workgroups = [32, 64, 128, 256, 512].filter { $0 <= limit }
        // Beyond 32 bodies lavapipe has computed wrong results; verification would catch it,
        // but the time is better spent elsewhere. The likeliest blocking comes first (heavy on
        // CPU drivers, light on GPUs: every H100 winner had 1 body per invocation, bar one at
        // 4), so a short budget covers it at every workgroup size before trying the rest.
        let blocking = description.type == .cpu ? [32, 24, 16, 8] : [1, 2, 4, 8]
        // The force's spelling: on CPU drivers, whose inversesqrt is a square root and a
        // division, the quotient is likelier and both are tried for every shape; on GPUs (the
        // quotient was slower on the H100) only the default shape is tried both ways, which is
        // enough to notice a device that differs.
        let forces: [NBodyKernel.ForceExpression] =
            description.type == .cpu
            ? [.quotient, .reciprocalSquareRoot] : [.reciprocalSquareRoot]
        if description.type != .cpu, let first = shapes.first {
            shapes.append(first.with(force: first.force == .quotient ? .reciprocalSquareRoot : .quotient))
        }
        // Each pair once (a workgroup of one subgroup): where the device can, first, since the
        // halved square roots and divisions bound CPU drivers. On GPUs first its atomic form,
        // whose memory does not grow as N² and whose shuffles (7 a round for B pairs) want
        // heavier blocking; on CPU drivers its shuffles are lane-by-lane loops, not worth trying.
        let subgroup = Int(description.limits.subgroupSize)
        if description.type != .cpu && subgroup > 0 {
            for bodies in [8, 4, 16, 2] {
                shapes.append(.atomicPairs(workgroup: subgroup, bodies: bodies))
            }
        }
        for bodies in blocking where subgroup > 0 {
            for force in forces {
                shapes.append(.pairs(workgroup: subgroup, bodies: bodies, force: force))
            }
        }
        for bodies in blocking {
            for workgroup in workgroups {
                let tiles = description.type == .cpu ? [0, workgroup] : [workgroup, 2 * workgroup, 0]
                for tile in tiles where tile <= maxTile {
                    for force in forces {
                        shapes.append(
                            tile == 0
                                ? .streaming(workgroup: workgroup, bodies: bodies, force: force)
                                : .tiled(workgroup: workgroup, bodies: bodies, tile: tile, force: force))
                    }
                    // Prefetching only pays where tiles pass through shared memory: GPUs.
                    if description.type != .cpu && tile > 0 {
                        shapes.append(.tiled(workgroup: workgroup, bodies: bodies, tile: tile, prefetch: true))
                    }
                }
            }
        }
        // Small systems on GPUs: several invocations per body keep more of the GPU busy.
        if description.type != .cpu && particleCount <= 65536 {
            for workgroup in [64, 128, 256] where workgroup <= limit {
                for split in [2, 4, 8, 16] {
                    shapes.append(.split(workgroup: workgroup, invocations: split))
                }
            }
        }
        var seen = Set<NBodyKernel>()
        return shapes.filter {
            seen.insert($0).inserted && $0.problems(on: description, particleCount: particleCount).isEmpty
        }
    }

    /// Bodies in the system a shape is checked on: not a multiple of the workgroup, so partial
    /// workgroups and tiles are exercised, and few enough for the CPU reference. On drivers that
    /// stop long loops (lavapipe) also, up to the N being tuned, enough that a kernel whose loop
    /// over its bodies the driver left rolled runs into the limit here, not only at the user's N
    /// (from about 7700 bodies for 33 or more bodies per invocation).
    public func checkParticleCount(for configuration: NBodyKernel) -> Int {
        let count = min(max(configuration.bodiesPerWorkgroup + 7, 257), 4099)
        guard let limit = device.description.shaderLoopIterationLimit else { return count }
        return max(count, min(particleCount, limit / 6 + 7))
    }

    /// What checking a shape found.
    public struct Verification: Sendable {
        /// The largest relative error against the CPU reference after two steps.
        public var error: Double
        /// Bodies it was checked on.
        public var particleCount: Int
        /// Whether the same two steps run again gave the same bits; true for kernels that need
        /// not (float atomic sums). A race can hide inside the tolerance, not from this.
        public var repeats: Bool

        /// Why the shape may not be used, or nil.
        public func rejection(tolerance: Double) -> String? {
            if !(error <= tolerance) { return "wrong results (relative error \(cFormat("%.1e", error)))" }
            if !repeats { return "other bits when the same steps run again (a race in the kernel or the driver)" }
            return nil
        }
    }

    /// Checks the shape against the CPU reference, and against itself run again. `wrong`
    /// doubles G on the GPU (the test hook).
    public func verify(_ configuration: NBodyKernel, wrong: Bool = false) throws -> Verification {
        let count = checkParticleCount(for: configuration)
        let (state, expected) = systems.reference(count: count, parameters: parameters)
        var checked = parameters
        if wrong { checked.gravity *= 2 }
        let check = try NBodyWorkload(device: device, state: state, parameters: checked, configuration: configuration)
        try check.advance(steps: 2)
        let result = try check.download()
        // Float atomic sums may differ run to run by design; every other kernel must repeat its bits.
        var repeats = true
        if check.isBitReproducible {
            try check.upload(state)
            try check.advance(steps: 2)
            repeats = try check.download().valuesDiffering(from: result) == 0
        }
        return Verification(
            error: StateComparison(result, reference: expected).worst, particleCount: count, repeats: repeats)
    }

    /// Verifies, then times, one candidate.
    public func evaluate(_ configuration: NBodyKernel, wrong: Bool = false) -> Trial {
        do {
            let verification = try verify(configuration, wrong: wrong)
            let error = verification.error
            if let rejection = verification.rejection(tolerance: tolerance) {
                return Trial(configuration: configuration, error: error, rejection: rejection)
            }
            let workload = try NBodyWorkload(
                device: device, state: systems.timed(count: particleCount),
                parameters: parameters, configuration: configuration)
            let once = try workload.timedAdvance(steps: 1)  // warm-up, and a first estimate
            // A step of a second or more (huge N on a CPU driver) is its own measurement: three
            // more would quadruple the cost of every candidate for little gain in accuracy.
            if once >= 1 {
                return Trial(
                    configuration: configuration, error: error,
                    interactionsPerSecond: workload.interactionsPerStep / once)
            }
            // Three runs of about 0.05 s each; the median resists a busy host.
            let steps = max(1, min(10_000, Int(0.05 / max(once, 1e-9))))
            var rates: [Double] = []
            for _ in 0..<3 {
                rates.append(workload.interactionsPerStep * Double(steps) / (try workload.timedAdvance(steps: steps)))
            }
            return Trial(configuration: configuration, error: error, interactionsPerSecond: rates.sorted()[1])
        } catch {
            return Trial(configuration: configuration, rejection: "\(error)")
        }
    }

    /// How far `unrolledVariants` writes out the tile loop.
    static let tileUnrolls = [4, 8, 16]

    /// The fastest verified shared-tile shapes among `trials`, each with its tile loop written
    /// out by every factor of `tileUnrolls` it allows and not yet tried. Only the fastest few:
    /// unrolling trims loop overhead from a shape that is already good, and every shape tried
    /// three times over would take most of a budget.
    static func unrolledVariants(
        of trials: [Trial], device: PhysicalDeviceDescription, particleCount: Int,
        shapes: Int = 3
    ) -> [NBodyKernel] {
        let tried = Set(trials.map(\.configuration))
        let fastest = trials.filter {
            guard $0.rejection == nil && $0.interactionsPerSecond != nil,
                case .tiled(_, _, _, _, 1, _) = $0.configuration
            else { return false }
            return true
        }.sorted { $0.interactionsPerSecond! > $1.interactionsPerSecond! }.prefix(shapes)
        return fastest.flatMap { trial in
            tileUnrolls.map { trial.configuration.with(unroll: $0) }
        }.filter { !tried.contains($0) && $0.problems(on: device, particleCount: particleCount).isEmpty }
    }

    /// Shapes re-timed in the final round besides the default: the fastest of the first pass.
    public var finalists = 3
    /// On GPUs, the share of the budget after which the first pass stops and the unrolled
    /// variants of its fastest tiled shapes take their turn (until 0.85 of it).
    public var firstPassShare = 0.7
    /// Asked between candidates: true ends the search early (Ctrl-C), and the best shape
    /// verified so far wins without a final round.
    public var shouldStop: @Sendable () -> Bool = { false }

    /// Tries candidates until most of `budget` seconds have passed (the default is always
    /// tried; on GPUs the last part goes to `unrolledVariants`), then re-times the fastest few
    /// and the default in interleaved runs and crowns the best median: a first-pass sample is
    /// short, and on a busy host (lavapipe on a shared VM) samples spread widely, enough to
    /// crown a shape slower than the default.
    /// - Returns: every trial, and the fastest verified shape.
    /// - Parameter deliberatelyWrong: shapes tried first with their G doubled, whose results
    ///   verification must reject: how tests prove the gate works.
    public func tune(
        budget: TimeInterval, deliberatelyWrong: [NBodyKernel] = [],
        progress: (Int, Int, Trial) -> Void = { _, _, _ in },
        confirmed: ([Trial]) -> Void = { _ in }
    )
        -> (winner: NBodyKernel?, trials: [Trial])
    {
        let shapes = candidates()
        let list = deliberatelyWrong.map { ($0, true) } + shapes.map { ($0, false) }
        let start = Date()
        let deadline = start.addingTimeInterval(budget * 0.85)
        // On GPUs the last part of the search writes out the tile loops of the fastest tiled
        // shapes (`unrolledVariants`), so the first pass leaves it time.
        let refining = device.description.type != .cpu
        let firstPassDeadline = refining ? start.addingTimeInterval(budget * min(firstPassShare, 0.85)) : deadline
        var trials: [Trial] = []
        // The default and one other shape are tried whatever the budget, so that a final round
        // always has two to compare, however busy the host (the test hook's shape aside).
        var tried = 0
        for (index, (candidate, wrong)) in list.enumerated() {
            if tried >= 2 && Date() > firstPassDeadline { break }
            if tried >= 1 && shouldStop() { break }
            if !wrong { tried += 1 }
            let trial = evaluate(candidate, wrong: wrong)
            trials.append(trial)
            progress(index + 1, list.count, trial)
        }
        if refining {
            let variants = Self.unrolledVariants(of: trials, device: device.description, particleCount: particleCount)
            let total = trials.count + variants.count
            for variant in variants {
                if Date() > deadline || shouldStop() { break }
                let trial = evaluate(variant, wrong: false)
                trials.append(trial)
                progress(trials.count, total, trial)
            }
        }
        let verified = trials.indices.filter { trials[$0].rejection == nil && trials[$0].interactionsPerSecond != nil }
        var chosen = verified.sorted { trials[$0].interactionsPerSecond! > trials[$1].interactionsPerSecond! }.prefix(
            finalists
        ).map { $0 }
        if let baseline = verified.first(where: { trials[$0].configuration == shapes.first }),
            !chosen.contains(baseline)
        {
            chosen.append(baseline)
        }
        // Each finalist runs a warm-up and three timed runs of at least one step. Where steps are
        // so slow (huge N on a CPU driver) that this would overrun the budget, the first pass
        // decides, and `confirmed` hears of no finalists.
        let remaining = max(budget - Date().timeIntervalSince(start), 0)
        let interactionsPerStep = NBodyWorkload.interactionsPerStep(particleCount: particleCount)
        let stepSeconds = chosen.map { interactionsPerStep / trials[$0].interactionsPerSecond! }.reduce(0, +)
        let confirming = chosen.count > 1 && 4 * stepSeconds <= max(remaining, 0.15 * budget) && !shouldStop()
        if confirming {
            let rates = confirm(
                chosen.map { trials[$0].configuration },
                secondsPerRun: min(0.25, max(0.02, remaining / Double(3 * chosen.count))))
            for (index, rate) in zip(chosen, rates) { trials[index].confirmedInteractionsPerSecond = rate }
            confirmed(chosen.map { trials[$0] })
        } else if chosen.count > 1 && !shouldStop() {
            confirmed([])
        }
        // After a final round only its finalists compete.
        func rate(_ trial: Trial) -> Double {
            (confirming ? trial.confirmedInteractionsPerSecond : trial.measuredInteractionsPerSecond) ?? 0
        }
        let winner = verified.map { trials[$0] }.max { rate($0) < rate($1) }
        return (winner?.configuration, trials)
    }

    /// Medians of three interleaved runs of each shape (nil where one fails), so that a slow
    /// minute of a shared host hits every shape alike.
    func confirm(_ shapes: [NBodyKernel], secondsPerRun: Double) -> [Double?] {
        let state = systems.timed(count: particleCount)
        let workloads: [(NBodyWorkload, steps: Int)?] = shapes.map { shape in
            guard
                let workload = try? NBodyWorkload(
                    device: device, state: state, parameters: parameters, configuration: shape),
                let once = try? workload.timedAdvance(steps: 1)
            else { return nil }
            return (workload, max(1, min(10_000, Int(secondsPerRun / max(once, 1e-9)))))
        }
        return InterleavedTiming.medians(count: shapes.count) { index in
            guard let (workload, steps) = workloads[index] else { return nil }
            return workload.interactionsPerStep * Double(steps) / (try workload.timedAdvance(steps: steps))
        }
    }
}

/// Check systems and their CPU results after two steps, computed once per size (one tuner,
/// one set of physical parameters), and the system candidates are timed on.
private final class TuningSystems {
    private var computed: [Int: (ParticleState, ParticleState)] = [:]
    private var timedSystem: ParticleState?

    func timed(count: Int) -> ParticleState {
        if let timedSystem, timedSystem.count == count { return timedSystem }
        let state = InitialModel.plummer.generate(count: count, seed: 12)
        timedSystem = state
        return state
    }

    func reference(count: Int, parameters: NBodyParameters) -> (start: ParticleState, afterTwoSteps: ParticleState) {
        if let known = computed[count] { return known }
        let state = InitialModel.plummer.generate(count: count, seed: 11)
        let result = (state, NBodyReference.advance(state, parameters: parameters, steps: 2))
        computed[count] = result
        return result
    }
}
