/// Everything the engine needs to know about a physical device to choose it and shape work
/// for it, as plain values.
///
/// Exists so that device selection and kernel shaping are pure functions: tests fabricate
/// descriptions of devices this machine does not have (an NVIDIA card, a Raspberry Pi).
public struct PhysicalDeviceDescription: Sendable, Codable, Equatable {
    /// Position in the loader's enumeration order; what `--device 0` refers to.
    public var index: Int
    public var name: String
    public var type: DeviceType
    public var vendorID: UInt32
    public var deviceID: UInt32
    /// `VkPhysicalDeviceDriverProperties`, where the device offers it (Vulkan 1.2 or
    /// `VK_KHR_driver_properties`).
    public var driver: DriverDescription?
    /// The raw `driverVersion`; its encoding is vendor-specific, see ``driverVersionText``.
    public var driverVersion: UInt32
    public var apiVersion: APIVersion
    /// `deviceUUID` from `VkPhysicalDeviceIDProperties`, as 8-4-4-4-12 hex.
    public var uuid: String
    public var queueFamilies: [QueueFamilyDescription]
    public var memoryHeaps: [MemoryHeapDescription]
    public var limits: ComputeLimits
    public var supportsFloat64: Bool
    public var supportsInt64: Bool
    /// Points larger than one pixel (`largePoints`), for particle sprites.
    public var supportsLargePoints: Bool
    /// Compute shaders may add floats atomically to storage buffers
    /// (`VK_EXT_shader_atomic_float`'s `shaderBufferFloat32AtomicAdd`), which the GPU
    /// pair-once N-body kernel needs; the device enables it where offered.
    public var supportsBufferFloatAtomicAdd: Bool
    /// Compute shaders may add 64-bit integers atomically to storage buffers (`shaderInt64`
    /// and `VK_KHR_shader_atomic_int64`'s `shaderBufferInt64Atomics`), which lets the GPU
    /// pair-once N-body kernel add its shares in fixed point, in an order that cannot change
    /// the result; the device enables it where offered.
    public var supportsBufferInt64AtomicAdd: Bool
    /// The DRM node numbers from `VK_EXT_physical_device_drm`; nil where the driver does
    /// not offer it.
    public var drm: DRMNodeNumbers?
    /// The `/dev/dri` render and primary nodes, once matched by ``DRMNodeMatcher``.
    public var renderNode: String?
    public var primaryNode: String?
    /// The threads a CPU driver runs workgroups on, where the instance was told
    /// (`InstanceOptions.cpuDriverThreads`); nil: one per processor.
    public var cpuDriverThreads: Int?

    public init(
        index: Int, name: String, type: DeviceType, vendorID: UInt32, deviceID: UInt32 = 0,
        driver: DriverDescription? = nil, driverVersion: UInt32 = 0, apiVersion: APIVersion,
        uuid: String = "00000000-0000-0000-0000-000000000000",
        queueFamilies: [QueueFamilyDescription], memoryHeaps: [MemoryHeapDescription],
        limits: ComputeLimits, supportsFloat64: Bool = false, supportsInt64: Bool = false,
        supportsLargePoints: Bool = true, supportsBufferFloatAtomicAdd: Bool = false,
        supportsBufferInt64AtomicAdd: Bool = false, drm: DRMNodeNumbers? = nil
    ) {
        self.index = index
        self.name = name
        self.type = type
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.driver = driver
        self.driverVersion = driverVersion
        self.apiVersion = apiVersion
        self.uuid = uuid
        self.queueFamilies = queueFamilies
        self.memoryHeaps = memoryHeaps
        self.limits = limits
        self.supportsFloat64 = supportsFloat64
        self.supportsInt64 = supportsInt64
        self.supportsLargePoints = supportsLargePoints
        self.supportsBufferFloatAtomicAdd = supportsBufferFloatAtomicAdd
        self.supportsBufferInt64AtomicAdd = supportsBufferInt64AtomicAdd
        self.drm = drm
    }

    /// The driver's version and build as far as the device reports them: what a kernel's
    /// results and speed may change with (tuning cache keys, checkpoints).
    public var driverIdentity: String {
        driverVersionText + (driver.map { " \($0.info)" } ?? "")
    }

    public var vendor: Vendor { Vendor(id: vendorID) }

