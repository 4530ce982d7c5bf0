import CVulkan

/// A physical device as the loader reports it, with its ``description`` read once.
public final class PhysicalDevice {
    /// Kept alive so the handle stays valid.
    package let instance: Instance
    package let handle: VkPhysicalDevice
    /// What the driver reports, plus the `/dev/dri` nodes matched to it.
    public internal(set) var description: PhysicalDeviceDescription
    let memoryProperties: VkPhysicalDeviceMemoryProperties
    let extensions: Set<String>

    init(instance: Instance, handle: VkPhysicalDevice, index: Int) {
        self.instance = instance
        self.handle = handle
        extensions = Set(
            (try? enumerate("vkEnumerateDeviceExtensionProperties", empty: VkExtensionProperties()) {
                vkEnumerateDeviceExtensionProperties(handle, nil, $0, $1)
            })?.map { string(fromCArray: $0.extensionName) } ?? [])
        var memory = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(handle, &memory)
        memoryProperties = memory
        description = PhysicalDevice.describe(handle, index: index, extensions: extensions, memory: memory)
    }

    /// The memory types in the form ``MemoryTypeSelector`` takes.
    package var memoryTypes: [MemoryTypeDescription] {
        withUnsafeBytes(of: memoryProperties.memoryTypes) { raw in
            let types = raw.bindMemory(to: VkMemoryType.self)
            return (0..<Int(memoryProperties.memoryTypeCount)).map { index in
                MemoryTypeDescription(
                    flags: MemoryPropertyFlags(rawValue: types[index].propertyFlags),
                    heapIndex: Int(types[index].heapIndex))
            }
        }
    }

