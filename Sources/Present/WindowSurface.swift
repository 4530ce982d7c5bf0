import Engine

/// The Vulkan surface of a window: an ``X11Window`` through `VK_KHR_xlib_surface`, a
/// ``WaylandWindow`` through `VK_KHR_wayland_surface`.
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
        switch window {
        case let x11 as X11Window:
            surface = try .xlib(instance: instance, display: x11.display, window: UInt(x11.window), owner: x11)
        case let wayland as WaylandWindow:
            guard let handle = wayland.surface else {
                throw EngineError.unsupported("the Wayland window has no surface")
            }
            surface = try .wayland(instance: instance, display: wayland.display, surface: handle, owner: wayland)
        default:
            throw EngineError.unsupported("no Vulkan surface for a \(type(of: window))")
        }
    }

    /// The indices of the devices whose graphics-and-compute queue family can present here.
    public func presentableDevices(_ devices: [PhysicalDevice]) -> Set<Int> {
        surface.presentableDevices(devices)
    }
}
