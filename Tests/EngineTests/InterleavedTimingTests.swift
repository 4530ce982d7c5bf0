import Foundation
import Testing

@testable import Engine

/// The tuners' final round, with rates made up: which trials it re-times, in which order, and
/// which one it crowns.
@Suite("Interleaved timing")
struct InterleavedTimingTests {
    struct Failed: Error {}

    @Test func theFastestThreeAndTheDefaultAreRetimedInTurnAndTheBestMedianWins() {
        // Trial 0 was rejected; trial 1, the first verified, is the default.
        let firstPass: [Double?] = [nil, 5, 9, 7, 8, 1]
        // In the final round the default turns out fastest, and trial 3 fails in its second round.
        let rates: [Int: [Double]] = [1: [10, 12, 11], 2: [6, 9, 7], 3: [20], 4: [8, 8, 8]]
        var order: [Int] = []
        var seen: [Int: Int] = [:]
        let round = InterleavedTiming.finalRound(
            firstPass: firstPass, finalists: 3, started: Date(), budget: 60, stopped: false
        ) { trial, seconds in
            #expect(seconds > 0 && seconds <= 0.2)
            order.append(trial)
            let count = seen[trial, default: 0]
            seen[trial] = count + 1
            guard let trialRates = rates[trial], count < trialRates.count else { throw Failed() }
            return trialRates[count]
        }
        #expect(round.finalists.map(\.trial) == [2, 4, 3, 1])
        #expect(round.finalists.map(\.median) == [7, 8, nil, 11])
        #expect(order == [2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 1], "each round in turn; a failed finalist is dropped")
        #expect(round.winner == 1 && !round.skippedForTime)
    }

    @Test func theFirstPassDecidesWhereTheRoundCannotRunOrWouldOverrunTheBudget() {
        let firstPass: [Double?] = [5, 9, 7]
        func never(_: Int, _: Double) -> Double? {
            Issue.record("no final round was due")
            return nil
        }
        let stopped = InterleavedTiming.finalRound(
            firstPass: firstPass, finalists: 3, started: Date(), budget: 60, stopped: true, measure: never)
        #expect(stopped.finalists.isEmpty && stopped.winner == 1 && !stopped.skippedForTime)
        let alone = InterleavedTiming.finalRound(
            firstPass: [nil, 4, nil], finalists: 3, started: Date(), budget: 60, stopped: false, measure: never)
        #expect(alone.finalists.isEmpty && alone.winner == 1)
        // Three trials took 30 s of a 20 s budget: re-timing three would take as long again.
        let slow = InterleavedTiming.finalRound(
            firstPass: firstPass, finalists: 3, started: Date(timeIntervalSinceNow: -30), budget: 20, stopped: false,
            measure: never)
        #expect(slow.skippedForTime && slow.finalists.isEmpty && slow.winner == 1)
        let none = InterleavedTiming.finalRound(
            firstPass: [nil, nil], finalists: 3, started: Date(), budget: 60, stopped: false, measure: never)
        #expect(none.winner == nil)
    }
}
