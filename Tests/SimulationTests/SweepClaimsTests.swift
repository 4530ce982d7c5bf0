import Engine
import FoundationEssentials
import Glibc
import TestSupport
import Testing

@testable import Simulation

/// `sweep run --claim`'s worker, on lavapipe: each task run once by whichever worker claims it,
/// a live worker's claim respected, a dead one's taken over after its lease.
@Suite(.serialized) struct SweepClaimsTests {
    let context: ComputeContext
    let scratch = ScratchDirectory("sweep-claims")
    var directory: URL { scratch.url }

    init() throws {
        context = try ComputeContext()
    }

    func results() throws -> SweepResults {
        let plan = try SweepPlan(
            json: #"{"workload": "life", "axes": {"seed": [1, 2, 3]}, "fixed": {"size": "32x16", "steps": 5}}"#)
        return try SweepResults(folder: directory.appendingPathComponent("out"), plan: plan)
    }

    @Test func workersRunEachTaskOnceAndLeaveHeldTasksToTheirOwners() throws {
        let folder = try results()
        let runner = SweepTaskRunner(results: folder, device: context.device)
        // A live worker holds task 1: its claim is fresh.
        let other = SweepClaims(results: folder, owner: "other/1", lease: 300)
        #expect(try other.claim(folder.plan.tasks[1]))
        let claims = SweepClaims(results: folder, owner: "here/2", lease: 300)
        var run: [Int] = []
        let (ran, failed) = try claims.work(with: runner, shouldStop: { false }) { task, worker in
            run.append(task.index)
            if case .ended(let summary) = try worker.run(task) { return summary.status == .completed }
            return false
        }
        #expect(run == [0, 2] && ran == 2 && failed == 0)
        #expect(!FileManager.default.fileExists(atPath: claims.claimURL(folder.plan.tasks[0]).path), "released")
        // The other worker died: once its claim is older than the lease, the task is taken over.
        let late = SweepClaims(results: folder, owner: "late/3", lease: 0.05)
        let claim = claims.claimURL(folder.plan.tasks[1]).path
        var old = [timeval(tv_sec: 1, tv_usec: 0), timeval(tv_sec: 1, tv_usec: 0)]
        #expect(utimes(claim, &old) == 0)
        let taken = try late.work(with: runner, shouldStop: { false }) { task, worker in
            #expect(task.index == 1)
            _ = try worker.run(task)
            return true
        }
        #expect(taken.ran == 1 && taken.failed == 0)
        // Nothing left, and a stop request ends a worker before it claims anything.
        let none = try claims.work(with: runner, shouldStop: { false }) { _, _ in true }
        #expect(none.ran == 0 && none.failed == 0)
        #expect(folder.plan.tasks.allSatisfy { folder.summary(of: $0)?.status == .completed })
    }

    @Test func aStopEndsTheWorkerBeforeItsNextClaim() throws {
        let folder = try results()
        let claims = SweepClaims(results: folder, owner: "here/4", lease: 300)
        var stop = false
        let outcome = try claims.work(
            with: SweepTaskRunner(results: folder, device: context.device), shouldStop: { stop }
        ) { task, worker in
            _ = try worker.run(task)
            stop = true
            return true
        }
        #expect(outcome.ran == 1 && outcome.failed == 0)
        #expect(folder.plan.tasks.filter { folder.summary(of: $0) != nil }.count == 1)
    }
}
