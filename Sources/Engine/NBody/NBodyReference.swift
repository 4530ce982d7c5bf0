import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// The N-body step on the CPU with float64 accumulation: the reference every GPU result is
/// checked against.
///
/// It computes the same formula as `Shaders/nbody_pull.glsl`,
/// `a_i = G * sum_j m_j (r_j - r_i) / (|r_j - r_i|^2 + eps^2)^(3/2)` followed by
/// semi-implicit Euler, but in double precision, so differences measure the GPU's error.
public enum NBodyReference {
    /// Advances `state` by `steps` steps.
    /// - Parameter progress: hears the share done so far (0...1), from the worker threads, as
    ///   each slice of rows finishes; large systems take minutes.
    public static func advance(
        _ state: ParticleState, parameters: NBodyParameters, steps: Int,
        progress: (@Sendable (Double) -> Void)? = nil
    ) -> ParticleState {
        var current = state
        for index in 0..<steps {
            current = step(
                current, parameters: parameters,
                progress: progress.map { report in
                    { @Sendable share in report((Double(index) + share) / Double(steps)) }
                })
        }
        return current
    }

    public static func step(
        _ state: ParticleState, parameters: NBodyParameters,
        progress: (@Sendable (Double) -> Void)? = nil
    ) -> ParticleState {
        step(state, parameters: parameters, rows: Array(0..<state.count), progress: progress)
    }

    /// The bodies `rows` (in that order) after one step: each body's step depends on the
    /// starting state alone, so a sample of a system too large for the whole reference checks
    /// exactly, at N times the sample's cost. Their values are the whole step's, bit for bit.
    public static func step(
        _ state: ParticleState, parameters: NBodyParameters, rows: [Int],
        progress: (@Sendable (Double) -> Void)? = nil
    ) -> ParticleState {
        let n = state.count, count = rows.count
        let x = (0..<n).map { Double(state.values[8 * $0]) }
        let y = (0..<n).map { Double(state.values[8 * $0 + 1]) }
        let z = (0..<n).map { Double(state.values[8 * $0 + 2]) }
        let m = (0..<n).map { Double(state.values[8 * $0 + 3]) }
        let eps2 = Double(parameters.softening) * Double(parameters.softening)
        var acceleration = [Double](repeating: 0, count: 3 * count)

        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                z.withUnsafeBufferPointer { z in
                    m.withUnsafeBufferPointer { m in
                        rows.withUnsafeBufferPointer { rows in
                            acceleration.withUnsafeMutableBufferPointer { out in
                                let sink = SendablePointer(out.baseAddress!)
                                let inputs = (
                                    SendableBuffer(x), SendableBuffer(y), SendableBuffer(z), SendableBuffer(m),
                                    SendableBuffer(rows)
                                )
                                // Rows are independent: split them over the cores.
                                let chunks = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount * 4))
                                let finished = Atomic<Int>(0)
                                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                                    defer {
                                        let done = finished.add(1, ordering: .relaxed).newValue
                                        progress?(Double(done) / Double(chunks))
                                    }
                                    let (x, y, z, m, rows) = (
                                        inputs.0.buffer, inputs.1.buffer, inputs.2.buffer, inputs.3.buffer,
                                        inputs.4.buffer
                                    )
                                    for row in (chunk * count / chunks)..<((chunk + 1) * count / chunks) {
                                        let i = rows[row]
                                        var ax = 0.0, ay = 0.0, az = 0.0
                                        let xi = x[i], yi = y[i], zi = z[i]
                                        for j in 0..<n where j != i {
                                            let dx = x[j] - xi, dy = y[j] - yi, dz = z[j] - zi
                                            let r2 = dx * dx + dy * dy + dz * dz + eps2
                                            guard r2 > 0 else { continue }
                                            let s = m[j] / (r2 * r2.squareRoot())
                                            ax += dx * s
                                            ay += dy * s
                                            az += dz * s
                                        }
                                        sink.pointer[3 * row] = ax
                                        sink.pointer[3 * row + 1] = ay
                                        sink.pointer[3 * row + 2] = az
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        var next = state.subset(rows)
        let g = Double(parameters.gravity), dt = Double(parameters.dt)
        for (row, i) in rows.enumerated() {
            for axis in 0..<3 {
                let velocity = Double(state.values[8 * i + 4 + axis]) + g * acceleration[3 * row + axis] * dt
                next.values[8 * row + 4 + axis] = Float(velocity)
                next.values[8 * row + axis] = Float(Double(state.values[8 * i + axis]) + velocity * dt)
            }
        }
        return next
    }
}

/// Lets a worker of `concurrentPerform` write its own disjoint rows of one array.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    init(_ pointer: UnsafeMutablePointer<Double>) { self.pointer = pointer }
}

private struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Element>
    init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
}
