import CVulkan
import Engine

/// A device-local 2D colour image with its view, for rendering into and copying out.
final class ColorImage {
    let device: Device
    let handle: VkImage
    let memory: VkDeviceMemory
    let view: VkImageView
    let width: Int
    let height: Int

    init(device: Device, width: Int, height: Int, format: VkFormat) throws {
        self.device = device
        self.width = width
        self.height = height
        var info = VkImageCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO
        info.imageType = VK_IMAGE_TYPE_2D
        info.format = format
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
        guard let typeIndex = MemoryTypeSelector.select(device.physicalDevice.memoryTypes,
                                                        allowed: requirements.memoryTypeBits, usage: .deviceLocal) else {
            vkDestroyImage(device.handle, image, nil)
            throw EngineError.unsupported("no memory type for a colour image")
        }
        var allocation = VkMemoryAllocateInfo()
        allocation.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocation.allocationSize = requirements.size
        allocation.memoryTypeIndex = UInt32(typeIndex)
        var memory: VkDeviceMemory?
        var view: VkImageView?
        do {
            try check(vkAllocateMemory(device.handle, &allocation, nil, &memory), "vkAllocateMemory(image)")
            try check(vkBindImageMemory(device.handle, image, memory, 0), "vkBindImageMemory")
            view = try makeImageView(device: device, image: image!, format: format)
        } catch {
            vkFreeMemory(device.handle, memory, nil)
            vkDestroyImage(device.handle, image, nil)
            throw error
        }
        handle = image!
        self.memory = memory!
        self.view = view!
    }

    deinit {
        vkDestroyImageView(device.handle, view, nil)
        vkDestroyImage(device.handle, handle, nil)
        vkFreeMemory(device.handle, memory, nil)
    }
}

func makeImageView(device: Device, image: VkImage, format: VkFormat) throws -> VkImageView {
    var info = VkImageViewCreateInfo()
    info.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO
    info.image = image
    info.viewType = VK_IMAGE_VIEW_TYPE_2D
    info.format = format
    info.subresourceRange = VkImageSubresourceRange(aspectMask: VK_IMAGE_ASPECT_COLOR_BIT.rawValue, baseMipLevel: 0,
                                                    levelCount: 1, baseArrayLayer: 0, layerCount: 1)
    var view: VkImageView?
    try check(vkCreateImageView(device.handle, &info, nil, &view), "vkCreateImageView")
    return view!
}

/// A framebuffer over one image view, for a render pass.
final class Framebuffer {
    let device: Device
    let handle: VkFramebuffer
    /// A view this framebuffer destroys after itself (swapchain images' views).
    private let ownedView: VkImageView?

    init(device: Device, renderPass: VkRenderPass, view: VkImageView, width: Int, height: Int,
         ownsView: Bool = false) throws {
        self.device = device
        ownedView = ownsView ? view : nil
        var attachment: VkImageView? = view
        var framebuffer: VkFramebuffer?
        let result = withUnsafePointer(to: &attachment) { attachmentPointer in
            var info = VkFramebufferCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO
            info.renderPass = renderPass
            info.attachmentCount = 1
            info.pAttachments = attachmentPointer
            info.width = UInt32(width)
            info.height = UInt32(height)
            info.layers = 1
            return vkCreateFramebuffer(device.handle, &info, nil, &framebuffer)
        }
        do {
            try check(result, "vkCreateFramebuffer")
        } catch {
            if ownsView { vkDestroyImageView(device.handle, view, nil) }
            throw error
        }
        handle = framebuffer!
    }

    deinit {
        vkDestroyFramebuffer(device.handle, handle, nil)
        if let ownedView { vkDestroyImageView(device.handle, ownedView, nil) }
    }
}
