import Engine

/// A simulation the run loop, the benchmark and verification drive: a state on the device,
/// advanced any number of steps per submission, that can be read back and replaced, and
/// checked against its CPU reference.
///
/// A new workload adopts this and gets `run`, `bench` and checkpoint-free runs for free; see
/// docs/architecture.md.
public protocol Workload: AnyObject {
    /// What the host holds: particles, a grid.
    associatedtype State

    /// Runs `steps` steps in one submission and waits for them.
    /// - Returns: their GPU time from timestamps, or nil where the device has none.
    @discardableResult
    func advance(steps: Int) throws -> Double?

    /// Runs the next `stepsPerDispatch` steps, one dispatch, in submissions of about
    /// `pieceSeconds` each, asking `shouldStop` between them: how a step too long for one
    /// submission stays stoppable.
    /// - Returns: the steps run (0 where stopped part way, the state then as before) and
    ///   their GPU time, or nil where the device has no timestamps.
    func advanceInPieces(pieceSeconds: Double, shouldStop: () -> Bool) throws -> (steps: Int, seconds: Double?)

    /// Copies the current state back to the host.
    func download() throws -> State

    /// Replaces the current state.
    func upload(_ state: State) throws

    /// Work one step does, the unit of throughput: N² pair interactions, W·H cell updates.
    var workPerStep: Double { get }

    /// The kernel as people read it, for start lines and reports.
    var kernelDescription: String { get }

    /// Steps one dispatch advances; timed runs take whole dispatches.
    var stepsPerDispatch: Int { get }

    /// Whether a state can become one the program refuses to go on from (non-finite values),
    /// so that the run loop checks each batch's result.
    static var stateCanBreak: Bool { get }

    /// Why `state` cannot be gone on from or saved, or nil where it can.
    static func breakage(of state: State) -> String?

    /// How far a device's state is from the CPU's: relative errors, cells that differ.
    associatedtype Discrepancy

    /// The CPU's result of `steps` steps from `state`, with this workload's physics or rule:
    /// what the device's result is checked against. `progress` hears the share done (0...1).
    func reference(from state: State, steps: Int, progress: (@Sendable (Double) -> Void)?) -> State

    /// How `state` differs from `reference`.
    func discrepancy(of state: State, from reference: State) -> Discrepancy
}

extension Workload {
    public static var stateCanBreak: Bool { false }
    public static func breakage(of state: State) -> String? { nil }
    public var stepsPerDispatch: Int { 1 }

    /// Runs `steps` steps in one submission and waits for them.
    /// - Returns: their GPU time from timestamps, or the host's clock where the device has none.
    public func timedAdvance(steps: Int) throws -> Double {
        let start = ContinuousClock.now
        if let seconds = try advance(steps: steps) { return seconds }
        return (ContinuousClock.now - start).seconds
    }

    /// The device's result of `steps` steps from `start`, which replaces the current state.
    public func result(from start: State, steps: Int) throws -> State {
        try upload(start)
        try advance(steps: steps)
        return try download()
    }
}

extension Workload where State: FloatValues {
    /// Runs `steps` again from `start` and counts the values that differ, bit for bit, from
    /// `result`, the outcome of those steps from there: 0 unless a race in the kernel or the
    /// driver, or float atomic sums (N-body's `isBitReproducible`), make reruns differ.
    public func valuesDifferingOnRerun(from start: State, steps: Int, result: State) throws -> Int {
        try self.result(from: start, steps: steps).valuesDiffering(from: result)
    }
}

extension NBodyWorkload: Workload {
    public typealias State = ParticleState

    public var workPerStep: Double { interactionsPerStep }

    public static var stateCanBreak: Bool { true }

    public static func breakage(of state: ParticleState) -> String? {
        state.firstNonFiniteValue.map { "particle \($0.particle)'s \($0.field) is not finite" }
    }

    /// In float64, so that the difference measures the device's error.
    public func reference(
        from state: ParticleState, steps: Int, progress: (@Sendable (Double) -> Void)?
    ) -> ParticleState {
        NBodyReference.advance(state, parameters: parameters, steps: steps, progress: progress)
    }

    public func discrepancy(of state: ParticleState, from reference: ParticleState) -> StateComparison {
        StateComparison(state, reference: reference)
    }
}

extension LifeWorkload: Workload {
    public typealias State = LifeGrid

    @discardableResult
    public func advance(steps: Int) throws -> Double? { try advance(generations: steps) }

    public var workPerStep: Double { cellsPerGeneration }

    public var stepsPerDispatch: Int { generationsPerDispatch }

    public func reference(from state: LifeGrid, steps: Int, progress: (@Sendable (Double) -> Void)?) -> LifeGrid {
        LifeReference.advance(state, rule: rule, generations: steps, bounded: bounded, progress: progress)
    }

    /// Cell for cell: every kernel must match the CPU exactly.
    public func discrepancy(of state: LifeGrid, from reference: LifeGrid) -> LifeDifference {
        LifeDifference(state, reference: reference)
    }
}
