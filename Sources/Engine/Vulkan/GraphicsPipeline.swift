import CVulkan

/// A graphics pipeline that draws from storage buffers without vertex buffers, blending
/// additively, with the viewport and scissor set per pass.
///
/// Additive, because that is how simulations are drawn here: overlapping sprites add up, so
/// dense regions glow.
public final class GraphicsPipeline {
    /// What the vertex shader's vertices make.
    public enum Topology: Sendable {
        /// Point sprites, one per vertex.
        case points
        /// Triangles, three vertices each.
        case triangles

        var vulkan: VkPrimitiveTopology {
            switch self {
            case .points: VK_PRIMITIVE_TOPOLOGY_POINT_LIST
            case .triangles: VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST
            }
        }
    }

    package let device: Device
    package let handle: VkPipeline
    public let layout: PipelineLayout
    /// Keeps the render pass alive while the pipeline made for it is.
    public let renderPass: RenderPass

    public init(
        renderPass: RenderPass, layout: PipelineLayout, vertex: ShaderModule, fragment: ShaderModule,
        topology: Topology, fragmentSpecialization: [SpecializationConstant] = []
    ) throws {
        let device = renderPass.device
        self.device = device
        self.layout = layout
        self.renderPass = renderPass
        var pipeline: VkPipeline?
        let result: VkResult = SpecializationConstant.withInfo(fragmentSpecialization) { specialization in
            "main".withCString { entry in
                var stages = [VkPipelineShaderStageCreateInfo(), VkPipelineShaderStageCreateInfo()]
                let modules = [(VK_SHADER_STAGE_VERTEX_BIT, vertex), (VK_SHADER_STAGE_FRAGMENT_BIT, fragment)]
                for (index, (stage, module)) in modules.enumerated() {
                    stages[index].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                    stages[index].stage = stage
                    stages[index].module = module.handle
                    stages[index].pName = entry
                }
                stages[1].pSpecializationInfo = specialization
                var states = FixedFunctionStates(topology: topology.vulkan)
                return stages.withUnsafeBufferPointer { stagePointer in
                    states.withCreateInfo { info in
                        info.stageCount = UInt32(stagePointer.count)
                        info.pStages = stagePointer.baseAddress
                        info.layout = layout.handle
                        info.renderPass = renderPass.handle
                        info.subpass = 0
                        return vkCreateGraphicsPipelines(device.handle, nil, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        try check(result, "vkCreateGraphicsPipelines(\(fragment.name))")
        handle = pipeline!
    }

    deinit { vkDestroyPipeline(device.handle, handle, nil) }
}

/// The fixed-function state every ``GraphicsPipeline`` shares: no vertex input, no culling,
/// one sample, additive blending, dynamic viewport and scissor.
private struct FixedFunctionStates {
    var vertexInput = VkPipelineVertexInputStateCreateInfo()
    var assembly = VkPipelineInputAssemblyStateCreateInfo()
    var viewport = VkPipelineViewportStateCreateInfo()
    var raster = VkPipelineRasterizationStateCreateInfo()
    var multisample = VkPipelineMultisampleStateCreateInfo()
    var blendAttachment = VkPipelineColorBlendAttachmentState()
    var blend = VkPipelineColorBlendStateCreateInfo()
    var dynamicStates = [VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR]
    var dynamic = VkPipelineDynamicStateCreateInfo()

    init(topology: VkPrimitiveTopology) {
        vertexInput.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO
        assembly.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO
        assembly.topology = topology
        viewport.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO
        viewport.viewportCount = 1
        viewport.scissorCount = 1
        raster.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO
        raster.polygonMode = VK_POLYGON_MODE_FILL
        raster.cullMode = VK_CULL_MODE_NONE.rawValue
        raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE
        raster.lineWidth = 1
        multisample.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO
        multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT
        blendAttachment.blendEnable = VkBool32(VK_TRUE)
        blendAttachment.srcColorBlendFactor = VK_BLEND_FACTOR_ONE
        blendAttachment.dstColorBlendFactor = VK_BLEND_FACTOR_ONE
        blendAttachment.colorBlendOp = VK_BLEND_OP_ADD
        blendAttachment.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE
        blendAttachment.dstAlphaBlendFactor = VK_BLEND_FACTOR_ZERO
        blendAttachment.alphaBlendOp = VK_BLEND_OP_ADD
        blendAttachment.colorWriteMask =
            VK_COLOR_COMPONENT_R_BIT.rawValue | VK_COLOR_COMPONENT_G_BIT.rawValue | VK_COLOR_COMPONENT_B_BIT.rawValue
            | VK_COLOR_COMPONENT_A_BIT.rawValue
        blend.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO
        blend.attachmentCount = 1
        dynamic.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO
    }

    /// Calls `body` with a create info whose state pointers point into `self`.
    mutating func withCreateInfo<R>(_ body: (inout VkGraphicsPipelineCreateInfo) -> R) -> R {
        withUnsafePointer(to: &blendAttachment) { blendAttachmentPointer in
            blend.pAttachments = blendAttachmentPointer
            return dynamicStates.withUnsafeBufferPointer { dynamicPointer in
                dynamic.dynamicStateCount = UInt32(dynamicPointer.count)
                dynamic.pDynamicStates = dynamicPointer.baseAddress
                var info = VkGraphicsPipelineCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO
                return withUnsafePointer(to: &vertexInput) {
                    info.pVertexInputState = $0
                    return withUnsafePointer(to: &assembly) {
                        info.pInputAssemblyState = $0
                        return withUnsafePointer(to: &viewport) {
                            info.pViewportState = $0
                            return withUnsafePointer(to: &raster) {
                                info.pRasterizationState = $0
                                return withUnsafePointer(to: &multisample) {
                                    info.pMultisampleState = $0
                                    return withUnsafePointer(to: &blend) {
                                        info.pColorBlendState = $0
                                        return withUnsafePointer(to: &dynamic) {
                                            info.pDynamicState = $0
                                            return body(&info)
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
