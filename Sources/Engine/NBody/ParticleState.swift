/// The state of an N-body system: per particle 8 float32, `x y z m vx vy vz w`.
///
/// The layout is the GPU buffer's and the `.npy` file's, so state moves between them with
/// a single copy.
public struct ParticleState: FloatValues, Sendable, Equatable {
    public static let floatsPerParticle = 8
    public static let bytesPerParticle = floatsPerParticle * MemoryLayout<Float>.size

    /// `count * 8` floats, particle after particle.
    public var values: [Float]

    public init(values: [Float]) {
        precondition(values.count % Self.floatsPerParticle == 0, "particle data must be a multiple of 8 floats")
        self.values = values
    }

    public init(count: Int) {
        values = [Float](repeating: 0, count: count * Self.floatsPerParticle)
    }

    public var count: Int { values.count / Self.floatsPerParticle }

    public func position(_ i: Int) -> SIMD3<Float> {
        SIMD3(values[8 * i], values[8 * i + 1], values[8 * i + 2])
    }

    public func velocity(_ i: Int) -> SIMD3<Float> {
        SIMD3(values[8 * i + 4], values[8 * i + 5], values[8 * i + 6])
    }

    public func mass(_ i: Int) -> Float { values[8 * i + 3] }

    /// The bodies `rows`, in that order.
    public func subset(_ rows: [Int]) -> ParticleState {
        var values = [Float]()
        values.reserveCapacity(rows.count * Self.floatsPerParticle)
        for i in rows { values += self.values[Self.floatsPerParticle * i..<Self.floatsPerParticle * (i + 1)] }
        return ParticleState(values: values)
    }

    public mutating func set(_ i: Int, position: SIMD3<Float>, mass: Float, velocity: SIMD3<Float>) {
        values.replaceSubrange(
            8 * i..<8 * i + 8,
            with: [
                position.x, position.y, position.z, mass, velocity.x, velocity.y, velocity.z, 0,
            ])
    }

    /// The index and description of the first value that is NaN or infinite, if any.
    public var firstNonFiniteValue: (particle: Int, field: String)? {
        let fields = ["x", "y", "z", "m", "vx", "vy", "vz", "w"]
        guard let index = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (index / 8, fields[index % 8])
    }

    /// The first particle with a negative mass, if any; zero masses are allowed (tracers).
    public var firstNegativeMass: Int? {
        (0..<count).first { mass($0) < 0 }
    }
}

/// The physical parameters of a step.
public struct NBodyParameters: Sendable, Equatable, Codable {
    public var dt: Float
    /// Plummer softening length eps; the force uses `r^2 + eps^2`.
    public var softening: Float
    /// Gravitational constant G.
    public var gravity: Float

    public init(dt: Float = 0.001, softening: Float = 0.01, gravity: Float = 1) {
        self.dt = dt
        self.softening = softening
        self.gravity = gravity
    }

    /// Rejects parameters that would make every step meaningless or non-finite.
    /// - Parameter prefix: comes before each parameter's name: "--" names the options that set
    ///   them, "" a file's fields.
    public func validate(prefix: String = "--") throws(EngineError) {
        guard dt.isFinite, dt > 0 else {
            throw .invalidInput("\(prefix)dt must be a positive finite number, got \(dt)")
        }
        guard softening.isFinite, softening >= 0 else {
            throw .invalidInput("\(prefix)softening must be zero or a positive finite number, got \(softening)")
        }
        guard gravity.isFinite, gravity >= 0 else {
            throw .invalidInput("\(prefix)gravity must be zero or a positive finite number, got \(gravity)")
        }
    }
}
