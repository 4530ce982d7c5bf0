import Engine

/// What a frame is cleared to before the simulation is drawn over it: a dark blue-black.
let sceneBackground = SIMD4<Float>(0.015, 0.015, 0.03, 1)

/// Draws an N-body state as additive point sprites, coloured by speed, straight from the
/// simulation's storage buffer.
final class ParticleRenderer {
    let device: Device
    let pipeline: GraphicsPipeline
    /// A descriptor set per state buffer drawn.
    private let sets: DescriptorSetCache
    /// The sprite's width in pixels; 1 where the device has no large points.
    let pointSize: Float

    /// Matches particles_vertex.vert's push constants: the camera, the point size, and the
    /// speed that is drawn hottest.
    struct CameraConstants: BitwiseCopyable {
        var viewProjection: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)
        var pointSize: Float
        var speedScale: Float
    }

    init(renderPass: RenderPass, pointSize: Float = 3) throws {
        device = renderPass.device
        // A point wider than one pixel needs the largePoints feature.
        self.pointSize = device.description.supportsLargePoints ? pointSize : 1
        let layout = try PipelineLayout(
            device: device, storageBuffers: 1, pushConstantSize: MemoryLayout<CameraConstants>.size, stages: .vertex)
        sets = DescriptorSetCache(layout: layout)
        pipeline = try GraphicsPipeline(
            renderPass: renderPass, layout: layout, vertex: ShaderModule(device: device, shader: .particlesVertex),
            fragment: ShaderModule(device: device, shader: .particlesFragment), topology: .points)
    }

    /// Records a render pass that clears `framebuffer` and draws `particleCount` particles
    /// from `state`, after the compute writes to it.
    func record(
        _ encoder: inout CommandEncoder, into framebuffer: Framebuffer, state: Buffer, particleCount: Int,
        camera: Camera, speedScale: Float
    ) throws {
        let set = try sets.set(for: [state])
        let m = camera.viewProjection(aspect: Float(framebuffer.width) / Float(max(framebuffer.height, 1)))
        let constants = CameraConstants(
            viewProjection: (
                SIMD4(m[0], m[1], m[2], m[3]), SIMD4(m[4], m[5], m[6], m[7]), SIMD4(m[8], m[9], m[10], m[11]),
                SIMD4(m[12], m[13], m[14], m[15])
            ),
            pointSize: pointSize, speedScale: speedScale)
        encoder.barrier(.computeToDrawing)
        encoder.renderPass(pipeline.renderPass, framebuffer: framebuffer, clearColor: sceneBackground) { encoder in
            encoder.bind(pipeline)
            encoder.bind(set)
            encoder.pushConstants(constants)
            encoder.draw(vertices: particleCount)
        }
    }
}
