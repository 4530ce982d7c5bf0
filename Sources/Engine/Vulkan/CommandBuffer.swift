import CVulkan

/// A primary command buffer with its own pool, recorded through ``CommandEncoder``.
///
/// Re-recording resets the whole pool, the cheapest reset there is.
public final class CommandBuffer {
    package let device: Device
    let pool: VkCommandPool
    package let handle: VkCommandBuffer
    /// Objects the recorded commands use, kept alive until the next recording.
    private var retained: [AnyObject] = []

    public init(device: Device) throws {
        self.device = device
        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.queueFamilyIndex = UInt32(device.queueFamilyIndex)
        poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT.rawValue
        var pool: VkCommandPool?
        try check(vkCreateCommandPool(device.handle, &poolInfo, nil, &pool), "vkCreateCommandPool")
        self.pool = pool!

        var info = VkCommandBufferAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        info.commandPool = pool
        info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        info.commandBufferCount = 1
        var buffer: VkCommandBuffer?
        do {
            try check(vkAllocateCommandBuffers(device.handle, &info, &buffer), "vkAllocateCommandBuffers")
        } catch {
            vkDestroyCommandPool(device.handle, pool, nil)
            throw error
        }
        handle = buffer!
    }

    deinit {
        vkDestroyCommandPool(device.handle, pool, nil)
    }

    /// Replaces the buffer's contents with what `body` records. The buffer must not be in use.
    public func record(_ body: (inout CommandEncoder) throws -> Void) throws {
        try check(vkResetCommandPool(device.handle, pool, 0), "vkResetCommandPool")
        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
        try check(vkBeginCommandBuffer(handle, &begin), "vkBeginCommandBuffer")
        var encoder = CommandEncoder(handle: handle)
        do {
            try body(&encoder)
        } catch {
            vkEndCommandBuffer(handle)
            throw error
        }
        retained = encoder.retained
        try check(vkEndCommandBuffer(handle), "vkEndCommandBuffer")
    }
}

/// The hazards that workloads order with barriers; each is one global memory barrier.
public enum Hazard: Sendable {
    /// A transfer (upload) wrote what compute reads or overwrites next.
    case transferToCompute
    /// A compute dispatch wrote what the next dispatch reads, or read what it overwrites.
    case computeToCompute
    /// A compute dispatch wrote what a transfer (readback) copies.
    case computeToTransfer
    /// A transfer wrote host-visible memory that the host reads after the fence.
    case transferToHost
    /// A compute dispatch wrote what drawing (a vertex or fragment shader) reads next.
    case computeToDrawing
    /// Drawing read what the next dispatch overwrites (write-after-read: execution order only).
    case drawingToCompute
    /// Rendering wrote an image that a transfer copies out.
    case colorAttachmentToTransfer

    /// Particles are read by the vertex shader, Life cells by the fragment shader.
    private static let drawingShaders =
        VK_PIPELINE_STAGE_VERTEX_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT.rawValue

    var stages: (source: VkPipelineStageFlags, destination: VkPipelineStageFlags) {
        switch self {
        case .transferToCompute:
            (VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue)
        case .computeToCompute:
            (VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue)
        case .computeToTransfer:
            (VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue, VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue)
        case .transferToHost: (VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue, VK_PIPELINE_STAGE_HOST_BIT.rawValue)
        case .computeToDrawing: (VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue, Self.drawingShaders)
        case .drawingToCompute: (Self.drawingShaders, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue)
        case .colorAttachmentToTransfer:
            (VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT.rawValue, VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue)
        }
    }

    var access: (source: VkAccessFlags, destination: VkAccessFlags) {
        let shaderRead = VK_ACCESS_SHADER_READ_BIT.rawValue
        let shaderWrite = VK_ACCESS_SHADER_WRITE_BIT.rawValue
        return switch self {
        case .transferToCompute: (VK_ACCESS_TRANSFER_WRITE_BIT.rawValue, shaderRead | shaderWrite)
        case .computeToCompute: (shaderWrite, shaderRead | shaderWrite)
        case .computeToTransfer: (shaderWrite, VK_ACCESS_TRANSFER_READ_BIT.rawValue)
        case .transferToHost: (VK_ACCESS_TRANSFER_WRITE_BIT.rawValue, VK_ACCESS_HOST_READ_BIT.rawValue)
        case .computeToDrawing: (shaderWrite, shaderRead)
        case .drawingToCompute: (0, 0)
        case .colorAttachmentToTransfer:
            (VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT.rawValue, VK_ACCESS_TRANSFER_READ_BIT.rawValue)
        }
    }
}

