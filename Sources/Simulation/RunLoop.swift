import Engine

/// Drives a workload through a run: batches sized to a quarter of a second, stop requests
/// between batches, cadences that end batches on their multiples (frames, checkpoints),
/// and a check of every batch's result where the state can break (of steps paced elsewhere,
/// of the results an observer sees, the last, and one every `batchSeconds`).
///
/// A headless run calls `run()`; a run whose steps something else paces (a window's frames)
/// advances the workload itself and calls `stepsAdvanced(to:)` after each of its batches.
public final class RunLoop<W: Workload> {
    public let workload: W
    /// The step the run starts from: 0, or a checkpoint's.
    public let firstStep: Int
    /// The step the run ends at, counted from the original start.
    public let totalSteps: Int
    /// The most steps one submission may take.
    public var batchLimit: Int
    /// Seconds a batch should take: long enough for few submissions, short enough for live
    /// progress and a prompt stop.
    public var batchSeconds = 0.25
    /// Asked between batches; true ends the run with `.stopRequested`.
    public var shouldStop: () -> Bool = { false }
    /// Told the step reached after each batch.
    public var progress: (Int) -> Void = { _ in }

    private var observers: [RunObserver<W>] = []
    /// The last step whose state was checked and found sound (or the start).
    private var lastSoundStep: Int
    /// The step last checked, and when.
    private var lastCheck: (step: Int, at: ContinuousClock.Instant)?
    /// The step the previous batch reached, to tell which cadences a batch crossed.
    private var previousStep: Int
    private var ending: RunSummary.Ending?
    private var settling: Settling<W>?

    public init(workload: W, firstStep: Int = 0, totalSteps: Int, batchLimit: Int) {
        precondition(firstStep >= 0 && firstStep <= totalSteps, "the first step lies beyond the run")
        self.workload = workload
        self.firstStep = firstStep
        self.totalSteps = totalSteps
        self.batchLimit = max(1, batchLimit)
        lastSoundStep = firstStep
        previousStep = firstStep
    }

    /// Calls `action` after the batch that reaches each multiple of `every` steps (counted
    /// from the original start, so cadences go on across a resume), or after every batch
    /// where `every` is nil. `run()` ends batches on those multiples; steps paced elsewhere
    /// may pass one, and the observer then runs at the end of that batch. Observers run in
    /// the order added, after the state was checked.
    public func observe(every: Int? = nil, _ action: @escaping (RunMoment<W>) throws -> RunDecision) {
        precondition(every.map { $0 >= 1 } ?? true, "a cadence is at least one step")
        observers.append(RunObserver(every: every, action: action))
    }

    /// Ends the run at the first step whose state `settled` finds settled (naming how, as
    /// "period 2 at generation 12"), given the states of that step and the `lookBack` steps
    /// before it, oldest first (fewer where the run began later), and leaves that step's state
    /// on the device. Settling must last: once a step is settled every later one is, as a Life
    /// grid that stopped changing stays so; so the state need not be read back every step.
    /// `run()` checks at the end of each batch, whose last `lookBack` steps it runs one at a
    /// time, and where a batch settled, bisects it from the last state found unsettled.
    /// Steps paced elsewhere (a window's frames of several steps) are checked exactly where
    /// the state is back to the one two batches before, which a settled state always is; a
    /// state that came back but is not settled is in a longer cycle, and no longer checked.
    /// Call before any step runs: the current state is the start.
    public func stopOnceSettled(
        lookBack: Int, same: @escaping (W.State, W.State) -> Bool,
        _ settled: @escaping (_ states: [W.State], _ step: Int) -> String?
    ) throws {
        precondition(lookBack >= 1, "settling is told from at least two steps")
        precondition(previousStep == firstStep, "the settling check starts with the run")
        settling = Settling(lookBack: lookBack, same: same, settled: settled)
        settling?.start(at: firstStep, try workload.download())
    }

