import Engine

/// Draws a Gray-Scott field seen from straight above, a square per cell coloured by its
/// concentration of v: one screen-covering triangle, each pixel reading the cell under it
/// straight from the simulation's storage buffer.
final class FieldRenderer {
    let device: Device
    private let pipeline: GraphicsPipeline
    /// A descriptor set per state buffer drawn.
    private let sets: DescriptorSetCache

    init(renderPass: RenderPass) throws {
        device = renderPass.device
        let layout = try PipelineLayout(
            device: device, storageBuffers: 1, pushConstantSize: MemoryLayout<FieldView>.size, stages: .fragment)
        sets = DescriptorSetCache(layout: layout)
        pipeline = try GraphicsPipeline(
            renderPass: renderPass, layout: layout, vertex: try ShaderModule(device: device, shader: .lifeCellsScreen),
            fragment: try ShaderModule(device: device, shader: .grayScottField), topology: .triangles)
    }

    /// Matches gray_scott_field.frag's push constants.
    struct FieldView: BitwiseCopyable {
        var origin: SIMD2<Float>
        var cellsPerPixel: Float
        var width: UInt32
        var height: UInt32
    }

    /// Records a render pass drawing `field` into `framebuffer` as the top-down `camera` sees it.
    func record(
        _ encoder: inout CommandEncoder, into framebuffer: Framebuffer, field: GrayScottWorkload, camera: Camera
    ) throws {
        let (width, height) = (framebuffer.width, framebuffer.height)
        let (geometry, _) = try TopDownGeometry.seeing(
            camera, width: width, height: height, gridWidth: field.width, gridHeight: field.height)
        let view = FieldView(
            origin: geometry.origin, cellsPerPixel: geometry.cellsPerPixel, width: UInt32(field.width),
            height: UInt32(field.height))
        let set = try sets.set(for: [field.currentStateBuffer])
        encoder.barrier(.computeToDrawing)
        encoder.renderPass(
            pipeline.renderPass, framebuffer: framebuffer, clearColor: sceneBackground,
            scissor: geometry.pixelBounds(
                width: width, height: height, blocksWide: view.width, blocksHigh: view.height,
                margin: geometry.cellsPerPixel)
        ) { encoder in
            encoder.bind(pipeline)
            encoder.bind(set)
            encoder.pushConstants(view)
            encoder.draw(vertices: 3)
        }
    }
}
