import CVulkan

/// An 8-bit-per-channel colour format that drawing renders into.
public struct ImageFormat: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt32

    package init(_ format: VkFormat) { rawValue = format.rawValue }

    package var vulkan: VkFormat { VkFormat(rawValue: rawValue) }

    /// Red, green, blue, alpha: what images copied out to files use.
    public static let rgba8 = ImageFormat(VK_FORMAT_R8G8B8A8_UNORM)
    /// Blue, green, red, alpha: what most window systems offer first.
    public static let bgra8 = ImageFormat(VK_FORMAT_B8G8R8A8_UNORM)

    public var description: String {
        switch self {
        case .rgba8: "R8G8B8A8_UNORM"
        case .bgra8: "B8G8R8A8_UNORM"
        default: "VkFormat \(rawValue)"
        }
    }
}

/// A device-local 2D colour image with its memory and view, rendered into and copied out.
public final class ColorImage {
    package let device: Device
    package let handle: VkImage
    private let memory: VkDeviceMemory
    package let view: ImageView
    public let width: Int
    public let height: Int
    public let format: ImageFormat

    public init(device: Device, width: Int, height: Int, format: ImageFormat) throws {
        self.device = device
        self.width = width
        self.height = height
        self.format = format
        var info = VkImageCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO
        info.imageType = VK_IMAGE_TYPE_2D
        info.format = format.vulkan
        info.extent = VkExtent3D(width: UInt32(width), height: UInt32(height), depth: 1)
        info.mipLevels = 1
        info.arrayLayers = 1
        info.samples = VK_SAMPLE_COUNT_1_BIT
        info.tiling = VK_IMAGE_TILING_OPTIMAL
        info.usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT.rawValue | VK_IMAGE_USAGE_TRANSFER_SRC_BIT.rawValue
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED
        var image: VkImage?
        try check(vkCreateImage(device.handle, &info, nil, &image), "vkCreateImage(\(width)x\(height))")

        var requirements = VkMemoryRequirements()
        vkGetImageMemoryRequirements(device.handle, image, &requirements)
        var memory: VkDeviceMemory?
        do {
            memory = try device.allocateMemory(for: requirements, usage: .deviceLocal, resource: "a colour image")
                .memory
            try check(vkBindImageMemory(device.handle, image, memory, 0), "vkBindImageMemory")
            view = try ImageView(device: device, image: image!, format: format)
        } catch {
            vkFreeMemory(device.handle, memory, nil)
            vkDestroyImage(device.handle, image, nil)
            throw error
        }
        handle = image!
        self.memory = memory!
    }

    deinit {
        // The view goes first: it refers to the image.
        view.destroy()
        vkDestroyImage(device.handle, handle, nil)
        vkFreeMemory(device.handle, memory, nil)
    }
}

/// A 2D colour view of an image: of a ``ColorImage``, or of a swapchain's image.
///
/// Its owner destroys it before the image, so it is not released on its own.
package struct ImageView {
    let device: Device
    package let handle: VkImageView

    package init(device: Device, image: VkImage, format: ImageFormat) throws {
        self.device = device
        var info = VkImageViewCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO
        info.image = image
        info.viewType = VK_IMAGE_VIEW_TYPE_2D
        info.format = format.vulkan
        info.subresourceRange = VkImageSubresourceRange(
            aspectMask: VK_IMAGE_ASPECT_COLOR_BIT.rawValue, baseMipLevel: 0, levelCount: 1, baseArrayLayer: 0,
            layerCount: 1)
        var view: VkImageView?
        try check(vkCreateImageView(device.handle, &info, nil, &view), "vkCreateImageView")
        handle = view!
    }

    func destroy() { vkDestroyImageView(device.handle, handle, nil) }
}