    /// Runs batches until `totalSteps`, a stop request, an observer's stop or failure, or a
    /// broken state.
    public func run() throws -> RunSummary {
        let started = ContinuousClock.now
        var reached = firstStep
        var gpuSeconds: Double? = 0
        var batch = 1
        // Seconds a step took, once measured. Until then, and while a dispatch takes longer
        // than a batch should, steps run in pieces, so that a stop is heard between them.
        var stepSeconds: Double?
        let perDispatch = workload.stepsPerDispatch
        while reached < totalSteps && ending == nil {
            if shouldStop() {
                ending = .stopRequested
                break
            }
            var room = totalSteps - reached
            for observer in observers {
                guard let every = observer.every else { continue }
                room = min(room, every - reached % every)
            }
            // The steps that complete a batch's window for the settling check run singly (and
            // tell nothing of how large a batch should be), and before any observer's step, so
            // that no observer sees a step past the one the run settled at. A batch runs at most
            // as many steps as ran before it, so that a run that settles early runs (and
            // searches) few steps past that.
            let single = (settling?.singlesDue ?? 0) > 0
            if let settling {
                room = single ? 1 : max(1, min(room - settling.lookBack, reached - firstStep))
            }
            let slow = stepSeconds.map { $0 * Double(perDispatch) > 2 * batchSeconds } ?? true
            let batchStart = ContinuousClock.now
            let count: Int
            if slow && room >= perDispatch {
                let (ran, seconds) = try workload.advanceInPieces(
                    pieceSeconds: batchSeconds / 2, shouldStop: shouldStop)
                guard ran > 0 else {
                    ending = .stopRequested
                    break
                }
                count = ran
                gpuSeconds = seconds.flatMap { seconds in gpuSeconds.map { $0 + seconds } }
            } else {
                count = min(batch, room)
                let seconds = try workload.advance(steps: count)
                gpuSeconds = seconds.flatMap { seconds in gpuSeconds.map { $0 + seconds } }
            }
            let took = ContinuousClock.now - batchStart
            stepSeconds = took.seconds / Double(count)
            reached = try advanced(to: reached + count, checkingEveryBatch: true)
            if !single { batch = Self.nextBatch(after: count, took: took, target: batchSeconds, limit: batchLimit) }
        }
        return RunSummary(
            firstStep: firstStep, stepsReached: reached, totalSteps: totalSteps,
            wallSeconds: (ContinuousClock.now - started).seconds,
            gpuSeconds: reached > firstStep ? gpuSeconds : nil, ending: ending ?? .completed)
    }

    /// Checks and observes the state after steps the caller ran. A check downloads the whole
    /// state, and a window's frame runs a few steps: so the state is checked where an observer
    /// sees it, where the run ends, and otherwise once `batchSeconds` have passed since the
    /// last check (`summary` checks the last steps where none did).
    /// - Returns: whether the run goes on (false once it has an ending).
    @discardableResult
    public func stepsAdvanced(to reached: Int) throws -> Bool {
        try advanced(to: reached, checkingEveryBatch: false)
        return ending == nil
    }

    /// - Returns: the step the run is at: `reached`, or the earlier step it settled at.
    @discardableResult
    private func advanced(to reached: Int, checkingEveryBatch: Bool) throws -> Int {
        guard ending == nil else { return reached }
        let previous = previousStep
        previousStep = reached
        progress(reached)
        let moment = RunMoment(workload: workload, step: reached)
        let due = observers.filter { observer in observer.every.map { reached / $0 != previous / $0 } ?? true }
        if W.stateCanBreak {
            let checkNow =
                checkingEveryBatch || !due.isEmpty || reached >= totalSteps
                || lastCheck.map { (ContinuousClock.now - $0.at).seconds >= batchSeconds } ?? true
            if checkNow, try !isSound(moment) { return reached }
        }
        if let settling, let found = try settling.check(moment, after: previous, pacedElsewhere: !checkingEveryBatch) {
            ending = .settled(found.reason)
            previousStep = found.step
            return found.step
        }
        for observer in due {
            do {
                if case .stop(let reason) = try observer.action(moment) {
                    ending = .settled(reason)
                    return reached
                }
            } catch {
                ending = .failed(error)
                return reached
            }
        }
        return reached
    }

    /// Checks `moment`'s state; where it is broken, the run ends so.
    private func isSound(_ moment: RunMoment<W>) throws -> Bool {
        lastCheck = (moment.step, ContinuousClock.now)
        if let breakage = W.breakage(of: try moment.state) {
            ending = .broken(step: moment.step, lastSoundStep: lastSoundStep, problem: breakage)
            return false
        }
        lastSoundStep = moment.step
        return true
    }

    /// The ending so far: what made `stepsAdvanced` return false, or nil.
    public var endingSoFar: RunSummary.Ending? { ending }

    /// The step the run is at: the last one reported, or the earlier one it settled at.
    public var stepReached: Int { previousStep }

