import FoundationEssentials

/// What `devices` reports: the loader, every Vulkan device with its limits and DRM node, the
/// DRM nodes no Vulkan device uses, and the one a selector chooses; as a table for people
/// (``table``) or as JSON for scripts (its `Encodable` form).
public struct DeviceListing: Encodable {
    public var loaderVersion: String
    public var selector: String
    public var selectedIndex: Int?
    public var selectionError: String?
    public var devices: [DeviceEntry]
    public var drmDevices: [DRMDeviceDescription]
    public var drmDevicesWithoutVulkan: [DRMDeviceDescription]
    /// A manifest supplied for NVIDIA's driver, devices the loader listed more than once.
    public var driverNotes: [String]

    /// Why the selector chose no device, as thrown.
    public let selectionFailure: Error?
    private let loader: APIVersion
    private let match: DRMNodeMatcher.Result

    enum CodingKeys: String, CodingKey {
        case loaderVersion, selector, selectedIndex, selectionError, devices, drmDevices, drmDevicesWithoutVulkan
        case driverNotes
    }

    public init(
        loader: APIVersion, selector: DeviceSelector, selected: PhysicalDeviceDescription?, selectionError: Error?,
        devices: [PhysicalDeviceDescription], drm: [DRMDeviceDescription], driverNotes: [String]
    ) {
        self.loader = loader
        match = DRMNodeMatcher.match(vulkan: devices, drm: drm)
        loaderVersion = loader.description
        self.selector = selector.description
        selectedIndex = selected?.index
        self.selectionError = selectionError.map { "\($0)" }
        selectionFailure = selectionError
        self.devices = zip(devices, match.matches).map { DeviceEntry(description: $0, node: $1.description) }
        drmDevices = drm
        drmDevicesWithoutVulkan = match.unclaimed
        self.driverNotes = driverNotes
    }

    /// What `instance` finds: its devices with their DRM nodes, and the one `selector` picks
    /// (or why none).
    /// - Parameter driverNotes: what was done about the drivers, asked once the devices are
    ///   listed (duplicates are found listing them).
    public init(instance: Instance, selector: DeviceSelector, driverNotes: (Instance) -> [String]) throws {
        let drm = DRMDevices.enumerate()
        let devices = try instance.physicalDevices(drmDevices: drm).map(\.description)
        var selected: PhysicalDeviceDescription?
        var selectionError: Error?
        do {
            selected = try PhysicalDeviceSelector(selector: selector).select(from: devices)
        } catch {
            selectionError = error
        }
        self.init(
            loader: Instance.loaderVersion(), selector: selector, selected: selected, selectionError: selectionError,
            devices: devices, drm: drm, driverNotes: driverNotes(instance))
    }

    /// The devices as a table, then each one's limits, the DRM nodes and the selection.
    public var table: String {
        var lines: [String] = []
        func print(_ line: String = "") { lines.append(line) }
        let devices = self.devices.map(\.description)
        let selected = devices.first { $0.index == selectedIndex }
        let drm = drmDevices
        print("Vulkan loader \(loader); \(devices.count) device(s)")
        print()
        let rows =
            [["", "#", "Name", "Type", "Vendor", "Driver", "API", "Device memory", "DRM node"]]
            + zip(devices, match.matches).map { device, node in
                [
                    device.index == selected?.index ? "*" : "", "\(device.index)", device.name, device.type.rawValue,
                    device.vendor.name, device.driverText, device.apiVersion.description,
                    bytes(device.deviceLocalMemory),
                    node.description,
                ]
            }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            print(
                zip(row, widths).map { $0 + String(repeating: " ", count: max(0, $1 - $0.count)) }.joined(
                    separator: "  "))
        }
        for device in devices {
            let l = device.limits
            func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
            let queues = device.queueFamilies.filter(\.supportsCompute).map {
                "#\($0.index) (\($0.queueCount) queue(s), \($0.timestampValidBits)-bit timestamps"
                    + ($0.supportsGraphics ? ", graphics)" : ")")
            }
            let heaps = device.memoryHeaps.map { "\(bytes($0.size))\($0.deviceLocal ? " device-local" : "")" }
            let size = l.maxComputeWorkGroupSize.map(String.init).joined(separator: "x")
            let count = l.maxComputeWorkGroupCount.map(String.init).joined(separator: "x")
            let relative = l.subgroupShuffleInCompute ? ", relative: \(yesNo(l.subgroupShuffleRelativeInCompute))" : ""
            print(
                """

                [\(device.index)] \(device.name)
                    vendor \(device.vendor.name) (\(hex(device.vendorID))), device \(hex(device.deviceID)), \
                driver version \(device.driverVersionText), UUID \(device.uuid)
                    queue families with compute: \(queues.joined(separator: ", "))
                    memory heaps: \(heaps.joined(separator: ", "))
                    compute limits: \(l.maxComputeWorkGroupInvocations) invocations/workgroup, size \(size), \
                count \(count), \(bytes(UInt64(l.maxComputeSharedMemorySize))) shared memory
                    storage buffer range \(bytes(UInt64(l.maxStorageBufferRange))), subgroup size \(l.subgroupSize), \
                timestamp period \(l.timestampPeriod) ns, \
                compute-queue timestamps: \(yesNo(device.supportsComputeTimestamps)), \
                float64 in shaders: \(yesNo(device.supportsFloat64)), \
                subgroup shuffles in compute: \(yesNo(l.subgroupShuffleInCompute))\(relative), \
                float atomic adds: \(yesNo(device.supportsBufferFloatAtomicAdd)), \
                64-bit integer atomic adds: \(yesNo(device.supportsBufferInt64AtomicAdd))
                    largest N-body run: \(NBodyCapacity.largestParticleCount(on: device)) particles (default kernels)
                """)
        }
        print()
        if drm.isEmpty {
            print("DRM devices: none (no /dev/dri nodes visible to this process)")
        } else {
            print("DRM devices:")
            for device in drm {
                let access = [device.render, device.primary].compactMap { $0 }.filter { !$0.accessible }
                    .map { " — \($0.path) not accessible: \($0.accessFix)" }.joined()
                let unused = match.unclaimed.contains(device) ? " — no Vulkan device uses it" : ""
                print("  \(device.summary)\(unused)\(access)")
            }
        }
        if let selected {
            print()
            print("Selected: [\(selected.index)] \(selected.name)")
        }
        return lines.joined(separator: "\n")
    }
}

/// A device description plus the derived words a script would otherwise recompute.
public struct DeviceEntry: Encodable {
    public var description: PhysicalDeviceDescription
    /// The DRM node match in words ("/dev/dri/renderD128", "none (CPU device)", ...).
    public var node: String

    enum ExtraKeys: String, CodingKey {
        case vendor, driverVersionText, deviceLocalMemory, supportsComputeTimestamps, drmNode, largestParticleCount
    }

    public func encode(to encoder: any Encoder) throws {
        try description.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(description.vendor.name, forKey: .vendor)
        try container.encode(description.driverVersionText, forKey: .driverVersionText)
        try container.encode(description.deviceLocalMemory, forKey: .deviceLocalMemory)
        try container.encode(description.supportsComputeTimestamps, forKey: .supportsComputeTimestamps)
        try container.encode(node, forKey: .drmNode)
        try container.encode(NBodyCapacity.largestParticleCount(on: description), forKey: .largestParticleCount)
    }
}

private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }

/// Binary units: 1.5 GiB, 32 KiB.
func bytes(_ count: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count), unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0
        ? "\(count) B"
        : (value == value.rounded() ? "\(Int(value)) \(units[unit])" : "\(cFormat("%.1f", value)) \(units[unit])")
}
