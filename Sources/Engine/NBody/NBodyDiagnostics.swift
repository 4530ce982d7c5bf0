/// Conserved quantities of a state, in float64, for checking that a simulation is physical.
public struct NBodyDiagnostics: Sendable, Equatable {
    public var kineticEnergy: Double
    /// The softened potential energy, `-G sum_{i<j} m_i m_j / sqrt(r^2 + eps^2)`, whose
    /// gradient is exactly the softened force the step uses.
    public var potentialEnergy: Double
    public var momentum: SIMD3<Double>
    public var angularMomentum: SIMD3<Double>
    /// Sum of |m v|, the scale against which momentum drift is judged.
    public var momentumScale: Double

    public var totalEnergy: Double { kineticEnergy + potentialEnergy }

    public init(_ state: ParticleState, parameters: NBodyParameters) {
        let n = state.count
        let eps2 = Double(parameters.softening) * Double(parameters.softening)
        var kinetic = 0.0, potential = 0.0, scale = 0.0
        var momentum = SIMD3<Double>.zero, angular = SIMD3<Double>.zero
        let positions = (0..<n).map { SIMD3<Double>(state.position($0)) }
        for i in 0..<n {
            let m = Double(state.mass(i))
            let v = SIMD3<Double>(state.velocity(i))
            kinetic += 0.5 * m * (v * v).sum()
            momentum += m * v
            scale += m * ((v * v).sum()).squareRoot()
            let r = positions[i]
            let cross: SIMD3<Double> = SIMD3(r.y * v.z - r.z * v.y, r.z * v.x - r.x * v.z, r.x * v.y - r.y * v.x)
            angular += m * cross
            for j in (i + 1)..<max(n, i + 1) {
                let d = positions[j] - r
                let r2 = (d * d).sum() + eps2
                if r2 > 0 { potential -= m * Double(state.mass(j)) / r2.squareRoot() }
            }
        }
        kineticEnergy = kinetic
        potentialEnergy = Double(parameters.gravity) * potential
        self.momentum = momentum
        angularMomentum = angular
        momentumScale = scale
    }
}

/// How far one state is from a reference state.
public struct StateComparison: Sendable, Equatable {
    /// Largest |Δr_i| divided by the RMS of |r_i| in the reference.
    public var maxPositionError: Double
    /// sqrt(mean |Δr_i|^2) divided by the RMS of |r_i| in the reference.
    public var rmsPositionError: Double
    public var maxVelocityError: Double
    public var rmsVelocityError: Double

    /// Errors are relative to the RMS magnitude of the reference rather than to each
    /// particle's own, which would explode for particles at rest or at the origin.
    public init(_ state: ParticleState, reference: ParticleState) {
        precondition(state.count == reference.count, "comparing states of different sizes")
        func errors(offset: Int) -> (max: Double, rms: Double) {
            var maxError = 0.0, sumError2 = 0.0, sumMagnitude2 = 0.0
            for i in 0..<state.count {
                var error2 = 0.0, magnitude2 = 0.0
                for axis in 0..<3 {
                    let expected = Double(reference.values[8 * i + offset + axis])
                    let actual = Double(state.values[8 * i + offset + axis])
                    error2 += (actual - expected) * (actual - expected)
                    magnitude2 += expected * expected
                }
                // NaN must count as an error, never be lost in max().
                maxError = error2.isNaN ? .infinity : max(maxError, error2.squareRoot())
                sumError2 += error2
                sumMagnitude2 += magnitude2
            }
            let count = Double(max(state.count, 1))
            let scale = max((sumMagnitude2 / count).squareRoot(), 1e-30)
            return (maxError / scale, (sumError2 / count).squareRoot() / scale)
        }
        (maxPositionError, rmsPositionError) = errors(offset: 0)
        (maxVelocityError, rmsVelocityError) = errors(offset: 4)
        if state.values.contains(where: { !$0.isFinite }) {
            maxPositionError = .infinity
            maxVelocityError = .infinity
        }
    }

    /// The largest of the four errors.
    public var worst: Double {
        [maxPositionError, rmsPositionError, maxVelocityError, rmsVelocityError].max()!
    }
}
