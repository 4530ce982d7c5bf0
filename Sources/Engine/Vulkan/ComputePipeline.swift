import CVulkan

/// A specialization constant value: shaders read 32-bit scalars, so every value is 4 bytes.
public struct SpecializationConstant: Sendable, Equatable {
    public let id: UInt32
    let bits: UInt32

    public static func uint(_ id: UInt32, _ value: UInt32) -> Self { .init(id: id, bits: value) }
    public static func float(_ id: UInt32, _ value: Float) -> Self { .init(id: id, bits: value.bitPattern) }
    /// GLSL booleans specialise as 32-bit VkBool32.
    public static func bool(_ id: UInt32, _ value: Bool) -> Self { .init(id: id, bits: value ? 1 : 0) }

    /// Calls `body` with the `VkSpecializationInfo` that sets `constants` (nil when there are none).
    package static func withInfo<R>(
        _ constants: [SpecializationConstant], _ body: (UnsafePointer<VkSpecializationInfo>?) -> R
    ) -> R {
        let entries = constants.enumerated().map { position, constant in
            VkSpecializationMapEntry(constantID: constant.id, offset: UInt32(position * 4), size: 4)
        }
        let data = constants.map(\.bits)
        return entries.withUnsafeBufferPointer { entryPointer in
            data.withUnsafeBytes { dataPointer in
                var info = VkSpecializationInfo()
                info.mapEntryCount = UInt32(entryPointer.count)
                info.pMapEntries = entryPointer.baseAddress
                info.dataSize = dataPointer.count
                info.pData = dataPointer.baseAddress
                return withUnsafePointer(to: &info) { body(constants.isEmpty ? nil : $0) }
            }
        }
    }
}

/// The shader stages that see a pipeline layout's buffers and push constants.
public struct ShaderStages: OptionSet, Sendable {
    public let rawValue: VkShaderStageFlags
    public init(rawValue: VkShaderStageFlags) { self.rawValue = rawValue }

    public static let compute = ShaderStages(rawValue: VK_SHADER_STAGE_COMPUTE_BIT.rawValue)
    public static let vertex = ShaderStages(rawValue: VK_SHADER_STAGE_VERTEX_BIT.rawValue)
    public static let fragment = ShaderStages(rawValue: VK_SHADER_STAGE_FRAGMENT_BIT.rawValue)
}

/// Set 0 of a pipeline: `storageBuffers` storage buffers at bindings 0..<n, and
/// `pushConstantSize` bytes of push constants, for the given shader stages.
public final class PipelineLayout {
    package let device: Device
    package let handle: VkPipelineLayout
    package let setLayout: VkDescriptorSetLayout
    public let storageBuffers: Int
    public let pushConstantSize: Int
    package let stages: VkShaderStageFlags

    public init(device: Device, storageBuffers: Int, pushConstantSize: Int, stages: ShaderStages) throws {
        self.device = device
        self.storageBuffers = storageBuffers
        self.pushConstantSize = pushConstantSize
        let stages = stages.rawValue
        self.stages = stages

        let bindings = (0..<storageBuffers).map { index in
            var binding = VkDescriptorSetLayoutBinding()
            binding.binding = UInt32(index)
            binding.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
            binding.descriptorCount = 1
            binding.stageFlags = stages
            return binding
        }
        var setLayout: VkDescriptorSetLayout?
        let setResult = bindings.withUnsafeBufferPointer { pointer in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(pointer.count)
            info.pBindings = pointer.baseAddress
            return vkCreateDescriptorSetLayout(device.handle, &info, nil, &setLayout)
        }
        try check(setResult, "vkCreateDescriptorSetLayout")
        self.setLayout = setLayout!

        var range = VkPushConstantRange()
        range.stageFlags = stages
        range.offset = 0
        range.size = UInt32(pushConstantSize)
        var layout: VkPipelineLayout?
        var setLayoutHandle: VkDescriptorSetLayout? = setLayout
        var layoutInfo = VkPipelineLayoutCreateInfo()
        layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
        layoutInfo.setLayoutCount = 1
        let layoutResult = withUnsafePointer(to: &setLayoutHandle) { setPointer in
            withUnsafePointer(to: &range) { rangePointer in
                layoutInfo.pSetLayouts = setPointer
                layoutInfo.pushConstantRangeCount = pushConstantSize > 0 ? 1 : 0
                layoutInfo.pPushConstantRanges = pushConstantSize > 0 ? rangePointer : nil
                return vkCreatePipelineLayout(device.handle, &layoutInfo, nil, &layout)
            }
        }
        do {
            try check(layoutResult, "vkCreatePipelineLayout")
        } catch {
            vkDestroyDescriptorSetLayout(device.handle, setLayout, nil)
            throw error
        }
        handle = layout!
    }

    deinit {
        vkDestroyPipelineLayout(device.handle, handle, nil)
        vkDestroyDescriptorSetLayout(device.handle, setLayout, nil)
    }
}

/// A compute pipeline whose descriptor set 0 holds `storageBuffers` storage buffers at
/// bindings 0..<n, with `pushConstantSize` bytes of push constants.
public final class ComputePipeline {
    package let device: Device
    package let handle: VkPipeline
    public let layout: PipelineLayout
    public var storageBuffers: Int { layout.storageBuffers }
    public var pushConstantSize: Int { layout.pushConstantSize }

