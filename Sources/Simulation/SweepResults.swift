import Engine
import FoundationEssentials
import Glibc

/// A sweep's results folder: the sweep file it runs (`sweep.json`, so that `status` needs
/// nothing else and a folder is never shared by two sweeps), and a folder per task holding
/// its parameters, its outputs and, once it has ended, its summary.
public struct SweepResults {
    public let folder: URL
    public let plan: SweepPlan

    /// The task's summary, written last: a task that has one has ended.
    static let summaryName = "summary.json"
    /// Written when a task starts: a task with it (or a claim) and no summary is running, or
    /// was killed.
    static let startedName = "started.json"
    static let planName = "sweep.json"

    /// Opens `folder` for `plan`: records the sweep file there the first time, and refuses a
    /// folder that holds another sweep's results.
    public init(folder: URL, plan: SweepPlan) throws {
        self.folder = folder
        self.plan = plan
        var isFolder: Bool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder {
            throw EngineError.invalidInput("\(folder.path) is a file, not a results folder")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            let posix = (error as? CocoaError)?.userInfo["NSUnderlyingError"] as? POSIXError
            let reason = posix.map { String(cString: strerror($0.code.rawValue)) } ?? "\(error)"
            throw FileError(path: folder.path, problem: "cannot be made a results folder: \(reason)")
        }
        let recorded = folder.appendingPathComponent(Self.planName)
        if let existing = FileManager.default.contents(atPath: recorded.path) {
            let other = try SweepPlan(json: String(decoding: existing, as: UTF8.self), file: recorded.path)
            guard other.workload == plan.workload, other.tasks == plan.tasks else {
                throw EngineError.invalidInput(
                    "\(folder.path) holds the results of another sweep (\(recorded.path)); "
                        + "give another --results folder")
            }
        } else {
            try AtomicFile.write(Data(plan.text.utf8), to: recorded)
        }
    }

    /// Opens the results in `folder`, with the sweep recorded there.
    public init(folder: URL) throws {
        let recorded = folder.appendingPathComponent(Self.planName)
        guard FileManager.default.fileExists(atPath: recorded.path) else {
            throw EngineError.invalidInput("\(folder.path) holds no sweep's results (no \(Self.planName))")
        }
        self.folder = folder
        plan = try SweepPlan(contentsOf: recorded)
    }

    public func folder(of task: SweepTask) -> URL { folder.appendingPathComponent(task.id) }

    /// The task's summary, where it has ended.
    public func summary(of task: SweepTask) -> SweepTaskSummary? {
        let url = folder(of: task).appendingPathComponent(Self.summaryName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(SweepTaskSummary.self, from: data)
    }

    /// Whether a task that has not ended was started or claimed: it runs, or its worker died.
    public func hasStarted(_ task: SweepTask) -> Bool {
        [Self.startedName, SweepClaims.claimName].contains {
            FileManager.default.fileExists(atPath: folder(of: task).appendingPathComponent($0).path)
        }
    }

    /// Where each task stands.
    public func status() -> SweepStatus {
        var status = SweepStatus()
        for task in plan.tasks {
            if let summary = summary(of: task) {
                if summary.status == .completed {
                    status.done += 1
                } else {
                    status.failed.append((task, summary.message ?? summary.status.rawValue))
                }
            } else if hasStarted(task) {
                status.running += 1
            } else {
                status.pending += 1
            }
        }
        return status
    }
}

/// How many of a sweep's tasks are done, running (or killed before they ended), failed and
/// not started.
public struct SweepStatus {
    public var done = 0
    public var running = 0
    public var failed: [(task: SweepTask, message: String)] = []
    public var pending = 0
}

/// What a task's `summary.json` says: its parameters, where and how it ran, how it ended.
public struct SweepTaskSummary: Codable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Ran every step; its outputs are written.
        case completed
        /// Stopped or broke; `message` says why.
        case failed
    }

    public var task: Int
    public var id: String
    public var workload: SweepWorkload
    public var parameters: [String: SweepValue]
    public var status: Status
    public var message: String?
    public var device: String?
    public var driver: String?
    public var kernel: String?
    public var stepsReached: Int?
    public var totalSteps: Int?
    /// Steps this attempt ran: fewer than `stepsReached` where it resumed a checkpoint.
    public var stepsRun: Int?
    public var wallSeconds: Double?
    public var gpuSeconds: Double?
    /// Interactions/s (N-body) or cell updates/s (Life, Gray-Scott) of this attempt.
    public var rate: Double?
    /// Live cells at the end (Life).
    public var population: Int?
    /// The mean concentration of v at the end (Gray-Scott).
    public var meanV: Double?
    /// Life: `[generation, live cells]` from the start, about a hundred of them.
    public var populationByGeneration: [[Int]]?
    /// The state's file in the task's folder.
    public var output: String?
    /// The picture of the final state in the task's folder, where the task asked for one.
    public var picture: String?
    /// The machine that ran it: the scheduler's node name where it gives one, else the host's.
    public var node: String
    public var finished: Date
    /// The process's exit status: 0 where completed.
    public var exitStatus: Int32
}
