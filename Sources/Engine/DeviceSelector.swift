import FoundationEssentials
import Glibc

/// What a user asked for with `--device` or `CAPITALENGINE_DEVICE`.
public enum DeviceSelector: Sendable, Equatable, CustomStringConvertible {
    /// Best device by type (discrete > integrated > virtual > CPU), ties by device-local memory.
    case automatic
    /// Position in the loader's enumeration, as `devices` lists it.
    case index(Int)
    case vendor(Vendor)
    case type(DeviceType)
    /// A case-insensitive substring of the device name.
    case name(String)
    /// A `/dev/dri` node: the Vulkan device behind it.
    case node(String)

    /// Parses a selector: an index, a vendor word, a type word, or else part of the name.
    public init(parsing text: String) throws(EngineError) {
        let trimmed = text.trimmed
        guard !trimmed.isEmpty else { throw .invalidSelector("an empty selector selects nothing") }
        if trimmed.hasPrefix("/dev/") {
            self = .node(trimmed)
            return
        }
        if let number = Int(trimmed) {
            guard number >= 0 else { throw .invalidSelector("index \(number) is negative") }
            self = .index(number)
            return
        }
        switch trimmed.lowercased() {
        case "auto", "automatic", "best": self = .automatic
        case "nvidia": self = .vendor(.nvidia)
        case "amd", "radv": self = .vendor(.amd)
        case "intel", "anv": self = .vendor(.intel)
        case "videocore", "v3dv", "broadcom", "raspberrypi", "rpi": self = .vendor(.broadcom)
        case "lavapipe", "llvmpipe": self = .vendor(.mesa)
        case "discrete": self = .type(.discrete)
        case "integrated": self = .type(.integrated)
        case "virtual": self = .type(.virtual)
        case "cpu": self = .type(.cpu)
        default: self = .name(trimmed)
        }
    }

    public func matches(_ device: PhysicalDeviceDescription) -> Bool {
        switch self {
        case .automatic: true
        case .index(let index): device.index == index
        case .vendor(let vendor): device.vendor == vendor
        case .type(let type): device.type == type
        case .name(let part): device.name.lowercased().contains(part.lowercased())
        case .node(let path): device.renderNode == path || device.primaryNode == path
        }
    }

    public var description: String {
        switch self {
        case .automatic: "automatic"
        case .index(let index): "\(index)"
        case .vendor(let vendor): vendor.name
        case .type(let type): type.rawValue
        case .name(let part): part
        case .node(let path): path
        }
    }
}

/// What a workload needs of a device; a device missing any of it is rejected with a reason.
public struct DeviceRequirements: Sendable, Equatable {
    public var minimumAPIVersion: APIVersion
    public var needsComputeQueue: Bool
    public var needsTimestamps: Bool
    /// One queue family must run both compute and graphics (to draw the simulation).
    public var needsGraphics: Bool
    /// When drawing to a window: the indices of the devices whose graphics-and-compute
    /// family can present to it. Nil when nothing is presented.
    public var presentableDevices: Set<Int>?

    public init(
        minimumAPIVersion: APIVersion = .v1_1, needsComputeQueue: Bool = true,
        needsTimestamps: Bool = false, needsGraphics: Bool = false, presentableDevices: Set<Int>? = nil
    ) {
        self.minimumAPIVersion = minimumAPIVersion
        self.needsComputeQueue = needsComputeQueue
        self.needsTimestamps = needsTimestamps
        self.needsGraphics = needsGraphics
        self.presentableDevices = presentableDevices
    }

    /// Why `device` cannot be used; empty when it can.
    public func reasons(rejecting device: PhysicalDeviceDescription) -> [String] {
        var reasons: [String] = []
        if device.apiVersion.withoutPatch < minimumAPIVersion {
            reasons.append("Vulkan \(device.apiVersion) is older than the required \(minimumAPIVersion.withoutPatch)")
        }
        if needsComputeQueue && device.computeQueueFamily == nil {
            reasons.append("no queue family supports compute")
        }
        if needsTimestamps && !device.supportsComputeTimestamps {
            reasons.append("no timestamp support on the compute queue")
        }
        if needsGraphics && device.graphicsComputeQueueFamily == nil {
            reasons.append("no queue family runs both graphics and compute")
        }
        if let presentableDevices, !presentableDevices.contains(device.index) {
            reasons.append("cannot present to this window")
        }
        return reasons
    }
}

public struct DeviceRejection: Sendable, Equatable {
    public var device: PhysicalDeviceDescription
    public var reasons: [String]
}

/// Chooses a physical device from descriptions, explaining every rejection.
///
/// A pure function of its inputs, in the manner of vk-bootstrap's `PhysicalDeviceSelector`,
/// so it is tested on fabricated devices as well as on the real list.
public struct PhysicalDeviceSelector: Sendable {
    public var selector: DeviceSelector
    public var requirements: DeviceRequirements

    public init(selector: DeviceSelector = .automatic, requirements: DeviceRequirements = DeviceRequirements()) {
        self.selector = selector
        self.requirements = requirements
    }

    /// The devices that satisfy the requirements and match the selector, best first.
    public func ranked(_ devices: [PhysicalDeviceDescription]) -> [PhysicalDeviceDescription] {
        devices
            .filter { selector.matches($0) && requirements.reasons(rejecting: $0).isEmpty }
            .sorted(by: PhysicalDeviceSelector.isPreferred)
    }

    /// The best device, or an error that lists what was found and why each was rejected.
    public func select(from devices: [PhysicalDeviceDescription]) throws(EngineError) -> PhysicalDeviceDescription {
        guard !devices.isEmpty else { throw .noDevices }
        let matching = devices.filter(selector.matches)
        guard !matching.isEmpty else {
            throw .noDeviceMatches(selector: selector.description, devices: devices)
        }
        if let best = ranked(matching).first { return best }
        throw .noSuitableDevice(
            rejections: matching.map {
                DeviceRejection(device: $0, reasons: requirements.reasons(rejecting: $0))
            })
    }

    /// Discrete > integrated > virtual > CPU; then more device-local memory; then enumeration order.
    static func isPreferred(_ a: PhysicalDeviceDescription, over b: PhysicalDeviceDescription) -> Bool {
        if a.type.preference != b.type.preference { return a.type.preference > b.type.preference }
        if a.deviceLocalMemory != b.deviceLocalMemory { return a.deviceLocalMemory > b.deviceLocalMemory }
        return a.index < b.index
    }
}
