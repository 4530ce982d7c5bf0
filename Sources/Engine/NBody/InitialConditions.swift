import FoundationEssentials
import Glibc

/// The built-in starting states, each deterministic from a seed.
///
/// All models have total mass 1 and are set up for the given G (velocities scale with
/// sqrt(G)), so they start in the equilibrium or encounter they describe whatever `--gravity` is.
public enum InitialModel: String, Sendable, CaseIterable, Codable {
    /// A Plummer sphere in Hénon units (virial radius 1), by Aarseth, Hénon & Wielen (1974).
    case plummer
    /// Particles at rest, uniformly in the cube [-1, 1]^3: a cold collapse.
    case cube
    /// Two rotating disk galaxies on a colliding course.
    case galaxies

    public var summary: String {
        switch self {
        case .plummer: "Plummer sphere in virial equilibrium"
        case .cube: "uniform cube at rest (cold collapse)"
        case .galaxies: "two colliding disk galaxies"
        }
    }

    public func generate(count: Int, seed: UInt64, gravity: Float = 1) -> ParticleState {
        precondition(count >= 1, "a model needs at least one particle")
        var random = SeededGenerator(seed: seed)
        var bodies: [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)]
        switch self {
        case .plummer: bodies = Self.plummer(count: count, random: &random)
        case .cube: bodies = Self.cube(count: count, random: &random)
        case .galaxies: bodies = Self.galaxies(count: count, random: &random)
        }
        Self.moveToCentreOfMass(&bodies)
        let velocityScale = Double(gravity).squareRoot()
        var state = ParticleState(count: count)
        for (i, body) in bodies.enumerated() {
            state.set(
                i, position: SIMD3<Float>(body.position), mass: Float(body.mass),
                velocity: SIMD3<Float>(body.velocity * velocityScale))
        }
        return state
    }

    private static func plummer(
        count: Int, random: inout SeededGenerator
    ) -> [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)] {
        // Hénon units: scale lengths by 3π/16 and velocities by its inverse square root.
        let lengthScale = 3 * Double.pi / 16
        return (0..<count).map { _ in
            var radius: Double
            repeat {
                // Inverse of the cumulative mass profile; the far tail is cut at 10 scale radii.
                let massFraction = random.uniform(1e-10, 1)
                radius = 1 / (pow(massFraction, -2.0 / 3.0) - 1).squareRoot()
            } while radius > 10
            // Von Neumann rejection for q = v / v_escape from g(q) = q^2 (1 - q^2)^(7/2).
            var q = 0.0
            while true {
                q = random.uniform()
                if random.uniform() * 0.1 < q * q * pow(1 - q * q, 3.5) { break }
            }
            let escape = 2.0.squareRoot() * pow(1 + radius * radius, -0.25)
            return (
                random.unitVector() * radius * lengthScale,
                random.unitVector() * q * escape / lengthScale.squareRoot(),
                1 / Double(count)
            )
        }
    }

    private static func cube(
        count: Int, random: inout SeededGenerator
    ) -> [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)] {
        (0..<count).map { _ in
            (SIMD3(random.uniform(-1, 1), random.uniform(-1, 1), random.uniform(-1, 1)), .zero, 1 / Double(count))
        }
    }

    private static func galaxies(
        count: Int, random: inout SeededGenerator
    ) -> [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)] {
        guard count >= 2 else { return [(.zero, .zero, 1)] }
        let firstCount = count / 2
        // Each galaxy is half the mass: a central bulge body holding half of it and a disk of
        // test-like stars on circular orbits around it.
        let tilt = 0.6
        let first = disk(
            count: firstCount, random: &random, centre: SIMD3(-1.5, -0.4, 0),
            drift: SIMD3(0.25, 0.05, 0), tilt: 0)
        let second = disk(
            count: count - firstCount, random: &random, centre: SIMD3(1.5, 0.4, 0),
            drift: SIMD3(-0.25, -0.05, 0), tilt: tilt)
        return first + second
    }

    private static func disk(
        count: Int, random: inout SeededGenerator, centre: SIMD3<Double>,
        drift: SIMD3<Double>, tilt: Double
    ) -> [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)] {
        let galaxyMass = 0.5
        let bulgeMass = count > 1 ? galaxyMass / 2 : galaxyMass
        let starMass = count > 1 ? (galaxyMass - bulgeMass) / Double(count - 1) : 0
        var bodies: [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)] = [(centre, drift, bulgeMass)]
        let (c, s) = (cos(tilt), sin(tilt))
        for _ in 1..<max(count, 1) {
            // Radii uniform in [0.1, 1]: surface density falling as 1/r, like a disk's.
            let radius = random.uniform(0.1, 1)
            let angle = random.uniform(0, 2 * .pi)
            // Mass inside the orbit: bulge plus the disk stars within radius.
            let enclosed = bulgeMass + (galaxyMass - bulgeMass) * (radius - 0.1) / 0.9
            let speed = (enclosed / radius).squareRoot()
            let flat = SIMD3(radius * cos(angle), radius * sin(angle), random.uniform(-0.02, 0.02))
            let flatVelocity = SIMD3(-speed * sin(angle), speed * cos(angle), 0)
            // Tilt about the x axis so the encounter is not coplanar.
            let position = SIMD3(flat.x, c * flat.y - s * flat.z, s * flat.y + c * flat.z)
            let velocity = SIMD3(flatVelocity.x, c * flatVelocity.y, s * flatVelocity.y)
            bodies.append((centre + position, drift + velocity, starMass))
        }
        return bodies
    }

    /// Shifts positions and velocities so the centre of mass rests at the origin.
    private static func moveToCentreOfMass(
        _ bodies: inout [(position: SIMD3<Double>, velocity: SIMD3<Double>, mass: Double)]
    ) {
        let total = bodies.reduce(0) { $0 + $1.mass }
        guard total > 0 else { return }
        let position = bodies.reduce(SIMD3<Double>.zero) { $0 + $1.position * $1.mass } / total
        let velocity = bodies.reduce(SIMD3<Double>.zero) { $0 + $1.velocity * $1.mass } / total
        for i in bodies.indices {
            bodies[i].position -= position
            bodies[i].velocity -= velocity
        }
    }
}
