import CVulkan

/// A buffer with its own memory allocation.
///
/// Device-local buffers hold simulation state; host-visible ones (``MemoryUsage/upload``,
/// ``MemoryUsage/readback``) are mapped for their whole life and move data in and out.
public final class Buffer {
    package let device: Device
    package let handle: VkBuffer
    let memory: VkDeviceMemory
    public let size: Int
    public let usage: MemoryUsage
    let memoryFlags: MemoryPropertyFlags
    private let mapped: UnsafeMutableRawPointer?

    public init(device: Device, size: Int, usage: MemoryUsage) throws {
        guard size > 0 else { throw EngineError.invalidInput("a buffer needs at least one byte") }
        self.device = device
        self.size = size
        self.usage = usage

        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(size)
        let transfer = VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
        info.usage = usage == .deviceLocal ? VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | transfer : transfer
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try check(vkCreateBuffer(device.handle, &info, nil, &buffer), "vkCreateBuffer")

        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(device.handle, buffer, &requirements)
        var memory: VkDeviceMemory?
        do {
            let allocated = try device.allocateMemory(for: requirements, usage: usage, resource: "a \(usage) buffer")
            memory = allocated.memory
            memoryFlags = allocated.flags
            try check(vkBindBufferMemory(device.handle, buffer, memory, 0), "vkBindBufferMemory")
            var pointer: UnsafeMutableRawPointer?
            if usage != .deviceLocal {
                try check(
                    vkMapMemory(device.handle, memory, 0, VkDeviceSize(VK_WHOLE_SIZE), 0, &pointer), "vkMapMemory")
            }
            mapped = pointer
        } catch {
            vkFreeMemory(device.handle, memory, nil)
            vkDestroyBuffer(device.handle, buffer, nil)
            throw error
        }
        handle = buffer!
        self.memory = memory!
    }

    deinit {
        if mapped != nil { vkUnmapMemory(device.handle, memory) }
        vkDestroyBuffer(device.handle, handle, nil)
        vkFreeMemory(device.handle, memory, nil)
    }

    /// Copies `bytes` into a host-visible buffer and makes them visible to the device.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let mapped else { throw EngineError.unsupported("write to a buffer the host cannot see") }
        precondition(bytes.count <= size, "write of \(bytes.count) bytes into a \(size)-byte buffer")
        mapped.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        if !memoryFlags.contains(.hostCoherent) {
            var range = wholeRange
            try check(vkFlushMappedMemoryRanges(device.handle, 1, &range), "vkFlushMappedMemoryRanges")
        }
    }

    /// Copies the start of a host-visible buffer out, after the device's writes are visible.
    public func read(into bytes: UnsafeMutableRawBufferPointer) throws {
        guard let mapped else { throw EngineError.unsupported("read from a buffer the host cannot see") }
        precondition(bytes.count <= size, "read of \(bytes.count) bytes from a \(size)-byte buffer")
        if !memoryFlags.contains(.hostCoherent) {
            var range = wholeRange
            try check(vkInvalidateMappedMemoryRanges(device.handle, 1, &range), "vkInvalidateMappedMemoryRanges")
        }
        bytes.baseAddress!.copyMemory(from: mapped, byteCount: bytes.count)
    }

    private var wholeRange: VkMappedMemoryRange {
        var range = VkMappedMemoryRange()
        range.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE
        range.memory = memory
        range.offset = 0
        range.size = VkDeviceSize(VK_WHOLE_SIZE)
        return range
    }
}