    /// Bytes in heaps marked `DEVICE_LOCAL`; the tie-breaker of automatic selection.
    public var deviceLocalMemory: UInt64 {
        memoryHeaps.filter(\.deviceLocal).reduce(0) { $0 + $1.size }
    }

    /// The queue family compute work goes to: the first with compute support and timestamps,
    /// else the first with compute support.
    public var computeQueueFamily: QueueFamilyDescription? {
        let compute = queueFamilies.filter(\.supportsCompute)
        return compute.first { $0.timestampValidBits > 0 } ?? compute.first
    }

    /// A family that runs both compute and graphics, so a simulation can be drawn from the
    /// buffers it writes with nothing but barriers between them.
    public var graphicsComputeQueueFamily: QueueFamilyDescription? {
        let both = queueFamilies.filter { $0.supportsCompute && $0.supportsGraphics }
        return both.first { $0.timestampValidBits > 0 } ?? both.first
    }

    /// The most loop iterations one shader invocation may run, all loops together, where the
    /// driver cuts loops off silently: llvmpipe (lavapipe) stops every loop once 65535
    /// iterations have run in an invocation, and the results are simply wrong. Nil elsewhere.
    public var shaderLoopIterationLimit: Int? {
        let isLlvmpipe = driver?.id == 13 || name.hasPrefix("llvmpipe")
        return isLlvmpipe ? 65535 : nil
    }

    /// Whether GPU timestamps can time work on ``computeQueueFamily``.
    public var supportsComputeTimestamps: Bool {
        (computeQueueFamily?.timestampValidBits ?? 0) > 0 && limits.timestampPeriod > 0
    }

    /// The driver version decoded the way its vendor packs it.
    public var driverVersionText: String {
        let v = driverVersion
        switch vendor {
        case .nvidia:
            return "\((v >> 22) & 0x3FF).\((v >> 14) & 0xFF).\((v >> 6) & 0xFF).\(v & 0x3F)"
        default:
            return APIVersion(rawValue: v).description
        }
    }

    /// One line for lists in messages: name, type, vendor and driver.
    public var summary: String {
        let driverText = driver.map { " — \($0.name) \($0.info)" } ?? ""
        let node = renderNode.map { ", \($0)" } ?? ""
        return "\(name) (\(type), \(vendor.name)\(node))\(driverText.trimmingSuffixSpaces)"
    }
}

extension String {
    fileprivate var trimmingSuffixSpaces: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

/// `VkPhysicalDeviceType` as the words users type.
public enum DeviceType: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case discrete, integrated, virtual, cpu, other

    /// Preference of automatic selection: higher wins.
    var preference: Int {
        switch self {
        case .discrete: 4
        case .integrated: 3
        case .virtual: 2
        case .cpu: 1
        case .other: 0
        }
    }

    public var description: String { rawValue }
}

/// A PCI vendor id with the word users know it by.
public enum Vendor: Sendable, Equatable, CustomStringConvertible {
    case nvidia, amd, intel, broadcom, mesa, arm, qualcomm, apple
    case other(UInt32)

    public init(id: UInt32) {
        switch id {
        case 0x10DE: self = .nvidia
        case 0x1002: self = .amd
        case 0x8086: self = .intel
        case 0x14E4: self = .broadcom
        case 0x10005: self = .mesa
        case 0x13B5: self = .arm
        case 0x5143: self = .qualcomm
        case 0x106B: self = .apple
        default: self = .other(id)
        }
    }

    /// The word shown in tables and accepted by `--device`.
    public var name: String {
        switch self {
        case .nvidia: "nvidia"
        case .amd: "amd"
        case .intel: "intel"
        case .broadcom: "videocore"
        case .mesa: "mesa"
        case .arm: "arm"
        case .qualcomm: "qualcomm"
        case .apple: "apple"
        case .other(let id): hexadecimal(id)
        }
    }

    public var description: String { name }
}

/// `VkPhysicalDeviceDriverProperties`.
public struct DriverDescription: Sendable, Codable, Equatable {
    /// `VkDriverId` as its raw number (1 = AMD proprietary, 4 = NVIDIA proprietary,
    /// 6 = Intel Mesa, 13 = Mesa llvmpipe, 22 = Mesa V3DV, ...).
    public var id: UInt32
    public var name: String
    public var info: String
    public var conformanceVersion: String