    /// The summary of a run whose steps were paced elsewhere (a window's frames), which
    /// reported them through `stepsAdvanced(to:)`; the state reached is checked first where the
    /// last steps were not, since the outputs are written from it.
    public func summary(stepsReached: Int, wallSeconds: Double, stopRequested: Bool) throws -> RunSummary {
        if W.stateCanBreak && ending == nil && stepsReached > (lastCheck?.step ?? firstStep) {
            _ = try isSound(RunMoment(workload: workload, step: stepsReached))
        }
        return RunSummary(
            firstStep: firstStep, stepsReached: stepsReached, totalSteps: totalSteps, wallSeconds: wallSeconds,
            gpuSeconds: nil,
            ending: ending ?? (stopRequested && stepsReached < totalSteps ? .stopRequested : .completed))
    }

    /// The next batch's size for batches of about `target` seconds, from how long the last
    /// one took.
    static func nextBatch(after count: Int, took elapsed: Duration, target: Double, limit: Int) -> Int {
        let perStep = max(elapsed.seconds / Double(count), 1e-7)
        return max(1, min(limit, Int(target / perStep)))
    }
}

extension RunLoop where W.State: Equatable {
    /// `stopOnceSettled(lookBack:same:_:)`, states compared with `==`.
    public func stopOnceSettled(
        lookBack: Int, _ settled: @escaping (_ states: [W.State], _ step: Int) -> String?
    ) throws {
        try stopOnceSettled(lookBack: lookBack, same: ==, settled)
    }
}

/// The settling check of `RunLoop.stopOnceSettled`: the states it has seen and the single
/// steps still due before a batch's window is whole.
private final class Settling<W: Workload> {
    let lookBack: Int
    let same: (W.State, W.State) -> Bool
    let settled: ([W.State], Int) -> String?
    /// States of consecutive steps ending at the last batch's end, at most `lookBack + 1`.
    private var recent: (step: Int, states: [W.State]) = (0, [])
    /// The last window found unsettled (at first, the run's start), where a search starts.
    private var unsettled: (step: Int, states: [W.State]) = (0, [])
    private var firstStep = 0
    /// Single steps to run before the window at the batch's end is whole.
    private(set) var singlesDue = 0
    /// The states at the ends of the last two batches paced elsewhere.
    private var ends: [(step: Int, state: W.State)] = []
    /// Whether the state was found in a cycle longer than `lookBack`, which it never leaves.
    private var cycling = false

    init(lookBack: Int, same: @escaping (W.State, W.State) -> Bool, settled: @escaping ([W.State], Int) -> String?) {
        self.lookBack = lookBack
        self.same = same
        self.settled = settled
    }

    func start(at step: Int, _ state: W.State) {
        firstStep = step
        recent = (step, [state])
        unsettled = recent
        ends = [(step, state)]
    }

    /// Looks at the state after a batch from step `previous`.
    /// - Returns: the first settled step and how, its state now on the device; nil while the
    ///   window is incomplete or unsettled.
    func check(
        _ moment: RunMoment<W>, after previous: Int, pacedElsewhere: Bool
    ) throws -> (step: Int, reason: String)? {
        guard !cycling else { return nil }
        let state = try moment.state
        let adjacent = moment.step == previous + 1 && recent.step == previous
        recent = (moment.step, adjacent ? Array((recent.states + [state]).suffix(lookBack + 1)) : [state])
        singlesDue = adjacent ? max(0, singlesDue - 1) : lookBack
        let whole = recent.states.count == lookBack + 1 || moment.step - recent.states.count + 1 == firstStep
        if pacedElsewhere && !whole {
            return try checkReturn(of: state, at: moment.step, on: moment.workload)
        }
        ends = Array((ends + [(moment.step, state)]).suffix(2))
        guard whole else { return nil }
        guard let reason = settled(recent.states, moment.step) else {
            unsettled = recent
            return nil
        }
        return try firstSettled(at: (moment.step, state, reason), on: moment.workload)
    }

    /// Where batches paced elsewhere are too long to leave a whole window, the state of a
    /// settled run is the same as two batches before (whose steps add to at least two, a
    /// whole number of its cycle while every batch runs the same count): only then is the
    /// window at `step` made, by running the last batch again from its start.
    private func checkReturn(of state: W.State, at step: Int, on workload: W) throws -> (step: Int, reason: String)? {
        defer { ends = Array((ends + [(step, state)]).suffix(2)) }
        guard ends.count == 2, same(state, ends[0].state) else { return nil }
        let last = ends[1]
        try workload.upload(last.state)
        let window = try window(advancing: workload, from: (last.step, [last.state]), to: step)
        guard let reason = settled(window, step) else {
            // Back to an earlier state, so in a cycle from there on; one of more than `lookBack`
            // steps, where the window was whole.
            cycling = window.count == lookBack + 1
            return nil
        }
        return try firstSettled(at: (step, window[window.count - 1], reason), on: workload)
    }

