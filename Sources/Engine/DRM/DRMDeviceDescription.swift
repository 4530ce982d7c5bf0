/// A DRM device as libdrm reports it: the `/dev/dri` nodes of one GPU, what bus it sits on,
/// and whether this process may open its nodes.
public struct DRMDeviceDescription: Sendable, Codable, Equatable {
    public var primary: DRMNode?
    public var render: DRMNode?
    public var bus: Bus

    public enum Bus: Sendable, Codable, Equatable, CustomStringConvertible {
        case pci(vendorID: UInt16, deviceID: UInt16)
        /// Platform devices name their driver through compatible strings (the Raspberry Pi's
        /// `brcm,2711-v3d` and `brcm,bcm2711-vc5`).
        case platform(compatible: [String])
        case usb
        case host1x
        case unknown

        public var description: String {
            switch self {
            case .pci(let vendor, let device): "PCI \(hexadecimal(UInt32(vendor))):\(hexadecimal(UInt32(device)))"
            case .platform(let compatible): "platform \(compatible.first ?? "?")"
            case .usb: "USB"
            case .host1x: "host1x"
            case .unknown: "unknown bus"
            }
        }
    }

    public init(primary: DRMNode? = nil, render: DRMNode? = nil, bus: Bus) {
        self.primary = primary
        self.render = render
        self.bus = bus
    }

    /// The node a Vulkan driver opens: render when present, else primary.
    public var preferredNode: DRMNode? { render ?? primary }

    public var vendor: Vendor? {
        if case .pci(let vendorID, _) = bus { return Vendor(id: UInt32(vendorID)) }
        return nil
    }

    public var summary: String {
        let nodes = [render?.path, primary?.path].compactMap { $0 }.joined(separator: ", ")
        return "\(nodes) (\(bus)\(vendor.map { ", \($0.name)" } ?? ""))"
    }
}

/// One `/dev/dri` node file.
public struct DRMNode: Sendable, Codable, Equatable {
    public var path: String
    public var major: UInt32
    public var minor: UInt32
    /// Whether this process may open the node for reading and writing.
    public var accessible: Bool
    public var groupID: UInt32
    /// The owning group's name in this system's group database; nil inside images that
    /// lack it (the usual case for `render` in containers).
    public var groupName: String?

    public init(
        path: String, major: UInt32, minor: UInt32, accessible: Bool = true, groupID: UInt32 = 0,
        groupName: String? = nil
    ) {
        self.path = path
        self.major = major
        self.minor = minor
        self.accessible = accessible
        self.groupID = groupID
        self.groupName = groupName
    }

    /// How to get access: by the group's number, which works in any image.
    public var accessFix: String {
        let name = groupName.map { " ('\($0)' here)" } ?? ""
        return "add the group \(groupID)\(name) to the process: docker run --group-add \(groupID), "
            + "compose group_add: [\"\(groupID)\"], or natively: usermod -aG \(groupName ?? String(groupID)) $USER"
    }
}

/// The DRM node numbers a Vulkan driver reports through `VK_EXT_physical_device_drm`.
public struct DRMNodeNumbers: Sendable, Codable, Equatable {
    public var primary: (major: UInt32, minor: UInt32)?
    public var render: (major: UInt32, minor: UInt32)?

    public init(primary: (major: UInt32, minor: UInt32)?, render: (major: UInt32, minor: UInt32)?) {
        self.primary = primary
        self.render = render
    }

    public static func == (a: DRMNodeNumbers, b: DRMNodeNumbers) -> Bool {
        a.primary?.major == b.primary?.major && a.primary?.minor == b.primary?.minor
            && a.render?.major == b.render?.major && a.render?.minor == b.render?.minor
    }

    enum CodingKeys: String, CodingKey { case primaryMajor, primaryMinor, renderMajor, renderMinor }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let pm = try c.decodeIfPresent(UInt32.self, forKey: .primaryMajor),
            pn = try c.decodeIfPresent(UInt32.self, forKey: .primaryMinor)
        let rm = try c.decodeIfPresent(UInt32.self, forKey: .renderMajor),
            rn = try c.decodeIfPresent(UInt32.self, forKey: .renderMinor)
        primary = pm.flatMap { m in pn.map { (m, $0) } }
        render = rm.flatMap { m in rn.map { (m, $0) } }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(primary?.major, forKey: .primaryMajor)
        try c.encodeIfPresent(primary?.minor, forKey: .primaryMinor)
        try c.encodeIfPresent(render?.major, forKey: .renderMajor)
        try c.encodeIfPresent(render?.minor, forKey: .renderMinor)
    }
}
