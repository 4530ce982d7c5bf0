import CVulkan

/// A window's Vulkan surface. The window system's own code makes it (each platform has its
/// create call and headers), and this owns it from then on.
public final class Surface {
    package let instance: Instance
    package let handle: VkSurfaceKHR
    /// The window the surface shows, kept open until the surface is destroyed: a Wayland
    /// driver's surface uses the window's connection until then.
    private let window: AnyObject?

    /// Takes ownership of `handle`, made on `instance` for `window`.
    package init(instance: Instance, adopting handle: VkSurfaceKHR, window: AnyObject? = nil) {
        self.instance = instance
        self.handle = handle
        self.window = window
    }

    deinit { vkDestroySurfaceKHR(instance.handle, handle, nil) }

    /// The surface of an X11 window (`VK_KHR_xlib_surface`): `display` is its `Display *`,
    /// `window` its XID; `owner`, the window, stays open while the surface lives.
    public static func xlib(
        instance: Instance, display: OpaquePointer, window: UInt, owner: AnyObject
    ) throws -> Surface {
        let create: CEPFNCreateXlibSurface? = instance.instanceFunction("vkCreateXlibSurfaceKHR")
        guard let create else { throw missing("vkCreateXlibSurfaceKHR") }
        var info = CEXlibSurfaceCreateInfo()
        info.sType = VkStructureType(rawValue: UInt32(CE_VK_STRUCTURE_TYPE_XLIB_SURFACE_CREATE_INFO_KHR))
        info.dpy = UnsafeMutableRawPointer(display)
        info.window = window
        var handle: VkSurfaceKHR?
        try check(create(instance.handle, &info, nil, &handle), "vkCreateXlibSurfaceKHR")
        return Surface(instance: instance, adopting: handle!, window: owner)
    }

    /// The surface of a Wayland window (`VK_KHR_wayland_surface`): `display` is its
    /// `wl_display *`, `surface` its `wl_surface *`; `owner`, the window, keeps its connection
    /// open while the surface lives, as the driver uses it until then.
    public static func wayland(
        instance: Instance, display: OpaquePointer, surface: OpaquePointer, owner: AnyObject
    ) throws -> Surface {
        let create: CEPFNCreateWaylandSurface? = instance.instanceFunction("vkCreateWaylandSurfaceKHR")
        guard let create else { throw missing("vkCreateWaylandSurfaceKHR") }
        var info = CEWaylandSurfaceCreateInfo()
        info.sType = VkStructureType(rawValue: UInt32(CE_VK_STRUCTURE_TYPE_WAYLAND_SURFACE_CREATE_INFO_KHR))
        info.display = UnsafeMutableRawPointer(display)
        info.surface = UnsafeMutableRawPointer(surface)
        var handle: VkSurfaceKHR?
        try check(create(instance.handle, &info, nil, &handle), "vkCreateWaylandSurfaceKHR")
        return Surface(instance: instance, adopting: handle!, window: owner)
    }

    private static func missing(_ function: String) -> VulkanError {
        VulkanError(result: VK_ERROR_EXTENSION_NOT_PRESENT, call: "vkGetInstanceProcAddr(\(function))")
    }

    /// The indices of the devices whose graphics-and-compute queue family can present here.
    public func presentableDevices(_ devices: [PhysicalDevice]) -> Set<Int> {
        Set(
            devices.compactMap { device in
                guard let family = device.description.graphicsComputeQueueFamily else { return nil }
                var supported: VkBool32 = 0
                let result = vkGetPhysicalDeviceSurfaceSupportKHR(
                    device.handle, UInt32(family.index), handle, &supported)
                return result == VK_SUCCESS && supported != 0 ? device.description.index : nil
            })
    }

    /// The colour format rendering uses: 8-bit BGRA or RGBA in sRGB's colour space when
    /// offered, else the surface's first.
    public func preferredFormat(on device: Device) throws -> SurfaceFormat {
        let formats = try enumerate("vkGetPhysicalDeviceSurfaceFormatsKHR", empty: VkSurfaceFormatKHR()) {
            vkGetPhysicalDeviceSurfaceFormatsKHR(device.physicalDevice.handle, handle, $0, $1)
        }
        for wanted in [ImageFormat.bgra8, .rgba8] {
            if let match = formats.first(where: {
                $0.format == wanted.vulkan && $0.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR
            }) {
                return SurfaceFormat(match)
            }
        }
        guard let first = formats.first else { throw EngineError.unsupported("the window surface offers no formats") }
        return SurfaceFormat(first)
    }

