import Engine
import Synchronization
import Testing

@Suite("CPU reference progress")
struct ReferenceProgressTests {
    /// Large systems take the CPU reference minutes; verify shows how far it is from the
    /// shares the reference reports, which must rise to exactly 1 and leave the result alone.
    @Test func theReferenceReportsItsShareDone() {
        let state = InitialModel.plummer.generate(count: 300, seed: 4)
        let shares = Mutex<[Double]>([])
        let reported = NBodyReference.advance(state, parameters: NBodyParameters(), steps: 3) { share in
            shares.withLock { $0.append(share) }
        }
        #expect(reported == NBodyReference.advance(state, parameters: NBodyParameters(), steps: 3))
        let seen = shares.withLock { $0 }.sorted()
        #expect(seen.count >= 3)
        #expect(seen.last == 1.0)
        #expect(seen.allSatisfy { $0 > 0 && $0 <= 1 })
        // Each step reports its own third, whichever worker finishes last.
        for boundary in [1.0 / 3, 2.0 / 3] { #expect(seen.contains { abs($0 - boundary) < 1e-12 }, "\(boundary)") }
    }
}
