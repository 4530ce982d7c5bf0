import CVulkan
import Engine

/// Renders the simulation into an image and reads it back as a PNG, with no window system
/// at all: what headless GPU servers and containers without X use.
public final class OffscreenRenderer {
    public let width: Int
    public let height: Int
    let device: Device
    let renderer: ParticleRenderer
    let image: ColorImage
    let framebuffer: Framebuffer
    let readback: Buffer
    let commands: CommandBuffer

    public init(device: Device, width: Int, height: Int) throws {
        guard width >= 1, height >= 1, width <= 16384, height <= 16384 else {
            throw EngineError.invalidInput("image size \(width)x\(height) is outside 1x1...16384x16384")
        }
        self.device = device
        self.width = width
        self.height = height
        renderer = try ParticleRenderer(device: device, format: VK_FORMAT_R8G8B8A8_UNORM,
                                        finalLayout: VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL)
        image = try ColorImage(device: device, width: width, height: height, format: VK_FORMAT_R8G8B8A8_UNORM)
        framebuffer = try Framebuffer(device: device, renderPass: renderer.renderPass, view: image.view, width: width, height: height)
        readback = try Buffer(device: device, size: width * height * 4, usage: .readback)
        commands = try CommandBuffer(device: device)
    }

    /// Draws the workload's current state as the camera sees it.
    public func render(_ workload: NBodyWorkload, camera: Camera, speedScale: Float) throws -> PNGImage {
        try render { encoder in
            try renderer.record(&encoder, framebuffer: framebuffer.handle, width: width, height: height,
                                state: workload.currentStateBuffer, particleCount: workload.particleCount,
                                camera: camera, speedScale: speedScale)
        }
    }

    /// Draws every live or dying cell of a Life grid as a point, seen straight from above.
    public func render(_ life: LifeWorkload) throws -> PNGImage {
        try render(life, camera: Camera.topDown(gridWidth: life.width, gridHeight: life.height, aspect: Float(width) / Float(height)))
    }

    /// Draws the cells of a Life grid as a top-down `camera` sees them (zoomed or panned).
    public func render(_ life: LifeWorkload, camera: Camera) throws -> PNGImage {
        let cells = try cellRenderer()
        return try render { encoder in
            try cells.recordCells(&encoder, framebuffer: cellFramebuffer!.handle, width: width, height: height, life: life, camera: camera)
        }
    }

    private var cells: ParticleRenderer?
    private var cellFramebuffer: Framebuffer?

    private func cellRenderer() throws -> ParticleRenderer {
        if let cells { return cells }
        let made = try ParticleRenderer(device: device, format: VK_FORMAT_R8G8B8A8_UNORM,
                                        finalLayout: VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, style: .cells)
        cellFramebuffer = try Framebuffer(device: device, renderPass: made.renderPass, view: image.view, width: width, height: height)
        cells = made
        return made
    }

    private func render(_ draw: (inout CommandEncoder) throws -> Void) throws -> PNGImage {
        try commands.record { encoder in
            try draw(&encoder)
            var region = VkBufferImageCopy()
            region.imageSubresource = VkImageSubresourceLayers(aspectMask: VK_IMAGE_ASPECT_COLOR_BIT.rawValue,
                                                               mipLevel: 0, baseArrayLayer: 0, layerCount: 1)
            region.imageExtent = VkExtent3D(width: UInt32(width), height: UInt32(height), depth: 1)
            vkCmdCopyImageToBuffer(encoder.handle, image.handle, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.handle, 1, &region)
            encoder.retain(image)
            encoder.retain(readback)
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
