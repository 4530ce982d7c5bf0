import CVulkan

/// A logical device with one compute queue: what workloads allocate from and submit to.
public final class Device {
    public let physicalDevice: PhysicalDevice
    let handle: VkDevice
    let queue: VkQueue
    public let queueFamilyIndex: Int

    public var description: PhysicalDeviceDescription { physicalDevice.description }
    public var instance: Instance { physicalDevice.instance }

    /// Creates the device with a queue from the compute family; enables no extensions, so a
    /// compute-only run touches no window system.
    public init(physicalDevice: PhysicalDevice) throws {
        guard let family = physicalDevice.description.computeQueueFamily else {
            throw EngineError.unsupported("\(physicalDevice.description.name) has no compute queue")
        }
        self.physicalDevice = physicalDevice
        queueFamilyIndex = family.index

        var priority: Float = 1
        var created: VkDevice?
        let result = withUnsafePointer(to: &priority) { priorityPointer in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = UInt32(family.index)
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = priorityPointer
            return withUnsafePointer(to: &queueInfo) { queuePointer in
                var info = VkDeviceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                info.queueCreateInfoCount = 1
                info.pQueueCreateInfos = queuePointer
                return vkCreateDevice(physicalDevice.handle, &info, nil, &created)
            }
        }
        try check(result, "vkCreateDevice")
        handle = created!
        var queue: VkQueue?
        vkGetDeviceQueue(handle, UInt32(family.index), 0, &queue)
        self.queue = queue!
    }

    deinit {
        vkDestroyDevice(handle, nil)
    }

    /// Submits `commands` and blocks until the device has finished them.
    public func submitAndWait(_ commands: CommandBuffer) throws {
        let fence = try Fence(device: self)
        var commandHandle: VkCommandBuffer? = commands.handle
        var info = VkSubmitInfo()
        info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
        info.commandBufferCount = 1
        try withUnsafePointer(to: &commandHandle) { pointer in
            info.pCommandBuffers = pointer
            try check(vkQueueSubmit(queue, 1, &info, fence.handle), "vkQueueSubmit")
        }
        try fence.wait()
    }

    /// Waits for all work on the device to finish, e.g. before tearing objects down.
    public func waitIdle() throws {
        try check(vkDeviceWaitIdle(handle), "vkDeviceWaitIdle")
    }
}

/// A fence, used to learn that a submission has finished.
public final class Fence {
    let device: Device
    let handle: VkFence

    public init(device: Device) throws {
        self.device = device
        var info = VkFenceCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        try check(vkCreateFence(device.handle, &info, nil, &fence), "vkCreateFence")
        handle = fence!
    }

    deinit { vkDestroyFence(device.handle, handle, nil) }

    public func wait(timeoutNanoseconds: UInt64 = .max) throws {
        var fence: VkFence? = handle
        let result = try check(vkWaitForFences(device.handle, 1, &fence, VkBool32(VK_TRUE), timeoutNanoseconds), "vkWaitForFences")
        if result == VK_TIMEOUT { throw VulkanError(result: result, call: "vkWaitForFences") }
    }
}
