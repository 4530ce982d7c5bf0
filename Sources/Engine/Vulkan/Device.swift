import CVulkan

/// A logical device with one compute queue: what workloads allocate from and submit to.
public final class Device {
    public let physicalDevice: PhysicalDevice
    package let handle: VkDevice
    package let queue: VkQueue
    public let queueFamilyIndex: Int

    public var description: PhysicalDeviceDescription { physicalDevice.description }
    public var instance: Instance { physicalDevice.instance }

    /// Whether the queue also runs graphics work (drawing the simulation).
    public var queueSupportsGraphics: Bool {
        description.queueFamilies[queueFamilyIndex].supportsGraphics
    }

    /// Creates the device with one queue.
    ///
    /// Compute-only runs pass no extensions and no graphics, so they touch no window system;
    /// 64-bit integers in shaders, and float and 64-bit integer atomics on storage buffers, are
    /// enabled wherever the device offers them.
    /// - Parameters:
    ///   - graphics: take the queue from a family that runs graphics as well as compute.
    ///   - extensions: device extensions, e.g. `VK_KHR_swapchain` for a window.
    public init(physicalDevice: PhysicalDevice, graphics: Bool = false, extensions: [String] = []) throws {
        let description = physicalDevice.description
        guard let family = graphics ? description.graphicsComputeQueueFamily : description.computeQueueFamily else {
            throw EngineError.unsupported(
                "\(description.name) has no queue family for \(graphics ? "graphics and compute" : "compute")")
        }
        self.physicalDevice = physicalDevice
        queueFamilyIndex = family.index

        // Atomics cost nothing unused, and the GPU pair-once N-body kernel adds with them:
        // 64-bit integers in fixed point where offered (an order-free, reproducible sum), floats
        // where not.
        let floatAtomics = description.supportsBufferFloatAtomicAdd
        let int64Atomics = description.supportsBufferInt64AtomicAdd
        let extensions =
            extensions
            + (floatAtomics && !extensions.contains(floatAtomicsExtension) ? [floatAtomicsExtension] : [])
            + (int64Atomics && !extensions.contains(int64AtomicsExtension) ? [int64AtomicsExtension] : [])
        var floatAtomicFeatures = VkPhysicalDeviceShaderAtomicFloatFeaturesEXT()
        floatAtomicFeatures.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT
        floatAtomicFeatures.shaderBufferFloat32AtomicAdd = VkBool32(VK_TRUE)
        var int64AtomicFeatures = VkPhysicalDeviceShaderAtomicInt64Features()
        int64AtomicFeatures.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_INT64_FEATURES
        int64AtomicFeatures.shaderBufferInt64Atomics = VkBool32(VK_TRUE)

        var priority: Float = 1
        var created: VkDevice?
        let result = withUnsafePointer(to: &priority) { priorityPointer in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = UInt32(family.index)
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = priorityPointer
            var features = VkPhysicalDeviceFeatures()
            features.largePoints = VkBool32(graphics && description.supportsLargePoints ? VK_TRUE : VK_FALSE)
            features.shaderInt64 = VkBool32(description.supportsInt64 ? VK_TRUE : VK_FALSE)
            return withUnsafePointer(to: &queueInfo) { queuePointer in
                withUnsafePointer(to: &features) { featuresPointer in
                    withCStrings(extensions) { extensionNames in
                        withUnsafeMutablePointer(to: &int64AtomicFeatures) { int64Pointer in
                            withUnsafeMutablePointer(to: &floatAtomicFeatures) { floatPointer in
                                // The chain holds whichever of the two structs the device offers.
                                floatPointer.pointee.pNext = int64Atomics ? UnsafeMutableRawPointer(int64Pointer) : nil
                                var info = VkDeviceCreateInfo()
                                info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                                info.pNext =
                                    floatAtomics
                                    ? UnsafeRawPointer(floatPointer)
                                    : int64Atomics ? UnsafeRawPointer(int64Pointer) : nil
                                info.queueCreateInfoCount = 1
                                info.pQueueCreateInfos = queuePointer
                                info.pEnabledFeatures = featuresPointer
                                info.enabledExtensionCount = UInt32(extensions.count)
                                info.ppEnabledExtensionNames = extensionNames
                                return vkCreateDevice(physicalDevice.handle, &info, nil, &created)
                            }
                        }
                    }
                }
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

    /// Submits `commands` to run once `wait` is signalled (their drawing waits, not the work
    /// before it), signalling `signal` and `fence` when done: a window's frame.
    public func submit(
        _ commands: CommandBuffer, waitingFor wait: BinarySemaphore, signalling signal: BinarySemaphore, fence: Fence
    )
        throws
    {
        var commandHandle: VkCommandBuffer? = commands.handle
        var waitHandle: VkSemaphore? = wait.handle
        var signalHandle: VkSemaphore? = signal.handle
        var stage = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT.rawValue
        let result = withUnsafePointer(to: &commandHandle) { commandPointer in
            withUnsafePointer(to: &waitHandle) { waitPointer in
                withUnsafePointer(to: &signalHandle) { signalPointer in
                    withUnsafePointer(to: &stage) { stagePointer in
                        var info = VkSubmitInfo()
                        info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
                        info.waitSemaphoreCount = 1
                        info.pWaitSemaphores = waitPointer
                        info.pWaitDstStageMask = stagePointer
                        info.commandBufferCount = 1
                        info.pCommandBuffers = commandPointer
                        info.signalSemaphoreCount = 1
                        info.pSignalSemaphores = signalPointer
                        return vkQueueSubmit(queue, 1, &info, fence.handle)
                    }
                }
            }
        }
        try check(result, "vkQueueSubmit")
    }

    /// Waits for all work on the device to finish, e.g. before tearing objects down.
    public func waitIdle() throws {
        try check(vkDeviceWaitIdle(handle), "vkDeviceWaitIdle")
    }
}

/// A fence, used to learn that a submission has finished.
public final class Fence {
    package let device: Device
    package let handle: VkFence

    public init(device: Device) throws {
        self.device = device
        var info = VkFenceCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        try check(vkCreateFence(device.handle, &info, nil, &fence), "vkCreateFence")
        handle = fence!
    }

    deinit { vkDestroyFence(device.handle, handle, nil) }

    /// Returns the fence to unsignalled, for reuse.
    public func reset() throws {
        var fence: VkFence? = handle
        try check(vkResetFences(device.handle, 1, &fence), "vkResetFences")
    }

    public func wait(timeoutNanoseconds: UInt64 = .max) throws {
        var fence: VkFence? = handle
        let result = try check(
            vkWaitForFences(device.handle, 1, &fence, VkBool32(VK_TRUE), timeoutNanoseconds), "vkWaitForFences")
        if result == VK_TIMEOUT { throw VulkanError(result: result, call: "vkWaitForFences") }
    }
}
