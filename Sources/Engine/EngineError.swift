/// Failures above the level of a single Vulkan call, each with a message a user can act on.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// The Vulkan loader (libvulkan) is older than the API version the engine needs.
    case loaderTooOld(found: APIVersion)
    /// `--validate` was asked for but the Khronos validation layer is not installed.
    case validationLayerMissing
    /// The loader found no physical device at all.
    case noDevices
    /// A `--device` selector matched none of the devices found.
    case noDeviceMatches(selector: String, devices: [PhysicalDeviceDescription])
    /// Devices matched the selector but none can run the workload.
    case noSuitableDevice(rejections: [DeviceRejection])
    /// The selector string itself is malformed.
    case invalidSelector(String)
    /// A workload cannot run with these parameters on this device.
    case unsupported(String)
    /// Input that is not a valid value for the engine (particle counts, parameters, ...).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .loaderTooOld(let found):
            return "the Vulkan loader offers API \(found), but CapitalEngine needs at least 1.1; "
                + "upgrade libvulkan1"
        case .validationLayerMissing:
            return "validation was requested but VK_LAYER_KHRONOS_validation is not installed; "
                + "on Debian/Ubuntu install it with: apt-get install vulkan-validationlayers"
        case .noDevices:
            return """
                no Vulkan device found. Likely causes:
                  - no Vulkan driver (ICD) is installed: on Debian/Ubuntu, apt-get install mesa-vulkan-drivers \
                (Mesa: AMD, Intel, Raspberry Pi, and the lavapipe CPU driver)
                  - VK_ICD_FILENAMES / VK_DRIVER_FILES point at a missing or wrong manifest
                  - in a container: /dev/dri was not passed in (--device /dev/dri), the render node's group \
                was not added (--group-add with its numeric GID), or for NVIDIA the container was started \
                without --gpus / NVIDIA_DRIVER_CAPABILITIES lacks 'graphics' and 'compute' \
                (Vulkan needs 'graphics'; the default 'compute,utility' gives no Vulkan driver)
                """
        case .noDeviceMatches(let selector, let devices):
            let list = devices.map { "  [\($0.index)] \($0.summary)" }.joined(separator: "\n")
            let nodeHint =
                selector.hasPrefix("/dev/")
                ? "\nNo Vulkan device uses \(selector): the node may not exist here (in a container: pass it with "
                    + "--device \(selector)), this process may not open it, or its driver does not report DRM nodes "
                    + "(NVIDIA's proprietary driver, lavapipe). `CapitalEngine doctor` checks each of these."
                : ""
            return """
                no Vulkan device matches '\(selector)'. Devices found:
                \(list)
                Select by index, part of the name, a vendor (nvidia, amd, intel, videocore, lavapipe), \
                a type (discrete, integrated, virtual, cpu) or a render node (/dev/dri/renderD128).\(nodeHint)
                """
        case .noSuitableDevice(let rejections):
            let list = rejections.map {
                "  [\($0.device.index)] \($0.device.name) — rejected: \($0.reasons.joined(separator: "; "))"
            }
            return "no suitable Vulkan device:\n" + list.joined(separator: "\n")
        case .invalidSelector(let message):
            return "invalid device selector: \(message)"
        case .unsupported(let message):
            return message
        case .invalidInput(let message):
            return message
        }
    }
}
