import Engine
import FoundationEssentials
import Glibc

/// An orbit camera around the origin: yaw and pitch about the target, a distance, and a
/// perspective projection in Vulkan's clip space (y down, depth 0...1).
public struct Camera: Sendable, Equatable {
    public var yaw: Float = 0.6
    public var pitch: Float = 0.35
    public var distance: Float
    public var fieldOfView: Float = 45 * .pi / 180
    /// The point looked at and orbited: the origin until the view is panned.
    public var target = SIMD3<Float>(0, 0, 0)
    /// The distance the view was fitted to, for "reset".
    public let homeDistance: Float
    private var homeYaw: Float = 0.6
    private var homePitch: Float = 0.35
    /// How far in zooming may go, as a fraction of ``homeDistance``.
    public var closestZoom: Float = 0.02

    public init(distance: Float) {
        self.distance = distance
        homeDistance = distance
    }

    /// A camera that frames most of `state`: four times the RMS radius, at least 1.
    public init(fitting state: ParticleState) {
        var sum = 0.0
        for i in 0..<state.count {
            let p = SIMD3<Double>(state.position(i))
            sum += (p * p).sum()
        }
        let rms = state.count > 0 ? (sum / Double(state.count)).squareRoot() : 1
        self.init(distance: Float(max(4 * rms, 1)))
    }

    /// A camera looking straight down on a W x H grid in the z = 0 plane, framing all of it.
    public static func topDown(gridWidth: Int, gridHeight: Int, aspect: Float) -> Camera {
        let fov: Float = 45 * .pi / 180
        let needed = max(Float(gridHeight), Float(gridWidth) / aspect) * 1.04
        var camera = Camera(distance: needed / (2 * tan(fov / 2)))
        (camera.yaw, camera.pitch, camera.homeYaw, camera.homePitch) = (0, 0, 0, 0)
        // Close enough to see single cells of the largest grids: about 16 rows on screen.
        camera.closestZoom = min(0.5, 16 / needed)
        return camera
    }

    /// World units visible from top to bottom at the origin's depth.
    public var visibleHeight: Float { 2 * distance * tan(fieldOfView / 2) }

    public mutating func reset() {
        distance = homeDistance
        target = .zero
        yaw = homeYaw
        pitch = homePitch
    }

    /// Moves the target in the view plane by fractions of the visible height (right, down on
    /// screen), so a pan feels the same at every zoom.
    public mutating func pan(right: Float, down: Float) {
        let (screenRight, screenDown) = screenAxes
        target += (screenRight * right + screenDown * down) * visibleHeight
    }

    private var screenAxes: (right: SIMD3<Float>, down: SIMD3<Float>) {
        let forward = normalize(-eyeOffset)
        let right = normalize(cross(forward, SIMD3<Float>(0, 1, 0)))
        return (right, -cross(right, forward))
    }

    public mutating func orbit(yaw deltaYaw: Float, pitch deltaPitch: Float) {
        yaw += deltaYaw
        pitch = min(max(pitch + deltaPitch, -1.5), 1.5)
    }

    /// Zooms by a factor: < 1 moves closer.
    public mutating func zoom(_ factor: Float) {
        distance = min(max(distance * factor, homeDistance * closestZoom), homeDistance * 50)
    }

    public var eye: SIMD3<Float> { target + eyeOffset }

    private var eyeOffset: SIMD3<Float> {
        SIMD3(distance * cos(pitch) * sin(yaw), distance * sin(pitch), distance * cos(pitch) * cos(yaw))
    }

    /// Column-major view-projection matrix, as GLSL's `mat4` reads it.
    public func viewProjection(aspect: Float) -> [Float] {
        let eye = self.eye
        let forward = normalize(-eyeOffset)
        let worldUp = SIMD3<Float>(0, 1, 0)
        let right = normalize(cross(forward, worldUp))
        let up = cross(right, forward)
        // View: rows are right, -up (Vulkan's y points down), forward.
        let down = -up
        let view: [[Float]] = [
            [right.x, right.y, right.z, -dot(right, eye)],
            [down.x, down.y, down.z, -dot(down, eye)],
            [forward.x, forward.y, forward.z, -dot(forward, eye)],
            [0, 0, 0, 1],
        ]
        let near = distance * 0.01, far = distance * 100
        let f = 1 / tan(fieldOfView / 2)
        let projection: [[Float]] = [
            [f / aspect, 0, 0, 0],
            [0, f, 0, 0],
            [0, 0, far / (far - near), -far * near / (far - near)],
            [0, 0, 1, 0],
        ]
        var columnMajor = [Float](repeating: 0, count: 16)
        for row in 0..<4 {
            for column in 0..<4 {
                var sum: Float = 0
                for k in 0..<4 { sum += projection[row][k] * view[k][column] }
                columnMajor[column * 4 + row] = sum
            }
        }
        return columnMajor
    }

    /// Where `point` lands in a `width` x `height` image, or nil when behind the camera.
    public func project(_ point: SIMD3<Float>, width: Int, height: Int) -> (x: Float, y: Float)? {
        let m = viewProjection(aspect: Float(width) / Float(height))
        // A typed closure: Swift 6.0 gives up type-checking the four-term sum inferred whole.
        let clip = (0..<4).map { (row: Int) -> Float in
            let x: Float = m[row] * point.x, y: Float = m[4 + row] * point.y, z: Float = m[8 + row] * point.z
            return x + y + z + m[12 + row]
        }
        guard clip[3] > 0 else { return nil }
        let ndcX = clip[0] / clip[3], ndcY = clip[1] / clip[3]
        return ((ndcX + 1) / 2 * Float(width), (ndcY + 1) / 2 * Float(height))
    }
}

private func dot(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { (a * b).sum() }
private func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
private func normalize(_ v: SIMD3<Float>) -> SIMD3<Float> { v / dot(v, v).squareRoot() }
