import CVulkan
import Engine

/// Draws an N-body state as additive point sprites, coloured by speed, or a Life grid's cells
/// as sprites of the same look, straight from the simulation's storage buffer.
///
/// Owns the render pass (for one colour format and final layout) and the graphics
/// pipeline; targets supply framebuffers made with ``renderPass``.
public final class ParticleRenderer {
    let device: Device
    let renderPass: VkRenderPass
    let layout: PipelineLayout
    /// Particles: the point pipeline. Cells: the one for sprites within their cell.
    let pipeline: VkPipeline
    /// Cells only: the pipeline for sprites wider than half a cell, which sums the four nearest.
    let spreadPipeline: VkPipeline?
    let format: VkFormat
    /// A descriptor set per state buffer drawn.
    private let sets: DescriptorSetCache
    /// Made the first time a Life grid is drawn zoomed out.
    private var overview: LifeOverview?

    func lifeOverview() throws -> LifeOverview {
        if let overview { return overview }
        let made = try LifeOverview(device: device)
        overview = made
        return made
    }
    public var pointSize: Float

    /// Matches particles_vertex.vert's push constants: the camera, the point size, and the
    /// speed that is drawn hottest.
    struct CameraConstants: BitwiseCopyable {
        var viewProjection: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)
        var pointSize: Float
        var speedScale: Float
    }

    /// What the sprites stand for.
    enum Style {
        /// N-body particles, coloured by speed.
        case particles
        /// Cells of a Life grid (a byte or a bit each), coloured by state.
        case cells
    }

    /// - Parameter finalLayout: `PRESENT_SRC_KHR` for a swapchain, `TRANSFER_SRC_OPTIMAL` to copy out.
    init(device: Device, format: VkFormat, finalLayout: VkImageLayout, pointSize: Float = 3, style: Style = .particles) throws {
        self.device = device
        self.format = format
        // A point wider than one pixel needs the largePoints feature.
        self.pointSize = device.description.supportsLargePoints ? pointSize : 1
        renderPass = try ParticleRenderer.makeRenderPass(device: device, format: format, finalLayout: finalLayout)
        do {
            // Particles are points placed by the vertex shader; cells are worked out per pixel
            // by the fragment shader under one screen-covering triangle.
            let cells = style == .cells
            layout = try PipelineLayout(device: device, storageBuffers: 1,
                                        pushConstantSize: cells ? MemoryLayout<CellView>.size : MemoryLayout<CameraConstants>.size,
                                        stages: cells ? VK_SHADER_STAGE_FRAGMENT_BIT.rawValue : VK_SHADER_STAGE_VERTEX_BIT.rawValue)
            sets = DescriptorSetCache(layout: layout)
            let vertex = try ShaderModule(device: device, shader: cells ? .lifeCellsScreen : .particlesVertex)
            let fragment = try ShaderModule(device: device, shader: cells ? .lifeCellsFragment : .particlesFragment)
            let topology = cells ? VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST : VK_PRIMITIVE_TOPOLOGY_POINT_LIST
            // Two variants rather than a branch: CPU drivers run both sides of a branch, and
            // reading one cell a pixel instead of four is most of a frame's cost there.
            pipeline = try ParticleRenderer.makePipeline(device: device, renderPass: renderPass, layout: layout, vertex: vertex,
                                                         fragment: fragment, topology: topology,
                                                         specialization: cells ? [.bool(0, false)] : [])
            do {
                spreadPipeline = cells
                    ? try ParticleRenderer.makePipeline(device: device, renderPass: renderPass, layout: layout, vertex: vertex,
                                                        fragment: fragment, topology: topology, specialization: [.bool(0, true)])
                    : nil
            } catch {
                vkDestroyPipeline(device.handle, pipeline, nil)
                throw error
            }
        } catch {
            vkDestroyRenderPass(device.handle, renderPass, nil)
            throw error
        }
    }

    deinit {
        vkDestroyPipeline(device.handle, pipeline, nil)
        spreadPipeline.map { vkDestroyPipeline(device.handle, $0, nil) }
        vkDestroyRenderPass(device.handle, renderPass, nil)
    }

    /// Records a render pass that clears `framebuffer` and draws `particleCount` particles
    /// from `state`, after the compute writes to it.
    func record(_ encoder: inout CommandEncoder, framebuffer: VkFramebuffer, width: Int, height: Int,
                state: Buffer, particleCount: Int, camera: Camera, speedScale: Float) throws {
        try recordPass(&encoder, framebuffer: framebuffer, width: width, height: height, pipeline: pipeline, reading: state) { encoder in
            let m = camera.viewProjection(aspect: Float(width) / Float(max(height, 1)))
            encoder.pushConstants(CameraConstants(
                viewProjection: (SIMD4(m[0], m[1], m[2], m[3]), SIMD4(m[4], m[5], m[6], m[7]),
                                 SIMD4(m[8], m[9], m[10], m[11]), SIMD4(m[12], m[13], m[14], m[15])),
                pointSize: device.description.supportsLargePoints ? pointSize : 1, speedScale: speedScale))
            vkCmdDraw(encoder.handle, UInt32(particleCount), 1, 0, 0)
        }
    }

    /// Records a render pass over `framebuffer`, cleared, with `pipeline` (one of this
    /// renderer's) and `state` bound, in which `draw` pushes its constants and draws.
    /// Drawing is limited to `scissor` (the whole framebuffer when nil); the clear is not.
    private func recordPass(_ encoder: inout CommandEncoder, framebuffer: VkFramebuffer, width: Int, height: Int,
                            scissor: VkRect2D? = nil, pipeline: VkPipeline, reading state: Buffer,
                            draw: (inout CommandEncoder) -> Void) throws {
        let set = try sets.set(for: [state])
        encoder.barrier(.computeToDrawing)
        var clear = VkClearValue()
        clear.color.float32 = (0.015, 0.015, 0.03, 1)
        var begin = VkRenderPassBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO
        begin.renderPass = renderPass
        begin.framebuffer = framebuffer
        begin.renderArea = VkRect2D(offset: VkOffset2D(x: 0, y: 0), extent: VkExtent2D(width: UInt32(width), height: UInt32(height)))
        begin.clearValueCount = 1
        withUnsafePointer(to: &clear) { clearPointer in
            begin.pClearValues = clearPointer
            vkCmdBeginRenderPass(encoder.handle, &begin, VK_SUBPASS_CONTENTS_INLINE)
        }
        var viewport = VkViewport(x: 0, y: 0, width: Float(width), height: Float(height), minDepth: 0, maxDepth: 1)
        vkCmdSetViewport(encoder.handle, 0, 1, &viewport)
        var scissor = scissor ?? begin.renderArea
        vkCmdSetScissor(encoder.handle, 0, 1, &scissor)
        encoder.bindGraphics(pipeline, layout: layout, owner: self)
        encoder.bind(set)
        draw(&encoder)
        vkCmdEndRenderPass(encoder.handle)
    }

    private static func makeRenderPass(device: Device, format: VkFormat, finalLayout: VkImageLayout) throws -> VkRenderPass {
        var attachment = VkAttachmentDescription()
        attachment.format = format
        attachment.samples = VK_SAMPLE_COUNT_1_BIT
        attachment.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR
        attachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE
        attachment.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE
        attachment.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE
        attachment.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED
        attachment.finalLayout = finalLayout
        var reference = VkAttachmentReference(attachment: 0, layout: VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL)
        let colourOutput = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT.rawValue
        let colourWrite = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT.rawValue
        let dependencies = [
            // The previous use of the image (presentation via the acquire semaphore, or a copy
            // out) finishes before this pass clears it.
            VkSubpassDependency(srcSubpass: VK_SUBPASS_EXTERNAL, dstSubpass: 0,
                                srcStageMask: colourOutput | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue, dstStageMask: colourOutput,
                                srcAccessMask: 0, dstAccessMask: colourWrite, dependencyFlags: 0),
            // Drawing finishes before the image is copied out.
            VkSubpassDependency(srcSubpass: 0, dstSubpass: VK_SUBPASS_EXTERNAL,
                                srcStageMask: colourOutput, dstStageMask: VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue,
                                srcAccessMask: colourWrite, dstAccessMask: VK_ACCESS_TRANSFER_READ_BIT.rawValue, dependencyFlags: 0),
        ]
        var renderPass: VkRenderPass?
        let result = withUnsafePointer(to: &attachment) { attachmentPointer in
            withUnsafePointer(to: &reference) { referencePointer in
                dependencies.withUnsafeBufferPointer { dependencyPointer in
                    var subpass = VkSubpassDescription()
                    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS
                    subpass.colorAttachmentCount = 1
                    subpass.pColorAttachments = referencePointer
                    return withUnsafePointer(to: &subpass) { subpassPointer in
                        var info = VkRenderPassCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO
                        info.attachmentCount = 1
                        info.pAttachments = attachmentPointer
                        info.subpassCount = 1
                        info.pSubpasses = subpassPointer
                        info.dependencyCount = UInt32(dependencyPointer.count)
                        info.pDependencies = dependencyPointer.baseAddress
                        return vkCreateRenderPass(device.handle, &info, nil, &renderPass)
                    }
                }
            }
        }
        try check(result, "vkCreateRenderPass")
        return renderPass!
    }

    private static func makePipeline(device: Device, renderPass: VkRenderPass, layout: PipelineLayout,
                                     vertex: ShaderModule, fragment: ShaderModule, topology: VkPrimitiveTopology,
                                     specialization: [SpecializationConstant]) throws -> VkPipeline {
        var pipeline: VkPipeline?
        let result: VkResult = SpecializationConstant.withInfo(specialization) { fragmentSpecialization in "main".withCString { entry in
            var stages = [VkPipelineShaderStageCreateInfo(), VkPipelineShaderStageCreateInfo()]
            for (index, (stage, module)) in [(VK_SHADER_STAGE_VERTEX_BIT, vertex), (VK_SHADER_STAGE_FRAGMENT_BIT, fragment)].enumerated() {
                stages[index].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                stages[index].stage = stage
                stages[index].module = module.handle
                stages[index].pName = entry
            }
            stages[1].pSpecializationInfo = fragmentSpecialization
            var vertexInput = VkPipelineVertexInputStateCreateInfo()
            vertexInput.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO
            var assembly = VkPipelineInputAssemblyStateCreateInfo()
            assembly.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO
            assembly.topology = topology
            var viewport = VkPipelineViewportStateCreateInfo()
            viewport.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO
            viewport.viewportCount = 1
            viewport.scissorCount = 1
            var raster = VkPipelineRasterizationStateCreateInfo()
            raster.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO
            raster.polygonMode = VK_POLYGON_MODE_FILL
            raster.cullMode = VK_CULL_MODE_NONE.rawValue
            raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE
            raster.lineWidth = 1
            var multisample = VkPipelineMultisampleStateCreateInfo()
            multisample.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO
            multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT
            // Additive: overlapping sprites add up, so dense regions glow (cells sum their own
            // overlaps and add onto the cleared background).
            var blendAttachment = VkPipelineColorBlendAttachmentState()
            blendAttachment.blendEnable = VkBool32(VK_TRUE)
            blendAttachment.srcColorBlendFactor = VK_BLEND_FACTOR_ONE
            blendAttachment.dstColorBlendFactor = VK_BLEND_FACTOR_ONE
            blendAttachment.colorBlendOp = VK_BLEND_OP_ADD
            blendAttachment.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE
            blendAttachment.dstAlphaBlendFactor = VK_BLEND_FACTOR_ZERO
            blendAttachment.alphaBlendOp = VK_BLEND_OP_ADD
            blendAttachment.colorWriteMask = VK_COLOR_COMPONENT_R_BIT.rawValue | VK_COLOR_COMPONENT_G_BIT.rawValue
                | VK_COLOR_COMPONENT_B_BIT.rawValue | VK_COLOR_COMPONENT_A_BIT.rawValue
            var dynamicStates = [VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR]
            return withUnsafePointer(to: &blendAttachment) { blendPointer in
                var blend = VkPipelineColorBlendStateCreateInfo()
                blend.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO
                blend.attachmentCount = 1
                blend.pAttachments = blendPointer
                return dynamicStates.withUnsafeMutableBufferPointer { dynamicPointer in
                    var dynamic = VkPipelineDynamicStateCreateInfo()
                    dynamic.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO
                    dynamic.dynamicStateCount = UInt32(dynamicPointer.count)
                    dynamic.pDynamicStates = UnsafePointer(dynamicPointer.baseAddress)
                    return stages.withUnsafeBufferPointer { stagePointer in
                        var info = VkGraphicsPipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO
                        info.stageCount = 2
                        info.pStages = stagePointer.baseAddress
                        info.layout = layout.handle
                        info.renderPass = renderPass
                        info.subpass = 0
                        return withUnsafePointer(to: &vertexInput) { info.pVertexInputState = $0
                            return withUnsafePointer(to: &assembly) { info.pInputAssemblyState = $0
                                return withUnsafePointer(to: &viewport) { info.pViewportState = $0
                                    return withUnsafePointer(to: &raster) { info.pRasterizationState = $0
                                        return withUnsafePointer(to: &multisample) { info.pMultisampleState = $0
                                            return withUnsafePointer(to: &blend) { info.pColorBlendState = $0
                                                return withUnsafePointer(to: &dynamic) { info.pDynamicState = $0
                                                    return vkCreateGraphicsPipelines(device.handle, nil, 1, &info, nil, &pipeline)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }
        try check(result, "vkCreateGraphicsPipelines(\(fragment.name))")
        return pipeline!
    }
}

extension ParticleRenderer {
    /// A point exactly one pixel wide whose centre falls on a pixel corner covers no pixel
    /// centre at all, and cells at a pixel or less apart land on corners all the time: a
    /// little wider, a sprite always lights at least one pixel (1.25 survives the coarsest
    /// usual size granularity, 1/8).
    static let smallestCellPoint: Float = 1.25

    /// Matches life_cells_fragment.frag's push constants.
    struct CellView: BitwiseCopyable, Equatable {
        /// The cell coordinates of pixel (0, 0)'s corner; a pixel centre p is at origin + p * cellsPerPixel.
        var origin: SIMD2<Float>
        var cellsPerPixel: Float
        /// Half a cell's sprite, in cells.
        var halfSprite: Float
        var width: UInt32
        var height: UInt32
        var states: UInt32
        var bitsPerCell: UInt32
        var cellsPerWordLog2: UInt32
        var wordsPerRow: UInt32

        /// The pixels of a `width` x `height` image that a sprite can reach: the grid's
        /// rectangle and half a sprite round it, so the pixels beside the grid (a wide window
        /// round a square grid, or a small grid) cost nothing.
        func pixelBounds(width: Int, height: Int) -> VkRect2D {
            func span(_ origin: Float, _ cells: UInt32, _ pixels: Int) -> (Int32, UInt32) {
                let margin = halfSprite + cellsPerPixel
                let first = max(0, min(Float(pixels), ((-margin - origin) / cellsPerPixel).rounded(.down)))
                let end = max(first, min(Float(pixels), ((Float(cells) + margin - origin) / cellsPerPixel).rounded(.up)))
                return (Int32(first), UInt32(end - first))
            }
            let (x, w) = span(origin.x, self.width, width), (y, h) = span(origin.y, self.height, height)
            return VkRect2D(offset: VkOffset2D(x: x, y: y), extent: VkExtent2D(width: w, height: h))
        }
    }

    /// How a top-down `camera` sees a `gridWidth` x `gridHeight` grid drawn as blocks of
    /// `blockSize` cells a side: where each pixel falls on the blocks (whose grid is `blocksWide`
    /// x `blocksHigh`) and how large a block's sprite is.
    static func cellView(camera: Camera, width: Int, height: Int, gridWidth: Int, gridHeight: Int,
                         blockSize: Int, blocksWide: Int, blocksHigh: Int, states: Int, bitsPerCell: Int) throws -> CellView {
        guard camera.yaw == 0 && camera.pitch == 0 else {
            throw EngineError.invalidInput("a Life grid is drawn from straight above; this camera is turned")
        }
        // Straight above, a world unit (a cell) is height / visibleHeight pixels on both axes,
        // the target sits at the image's centre, and world y points up the image.
        let pixelsPerCell = Double(height) / Double(camera.visibleHeight)
        let f = Double(blockSize)
        let worldX = Double(camera.target.x) - Double(width) / 2 / pixelsPerCell
        let worldY = Double(camera.target.y) + Double(height) / 2 / pixelsPerCell
        // Cell column c has its centre at world x = c + 1/2 - W/2, row r at y = H/2 - r - 1/2.
        let origin = SIMD2(Float((worldX + Double(gridWidth) / 2) / f), Float((Double(gridHeight) / 2 - worldY) / f))
        let blockPixels = Float(pixelsPerCell * f)
        let sprite = max(smallestCellPoint, blockPixels * 0.85)
        let cellsPerWord = 32 / bitsPerCell
        return CellView(origin: origin, cellsPerPixel: Float(1 / (pixelsPerCell * f)), halfSprite: sprite / 2 / blockPixels,
                        width: UInt32(blocksWide), height: UInt32(blocksHigh), states: UInt32(states), bitsPerCell: UInt32(bitsPerCell),
                        cellsPerWordLog2: UInt32(cellsPerWord.trailingZeroBitCount),
                        wordsPerRow: UInt32((blocksWide + cellsPerWord - 1) / cellsPerWord))
    }

    /// Records a render pass drawing the live and dying cells of `life` as the top-down
    /// `camera` sees them, a sprite about a cell wide each, every pixel working out its own.
    func recordCells(_ encoder: inout CommandEncoder, framebuffer: VkFramebuffer, width: Int, height: Int,
                     life: LifeWorkload, camera: Camera) throws {
        let pixelsPerCell = Float(height) / camera.visibleHeight
        let factor = LifeOverview.factor(pixelsPerCell: pixelsPerCell, width: life.width, height: life.height,
                                         bitsPerCell: life.bitsPerCell, loopLimit: device.description.shaderLoopIterationLimit)
        // Zoomed out, a pixel reads blocks of cells from a coarse copy rather than each cell.
        var source = (buffer: life.currentStateBuffer, width: life.width, height: life.height, bitsPerCell: life.bitsPerCell)
        if factor > 1 {
            let overview = try lifeOverview()
            let (w, h) = try overview.record(&encoder, life: life, factor: factor)
            source = (overview.buffer, w, h, 8)
        }
        let view = try Self.cellView(camera: camera, width: width, height: height, gridWidth: life.width, gridHeight: life.height,
                                     blockSize: factor, blocksWide: source.width, blocksHigh: source.height,
                                     states: life.rule.states, bitsPerCell: source.bitsPerCell)
        let spread = view.halfSprite >= 0.5
        try recordPass(&encoder, framebuffer: framebuffer, width: width, height: height,
                       scissor: view.pixelBounds(width: width, height: height),
                       pipeline: spread ? spreadPipeline! : pipeline, reading: source.buffer) { encoder in
            encoder.pushConstants(view)
            vkCmdDraw(encoder.handle, 3, 1, 0, 0)
        }
    }
}
