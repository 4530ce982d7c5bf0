import CVulkan
import CX11
import Engine

/// The Vulkan surface of an ``X11Window``, through `VK_KHR_xlib_surface`.
///
/// The one place in Present that speaks Vulkan's own types: each window system has its own
/// create call and structure, and its headers stay out of the compute-only engine.
public final class WindowSurface {
    /// Instance extensions a window needs.
    public static let instanceExtensions = ["VK_KHR_surface", "VK_KHR_xlib_surface"]
    /// Device extensions a window needs.
    public static let deviceExtensions = ["VK_KHR_swapchain"]

    let window: X11Window
    public let surface: Surface

    public init(instance: Instance, window: X11Window) throws {
        self.window = window
        let create: PFN_vkCreateXlibSurfaceKHR? = instance.instanceFunction("vkCreateXlibSurfaceKHR")
        guard let create else {
            throw VulkanError(
                result: VK_ERROR_EXTENSION_NOT_PRESENT, call: "vkGetInstanceProcAddr(vkCreateXlibSurfaceKHR)")
        }
        var info = VkXlibSurfaceCreateInfoKHR()
        info.sType = VK_STRUCTURE_TYPE_XLIB_SURFACE_CREATE_INFO_KHR
        info.dpy = window.display
        info.window = window.window
        var handle: VkSurfaceKHR?
        try check(create(instance.handle, &info, nil, &handle), "vkCreateXlibSurfaceKHR")
        surface = Surface(instance: instance, adopting: handle!)
    }

    /// The indices of the devices whose graphics-and-compute queue family can present here.
    public func presentableDevices(_ devices: [PhysicalDevice]) -> Set<Int> {
        surface.presentableDevices(devices)
    }
}