    public init(id: UInt32, name: String, info: String, conformanceVersion: String = "") {
        self.id = id
        self.name = name
        self.info = info
        self.conformanceVersion = conformanceVersion
    }
}

public struct QueueFamilyDescription: Sendable, Codable, Equatable {
    public var index: Int
    public var queueCount: Int
    public var supportsGraphics: Bool
    public var supportsCompute: Bool
    public var supportsTransfer: Bool
    /// Zero when this family cannot write timestamps.
    public var timestampValidBits: UInt32

    public init(
        index: Int, queueCount: Int, supportsGraphics: Bool, supportsCompute: Bool,
        supportsTransfer: Bool = true, timestampValidBits: UInt32
    ) {
        self.index = index
        self.queueCount = queueCount
        self.supportsGraphics = supportsGraphics
        self.supportsCompute = supportsCompute
        self.supportsTransfer = supportsTransfer
        self.timestampValidBits = timestampValidBits
    }
}

public struct MemoryHeapDescription: Sendable, Codable, Equatable {
    public var size: UInt64
    public var deviceLocal: Bool

    public init(size: UInt64, deviceLocal: Bool) {
        self.size = size
        self.deviceLocal = deviceLocal
    }
}

/// The limits that shape compute work.
public struct ComputeLimits: Sendable, Codable, Equatable {
    public var maxComputeWorkGroupInvocations: UInt32
    public var maxComputeWorkGroupSize: [UInt32]
    public var maxComputeWorkGroupCount: [UInt32]
    public var maxComputeSharedMemorySize: UInt32
    public var maxStorageBufferRange: UInt32
    public var maxPushConstantsSize: UInt32
    /// Nanoseconds per timestamp tick.
    public var timestampPeriod: Float
    /// Zero where the device does not report it (before Vulkan 1.1).
    public var subgroupSize: UInt32
    /// Compute shaders may use `subgroupShuffleUp`/`Down` (`VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT`).
    public var subgroupShuffleRelativeInCompute: Bool
    /// Compute shaders may use `subgroupShuffle` (`VK_SUBGROUP_FEATURE_SHUFFLE_BIT`).
    public var subgroupShuffleInCompute: Bool

    public init(
        maxComputeWorkGroupInvocations: UInt32, maxComputeWorkGroupSize: [UInt32],
        maxComputeWorkGroupCount: [UInt32], maxComputeSharedMemorySize: UInt32,
        maxStorageBufferRange: UInt32, maxPushConstantsSize: UInt32 = 128,
        timestampPeriod: Float, subgroupSize: UInt32 = 0, subgroupShuffleRelativeInCompute: Bool = false,
        subgroupShuffleInCompute: Bool = false
    ) {
        self.subgroupShuffleRelativeInCompute = subgroupShuffleRelativeInCompute
        self.subgroupShuffleInCompute = subgroupShuffleInCompute
        self.maxComputeWorkGroupInvocations = maxComputeWorkGroupInvocations
        self.maxComputeWorkGroupSize = maxComputeWorkGroupSize
        self.maxComputeWorkGroupCount = maxComputeWorkGroupCount
        self.maxComputeSharedMemorySize = maxComputeSharedMemorySize
        self.maxStorageBufferRange = maxStorageBufferRange
        self.maxPushConstantsSize = maxPushConstantsSize
        self.timestampPeriod = timestampPeriod
        self.subgroupSize = subgroupSize
    }
}

/// `0x10DE`-style text for an id, at least four digits.
func hexadecimal(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

extension PhysicalDeviceDescription {
    /// The driver as people name it ("llvmpipe (LLVM 15.0.6, 256 bits)"), else its version.
    public var driverText: String {
        if let driver { return "\(driver.name) \(driver.info)".trimmed }
        return "driver \(driverVersionText)"
    }
}

extension PhysicalDeviceDescription {
    /// The device as reports head it: "[0] llvmpipe (LLVM 15.0.6, 256 bits) (llvmpipe …)";
    /// `withType` adds its type before the driver.
    public func heading(withType: Bool = false) -> String {
        "[\(index)] \(name) (\(withType ? "\(type), " : "")\(driverText))"
    }
}
