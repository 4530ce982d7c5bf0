import Engine
import FoundationEssentials
import Glibc

/// Runs one task of a sweep into its folder: idempotent (a completed task is not run again),
/// resumable (a task killed part way goes on from its last checkpoint, bit for bit as
/// `run --resume` goes on: N-body and Gray-Scott on the same device, Life on any), and ending
/// with a summary either way.
public struct SweepTaskRunner {
    public let results: SweepResults
    public let device: Device
    /// Asked between batches; a stop leaves the task resumable and unfinished.
    public var shouldStop: () -> Bool = { false }
    /// Hears the steps reached.
    public var progress: (_ reached: Int, _ total: Int) -> Void = { _, _ in }
    /// Hears what the user should know (a resumed checkpoint, the kernel chosen).
    public var note: (String) -> Void = { _ in }
    /// Draws a task's final state as a PNG file's bytes, for tasks that ask (`"png": true`):
    /// any workload, as the command line draws it.
    public var picture: ((_ workload: AnyObject) throws -> Data)?
    /// Called as the task runs (after each batch), to show that its worker is alive.
    public var renew: () -> Void = {}
    /// The machine's name in the summary: the scheduler's node name where it gives one.
    public var node = SweepTaskRunner.hostName
    /// Where Life and Gray-Scott tasks that name no kernel or strip find the one tuned for this
    /// device, if any: both are exact whichever runs, so a task's results stay the same. N-body
    /// tasks take none, since its kernels differ in the last bits, and a sweep's results must not
    /// hang on what one node's cache holds.
    public var tuning: TuningStore?

    /// Where a tuned kernel comes from, in a task's notes.
    private var tuningSource: String { "tuned, from \(tuning?.url.path ?? "")" }

    public init(results: SweepResults, device: Device) {
        self.results = results
        self.device = device
    }

    public enum Outcome {
        /// It had completed before; nothing ran.
        case alreadyDone(SweepTaskSummary)
        /// It ran to its end, completed or failed, and its summary is written.
        case ended(SweepTaskSummary)
        /// A stop request ended it at `step`; its checkpoint (N-body, Gray-Scott) lets the next
        /// attempt go on.
        case stopped(step: Int, resumable: Bool)
    }

    public func run(_ task: SweepTask) throws -> Outcome {
        if let summary = results.summary(of: task), summary.status == .completed { return .alreadyDone(summary) }
        let folder = results.folder(of: task)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A failed attempt's summary goes: this attempt writes its own.
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(SweepResults.summaryName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(task.parameters), to: folder.appendingPathComponent("parameters.json"))
        struct Started: Encodable {
            var node: String
            var pid: Int32
            var started: Date
        }
        try AtomicFile.write(
            try encoder.encode(Started(node: node, pid: getpid(), started: Date())),
            to: folder.appendingPathComponent(SweepResults.startedName))

        var summary = SweepTaskSummary(
            task: task.index, id: task.id, workload: results.plan.workload, parameters: task.parameters,
            status: .failed, device: device.description.name, driver: device.description.driverText,
            node: node, finished: Date(), exitStatus: 1)
        do {
            let stopped: (step: Int, resumable: Bool)?
            switch results.plan.workload {
            case .nbody: stopped = try runNBody(task, in: folder, summary: &summary)
            case .life: stopped = try runLife(task, in: folder, summary: &summary)
            case .grayScott: stopped = try runGrayScott(task, in: folder, summary: &summary)
            }
            if let stopped { return .stopped(step: stopped.step, resumable: stopped.resumable) }
        } catch {
            summary.status = .failed
            summary.message = "\(error)"
        }
        summary.exitStatus = summary.status == .completed ? 0 : 1
        summary.finished = Date()
        try AtomicFile.write(try encoder.encode(summary), to: folder.appendingPathComponent(SweepResults.summaryName))
        return .ended(summary)
    }

    /// Fills `summary` from a run's report: its steps, timings and rate, and how it ended.
    private func record<W: Workload>(_ report: RunReport<W>, workload: W, into summary: inout SweepTaskSummary) {
        let run = report.summary
        summary.stepsReached = run.stepsReached
        summary.totalSteps = run.totalSteps
        summary.stepsRun = run.stepsRun
        summary.wallSeconds = run.wallSeconds
        summary.gpuSeconds = run.gpuSeconds
        if run.stepsRun > 0 { summary.rate = workload.workPerStep * Double(run.stepsRun) / run.ratedSeconds }
        switch run.ending {
        case .completed:
            summary.status = report.failures.isEmpty ? .completed : .failed
            summary.message = report.failures.first.map { "\($0)" }
        case .broken(let step, let lastSound, let problem):
            summary.message = "the state became non-finite between steps \(lastSound) and \(step): \(problem)"
        case .failed(let error):
            summary.message = "\(error)"
        case .settled(let reason):
            summary.status = .completed
            summary.message = reason
        case .stopRequested:
            summary.message = "stopped at step \(run.stepsReached)"
        }
    }

