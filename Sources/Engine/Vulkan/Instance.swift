import CVulkan
import FoundationEssentials
import Glibc

/// Options for creating the Vulkan instance.
public struct InstanceOptions: Sendable {
    /// Enables `VK_LAYER_KHRONOS_validation` with synchronization validation and records its
    /// messages in ``Instance/validationLog``.
    public var validation: Bool
    /// Instance extensions beyond those validation needs (surface extensions, for windows).
    /// Compute-only runs pass none: on V3DV, window-system extensions open the display node.
    public var extensions: [String]
    public var applicationName: String
    /// The threads a CPU driver (lavapipe) runs on, where it was told other than one per
    /// processor (`LP_NUM_THREADS`): kernels size their workgroups to keep each busy.
    public var cpuDriverThreads: Int?

    public init(
        validation: Bool = false, extensions: [String] = [], applicationName: String = "CapitalEngine",
        cpuDriverThreads: Int? = nil
    ) {
        self.validation = validation
        self.extensions = extensions
        self.applicationName = applicationName
        self.cpuDriverThreads = cpuDriverThreads
    }
}

/// The Vulkan instance: the loader's view of every driver, and the root that owns the rest.
public final class Instance {
    public static let validationLayerName = "VK_LAYER_KHRONOS_validation"

    package let handle: VkInstance
    /// The API version the instance was created with: the highest the loader offers.
    public let apiVersion: APIVersion
    private let cpuDriverThreads: Int?
    /// Present when created with validation.
    public let validationLog: ValidationLog?
    private var messenger: VkDebugUtilsMessengerEXT?
    /// The devices ``physicalDevices(drmDevices:)`` last found listed more than once.
    public private(set) var duplicateDevices: [DuplicateDevices.Repeated] = []
    private let logReference: Unmanaged<ValidationLog>?

    /// The highest instance API version the loader supports.
    public static func loaderVersion() -> APIVersion {
        var version: UInt32 = 0
        guard vkEnumerateInstanceVersion(&version) == VK_SUCCESS else { return .v1_0 }
        return APIVersion(rawValue: version)
    }

    public static func availableLayers() throws(VulkanError) -> [String] {
        try enumerate("vkEnumerateInstanceLayerProperties", empty: VkLayerProperties()) {
            vkEnumerateInstanceLayerProperties($0, $1)
        }.map { string(fromCArray: $0.layerName) }
    }

    public init(options: InstanceOptions = InstanceOptions(), validationLog: ValidationLog? = nil) throws {
        let loader = Instance.loaderVersion()
        guard loader.withoutPatch >= .v1_1 else { throw EngineError.loaderTooOld(found: loader) }
        apiVersion = loader
        cpuDriverThreads = options.cpuDriverThreads

        var extensions = options.extensions
        var layers: [String] = []
        if options.validation {
            guard try Instance.availableLayers().contains(Instance.validationLayerName) else {
                throw EngineError.validationLayerMissing
            }
            layers.append(Instance.validationLayerName)
            extensions.append("VK_EXT_debug_utils")
            let log = validationLog ?? ValidationLog()
            self.validationLog = log
            logReference = Unmanaged.passRetained(log)
        } else {
            self.validationLog = nil
            logReference = nil
        }

        var created: VkInstance?
        let logPointer = logReference?.toOpaque()
        let result = withCStrings(layers) { layerNames in
            withCStrings(extensions) { extensionNames in
                options.applicationName.withCString { appName in
                    var app = VkApplicationInfo()
                    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
                    app.pApplicationName = appName
                    app.applicationVersion = makeAPIVersion(0, 1, 0)
                    app.pEngineName = appName
                    app.engineVersion = makeAPIVersion(0, 1, 0)
                    app.apiVersion = loader.rawValue
                    return withUnsafePointer(to: &app) { appPointer in
                        var messengerInfo = Instance.messengerCreateInfo(userData: logPointer)
                        var enabledFeatures = [VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT]
                        return withUnsafeMutablePointer(to: &messengerInfo) { messengerPointer in
                            enabledFeatures.withUnsafeMutableBufferPointer { features in
                                var validationFeatures = VkValidationFeaturesEXT()
                                validationFeatures.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT
                                validationFeatures.enabledValidationFeatureCount = UInt32(features.count)
                                validationFeatures.pEnabledValidationFeatures = UnsafePointer(features.baseAddress)
                                // Chained so that instance creation and destruction are validated too.
                                validationFeatures.pNext = UnsafeRawPointer(messengerPointer)
                                return withUnsafePointer(to: &validationFeatures) { featuresPointer in
                                    var info = VkInstanceCreateInfo()
                                    info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                                    info.pApplicationInfo = appPointer
                                    info.enabledLayerCount = UInt32(layers.count)
                                    info.ppEnabledLayerNames = layerNames
                                    info.enabledExtensionCount = UInt32(extensions.count)
                                    info.ppEnabledExtensionNames = extensionNames
                                    info.pNext = options.validation ? UnsafeRawPointer(featuresPointer) : nil
                                    return vkCreateInstance(&info, nil, &created)
                                }
                            }
                        }
                    }
                }
            }
        }
        do {
            try check(result, "vkCreateInstance")
        } catch {
            logReference?.release()
            if error.result == VK_ERROR_INCOMPATIBLE_DRIVER { throw EngineError.noDevices }
            throw error
        }
        handle = created!

        if options.validation {
            let create: PFN_vkCreateDebugUtilsMessengerEXT? = instanceFunction("vkCreateDebugUtilsMessengerEXT")
            guard let create else {
                throw VulkanError(
                    result: VK_ERROR_EXTENSION_NOT_PRESENT,
                    call: "vkGetInstanceProcAddr(vkCreateDebugUtilsMessengerEXT)")
            }
            var info = Instance.messengerCreateInfo(userData: logPointer)
            var messenger: VkDebugUtilsMessengerEXT?
            try check(create(handle, &info, nil, &messenger), "vkCreateDebugUtilsMessengerEXT")
            self.messenger = messenger
        }
    }

