import CVulkan

/// A Vulkan call that returned an error code.
///
/// Every fallible Vulkan call goes through ``check(_:_:)``, so an error always names both the
/// result and the call that produced it.
public struct VulkanError: Error, CustomStringConvertible, Equatable {
    public let result: VkResult
    public let call: String

    public init(result: VkResult, call: String) {
        self.result = result
        self.call = call
    }

    public var description: String { "\(call) failed: \(VulkanError.name(of: result))" }

    /// The C name of a `VkResult`, e.g. `VK_ERROR_OUT_OF_DEVICE_MEMORY`.
    public static func name(of result: VkResult) -> String {
        switch result {
        case VK_SUCCESS: "VK_SUCCESS"
        case VK_NOT_READY: "VK_NOT_READY"
        case VK_TIMEOUT: "VK_TIMEOUT"
        case VK_EVENT_SET: "VK_EVENT_SET"
        case VK_EVENT_RESET: "VK_EVENT_RESET"
        case VK_INCOMPLETE: "VK_INCOMPLETE"
        case VK_ERROR_OUT_OF_HOST_MEMORY: "VK_ERROR_OUT_OF_HOST_MEMORY"
        case VK_ERROR_OUT_OF_DEVICE_MEMORY: "VK_ERROR_OUT_OF_DEVICE_MEMORY"
        case VK_ERROR_INITIALIZATION_FAILED: "VK_ERROR_INITIALIZATION_FAILED"
        case VK_ERROR_DEVICE_LOST: "VK_ERROR_DEVICE_LOST"
        case VK_ERROR_MEMORY_MAP_FAILED: "VK_ERROR_MEMORY_MAP_FAILED"
        case VK_ERROR_LAYER_NOT_PRESENT: "VK_ERROR_LAYER_NOT_PRESENT"
        case VK_ERROR_EXTENSION_NOT_PRESENT: "VK_ERROR_EXTENSION_NOT_PRESENT"
        case VK_ERROR_FEATURE_NOT_PRESENT: "VK_ERROR_FEATURE_NOT_PRESENT"
        case VK_ERROR_INCOMPATIBLE_DRIVER: "VK_ERROR_INCOMPATIBLE_DRIVER"
        case VK_ERROR_TOO_MANY_OBJECTS: "VK_ERROR_TOO_MANY_OBJECTS"
        case VK_ERROR_FORMAT_NOT_SUPPORTED: "VK_ERROR_FORMAT_NOT_SUPPORTED"
        case VK_ERROR_FRAGMENTED_POOL: "VK_ERROR_FRAGMENTED_POOL"
        case VK_ERROR_UNKNOWN: "VK_ERROR_UNKNOWN"
        case VK_ERROR_OUT_OF_POOL_MEMORY: "VK_ERROR_OUT_OF_POOL_MEMORY"
        case VK_ERROR_INVALID_EXTERNAL_HANDLE: "VK_ERROR_INVALID_EXTERNAL_HANDLE"
        case VK_ERROR_FRAGMENTATION: "VK_ERROR_FRAGMENTATION"
        case VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS: "VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS"
        case VK_PIPELINE_COMPILE_REQUIRED: "VK_PIPELINE_COMPILE_REQUIRED"
        case VK_ERROR_SURFACE_LOST_KHR: "VK_ERROR_SURFACE_LOST_KHR"
        case VK_ERROR_NATIVE_WINDOW_IN_USE_KHR: "VK_ERROR_NATIVE_WINDOW_IN_USE_KHR"
        case VK_SUBOPTIMAL_KHR: "VK_SUBOPTIMAL_KHR"
        case VK_ERROR_OUT_OF_DATE_KHR: "VK_ERROR_OUT_OF_DATE_KHR"
        case VK_ERROR_VALIDATION_FAILED_EXT: "VK_ERROR_VALIDATION_FAILED_EXT"
        default: "VkResult(\(result.rawValue))"
        }
    }
}

/// Throws a ``VulkanError`` naming `call` when `result` is an error code.
///
/// Positive codes (`VK_INCOMPLETE`, `VK_TIMEOUT`, ...) are statuses, not failures, and are
/// returned for the caller to interpret.
@discardableResult
package func check(_ result: VkResult, _ call: @autoclosure () -> String) throws(VulkanError) -> VkResult {
    if result.rawValue < 0 { throw VulkanError(result: result, call: call()) }
    return result
}

/// The count-then-fill pattern of `vkEnumerate*` and `vkGet*`, written once.
package func enumerate<Element>(
    _ call: String, empty: Element,
    _ body: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<Element>?) -> VkResult
) throws(VulkanError) -> [Element] {
    while true {
        var count: UInt32 = 0
        try check(body(&count, nil), call)
        if count == 0 { return [] }
        var elements = [Element](repeating: empty, count: Int(count))
        let result = elements.withUnsafeMutableBufferPointer { body(&count, $0.baseAddress) }
        // VK_INCOMPLETE means the list grew between the two calls: ask again.
        if result == VK_INCOMPLETE { continue }
        try check(result, call)
        return Array(elements.prefix(Int(count)))
    }
}

/// The same pattern for `vkGet*` calls that cannot fail.
package func enumerate<Element>(
    empty: Element, _ body: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<Element>?) -> Void
) -> [Element] {
    var count: UInt32 = 0
    body(&count, nil)
    var elements = [Element](repeating: empty, count: Int(count))
    elements.withUnsafeMutableBufferPointer { body(&count, $0.baseAddress) }
    return Array(elements.prefix(Int(count)))
}

/// Reads a fixed-size C character array (imported as a tuple) as a Swift string.
package func string<T>(fromCArray tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `VK_MAKE_API_VERSION`, which does not import into Swift.
func makeAPIVersion(variant: UInt32 = 0, _ major: UInt32, _ minor: UInt32, _ patch: UInt32) -> UInt32 {
    (variant << 29) | (major << 22) | (minor << 12) | patch
}