    private func runNBody(_ task: SweepTask, in folder: URL, summary: inout SweepTaskSummary) throws -> (Int, Bool)? {
        let parameters = try NBodyTaskParameters(task.parameters)
        let slots = SweepCheckpointSlots(
            in: folder, read: { try NBodyStart(resuming: $0, totalSteps: parameters.steps) }, step: \.firstStep)
        if let saved = slots.latest {
            note("task \(task.id): resuming at step \(saved.firstStep) of \(parameters.steps)")
        }
        let run = try NBodyRun(
            from: slots.latest.map { .checkpoint($0) }
                ?? .model(parameters.model, particles: parameters.particles, seed: parameters.seed),
            parameters: parameters.physics, steps: parameters.steps, device: device, given: parameters.kernel,
            givenSource: "the sweep's kernel", tuned: { _ in nil }, tuningSource: "")
        for line in run.choice.notes { note("task \(task.id): \(line)") }
        let (workload, session) = (run.workload, run.session)
        summary.kernel = workload.kernelDescription
        func checkpoint(_ step: Int, _ state: ParticleState) throws {
            try slots.write { try run.checkpoint(at: step, state).write(to: $0) }
        }
        run.loop.shouldStop = shouldStop
        run.loop.progress = { [progress] in progress($0, parameters.steps) }
        if parameters.checkpointEvery > 0 {
            session.addCheckpoints(every: parameters.checkpointEvery, named: "checkpoint", checkpoint)
        }
        let report = try session.run()
        record(report, workload: workload, into: &summary)
        guard let final = report.finalState else { return nil }
        if case .stopRequested = report.summary.ending, report.summary.stepsReached < parameters.steps {
            try checkpoint(report.summary.stepsReached, final)
            return (report.summary.stepsReached, true)
        }
        guard summary.status == .completed else { return nil }
        try NPYFile.write(final, to: folder.appendingPathComponent("state.npy"))
        summary.output = "state.npy"
        try writePicture(of: workload, for: task, in: folder, summary: &summary)
        slots.removeAll()
        return nil
    }

    private func runLife(_ task: SweepTask, in folder: URL, summary: inout SweepTaskSummary) throws -> (Int, Bool)? {
        let parameters = try LifeTaskParameters(task.parameters)
        let slots = SweepCheckpointSlots(
            in: folder,
            read: { url in
                let saved = try LifeCheckpoint.read(from: url)
                guard saved.step <= parameters.steps, saved.populations != nil else {
                    throw EngineError.invalidInput("not this task's")
                }
                return saved
            }, step: \.step)
        if let saved = slots.latest {
            note("task \(task.id): resuming at step \(saved.step) of \(parameters.steps)")
        }
        let setup =
            try slots.latest.map(LifeRunSetup.init(resuming:))
            ?? LifeRunSetup(
                patternFile: nil, rule: parameters.rule, size: (parameters.width, parameters.height),
                bounded: parameters.bounded)
        let tuned =
            parameters.kernel == nil
            ? tuning?.tunedLifeKernel(
                for: device.description, width: setup.width, height: setup.height, rule: setup.rule) : nil
        let run = try LifeRun(
            setup: setup, origin: nil, density: parameters.density, seed: parameters.seed, steps: parameters.steps,
            firstStep: slots.latest?.step ?? 0, device: device, given: parameters.kernel,
            givenSource: "the sweep's kernel", tuned: tuned, tuningSource: tuningSource)
        let (grid, workload, loop) = (run.start, run.workload, run.loop)
        summary.kernel = workload.kernelDescription
        if tuned != nil { note("task \(task.id): \(workload.kernelDescription) kernel (\(run.kernelSource))") }
        loop.shouldStop = shouldStop
        loop.progress = { [progress] in progress($0, parameters.steps) }
        if parameters.stopWhenStable { try run.stopWhenStable() }
        // The population as the run goes, at about a hundred generations, for plots over time;
        // a resumed task goes on with the record its checkpoint kept.
        var populations = slots.latest?.populations ?? [[0, grid.population]]
        let every = max(1, parameters.steps / Self.populationSamples)
        loop.observe(every: every) { moment in
            populations.append([moment.step, try moment.state.population])
            return .goOn
        }
        func checkpoint(_ step: Int, _ grid: LifeGrid) throws {
            try slots.write { try run.checkpoint(at: step, grid, populations: populations).write(to: $0) }
        }
        if parameters.checkpointEvery > 0 {
            run.session.addCheckpoints(every: parameters.checkpointEvery, named: "checkpoint", checkpoint)
        }
        let report = try run.session.run()
        record(report, workload: workload, into: &summary)
        // A settled grid's record ends where the grid settled, so that plots show how long it took.
        if case .settled = report.summary.ending, let final = report.finalState,
            populations.last?[0] != report.summary.stepsReached
        {
            populations.append([report.summary.stepsReached, final.population])
        }
        summary.populationByGeneration = populations
        guard let final = report.finalState else { return nil }
        if case .stopRequested = report.summary.ending, report.summary.stepsReached < parameters.steps {
            try checkpoint(report.summary.stepsReached, final)
            return (report.summary.stepsReached, true)
        }
        summary.population = final.population
        try run.write(
            final, to: folder.appendingPathComponent("final.rle"),
            comment: "CapitalEngine sweep task \(task.id), generation \(report.summary.stepsReached)")
        summary.output = "final.rle"
        try writePicture(of: workload, for: task, in: folder, summary: &summary)
        slots.removeAll()
        return nil
    }

