import CVulkan
import Engine

/// Draws an N-body state as additive point sprites, coloured by speed, straight from the
/// simulation's storage buffer.
///
/// Owns the render pass (for one colour format and final layout) and the graphics
/// pipeline; targets supply framebuffers made with ``renderPass``.
public final class ParticleRenderer {
    let device: Device
    let renderPass: VkRenderPass
    let layout: PipelineLayout
    let pipeline: VkPipeline
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

    /// Matches the vertex shaders' push-constant blocks: the camera, the point size, and three
    /// values of the style's own (speed scale for particles; width, height, states, bits per
    /// cell for cells).
    struct CameraConstants: BitwiseCopyable {
        var viewProjection: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)
        var pointSize: Float
        var extra: (Float, Float, Float, Float)
    }

    /// What the points stand for.
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
            layout = try PipelineLayout(device: device, storageBuffers: 1, pushConstantSize: MemoryLayout<CameraConstants>.size,
                                        stages: VK_SHADER_STAGE_VERTEX_BIT.rawValue)
            sets = DescriptorSetCache(layout: layout)
            let vertex = try ShaderModule(device: device, shader: style == .particles ? .particlesVertex : .lifeCellsVertex)
            let fragment = try ShaderModule(device: device, shader: .particlesFragment)
            pipeline = try ParticleRenderer.makePipeline(device: device, renderPass: renderPass, layout: layout,
                                                         vertex: vertex, fragment: fragment)
        } catch {
            vkDestroyRenderPass(device.handle, renderPass, nil)
            throw error
        }
    }

    deinit {
        vkDestroyPipeline(device.handle, pipeline, nil)
        vkDestroyRenderPass(device.handle, renderPass, nil)
    }

    /// Records a render pass that clears `framebuffer` and draws `particleCount` particles
    /// from `state`, after the compute writes to it.
    func record(_ encoder: inout CommandEncoder, framebuffer: VkFramebuffer, width: Int, height: Int,
                state: Buffer, particleCount: Int, camera: Camera, speedScale: Float) throws {
        try record(&encoder, framebuffer: framebuffer, width: width, height: height, state: state, count: particleCount,
                   camera: camera, pointSize: pointSize, extra: (speedScale, 0, 0, 0))
    }

    /// Records the render pass for `count` points whose style-specific constants are `extra`.
    /// `model` scales the points' world positions and moves them in the z = 0 plane first.
    func record(_ encoder: inout CommandEncoder, framebuffer: VkFramebuffer, width: Int, height: Int,
                state: Buffer, count: Int, camera: Camera, pointSize: Float, extra: (Float, Float, Float, Float),
                firstVertex: Int = 0, model: (scale: Float, x: Float, y: Float) = (1, 0, 0)) throws {
        let set = try sets.set(for: [state])
        encoder.barrier(.computeToVertex)
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
        var scissor = begin.renderArea
        vkCmdSetScissor(encoder.handle, 0, 1, &scissor)
        encoder.bindGraphics(pipeline, layout: layout, owner: self)
        encoder.bind(set)
        var m = camera.viewProjection(aspect: Float(width) / Float(max(height, 1)))
        // m x model, column-major: the first two columns scale, the last gains the offset.
        for row in 0..<4 {
            m[12 + row] += model.x * m[row] + model.y * m[4 + row]
            m[row] *= model.scale
            m[4 + row] *= model.scale
        }
        encoder.pushConstants(CameraConstants(
            viewProjection: (SIMD4(m[0], m[1], m[2], m[3]), SIMD4(m[4], m[5], m[6], m[7]),
                             SIMD4(m[8], m[9], m[10], m[11]), SIMD4(m[12], m[13], m[14], m[15])),
            pointSize: device.description.supportsLargePoints ? pointSize : 1, extra: extra))
        vkCmdDraw(encoder.handle, UInt32(count), 1, UInt32(firstVertex), 0)
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
                                     vertex: ShaderModule, fragment: ShaderModule) throws -> VkPipeline {
        var pipeline: VkPipeline?
        let result: VkResult = "main".withCString { entry in
            var stages = [VkPipelineShaderStageCreateInfo(), VkPipelineShaderStageCreateInfo()]
            for (index, (stage, module)) in [(VK_SHADER_STAGE_VERTEX_BIT, vertex), (VK_SHADER_STAGE_FRAGMENT_BIT, fragment)].enumerated() {
                stages[index].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                stages[index].stage = stage
                stages[index].module = module.handle
                stages[index].pName = entry
            }
            var vertexInput = VkPipelineVertexInputStateCreateInfo()
            vertexInput.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO
            var assembly = VkPipelineInputAssemblyStateCreateInfo()
            assembly.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO
            assembly.topology = VK_PRIMITIVE_TOPOLOGY_POINT_LIST
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
            // Additive: overlapping sprites add up, so dense regions glow.
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
        }
        try check(result, "vkCreateGraphicsPipelines(particles)")
        return pipeline!
    }
}

