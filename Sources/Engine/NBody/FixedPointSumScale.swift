/// The scale of the 64-bit fixed-point sums in which the GPU pair-once N-body kernel adds
/// its shares (`Shaders/nbody_fixed_sums.glsl`): a power of two, so scaling is exact, chosen
/// so that no sum can overflow whatever the positions.
///
/// Integer adds give the same total in any order, which float atomics do not: with this the
/// kernel's results are bit-reproducible across reruns and resumed runs.
struct FixedPointSumScale: Equatable, CustomStringConvertible {
    /// The largest acceleration, in units, that a sum may reach: 2^61, a quarter of `Int64`'s
    /// range, which leaves room for the rounding of the float terms that make it up.
    static let limit = 0x1p61

    /// log2 of the scale; within -126...126, so that the scale and its inverse are both
    /// normal floats.
    let exponent: Int

    /// Units per unit of acceleration / G: what a share is multiplied by before it is
    /// rounded to an integer.
    var scale: Float { Float(sign: .plus, exponent: exponent, significand: 1) }
    /// Acceleration / G per unit: what a sum is multiplied by when it is read back.
    var unit: Float { Float(sign: .plus, exponent: -exponent, significand: 1) }

    var description: String { "2^\(exponent)" }

    /// The largest acceleration / G any body can get: a body of mass m at distance r pulls
    /// with m r / (r² + ε²)^(3/2), at most m · 2 / (3√3 ε²) (at r = ε/√2), so no sum of pulls,
    /// and no partial sum, exceeds Σ|m| times that.
    static func accelerationBound(totalAbsoluteMass: Double, softening: Float) -> Double {
        let epsilon = Double(softening)
        return totalAbsoluteMass * 2 / (3 * 3.0.squareRoot() * epsilon * epsilon)
    }

    /// nil where there is no finite bound to scale by (zero softening, non-finite masses) or
    /// it is beyond what a float scale can cover.
    init?(totalAbsoluteMass: Double, softening: Float) {
        let bound = Self.accelerationBound(totalAbsoluteMass: totalAbsoluteMass, softening: softening)
        guard softening > 0, bound.isFinite else { return nil }
        // Massless systems pull nothing; any scale serves them.
        let exponent = bound > 0 ? Int((Self.limit / bound).exponent) : 126
        guard exponent >= -126 else { return nil }
        self.exponent = min(exponent, 126)
    }

    /// The scale for `state` under `softening`.
    init?(_ state: ParticleState, softening: Float) {
        let total = (0..<state.count).reduce(0.0) { $0 + Double(abs(state.mass($1))) }
        self.init(totalAbsoluteMass: total, softening: softening)
    }
}