    /// Bisects the steps after the last window found unsettled up to `upper` (settled, its
    /// state on the device) for the first settled one, leaving its state on the device. The
    /// run ends with it, so the windows kept for later checks are let go first: a large grid's
    /// copies are what a host runs out of.
    private func firstSettled(
        at upper: (step: Int, state: W.State, reason: String), on workload: W
    ) throws -> (step: Int, reason: String) {
        var (lower, upper) = (unsettled, upper)
        (unsettled, recent, ends) = ((0, []), (0, []), [])
        var deviceStep = upper.step
        while upper.step - lower.step > 1 {
            let middle = (lower.step + upper.step) / 2
            if deviceStep != lower.step { try workload.upload(lower.states[lower.states.count - 1]) }
            let states = try window(advancing: workload, from: lower, to: middle)
            deviceStep = middle
            if let reason = settled(states, middle) {
                upper = (middle, states[states.count - 1], reason)
            } else {
                lower = (middle, states)
            }
        }
        if deviceStep != upper.step { try workload.upload(upper.state) }
        return (upper.step, upper.reason)
    }

    /// Advances the device from `from`'s step to `step` and returns the window there.
    private func window(advancing workload: W, from: (step: Int, states: [W.State]), to step: Int) throws -> [W.State] {
        let steps = step - from.step
        let singles = min(steps, lookBack)
        var states = from.states
        if steps > singles {
            try workload.advance(steps: steps - singles)
            states = [try workload.download()]
        }
        for _ in 0..<singles {
            try workload.advance(steps: 1)
            states.append(try workload.download())
        }
        return Array(states.suffix(lookBack + 1))
    }
}

/// One thing that happens along a run (a frame, a checkpoint, a stability check).
struct RunObserver<W: Workload> {
    var every: Int?
    var action: (RunMoment<W>) throws -> RunDecision
}

/// What an observer decides.
public enum RunDecision: Sendable {
    case goOn
    /// Ends the run early, for the reason given ("still life at generation 12").
    case stop(String)
}

/// The run at the end of a batch: the step reached, and the state, downloaded once however
/// many observers read it.
public final class RunMoment<W: Workload> {
    public let workload: W
    public let step: Int
    private var downloaded: W.State?

    init(workload: W, step: Int) {
        self.workload = workload
        self.step = step
    }

    public var state: W.State {
        get throws {
            if let downloaded { return downloaded }
            let state = try workload.download()
            downloaded = state
            return state
        }
    }
}

/// How a run went.
public struct RunSummary {
    public enum Ending {
        /// Every step ran.
        case completed
        /// A stop was asked for (a signal, a closed window) and the run stopped between batches.
        case stopRequested
        /// An observer ended the run (a Life grid that stopped changing).
        case settled(String)
        /// The state became one the program cannot go on from: at `step`, while the state of
        /// `lastSoundStep` was still sound.
        case broken(step: Int, lastSoundStep: Int, problem: String)
        /// An observer failed (a frame that could not be written); the state reached is intact.
        case failed(any Error)
    }

    public var firstStep: Int
    public var stepsReached: Int
    public var totalSteps: Int
    public var wallSeconds: Double
    /// GPU time of the steps run, from timestamps; nil where the device has none or none ran.
    public var gpuSeconds: Double?
    public var ending: Ending

    public init(
        firstStep: Int, stepsReached: Int, totalSteps: Int, wallSeconds: Double, gpuSeconds: Double?, ending: Ending
    ) {
        self.firstStep = firstStep
        self.stepsReached = stepsReached
        self.totalSteps = totalSteps
        self.wallSeconds = wallSeconds
        self.gpuSeconds = gpuSeconds
        self.ending = ending
    }

    /// Steps run by this run (a resumed run's are fewer than `stepsReached`).
    public var stepsRun: Int { stepsReached - firstStep }

    /// Whether the state reached may be saved: not where it broke.
    public var stateIsSound: Bool {
        if case .broken = ending { return false }
        return true
    }

    /// Seconds to rate the run by: the GPU's where known, else the wall clock's.
    public var ratedSeconds: Double { gpuSeconds ?? wallSeconds }
}

extension Duration {
    /// As a number of seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