extension ParticleRenderer {
    /// A point exactly one pixel wide whose centre falls on a pixel corner covers no pixel
    /// centre at all, and cells at a pixel or less apart land on corners all the time: a
    /// little wider, a point always lights at least one pixel (1.25 survives the coarsest
    /// usual size granularity, 1/8).
    static let smallestCellPoint: Float = 1.25

    /// Records a render pass drawing the live and dying cells of `life` as the top-down
    /// `camera` sees them: only the rows on screen, points about a cell wide.
    func recordCells(_ encoder: inout CommandEncoder, framebuffer: VkFramebuffer, width: Int, height: Int,
                     life: LifeWorkload, camera: Camera) throws {
        let pixelsPerCell = Float(height) / camera.visibleHeight
        let extra = { (w: Int, h: Int, bits: Int) in (Float(w), Float(h), Float(life.rule.states), Float(bits)) }
        let factor = LifeOverview.factor(pixelsPerCell: pixelsPerCell, width: life.width, height: life.height,
                                         bitsPerCell: life.bitsPerCell, loopLimit: device.description.shaderLoopIterationLimit)
        if factor > 1 {
            // Zoomed out: draw blocks of cells from a coarse copy, placed and scaled onto the grid.
            let overview = try lifeOverview()
            let (w, h) = try overview.record(&encoder, life: life, factor: factor)
            let f = Float(factor)
            let model = (scale: f, x: f * Float(w) / 2 - Float(life.width) / 2, y: Float(life.height) / 2 - f * Float(h) / 2)
            try record(&encoder, framebuffer: framebuffer, width: width, height: height, state: overview.buffer, count: w * h,
                       camera: camera, pointSize: max(Self.smallestCellPoint, pixelsPerCell * f * 0.85), extra: extra(w, h, 8), model: model)
            return
        }
        let rows = Self.visibleRows(gridHeight: life.height, camera: camera, aspect: Float(width) / Float(max(height, 1)))
        try record(&encoder, framebuffer: framebuffer, width: width, height: height,
                   state: life.currentStateBuffer, count: rows.count * life.width, camera: camera,
                   pointSize: max(Self.smallestCellPoint, pixelsPerCell * 0.85), extra: extra(life.width, life.height, life.bitsPerCell),
                   firstVertex: rows.lowerBound * life.width)
    }

    /// The grid rows a top-down camera can see (all of them for any other view), so a zoomed-in
    /// view of a huge grid draws a screenful of points rather than every cell.
    static func visibleRows(gridHeight: Int, camera: Camera, aspect: Float) -> Range<Int> {
        guard camera.yaw == 0 && camera.pitch == 0 else { return 0..<gridHeight }
        // Cell row r is centred at world y = H/2 - r - 1/2; one row of margin for point sprites.
        let half = camera.visibleHeight / 2
        let top = Float(gridHeight) / 2 - (camera.target.y + half) - 1
        let bottom = Float(gridHeight) / 2 - (camera.target.y - half) + 1
        let first = max(0, min(gridHeight, Int(top.rounded(.down))))
        let end = max(first, min(gridHeight, Int(bottom.rounded(.up))))
        return first..<end
    }
}
