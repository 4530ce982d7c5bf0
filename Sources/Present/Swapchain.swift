import CVulkan
import Engine

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

/// The swapchain of a window surface with a framebuffer per image.
final class Swapchain {
    let device: Device
    let surface: WindowSurface
    let handle: VkSwapchainKHR
    let format: VkFormat
    let width: Int
    let height: Int
    let presentMode: PresentMode
    /// Each owns its image's view; released before the swapchain that owns the images.
    private(set) var framebuffers: [Framebuffer]
    /// Signalled when rendering to image i is done; one per image, since presentation
    /// holds its semaphore until the image comes back.
    let renderFinished: [Semaphore]

    /// The surface format rendering uses: 8-bit BGRA or RGBA UNORM when offered.
    static func chooseFormat(device: Device, surface: WindowSurface) throws -> VkSurfaceFormatKHR {
        let formats = try enumerate("vkGetPhysicalDeviceSurfaceFormatsKHR", empty: VkSurfaceFormatKHR()) {
            vkGetPhysicalDeviceSurfaceFormatsKHR(device.physicalDevice.handle, surface.handle, $0, $1)
        }
        for wanted in [VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM] {
            if let match = formats.first(where: { $0.format == wanted && $0.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR }) {
                return match
            }
        }
        guard let first = formats.first else { throw EngineError.unsupported("the window surface offers no formats") }
        return first
    }

    /// Modes the surface supports, in the user's words.
    static func supportedModes(device: Device, surface: WindowSurface) throws -> [PresentMode] {
        let modes = try enumerate("vkGetPhysicalDeviceSurfacePresentModesKHR", empty: VK_PRESENT_MODE_FIFO_KHR) {
            vkGetPhysicalDeviceSurfacePresentModesKHR(device.physicalDevice.handle, surface.handle, $0, $1)
        }
        return PresentMode.allCases.filter { modes.contains($0.vulkan) }
    }

    /// - Returns: nil when the window has no area (minimised).
    init?(device: Device, surface: WindowSurface, format: VkSurfaceFormatKHR, presentMode: PresentMode,
          renderPass: VkRenderPass, window: X11Window, old: Swapchain?) throws {
        var capabilities = VkSurfaceCapabilitiesKHR()
        try check(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(device.physicalDevice.handle, surface.handle, &capabilities),
                  "vkGetPhysicalDeviceSurfaceCapabilitiesKHR")
        var extent = capabilities.currentExtent
        if extent.width == UInt32.max {
            extent = VkExtent2D(
                width: min(max(UInt32(window.width), capabilities.minImageExtent.width), capabilities.maxImageExtent.width),
                height: min(max(UInt32(window.height), capabilities.minImageExtent.height), capabilities.maxImageExtent.height))
        }
        guard extent.width > 0, extent.height > 0 else { return nil }
        self.device = device
        self.surface = surface
        self.format = format.format
        self.presentMode = presentMode
        width = Int(extent.width)
        height = Int(extent.height)

        var imageCount = capabilities.minImageCount + 1
        if capabilities.maxImageCount > 0 { imageCount = min(imageCount, capabilities.maxImageCount) }
        var info = VkSwapchainCreateInfoKHR()
        info.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR
        info.surface = surface.handle
        info.minImageCount = imageCount
        info.imageFormat = format.format
        info.imageColorSpace = format.colorSpace
        info.imageExtent = extent
        info.imageArrayLayers = 1
        info.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT.rawValue
        info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE
        info.preTransform = capabilities.currentTransform
        let opaque = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR.rawValue
        info.compositeAlpha = capabilities.supportedCompositeAlpha & opaque != 0
            ? VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR
            : VkCompositeAlphaFlagBitsKHR(capabilities.supportedCompositeAlpha & (~capabilities.supportedCompositeAlpha + 1))
        info.presentMode = presentMode.vulkan
        info.clipped = VkBool32(VK_TRUE)
        info.oldSwapchain = old?.handle
        var swapchain: VkSwapchainKHR?
        try check(vkCreateSwapchainKHR(device.handle, &info, nil, &swapchain), "vkCreateSwapchainKHR")
        handle = swapchain!

        let images = try enumerate("vkGetSwapchainImagesKHR", empty: VkImage?.none) {
            vkGetSwapchainImagesKHR(device.handle, swapchain, $0, $1)
        }.compactMap { $0 }
        var framebuffers: [Framebuffer] = []
        var semaphores: [Semaphore] = []
        do {
            for image in images {
                let view = try makeImageView(device: device, image: image, format: format.format)
                framebuffers.append(try Framebuffer(device: device, renderPass: renderPass, view: view, width: width,
                                                    height: height, ownsView: true))
                semaphores.append(try Semaphore(device: device))
            }
        } catch {
            framebuffers.removeAll()
            vkDestroySwapchainKHR(device.handle, swapchain, nil)
            throw error
        }
        self.framebuffers = framebuffers
        renderFinished = semaphores
    }

    deinit {
        framebuffers.removeAll()
        vkDestroySwapchainKHR(device.handle, handle, nil)
    }

    var imageCount: Int { framebuffers.count }
}

final class Semaphore {
    let device: Device
    let handle: VkSemaphore

    init(device: Device) throws {
        self.device = device
        var info = VkSemaphoreCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO
        var semaphore: VkSemaphore?
        try check(vkCreateSemaphore(device.handle, &info, nil, &semaphore), "vkCreateSemaphore")
        handle = semaphore!
    }

    deinit { vkDestroySemaphore(device.handle, handle, nil) }
}
