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
            reached += count
            try advanced(to: reached, checkingEveryBatch: true)
            batch = Self.nextBatch(after: count, took: took, target: batchSeconds, limit: batchLimit)
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
    }

    private func advanced(to reached: Int, checkingEveryBatch: Bool) throws -> Bool {
        guard ending == nil else { return false }
        let previous = previousStep
        previousStep = reached
        progress(reached)
        let moment = RunMoment(workload: workload, step: reached)
        let due = observers.filter { observer in observer.every.map { reached / $0 != previous / $0 } ?? true }
        if W.stateCanBreak {
            let checkNow =
                checkingEveryBatch || !due.isEmpty || reached >= totalSteps
                || lastCheck.map { (ContinuousClock.now - $0.at).seconds >= batchSeconds } ?? true
            if checkNow, try !isSound(moment) { return false }
        }
        for observer in due {
            do {
                if case .stop(let reason) = try observer.action(moment) {
                    ending = .settled(reason)
                    return false
                }
            } catch {
                ending = .failed(error)
                return false
            }
        }
        return true
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