    private func runGrayScott(
        _ task: SweepTask, in folder: URL, summary: inout SweepTaskSummary
    ) throws -> (Int, Bool)? {
        let parameters = try GrayScottTaskParameters(task.parameters)
        let slots = SweepCheckpointSlots(
            in: folder,
            read: { url in
                let saved = try GrayScottCheckpoint.read(from: url)
                guard saved.step <= parameters.steps else { throw EngineError.invalidInput("beyond the task's steps") }
                return saved
            }, step: \.step)
        if let saved = slots.latest {
            note("task \(task.id): resuming at step \(saved.step) of \(parameters.steps)")
        }
        // A checkpoint of the task holds a field of the task's size.
        let given = GrayScottKernel.given(rows: parameters.rows, columns: parameters.columns, for: device.description)
        let tuned =
            given == nil
            ? tuning?.tunedGrayScottKernel(for: device.description, width: parameters.width, height: parameters.height)
            : nil
        let run = try GrayScottRun(
            from: slots.latest.map { .checkpoint($0) }
                ?? .seeded(width: parameters.width, height: parameters.height, seed: parameters.seed),
            parameters: parameters.rates, steps: parameters.steps, device: device, kernel: given,
            givenSource: "the sweep's", tuned: { _, _ in tuned }, tuningSource: tuningSource)
        for line in run.announcement.dropFirst(2) { note("task \(task.id): \(line)") }
        summary.kernel = run.workload.kernelDescription
        if tuned != nil { note("task \(task.id): kernel: \(run.workload.kernelDescription) (\(run.kernelSource))") }
        func checkpoint(_ step: Int, _ field: GrayScottField) throws {
            try slots.write { try run.checkpoint(at: step, field).write(to: $0) }
        }
        run.loop.shouldStop = shouldStop
        run.loop.progress = { [progress] in progress($0, parameters.steps) }
        if parameters.checkpointEvery > 0 {
            run.session.addCheckpoints(every: parameters.checkpointEvery, named: "checkpoint", checkpoint)
        }
        let report = try run.session.run()
        record(report, workload: run.workload, into: &summary)
        guard let final = report.finalState else { return nil }
        if case .stopRequested = report.summary.ending, report.summary.stepsReached < parameters.steps {
            try checkpoint(report.summary.stepsReached, final)
            return (report.summary.stepsReached, true)
        }
        guard summary.status == .completed else { return nil }
        summary.meanV = final.meanV
        try NPYFile.write(final, to: folder.appendingPathComponent("field.npy"))
        summary.output = "field.npy"
        try writePicture(of: run.workload, for: task, in: folder, summary: &summary)
        slots.removeAll()
        return nil
    }

    /// About how many times a Life task records its population.
    static let populationSamples = 100

    /// `picture.png`, where the task asks for one.
    private func writePicture(
        of workload: AnyObject, for task: SweepTask, in folder: URL, summary: inout SweepTaskSummary
    ) throws {
        guard task.wantsPicture else { return }
        guard let picture else { throw EngineError.unsupported("this runner draws no pictures; the task asks for one") }
        try AtomicFile.write(try picture(workload), to: folder.appendingPathComponent("picture.png"))
        summary.picture = "picture.png"
    }

    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        let name = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: name, as: UTF8.self)
    }
}

/// The two checkpoints a task writes in turn and resumes from, so that a task killed while
/// writing one (between its state and its metadata) still has the other whole.
final class SweepCheckpointSlots<Saved> {
    static var names: [String] { ["checkpoint-a.npy", "checkpoint-b.npy"] }

    let urls: [URL]
    /// The latest whole checkpoint, if any; one cut short by a kill does not read.
    let latest: Saved?
    private var next: Int

    /// - Parameters:
    ///   - read: reads a checkpoint, throwing where it is not whole or not this task's.
    ///   - step: the step a checkpoint was taken at.
    init(in folder: URL, read: (URL) throws -> Saved, step: (Saved) -> Int) {
        let urls = Self.names.map { folder.appendingPathComponent($0) }
        let saved = urls.indices.compactMap { slot in (try? read(urls[slot])).map { (slot, $0) } }
            .max { step($0.1) < step($1.1) }
        self.urls = urls
        latest = saved?.1
        // Checkpoints go to the other slot first, so the one resumed from stays whole.
        next = saved.map { 1 - $0.0 } ?? 0
    }

    /// Writes the next checkpoint with `body`, given the slot's file.
    func write(_ body: (URL) throws -> Void) throws {
        try body(urls[next])
        next = 1 - next
    }

    /// Done: nothing resumes the task any more.
    func removeAll() {
        for url in urls {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: Checkpoint.metadataURL(for: url))
        }
    }
}