    public init(
        device: Device, shader: ShaderModule, storageBuffers: Int, pushConstantSize: Int,
        specialization: [SpecializationConstant] = []
    ) throws {
        self.device = device
        let layout = try PipelineLayout(
            device: device, storageBuffers: storageBuffers, pushConstantSize: pushConstantSize,
            stages: .compute)
        self.layout = layout

        var pipeline: VkPipeline?
        let pipelineResult = SpecializationConstant.withInfo(specialization) { specializationPointer in
            "main".withCString { entryName in
                var stage = VkPipelineShaderStageCreateInfo()
                stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                stage.module = shader.handle
                stage.pName = entryName
                stage.pSpecializationInfo = specializationPointer
                var info = VkComputePipelineCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                // A long step can then be submitted in pieces (`PingPongState.advanceInPieces`),
                // so that a stop request is heard between them.
                info.flags = VkPipelineCreateFlags(VK_PIPELINE_CREATE_DISPATCH_BASE_BIT.rawValue)
                info.stage = stage
                info.layout = layout.handle
                return vkCreateComputePipelines(device.handle, nil, 1, &info, nil, &pipeline)
            }
        }
        try check(pipelineResult, "vkCreateComputePipelines(\(shader.name))")
        handle = pipeline!
    }

    deinit {
        vkDestroyPipeline(device.handle, handle, nil)
    }
}

/// Buffers bound to a pipeline's set 0, in binding order; owns its descriptor pool.
public final class DescriptorSet {
    package let device: Device
    let pool: VkDescriptorPool
    package let handle: VkDescriptorSet
    /// Held so bound buffers outlive every command buffer that uses this set.
    public let buffers: [Buffer]
    /// Held because a set must not outlive its layout.
    public let layout: PipelineLayout

    public convenience init(pipeline: ComputePipeline, buffers: [Buffer]) throws {
        try self.init(layout: pipeline.layout, buffers: buffers)
    }

    public init(layout: PipelineLayout, buffers: [Buffer]) throws {
        precondition(buffers.count == layout.storageBuffers, "pipeline takes \(layout.storageBuffers) buffers")
        let device = layout.device
        self.layout = layout
        self.device = device
        self.buffers = buffers

        var poolSize = VkDescriptorPoolSize(
            type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: UInt32(buffers.count))
        var poolInfo = VkDescriptorPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
        poolInfo.maxSets = 1
        poolInfo.poolSizeCount = 1
        var pool: VkDescriptorPool?
        try withUnsafePointer(to: &poolSize) { sizePointer in
            poolInfo.pPoolSizes = sizePointer
            try check(vkCreateDescriptorPool(device.handle, &poolInfo, nil, &pool), "vkCreateDescriptorPool")
        }
        self.pool = pool!

        var setLayout: VkDescriptorSetLayout? = layout.setLayout
        var set: VkDescriptorSet?
        let allocateResult = withUnsafePointer(to: &setLayout) { layoutPointer in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = pool
            info.descriptorSetCount = 1
            info.pSetLayouts = layoutPointer
            return vkAllocateDescriptorSets(device.handle, &info, &set)
        }
        do {
            try check(allocateResult, "vkAllocateDescriptorSets")
        } catch {
            vkDestroyDescriptorPool(device.handle, pool, nil)
            throw error
        }
        handle = set!

        let infos = buffers.map {
            VkDescriptorBufferInfo(buffer: $0.handle, offset: 0, range: VkDeviceSize(VK_WHOLE_SIZE))
        }
        infos.withUnsafeBufferPointer { infoPointer in
            let writes = (0..<buffers.count).map { index in
                var write = VkWriteDescriptorSet()
                write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                write.dstSet = set
                write.dstBinding = UInt32(index)
                write.descriptorCount = 1
                write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                write.pBufferInfo = infoPointer.baseAddress! + index
                return write
            }
            vkUpdateDescriptorSets(device.handle, UInt32(writes.count), writes, 0, nil)
        }
    }

    deinit { vkDestroyDescriptorPool(device.handle, pool, nil) }
}

/// Descriptor sets for one layout, made on first use for each list of buffers and reused, so
/// drawing or reducing the same buffers frame after frame allocates nothing.
///
/// A set holds its buffers, so no cached key can come to stand for another buffer. At most
/// `limit` sets are kept (a few per workload shown), not one for every buffer ever bound;
/// command buffers hold the sets they recorded, so dropping one here is safe.
package final class DescriptorSetCache {
    private let layout: PipelineLayout
    private let limit: Int
    private var sets: [[ObjectIdentifier]: DescriptorSet] = [:]

    package init(layout: PipelineLayout, limit: Int = 8) {
        self.layout = layout
        self.limit = limit
    }

    package func set(for buffers: [Buffer]) throws -> DescriptorSet {
        let key = buffers.map(ObjectIdentifier.init)
        if let set = sets[key] { return set }
        if sets.count >= limit { sets.removeAll() }
        let set = try DescriptorSet(layout: layout, buffers: buffers)
        sets[key] = set
        return set
    }
}