/// Records commands into a ``CommandBuffer``; only valid inside ``CommandBuffer/record(_:)``.
public struct CommandEncoder {
    package let handle: VkCommandBuffer
    fileprivate(set) var retained: [AnyObject] = []

    /// Keeps `object` alive until the command buffer is recorded again.
    package mutating func retain(_ object: AnyObject) { retained.append(object) }
    private var boundLayout: PipelineLayout?
    private var bindPoint = VK_PIPELINE_BIND_POINT_COMPUTE

    fileprivate init(handle: VkCommandBuffer) { self.handle = handle }

    public mutating func bind(_ pipeline: ComputePipeline) {
        vkCmdBindPipeline(handle, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle)
        boundLayout = pipeline.layout
        bindPoint = VK_PIPELINE_BIND_POINT_COMPUTE
        retained.append(pipeline)
    }

    public mutating func bind(_ pipeline: GraphicsPipeline) {
        vkCmdBindPipeline(handle, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline.handle)
        boundLayout = pipeline.layout
        bindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS
        retained.append(pipeline)
    }

    public mutating func bind(_ set: DescriptorSet) {
        guard let layout = boundLayout else { preconditionFailure("bind a pipeline before its descriptor set") }
        var setHandle: VkDescriptorSet? = set.handle
        vkCmdBindDescriptorSets(handle, bindPoint, layout.handle, 0, 1, &setHandle, 0, nil)
        retained.append(set)
    }

    /// Pushes `value`'s bytes; `T` must match the shader's push-constant block layout.
    public func pushConstants<T: BitwiseCopyable>(_ value: T) {
        guard let layout = boundLayout else { preconditionFailure("bind a pipeline before pushing constants") }
        precondition(MemoryLayout<T>.size == layout.pushConstantSize, "push constant size mismatch")
        withUnsafeBytes(of: value) { bytes in
            vkCmdPushConstants(handle, layout.handle, layout.stages, 0, UInt32(bytes.count), bytes.baseAddress)
        }
    }

    public func dispatch(_ groupsX: Int, _ groupsY: Int = 1, _ groupsZ: Int = 1) {
        vkCmdDispatch(handle, UInt32(groupsX), UInt32(groupsY), UInt32(groupsZ))
    }

    /// Dispatches the workgroups from `base` on, `groupsX` by `groupsY` of them: a piece of a
    /// larger dispatch, whose shaders see the workgroup IDs the whole dispatch would give them.
    public func dispatch(base: (x: Int, y: Int), _ groupsX: Int, _ groupsY: Int) {
        vkCmdDispatchBase(handle, UInt32(base.x), UInt32(base.y), 0, UInt32(groupsX), UInt32(groupsY), 1)
    }

    public func barrier(_ hazard: Hazard) {
        var memoryBarrier = VkMemoryBarrier()
        memoryBarrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        memoryBarrier.srcAccessMask = hazard.access.source
        memoryBarrier.dstAccessMask = hazard.access.destination
        vkCmdPipelineBarrier(
            handle, hazard.stages.source, hazard.stages.destination, 0, 1, &memoryBarrier, 0, nil, 0, nil)
    }

    /// Records `body`'s drawing inside `renderPass` over `framebuffer`, which is first cleared
    /// to `clearColor` (RGBA); the viewport is the whole framebuffer, drawing is limited to
    /// `scissor` (all of it when nil), the clear is not.
    public mutating func renderPass(
        _ renderPass: RenderPass, framebuffer: Framebuffer, clearColor: SIMD4<Float>, scissor: PixelRect? = nil,
        _ body: (inout CommandEncoder) throws -> Void
    ) rethrows {
        var clear = VkClearValue()
        clear.color.float32 = (clearColor.x, clearColor.y, clearColor.z, clearColor.w)
        let whole = PixelRect(x: 0, y: 0, width: framebuffer.width, height: framebuffer.height)
        var begin = VkRenderPassBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO
        begin.renderPass = renderPass.handle
        begin.framebuffer = framebuffer.handle
        begin.renderArea = whole.vulkan
        begin.clearValueCount = 1
        withUnsafePointer(to: &clear) { clearPointer in
            begin.pClearValues = clearPointer
            vkCmdBeginRenderPass(handle, &begin, VK_SUBPASS_CONTENTS_INLINE)
        }
        var viewport = VkViewport(
            x: 0, y: 0, width: Float(framebuffer.width), height: Float(framebuffer.height), minDepth: 0, maxDepth: 1)
        vkCmdSetViewport(handle, 0, 1, &viewport)
        var scissorRect = (scissor ?? whole).vulkan
        vkCmdSetScissor(handle, 0, 1, &scissorRect)
        retained.append(renderPass)
        retained.append(framebuffer)
        defer { vkCmdEndRenderPass(handle) }
        try body(&self)
    }

