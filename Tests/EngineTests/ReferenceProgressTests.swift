import Engine
import Synchronization
import Testing

@Suite("CPU reference: progress and samples")
struct ReferenceProgressTests {
    /// verify --sample: the step of chosen bodies alone is the whole step's, bit for bit.
    @Test func aSampleStepsExactlyAsTheWholeSystem() {
        let state = InitialModel.galaxies.generate(count: 777, seed: 9)
        let parameters = NBodyParameters(dt: 0.002, softening: 0.05, gravity: 1.5)
        let whole = NBodyReference.step(state, parameters: parameters)
        let rows = [776, 0, 3, 400, 401, 13]
        let sample = NBodyReference.step(state, parameters: parameters, rows: rows)
        #expect(sample.count == rows.count)
        #expect(sample.values.elementsEqual(whole.subset(rows).values) { $0.bitPattern == $1.bitPattern })
        #expect(whole.subset(rows).position(0) == whole.position(776))
    }

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
