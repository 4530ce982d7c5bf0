/// An instance and the logical device chosen for compute: what a workload runs on.
///
/// Owns the objects in the order they must die: the device before the instance.
public final class ComputeContext {
    public let instance: Instance
    public let physicalDevices: [PhysicalDevice]
    public let device: Device

    /// Creates the instance, enumerates the devices and opens the one `selector` picks.
    /// - Throws: ``EngineError`` listing the devices found and why each was rejected, when
    ///   none fits; ``VulkanError`` when a Vulkan call fails.
    public init(selector: DeviceSelector = .automatic, requirements: DeviceRequirements = DeviceRequirements(),
                instanceOptions: InstanceOptions = InstanceOptions(), validationLog: ValidationLog? = nil) throws {
        instance = try Instance(options: instanceOptions, validationLog: validationLog)
        physicalDevices = try instance.physicalDevices()
        let chosen = try PhysicalDeviceSelector(selector: selector, requirements: requirements)
            .select(from: physicalDevices.map(\.description))
        device = try Device(physicalDevice: physicalDevices[chosen.index])
    }
}