    private static func describe(
        _ handle: VkPhysicalDevice, index: Int, extensions: Set<String>,
        memory: VkPhysicalDeviceMemoryProperties
    ) -> PhysicalDeviceDescription {
        var basic = VkPhysicalDeviceProperties()
        vkGetPhysicalDeviceProperties(handle, &basic)
        let apiVersion = APIVersion(rawValue: basic.apiVersion)

        var driver: DriverDescription?
        var uuid = [UInt8](repeating: 0, count: 16)
        var subgroupSize: UInt32 = 0
        var shuffleRelative = false
        var shuffle = false
        var drm: DRMNodeNumbers?
        // The 1.1 property structs may only be chained for devices that support 1.1.
        if apiVersion.withoutPatch >= .v1_1 {
            let hasDriverProperties =
                apiVersion.withoutPatch >= .v1_2 || extensions.contains("VK_KHR_driver_properties")
            var driverProperties = VkPhysicalDeviceDriverProperties()
            driverProperties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
            var idProperties = VkPhysicalDeviceIDProperties()
            idProperties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES
            var subgroup = VkPhysicalDeviceSubgroupProperties()
            subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
            let hasDRM = extensions.contains("VK_EXT_physical_device_drm")
            var drmProperties = VkPhysicalDeviceDrmPropertiesEXT()
            drmProperties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRM_PROPERTIES_EXT
            withUnsafeMutablePointer(to: &drmProperties) { drmPointer in
                withUnsafeMutablePointer(to: &driverProperties) { driverPointer in
                    driverPointer.pointee.pNext = hasDRM ? UnsafeMutableRawPointer(drmPointer) : nil
                    withUnsafeMutablePointer(to: &subgroup) { subgroupPointer in
                        subgroupPointer.pointee.pNext =
                            hasDriverProperties
                            ? UnsafeMutableRawPointer(driverPointer)
                            : (hasDRM ? UnsafeMutableRawPointer(drmPointer) : nil)
                        withUnsafeMutablePointer(to: &idProperties) { idPointer in
                            idPointer.pointee.pNext = UnsafeMutableRawPointer(subgroupPointer)
                            var properties = VkPhysicalDeviceProperties2()
                            properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
                            properties.pNext = UnsafeMutableRawPointer(idPointer)
                            vkGetPhysicalDeviceProperties2(handle, &properties)
                        }
                    }
                }
            }
            if hasDRM {
                drm = DRMNodeNumbers(
                    primary: drmProperties.hasPrimary != 0
                        ? (UInt32(drmProperties.primaryMajor), UInt32(drmProperties.primaryMinor)) : nil,
                    render: drmProperties.hasRender != 0
                        ? (UInt32(drmProperties.renderMajor), UInt32(drmProperties.renderMinor)) : nil)
            }
            withUnsafeBytes(of: idProperties.deviceUUID) { uuid = Array($0) }
            subgroupSize = subgroup.subgroupSize
            let inCompute = subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT.rawValue != 0
            shuffleRelative =
                inCompute && subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT.rawValue != 0
            shuffle = inCompute && subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT.rawValue != 0
            if hasDriverProperties {
                let c = driverProperties.conformanceVersion
                driver = DriverDescription(
                    id: driverProperties.driverID.rawValue,
                    name: string(fromCArray: driverProperties.driverName),
                    info: string(fromCArray: driverProperties.driverInfo),
                    conformanceVersion: "\(c.major).\(c.minor).\(c.subminor).\(c.patch)")
            }
        }

        let families = enumerate(empty: VkQueueFamilyProperties()) {
            vkGetPhysicalDeviceQueueFamilyProperties(handle, $0, $1)
        }
        let queueFamilies = families.enumerated().map { familyIndex, family in
            QueueFamilyDescription(
                index: familyIndex, queueCount: Int(family.queueCount),
                supportsGraphics: family.queueFlags & VK_QUEUE_GRAPHICS_BIT.rawValue != 0,
                supportsCompute: family.queueFlags & VK_QUEUE_COMPUTE_BIT.rawValue != 0,
                // Graphics and compute queues can always transfer, flag or not.
                supportsTransfer: family.queueFlags
                    & (VK_QUEUE_TRANSFER_BIT.rawValue | VK_QUEUE_GRAPHICS_BIT.rawValue
                        | VK_QUEUE_COMPUTE_BIT.rawValue) != 0,
                timestampValidBits: family.timestampValidBits)
        }

        let heaps = withUnsafeBytes(of: memory.memoryHeaps) { raw in
            let heaps = raw.bindMemory(to: VkMemoryHeap.self)
            return (0..<Int(memory.memoryHeapCount)).map {
                MemoryHeapDescription(
                    size: heaps[$0].size,
                    deviceLocal: heaps[$0].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0)
            }
        }

        var features = VkPhysicalDeviceFeatures()
        vkGetPhysicalDeviceFeatures(handle, &features)
        // Both atomic feature structs hang off one Features2 query, each only where its
        // extension is offered (a struct the driver does not know may not be chained).
        var floatAtomicAdd = false
        var int64AtomicAdd = false
        let hasFloatAtomics = extensions.contains(floatAtomicsExtension)
        let hasInt64Atomics = extensions.contains(int64AtomicsExtension) && features.shaderInt64 != 0
        if apiVersion.withoutPatch >= .v1_1 && (hasFloatAtomics || hasInt64Atomics) {
            var floatAtomics = VkPhysicalDeviceShaderAtomicFloatFeaturesEXT()
            floatAtomics.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT
            var int64Atomics = VkPhysicalDeviceShaderAtomicInt64Features()
            int64Atomics.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_INT64_FEATURES
            withUnsafeMutablePointer(to: &floatAtomics) { floatPointer in
                withUnsafeMutablePointer(to: &int64Atomics) { int64Pointer in
                    var all = VkPhysicalDeviceFeatures2()
                    all.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
                    if hasFloatAtomics {
                        floatPointer.pointee.pNext = hasInt64Atomics ? UnsafeMutableRawPointer(int64Pointer) : nil
                        all.pNext = UnsafeMutableRawPointer(floatPointer)
                    } else {
                        all.pNext = UnsafeMutableRawPointer(int64Pointer)
                    }
                    vkGetPhysicalDeviceFeatures2(handle, &all)
                }
            }
            floatAtomicAdd = hasFloatAtomics && floatAtomics.shaderBufferFloat32AtomicAdd != 0
            int64AtomicAdd = hasInt64Atomics && int64Atomics.shaderBufferInt64Atomics != 0
        }

        let l = basic.limits
        let limits = ComputeLimits(
            maxComputeWorkGroupInvocations: l.maxComputeWorkGroupInvocations,
            maxComputeWorkGroupSize: [
                l.maxComputeWorkGroupSize.0, l.maxComputeWorkGroupSize.1, l.maxComputeWorkGroupSize.2,
            ],
            maxComputeWorkGroupCount: [
                l.maxComputeWorkGroupCount.0, l.maxComputeWorkGroupCount.1, l.maxComputeWorkGroupCount.2,
            ],
            maxComputeSharedMemorySize: l.maxComputeSharedMemorySize,
            maxStorageBufferRange: l.maxStorageBufferRange,
            maxPushConstantsSize: l.maxPushConstantsSize,
            timestampPeriod: l.timestampPeriod,
            subgroupSize: subgroupSize, subgroupShuffleRelativeInCompute: shuffleRelative,
            subgroupShuffleInCompute: shuffle)

        let type: DeviceType =
            switch basic.deviceType {
            case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: .discrete
            case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: .integrated
            case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: .virtual
            case VK_PHYSICAL_DEVICE_TYPE_CPU: .cpu
            default: .other
            }

        return PhysicalDeviceDescription(
            index: index, name: string(fromCArray: basic.deviceName), type: type,
            vendorID: basic.vendorID, deviceID: basic.deviceID, driver: driver,
            driverVersion: basic.driverVersion, apiVersion: apiVersion, uuid: formatUUID(uuid),
            queueFamilies: queueFamilies, memoryHeaps: heaps, limits: limits,
            supportsFloat64: features.shaderFloat64 != 0, supportsInt64: features.shaderInt64 != 0,
            supportsLargePoints: features.largePoints != 0, supportsBufferFloatAtomicAdd: floatAtomicAdd,
            supportsBufferInt64AtomicAdd: int64AtomicAdd, drm: drm)
    }
}

/// The device extension that offers float atomics in shaders.
let floatAtomicsExtension = "VK_EXT_shader_atomic_float"
/// The device extension that offers 64-bit integer atomics in shaders (core in Vulkan 1.2,
/// and still listed by the drivers that matter).
let int64AtomicsExtension = "VK_KHR_shader_atomic_int64"

/// 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
func formatUUID(_ bytes: [UInt8]) -> String {
    let hex = bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
    let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
    return groups.map { hex[$0].joined() }.joined(separator: "-")
}