    /// The present modes this surface offers `device`, in the user's words.
    public func presentModes(on device: Device) throws -> [PresentMode] {
        let modes = try enumerate("vkGetPhysicalDeviceSurfacePresentModesKHR", empty: VK_PRESENT_MODE_FIFO_KHR) {
            vkGetPhysicalDeviceSurfacePresentModesKHR(device.physicalDevice.handle, handle, $0, $1)
        }
        return PresentMode.allCases.filter { modes.contains($0.vulkan) }
    }
}

/// A surface's image format and colour space.
public struct SurfaceFormat: Sendable {
    public let format: ImageFormat
    let colorSpace: UInt32

    init(_ format: VkSurfaceFormatKHR) {
        self.format = ImageFormat(format.format)
        colorSpace = format.colorSpace.rawValue
    }
}

/// `VkPresentModeKHR` as users name it.
public enum PresentMode: String, Sendable, CaseIterable {
    case fifo, mailbox, immediate

    var vulkan: VkPresentModeKHR {
        switch self {
        case .fifo: VK_PRESENT_MODE_FIFO_KHR
        case .mailbox: VK_PRESENT_MODE_MAILBOX_KHR
        case .immediate: VK_PRESENT_MODE_IMMEDIATE_KHR
        }
    }
}

/// The swapchain of a window surface, with a framebuffer for each of its images.
public final class Swapchain {
    /// What asking for the next image gave.
    public enum Acquired {
        /// The image to draw into; `suboptimal` asks for a new swapchain after this frame.
        case image(Int, suboptimal: Bool)
        /// The surface changed (a resize): make a new swapchain first.
        case outOfDate
        /// The window is gone.
        case surfaceLost
    }

    /// What presenting an image gave.
    public enum Presented {
        case presented
        /// Shown, but the surface changed: make a new swapchain before the next frame.
        case outOfDate
        /// The window is gone.
        case surfaceLost
    }

    package let device: Device
    public let surface: Surface
    /// Destroys the swapchain once its framebuffers, which hold it too, are all gone: a
    /// command buffer may keep one beyond this object.
    private let images: SwapchainImages
    package var handle: VkSwapchainKHR { images.handle }
    public let width: Int
    public let height: Int
    public let presentMode: PresentMode
    /// One per image, each with its own view of it.
    public let framebuffers: [Framebuffer]
    /// Signalled when rendering to image i is done; one per image, since presentation holds
    /// its semaphore until the image comes back.
    public let renderFinished: [BinarySemaphore]

    /// - Parameter windowSize: the window's size in pixels, for surfaces whose size follows
    ///   the swapchain's (Wayland, some X11 drivers).
    /// - Returns: nil when the window has no area (minimised).
    public init?(
        device: Device, surface: Surface, renderPass: RenderPass, format: SurfaceFormat, presentMode: PresentMode,
        windowSize: (width: Int, height: Int), replacing old: Swapchain?
    ) throws {
        var capabilities = VkSurfaceCapabilitiesKHR()
        try check(
            vkGetPhysicalDeviceSurfaceCapabilitiesKHR(device.physicalDevice.handle, surface.handle, &capabilities),
            "vkGetPhysicalDeviceSurfaceCapabilitiesKHR")
        var extent = capabilities.currentExtent
        if extent.width == UInt32.max {
            let (low, high) = (capabilities.minImageExtent, capabilities.maxImageExtent)
            extent = VkExtent2D(
                width: min(max(UInt32(windowSize.width), low.width), high.width),
                height: min(max(UInt32(windowSize.height), low.height), high.height))
        }
        guard extent.width > 0, extent.height > 0 else { return nil }
        self.device = device
        self.surface = surface
        self.presentMode = presentMode
        width = Int(extent.width)
        height = Int(extent.height)

        var imageCount = capabilities.minImageCount + 1
        if capabilities.maxImageCount > 0 { imageCount = min(imageCount, capabilities.maxImageCount) }
        var info = VkSwapchainCreateInfoKHR()
        info.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR
        info.surface = surface.handle
        info.minImageCount = imageCount
        info.imageFormat = format.format.vulkan
        info.imageColorSpace = VkColorSpaceKHR(rawValue: format.colorSpace)
        info.imageExtent = extent
        info.imageArrayLayers = 1
        info.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT.rawValue
        info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE
        info.preTransform = capabilities.currentTransform
        let supportedAlpha = capabilities.supportedCompositeAlpha
        info.compositeAlpha =
            supportedAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR.rawValue != 0
            ? VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR
            // Else the lowest mode offered.
            : VkCompositeAlphaFlagBitsKHR(supportedAlpha & (~supportedAlpha + 1))
        info.presentMode = presentMode.vulkan
        info.clipped = VkBool32(VK_TRUE)
        info.oldSwapchain = old?.handle
        var swapchain: VkSwapchainKHR?
        try check(vkCreateSwapchainKHR(device.handle, &info, nil, &swapchain), "vkCreateSwapchainKHR")
        let owner = SwapchainImages(device: device, handle: swapchain!)
        images = owner
        let images = try enumerate("vkGetSwapchainImagesKHR", empty: VkImage?.none) {
            vkGetSwapchainImagesKHR(device.handle, swapchain, $0, $1)
        }.compactMap { $0 }
        let (width, height) = (width, height)
        framebuffers = try images.map { image in
            try Framebuffer(renderPass: renderPass, swapchainImage: image, width: width, height: height, owner: owner)
        }
        renderFinished = try images.map { _ in try BinarySemaphore(device: device) }
    }

