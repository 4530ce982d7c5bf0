import CVulkan
import CX11
import Engine

/// A `VK_KHR_xlib_surface` surface for an ``X11Window``.
public final class WindowSurface {
    /// Instance extensions a window needs.
    public static let instanceExtensions = ["VK_KHR_surface", "VK_KHR_xlib_surface"]
    /// Device extensions a window needs.
    public static let deviceExtensions = ["VK_KHR_swapchain"]

    let instance: Instance
    let window: X11Window
    let handle: VkSurfaceKHR

    public init(instance: Instance, window: X11Window) throws {
        self.instance = instance
        self.window = window
        let create: PFN_vkCreateXlibSurfaceKHR? = instance.instanceFunction("vkCreateXlibSurfaceKHR")
        guard let create else {
            throw VulkanError(result: VK_ERROR_EXTENSION_NOT_PRESENT, call: "vkGetInstanceProcAddr(vkCreateXlibSurfaceKHR)")
        }
        var info = VkXlibSurfaceCreateInfoKHR()
        info.sType = VK_STRUCTURE_TYPE_XLIB_SURFACE_CREATE_INFO_KHR
        info.dpy = window.display
        info.window = window.window
        var surface: VkSurfaceKHR?
        try check(create(instance.handle, &info, nil, &surface), "vkCreateXlibSurfaceKHR")
        handle = surface!
    }

    deinit {
        vkDestroySurfaceKHR(instance.handle, handle, nil)
    }

    /// The indices of the devices whose graphics-and-compute queue family can present here.
    public func presentableDevices(_ devices: [PhysicalDevice]) -> Set<Int> {
        Set(devices.compactMap { device in
            guard let family = device.description.graphicsComputeQueueFamily else { return nil }
            var supported: VkBool32 = 0
            let result = vkGetPhysicalDeviceSurfaceSupportKHR(device.handle, UInt32(family.index), handle, &supported)
            return result == VK_SUCCESS && supported != 0 ? device.description.index : nil
        })
    }
}
