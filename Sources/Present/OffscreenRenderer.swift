import Engine

/// Renders the simulation into an image and reads it back as a PNG, with no window system
/// at all: what headless GPU servers and containers without X use.
public final class OffscreenRenderer {
    public let width: Int
    public let height: Int
    let device: Device
    let renderPass: RenderPass
    let framebuffer: Framebuffer
    let image: ColorImage
    let readback: Buffer
    let commands: CommandBuffer
    /// Each made the first time it draws.
    private var particles: ParticleRenderer?
    private var cells: CellRenderer?
    private var field: FieldRenderer?

    public init(device: Device, width: Int, height: Int) throws {
        guard width >= 1, height >= 1, width <= 16384, height <= 16384 else {
            throw EngineError.invalidInput("image size \(width)x\(height) is outside 1x1...16384x16384")
        }
        self.device = device
        self.width = width
        self.height = height
        renderPass = try RenderPass(device: device, format: .rgba8, destination: .copyOut)
        image = try ColorImage(device: device, width: width, height: height, format: .rgba8)
        framebuffer = try Framebuffer(renderPass: renderPass, image: image)
        readback = try Buffer(device: device, size: width * height * 4, usage: .readback)
        commands = try CommandBuffer(device: device)
    }

    /// Draws the workload's current state as the camera sees it.
    public func render(_ workload: NBodyWorkload, camera: Camera, speedScale: Float) throws -> PNGImage {
        let renderer = try particles ?? ParticleRenderer(renderPass: renderPass)
        particles = renderer
        return try render { encoder in
            try renderer.record(
                &encoder, into: framebuffer, state: workload.currentStateBuffer, particleCount: workload.particleCount,
                camera: camera, speedScale: speedScale)
        }
    }

    /// Draws every live or dying cell of a Life grid, seen straight from above.
    public func render(_ life: LifeWorkload) throws -> PNGImage {
        let aspect = Float(width) / Float(height)
        return try render(life, camera: Camera.topDown(gridWidth: life.width, gridHeight: life.height, aspect: aspect))
    }

    /// Draws the cells of a Life grid as a top-down `camera` sees them (zoomed or panned).
    public func render(_ life: LifeWorkload, camera: Camera) throws -> PNGImage {
        let renderer = try cells ?? CellRenderer(renderPass: renderPass)
        cells = renderer
        return try render { encoder in
            try renderer.record(&encoder, into: framebuffer, life: life, camera: camera)
        }
    }

    /// Draws a whole Gray-Scott field, seen straight from above.
    public func render(_ field: GrayScottWorkload) throws -> PNGImage {
        let aspect = Float(width) / Float(height)
        return try render(
            field, camera: Camera.topDown(gridWidth: field.width, gridHeight: field.height, aspect: aspect))
    }

    /// Draws a Gray-Scott field as a top-down `camera` sees it.
    public func render(_ workload: GrayScottWorkload, camera: Camera) throws -> PNGImage {
        let renderer = try field ?? FieldRenderer(renderPass: renderPass)
        field = renderer
        return try render { encoder in
            try renderer.record(&encoder, into: framebuffer, field: workload, camera: camera)
        }
    }

    private func render(_ draw: (inout CommandEncoder) throws -> Void) throws -> PNGImage {
        try commands.record { encoder in
            try draw(&encoder)
            encoder.copy(image, to: readback)
            encoder.barrier(.transferToHost)
        }
        try device.submitAndWait(commands)
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        try rgba.withUnsafeMutableBytes { try readback.read(into: $0) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for pixel in 0..<width * height {
            rgb[3 * pixel] = rgba[4 * pixel]
            rgb[3 * pixel + 1] = rgba[4 * pixel + 1]
            rgb[3 * pixel + 2] = rgba[4 * pixel + 2]
        }
        return PNGImage(width: width, height: height, rgb: rgb)
    }
}

/// The speed that maps to the hottest colour: twice the RMS speed of `state`.
public func speedScale(for state: ParticleState) -> Float {
    guard state.count > 0 else { return 1 }
    var sum: Double = 0
    for i in 0..<state.count {
        let v = SIMD3<Double>(state.velocity(i))
        sum += (v * v).sum()
    }
    let rms = Float((sum / Double(state.count)).squareRoot())
    return max(2 * rms, 1e-6)
}
