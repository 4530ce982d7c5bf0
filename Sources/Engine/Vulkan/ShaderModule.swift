import CVulkan

public final class ShaderModule {
    package let device: Device
    package let handle: VkShaderModule
    public let name: String

    public init(device: Device, shader: EmbeddedShader) throws {
        self.device = device
        name = shader.name
        let words = shader.words
        var module: VkShaderModule?
        let result = words.withUnsafeBufferPointer { code in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = code.count * 4
            info.pCode = code.baseAddress
            return vkCreateShaderModule(device.handle, &info, nil, &module)
        }
        try check(result, "vkCreateShaderModule(\(shader.name))")
        handle = module!
    }

    deinit { vkDestroyShaderModule(device.handle, handle, nil) }
}