    /// Draws `vertices` vertices with the bound graphics pipeline, inside
    /// ``renderPass(_:framebuffer:clearColor:scissor:_:)``.
    public func draw(vertices: Int) {
        vkCmdDraw(handle, UInt32(vertices), 1, 0, 0)
    }

    /// Copies all of `image`, left by a render pass for ``RenderPass/Destination/copyOut``,
    /// into `buffer` as tightly packed rows.
    public mutating func copy(_ image: ColorImage, to buffer: Buffer) {
        precondition(image.width * image.height * 4 <= buffer.size, "image larger than the buffer")
        var region = VkBufferImageCopy()
        region.imageSubresource = VkImageSubresourceLayers(
            aspectMask: VK_IMAGE_ASPECT_COLOR_BIT.rawValue, mipLevel: 0, baseArrayLayer: 0, layerCount: 1)
        region.imageExtent = VkExtent3D(width: UInt32(image.width), height: UInt32(image.height), depth: 1)
        vkCmdCopyImageToBuffer(handle, image.handle, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer.handle, 1, &region)
        retained.append(image)
        retained.append(buffer)
    }

    public mutating func copy(from source: Buffer, to destination: Buffer, size: Int) {
        precondition(size <= source.size && size <= destination.size, "copy larger than a buffer")
        var region = VkBufferCopy(srcOffset: 0, dstOffset: 0, size: VkDeviceSize(size))
        vkCmdCopyBuffer(handle, source.handle, destination.handle, 1, &region)
        retained.append(source)
        retained.append(destination)
    }

    /// Sets every byte of `buffer` to zero.
    public mutating func zero(_ buffer: Buffer) {
        vkCmdFillBuffer(handle, buffer.handle, 0, VkDeviceSize(VK_WHOLE_SIZE), 0)
        retained.append(buffer)
    }

    public mutating func resetQueries(_ pool: TimestampQueryPool) {
        vkCmdResetQueryPool(handle, pool.handle, 0, UInt32(pool.count))
        retained.append(pool)
    }

    /// Writes a timestamp once all earlier commands have completed.
    public func writeTimestamp(_ pool: TimestampQueryPool, index: Int) {
        precondition(index < pool.count, "timestamp query \(index) out of range")
        vkCmdWriteTimestamp(handle, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool.handle, UInt32(index))
    }
}

/// Timestamp queries for timing GPU work without the host's submission overhead.
public final class TimestampQueryPool {
    package let device: Device
    package let handle: VkQueryPool
    public let count: Int
    private let validBits: UInt32

    public init(device: Device, count: Int) throws {
        guard device.description.supportsComputeTimestamps else {
            throw EngineError.unsupported("\(device.description.name) cannot write timestamps on its compute queue")
        }
        self.device = device
        self.count = count
        validBits = device.description.queueFamilies[device.queueFamilyIndex].timestampValidBits
        var info = VkQueryPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
        info.queryType = VK_QUERY_TYPE_TIMESTAMP
        info.queryCount = UInt32(count)
        var pool: VkQueryPool?
        try check(vkCreateQueryPool(device.handle, &info, nil, &pool), "vkCreateQueryPool")
        handle = pool!
    }

    deinit { vkDestroyQueryPool(device.handle, handle, nil) }

    /// Seconds between two timestamps written by completed work.
    public func seconds(from start: Int, to end: Int) throws -> Double {
        var values = [UInt64](repeating: 0, count: count)
        let flags = VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue
        _ = try values.withUnsafeMutableBytes { bytes in
            try check(
                vkGetQueryPoolResults(
                    device.handle, handle, 0, UInt32(count), bytes.count, bytes.baseAddress, 8, flags),
                "vkGetQueryPoolResults")
        }
        let mask: UInt64 = validBits >= 64 ? .max : (1 << UInt64(validBits)) - 1
        let ticks = (values[end] &- values[start]) & mask
        return Double(ticks) * Double(device.description.limits.timestampPeriod) * 1e-9
    }
}