    public var imageCount: Int { framebuffers.count }

    /// Waits for the next image to draw into; `available` is signalled once it may be drawn.
    public func acquireNextImage(signalling available: BinarySemaphore) throws -> Acquired {
        var index: UInt32 = 0
        let result = vkAcquireNextImageKHR(device.handle, handle, UInt64.max, available.handle, nil, &index)
        switch result {
        case VK_ERROR_OUT_OF_DATE_KHR: return .outOfDate
        case VK_ERROR_SURFACE_LOST_KHR: return .surfaceLost
        default:
            try check(result, "vkAcquireNextImageKHR")
            return .image(Int(index), suboptimal: result == VK_SUBOPTIMAL_KHR)
        }
    }

    /// Queues image `index` for presentation once its ``renderFinished`` semaphore is signalled.
    public func present(image index: Int) throws -> Presented {
        var renderFinished: VkSemaphore? = renderFinished[index].handle
        var swapchainHandle: VkSwapchainKHR? = handle
        var imageIndex = UInt32(index)
        let result = withUnsafePointer(to: &renderFinished) { semaphorePointer in
            withUnsafePointer(to: &swapchainHandle) { swapchainPointer in
                withUnsafePointer(to: &imageIndex) { indexPointer in
                    var info = VkPresentInfoKHR()
                    info.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR
                    info.waitSemaphoreCount = 1
                    info.pWaitSemaphores = semaphorePointer
                    info.swapchainCount = 1
                    info.pSwapchains = swapchainPointer
                    info.pImageIndices = indexPointer
                    return vkQueuePresentKHR(device.queue, &info)
                }
            }
        }
        switch result {
        case VK_ERROR_OUT_OF_DATE_KHR, VK_SUBOPTIMAL_KHR: return .outOfDate
        case VK_ERROR_SURFACE_LOST_KHR: return .surfaceLost
        default:
            try check(result, "vkQueuePresentKHR")
            return .presented
        }
    }
}

/// Owns a `VkSwapchainKHR`; held by the swapchain and by each of its framebuffers, whose
/// views must go before the images they view.
final class SwapchainImages {
    let device: Device
    let handle: VkSwapchainKHR

    init(device: Device, handle: VkSwapchainKHR) {
        self.device = device
        self.handle = handle
    }

    deinit { vkDestroySwapchainKHR(device.handle, handle, nil) }
}

/// A binary semaphore: orders one submission after another on the device.
public final class BinarySemaphore {
    package let device: Device
    package let handle: VkSemaphore

    public init(device: Device) throws {
        self.device = device
        var info = VkSemaphoreCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO
        var semaphore: VkSemaphore?
        try check(vkCreateSemaphore(device.handle, &info, nil, &semaphore), "vkCreateSemaphore")
        handle = semaphore!
    }

    deinit { vkDestroySemaphore(device.handle, handle, nil) }
}
