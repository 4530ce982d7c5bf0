import Engine
import FoundationEssentials
import Glibc

/// Tasks handed out through claim files in the results folder, for engines that give a worker
/// no reliable index (Swarm's `{{.Task.Slot}}`, `docker compose up --scale`): each worker takes
/// the next task that has not ended and that no live worker holds.
///
/// A claim is `DIR/<task>/claim`, made with `O_CREAT | O_EXCL`, which is atomic on local file
/// systems and on NFS from version 3 on. Its owner renews it as the task runs (its time of
/// modification); one not renewed for `lease` seconds belongs to a worker that died, and the
/// next worker takes it over by renaming it away, which only one of them can do.
public final class SweepClaims {
    public let results: SweepResults
    /// Who claims: the node and the process.
    public let owner: String
    /// Seconds after which a claim not renewed is given back.
    public let lease: Double

    static let claimName = "claim"
    /// Where the next search starts: after the task this worker claimed last, so that a worker
    /// does not read every ended task's summary again for each claim.
    private var cursor = 0

    public init(results: SweepResults, owner: String, lease: Double) {
        self.results = results
        self.owner = owner
        self.lease = lease
    }

    func claimURL(_ task: SweepTask) -> URL { results.folder(of: task).appendingPathComponent(Self.claimName) }

    /// Claims the next task that has not ended and that no live worker holds, going round the
    /// tasks once from after the last one claimed; nil when none is left.
    public func claimNext() throws -> SweepTask? {
        let tasks = results.plan.tasks
        for offset in 0..<tasks.count {
            let index = (cursor + offset) % tasks.count
            let task = tasks[index]
            guard results.summary(of: task) == nil, try claim(task) else { continue }
            cursor = index + 1
            return task
        }
        return nil
    }

    /// Takes `task` if it is free, or held by a claim whose lease ran out.
    func claim(_ task: SweepTask) throws -> Bool {
        try FileManager.default.createDirectory(at: results.folder(of: task), withIntermediateDirectories: true)
        let url = claimURL(task)
        if try create(url) { return true }
        guard let age = age(of: url), age > lease else { return false }
        // Expired: rename it away (one worker wins), then claim afresh like everyone else.
        let retired = url.deletingLastPathComponent().appendingPathComponent(
            "claim.expired.\(String(owner.map { $0 == "/" ? "_" : $0 })).\(UInt64(Date().timeIntervalSince1970))")
        guard rename(url.path, retired.path) == 0 else { return false }
        try? FileManager.default.removeItem(at: retired)
        return try create(url)
    }

    /// Creates the claim file, failing where it exists.
    private func create(_ url: URL) throws -> Bool {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST { return false }
            throw FileError(path: url.path, problem: "cannot create a claim: \(String(cString: strerror(errno)))")
        }
        let text = "\(owner) \(Date().timeIntervalSince1970)\n"
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        return true
    }

    /// Seconds since the claim was last renewed; nil where it is gone.
    private func age(of url: URL) -> Double? {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return nil }
        let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        return Date().timeIntervalSince1970 - modified
    }

    /// Tells other workers this one still runs `task`.
    public func renew(_ task: SweepTask) {
        utimes(claimURL(task).path, nil)
    }

    /// Gives `task` back: ended (its summary says so) or stopped (another worker may go on).
    public func release(_ task: SweepTask) {
        unlink(claimURL(task).path)
    }

    /// Claims tasks one after another and runs each with `runner`, its claim renewed as the task
    /// goes (about every quarter lease) and released at its end, until none is left or
    /// `shouldStop` says so: `sweep run --claim`'s worker.
    /// - Parameter run: runs a task with the runner it is given; returns whether it completed.
    /// - Returns: the tasks run, and how many of them did not complete.
    public func work(
        with runner: SweepTaskRunner, shouldStop: () -> Bool, run: (SweepTask, SweepTaskRunner) throws -> Bool
    ) throws -> (ran: Int, failed: Int) {
        var ran = 0
        var failed = 0
        while !shouldStop(), let task = try claimNext() {
            var renewed = Date()
            var worker = runner
            worker.renew = { [self] in
                guard Date().timeIntervalSince(renewed) >= lease / 4 else { return }
                renew(task)
                renewed = Date()
            }
            defer { release(task) }
            ran += 1
            if try !run(task, worker) { failed += 1 }
        }
        return (ran, failed)
    }
}
