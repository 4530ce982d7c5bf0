import CVulkan
import CWayland
import CX11
import Engine

/// The Vulkan surface of a window: an ``X11Window`` through `VK_KHR_xlib_surface`, a
/// ``WaylandWindow`` through `VK_KHR_wayland_surface`.
///
/// The one place in Present that speaks Vulkan's own types: each window system has its own
/// create call and structure, and its headers stay out of the compute-only engine.
public final class WindowSurface {
    /// Instance extensions a window of `system` needs.
    public static func instanceExtensions(_ system: WindowSystem) -> [String] {
        ["VK_KHR_surface", system == .wayland ? "VK_KHR_wayland_surface" : "VK_KHR_xlib_surface"]
    }
    /// Device extensions a window needs.
    public static let deviceExtensions = ["VK_KHR_swapchain"]

    /// The surface, which keeps the window open for as long as it lives.
    public let surface: Surface

    public init(instance: Instance, window: any PresentationWindow) throws {
        var handle: VkSurfaceKHR?
        switch window {
        case let x11 as X11Window:
            let create: PFN_vkCreateXlibSurfaceKHR? = instance.instanceFunction("vkCreateXlibSurfaceKHR")
            guard let create else { throw Self.missing("vkCreateXlibSurfaceKHR") }
            var info = VkXlibSurfaceCreateInfoKHR()
            info.sType = VK_STRUCTURE_TYPE_XLIB_SURFACE_CREATE_INFO_KHR
            info.dpy = x11.display
            info.window = x11.window
            try check(create(instance.handle, &info, nil, &handle), "vkCreateXlibSurfaceKHR")
        case let wayland as WaylandWindow:
            let create: PFN_vkCreateWaylandSurfaceKHR? = instance.instanceFunction("vkCreateWaylandSurfaceKHR")
            guard let create else { throw Self.missing("vkCreateWaylandSurfaceKHR") }
            var info = VkWaylandSurfaceCreateInfoKHR()
            info.sType = VkStructureType(rawValue: UInt32(CE_VK_STRUCTURE_TYPE_WAYLAND_SURFACE_CREATE_INFO_KHR))
            info.display = wayland.display
            info.surface = wayland.surface
            try check(create(instance.handle, &info, nil, &handle), "vkCreateWaylandSurfaceKHR")
        default:
            throw EngineError.unsupported("no Vulkan surface for a \(type(of: window))")
        }
        surface = Surface(instance: instance, adopting: handle!, window: window)
    }

    private static func missing(_ function: String) -> VulkanError {
        VulkanError(result: VK_ERROR_EXTENSION_NOT_PRESENT, call: "vkGetInstanceProcAddr(\(function))")
    }

    /// The indices of the devices whose graphics-and-compute queue family can present here.
    public func presentableDevices(_ devices: [PhysicalDevice]) -> Set<Int> {
        surface.presentableDevices(devices)
    }
}
