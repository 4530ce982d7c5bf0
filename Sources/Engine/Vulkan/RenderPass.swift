import CVulkan

/// A render pass with one colour attachment, cleared at the start and kept at the end: all
/// that drawing a simulation needs.
public final class RenderPass {
    /// What happens to the image once the pass has drawn it.
    public enum Destination: Sendable {
        /// It is presented on a window's swapchain.
        case presentation
        /// It is copied out to a buffer (offscreen pictures).
        case copyOut

        var finalLayout: VkImageLayout {
            switch self {
            case .presentation: VK_IMAGE_LAYOUT_PRESENT_SRC_KHR
            case .copyOut: VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL
            }
        }
    }

    package let device: Device
    package let handle: VkRenderPass
    public let format: ImageFormat
    public let destination: Destination

    public init(device: Device, format: ImageFormat, destination: Destination) throws {
        self.device = device
        self.format = format
        self.destination = destination
        var attachment = VkAttachmentDescription()
        attachment.format = format.vulkan
        attachment.samples = VK_SAMPLE_COUNT_1_BIT
        attachment.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR
        attachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE
        attachment.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE
        attachment.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE
        attachment.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED
        attachment.finalLayout = destination.finalLayout
        var reference = VkAttachmentReference(attachment: 0, layout: VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL)
        let colourOutput = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT.rawValue
        let colourWrite = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT.rawValue
        let transfer = VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        let dependencies = [
            // The previous use of the image (presentation via the acquire semaphore, or a copy
            // out) finishes before this pass clears it.
            VkSubpassDependency(
                srcSubpass: VK_SUBPASS_EXTERNAL, dstSubpass: 0, srcStageMask: colourOutput | transfer,
                dstStageMask: colourOutput, srcAccessMask: 0, dstAccessMask: colourWrite, dependencyFlags: 0),
            // Drawing finishes before the image is copied out.
            VkSubpassDependency(
                srcSubpass: 0, dstSubpass: VK_SUBPASS_EXTERNAL, srcStageMask: colourOutput, dstStageMask: transfer,
                srcAccessMask: colourWrite, dstAccessMask: VK_ACCESS_TRANSFER_READ_BIT.rawValue, dependencyFlags: 0),
        ]
        var renderPass: VkRenderPass?
        let result = withUnsafePointer(to: &attachment) { attachmentPointer in
            withUnsafePointer(to: &reference) { referencePointer in
                dependencies.withUnsafeBufferPointer { dependencyPointer in
                    var subpass = VkSubpassDescription()
                    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS
                    subpass.colorAttachmentCount = 1
                    subpass.pColorAttachments = referencePointer
                    return withUnsafePointer(to: &subpass) { subpassPointer in
                        var info = VkRenderPassCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO
                        info.attachmentCount = 1
                        info.pAttachments = attachmentPointer
                        info.subpassCount = 1
                        info.pSubpasses = subpassPointer
                        info.dependencyCount = UInt32(dependencyPointer.count)
                        info.pDependencies = dependencyPointer.baseAddress
                        return vkCreateRenderPass(device.handle, &info, nil, &renderPass)
                    }
                }
            }
        }
        try check(result, "vkCreateRenderPass")
        handle = renderPass!
    }

    deinit { vkDestroyRenderPass(device.handle, handle, nil) }
}

/// The image a render pass draws into: a ``ColorImage``, or one of a swapchain's images.
public final class Framebuffer {
    package let device: Device
    package let handle: VkFramebuffer
    public let width: Int
    public let height: Int
    /// Keeps the image (and so its view) alive as long as the framebuffer: a ``ColorImage``,
    /// or what owns a swapchain's images.
    private let image: AnyObject
    /// A swapchain image's view, which this framebuffer made and destroys after itself.
    private let ownedView: ImageView?

    public convenience init(renderPass: RenderPass, image: ColorImage) throws {
        precondition(image.format == renderPass.format, "the image's format is not the render pass's")
        try self.init(renderPass: renderPass, view: image.view, width: image.width, height: image.height, image: image)
    }

    /// A framebuffer over a swapchain's image, with a view of its own.
    convenience init(renderPass: RenderPass, swapchainImage: VkImage, width: Int, height: Int, owner: AnyObject) throws
    {
        let view = try ImageView(device: renderPass.device, image: swapchainImage, format: renderPass.format)
        do {
            try self.init(
                renderPass: renderPass, view: view, width: width, height: height, image: owner, ownedView: view)
        } catch {
            view.destroy()
            throw error
        }
    }

    private init(
        renderPass: RenderPass, view: ImageView, width: Int, height: Int, image: AnyObject,
        ownedView: ImageView? = nil
    ) throws {
        let device = renderPass.device
        self.device = device
        self.width = width
        self.height = height
        self.image = image
        self.ownedView = ownedView
        var attachment: VkImageView? = view.handle
        var framebuffer: VkFramebuffer?
        let result = withUnsafePointer(to: &attachment) { attachmentPointer in
            var info = VkFramebufferCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO
            info.renderPass = renderPass.handle
            info.attachmentCount = 1
            info.pAttachments = attachmentPointer
            info.width = UInt32(width)
            info.height = UInt32(height)
            info.layers = 1
            return vkCreateFramebuffer(device.handle, &info, nil, &framebuffer)
        }
        try check(result, "vkCreateFramebuffer")
        handle = framebuffer!
    }

    deinit {
        vkDestroyFramebuffer(device.handle, handle, nil)
        ownedView?.destroy()
    }
}

/// A rectangle of pixels: where drawing may write.
public struct PixelRect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    var vulkan: VkRect2D {
        VkRect2D(
            offset: VkOffset2D(x: Int32(x), y: Int32(y)),
            extent: VkExtent2D(width: UInt32(width), height: UInt32(height)))
    }
}