    deinit {
        if let messenger {
            let destroy: PFN_vkDestroyDebugUtilsMessengerEXT? = instanceFunction("vkDestroyDebugUtilsMessengerEXT")
            destroy?(handle, messenger, nil)
        }
        vkDestroyInstance(handle, nil)
        logReference?.release()
    }

    /// An instance-level function that the loader does not export, such as an extension's.
    package func instanceFunction<Function>(_ name: String) -> Function? {
        guard let pointer = vkGetInstanceProcAddr(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: Function.self)
    }

    /// Every physical device the loader reports, in its order, each once, with the `/dev/dri`
    /// nodes of `drmDevices` matched to them. A device the loader lists again, because several
    /// manifests name its driver, is left out and noted in ``duplicateDevices``; the indices
    /// count the devices kept, so they stay the same whether or not a duplicate comes and goes.
    public func physicalDevices(drmDevices: [DRMDeviceDescription] = DRMDevices.enumerate()) throws -> [PhysicalDevice]
    {
        let handles = try enumerate("vkEnumeratePhysicalDevices", empty: VkPhysicalDevice?.none) {
            vkEnumeratePhysicalDevices(handle, $0, $1)
        }
        let listed = handles.enumerated().compactMap { index, device in
            device.map { PhysicalDevice(instance: self, handle: $0, index: index) }
        }
        let unique = DuplicateDevices.unique(listed.map(\.description))
        let devices = unique.kept.enumerated().map { index, listedIndex in
            let device = listed[listedIndex]
            device.description.index = index
            return device
        }
        duplicateDevices = unique.repeated
        let descriptions = devices.map(\.description)
        let annotated = DRMNodeMatcher.annotate(
            descriptions, with: DRMNodeMatcher.match(vulkan: descriptions, drm: drmDevices))
        for (device, var description) in zip(devices, annotated) {
            if description.type == .cpu { description.cpuDriverThreads = cpuDriverThreads }
            device.description = description
        }
        return devices
    }

    private static func messengerCreateInfo(userData: UnsafeMutableRawPointer?) -> VkDebugUtilsMessengerCreateInfoEXT {
        var info = VkDebugUtilsMessengerCreateInfoEXT()
        info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT
        info.messageSeverity = VkDebugUtilsMessageSeverityFlagsEXT(
            VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
                | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue)
        info.messageType = VkDebugUtilsMessageTypeFlagsEXT(
            VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT.rawValue
                | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue
                | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT.rawValue)
        info.pfnUserCallback = debugMessengerCallback
        info.pUserData = userData
        return info
    }
}

/// Receives layer messages on whatever thread the driver calls from and hands them to the log.
private let debugMessengerCallback: PFN_vkDebugUtilsMessengerCallbackEXT = { severity, _, data, userData in
    guard let userData, let data else { return VkBool32(VK_FALSE) }
    let log = Unmanaged<ValidationLog>.fromOpaque(userData).takeUnretainedValue()
    let level: ValidationLog.Message.Severity =
        severity.rawValue >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue
        ? .error
        : severity.rawValue >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
            ? .warning
            : severity.rawValue >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT.rawValue ? .info : .verbose
    let identifier = data.pointee.pMessageIdName.map { String(cString: $0) } ?? "\(data.pointee.messageIdNumber)"
    let text = data.pointee.pMessage.map { String(cString: $0) } ?? ""
    log.record(.init(severity: level, identifier: identifier, text: text))
    return VkBool32(VK_FALSE)
}

/// Runs `body` with a C array of C strings that lives exactly as long as the call.
package func withCStrings<Result>(
    _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result
) -> Result {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
