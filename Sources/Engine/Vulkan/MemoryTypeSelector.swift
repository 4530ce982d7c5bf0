import CVulkan

/// `VkMemoryPropertyFlags` as an option set.
public struct MemoryPropertyFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT`
    public static let deviceLocal = MemoryPropertyFlags(rawValue: VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue)
    /// `VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT`
    public static let hostVisible = MemoryPropertyFlags(rawValue: VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue)
    /// `VK_MEMORY_PROPERTY_HOST_COHERENT_BIT`
    public static let hostCoherent = MemoryPropertyFlags(rawValue: VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue)
    /// `VK_MEMORY_PROPERTY_HOST_CACHED_BIT`
    public static let hostCached = MemoryPropertyFlags(rawValue: VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue)
    /// `VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT`
    public static let lazilyAllocated = MemoryPropertyFlags(rawValue: VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT.rawValue)
    /// `VK_MEMORY_PROPERTY_PROTECTED_BIT`
    public static let protected = MemoryPropertyFlags(rawValue: VK_MEMORY_PROPERTY_PROTECTED_BIT.rawValue)
}

public struct MemoryTypeDescription: Sendable, Equatable {
    public var flags: MemoryPropertyFlags
    public var heapIndex: Int
    public init(flags: MemoryPropertyFlags, heapIndex: Int) {
        self.flags = flags
        self.heapIndex = heapIndex
    }
}

/// What a buffer's memory is for; each use ranks memory types differently.
public enum MemoryUsage: Sendable {
    /// Simulation state the GPU reads and writes every step.
    case deviceLocal
    /// Host writes, GPU reads once (staging for upload).
    case upload
    /// GPU writes, host reads (staging for readback): cached memory reads far faster.
    case readback

    var required: MemoryPropertyFlags {
        self == .deviceLocal ? [] : .hostVisible
    }
}

/// Picks a memory type index for a use, among those a resource allows.
///
/// Pure, so the choice is tested for both a discrete card (separate VRAM and system heaps)
/// and a unified-memory device (lavapipe, Raspberry Pi: every type is device-local and
/// host-visible).
public enum MemoryTypeSelector {
    public static func select(_ types: [MemoryTypeDescription], allowed: UInt32, usage: MemoryUsage) -> Int? {
        let candidates = types.indices.filter { index in
            allowed & (1 << UInt32(index)) != 0
                && types[index].flags.isSuperset(of: usage.required)
                && types[index].flags.isDisjoint(with: [.protected, .lazilyAllocated])
        }
        // Highest score wins; ties keep the driver's order, which lists better types first.
        var best: (index: Int, score: Int)?
        for index in candidates {
            let score = score(types[index].flags, usage)
            if best == nil || score > best!.score { best = (index, score) }
        }
        return best?.index
    }

    private static func score(_ flags: MemoryPropertyFlags, _ usage: MemoryUsage) -> Int {
        switch usage {
        case .deviceLocal:
            return (flags.contains(.deviceLocal) ? 8 : 0) + (flags.contains(.hostVisible) ? 0 : 1)
        case .upload:
            return (flags.contains(.hostCoherent) ? 4 : 0) + (flags.contains(.deviceLocal) ? 0 : 2)
                + (flags.contains(.hostCached) ? 0 : 1)
        case .readback:
            return (flags.contains(.hostCached) ? 4 : 0) + (flags.contains(.hostCoherent) ? 2 : 0)
                + (flags.contains(.deviceLocal) ? 0 : 1)
        }
    }
}

extension Device {
    /// Allocates memory that meets `requirements`, of the best type for `usage`.
    /// - Parameter resource: names what the memory is for, in errors ("a colour image").
    package func allocateMemory(
        for requirements: VkMemoryRequirements, usage: MemoryUsage, resource: String
    ) throws
        -> (memory: VkDeviceMemory, flags: MemoryPropertyFlags)
    {
        let types = physicalDevice.memoryTypes
        guard let typeIndex = MemoryTypeSelector.select(types, allowed: requirements.memoryTypeBits, usage: usage)
        else {
            throw EngineError.unsupported("\(description.name) has no memory type for \(resource)")
        }
        var allocation = VkMemoryAllocateInfo()
        allocation.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocation.allocationSize = requirements.size
        allocation.memoryTypeIndex = UInt32(typeIndex)
        var memory: VkDeviceMemory?
        try check(vkAllocateMemory(handle, &allocation, nil, &memory), "vkAllocateMemory(\(requirements.size) bytes)")
        return (memory!, types[typeIndex].flags)
    }
}
