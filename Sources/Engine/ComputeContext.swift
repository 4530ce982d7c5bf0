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
    /// - Parameters:
    ///   - graphics: the simulation will be drawn: the queue must run graphics too.
    ///   - deviceExtensions: e.g. `VK_KHR_swapchain` for a window.
    ///   - presentable: given the instance and its devices, the indices of those that can
    ///     present to the window (nil when there is no window).
    public init(
        selector: DeviceSelector = .automatic, requirements: DeviceRequirements = DeviceRequirements(),
        instanceOptions: InstanceOptions = InstanceOptions(), validationLog: ValidationLog? = nil,
        graphics: Bool = false, deviceExtensions: [String] = [],
        presentable: ((Instance, [PhysicalDevice]) throws -> Set<Int>)? = nil
    ) throws {
        instance = try Instance(options: instanceOptions, validationLog: validationLog)
        physicalDevices = try instance.physicalDevices()
        var requirements = requirements
        requirements.needsGraphics = requirements.needsGraphics || graphics
        if let presentable { requirements.presentableDevices = try presentable(instance, physicalDevices) }
        let chosen = try PhysicalDeviceSelector(selector: selector, requirements: requirements)
            .select(from: physicalDevices.map(\.description))
        device = try Device(
            physicalDevice: physicalDevices[chosen.index], graphics: requirements.needsGraphics,
            extensions: deviceExtensions)
    }
}
