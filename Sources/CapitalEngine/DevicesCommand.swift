import ArgumentParser
import Engine
import FoundationEssentials
import Glibc

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the Vulkan devices found and the one that would be selected.",
        discussion: "The selected device is marked with '*'; --device and CAPITALENGINE_DEVICE change the choice.")

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try withEngine(deviceOptions) { log in
            let instance = try Instance(options: instanceOptions(validation: log != nil), validationLog: log)
            let drmDevices = DRMDevices.enumerate()
            let descriptions = try instance.physicalDevices(drmDevices: drmDevices).map(\.description)
            let notes = driverNotes(instance)
            printDriverNotes(notes)
            let drmMatch = DRMNodeMatcher.match(vulkan: descriptions, drm: drmDevices)
            let selector = try deviceOptions.selector
            var selected: PhysicalDeviceDescription?
            var selectionError: Error?
            do {
                selected = try PhysicalDeviceSelector(selector: selector).select(from: descriptions)
            } catch {
                selectionError = error
            }
            if json {
                let report = DevicesReport(
                    loaderVersion: Instance.loaderVersion().description, selector: selector.description,
                    selectedIndex: selected?.index,
                    selectionError: selectionError.map { "\($0)" },
                    devices: zip(descriptions, drmMatch.matches).map {
                        DeviceReport(description: $0, node: $1.description)
                    },
                    drmDevices: drmDevices, drmDevicesWithoutVulkan: drmMatch.unclaimed,
                    driverNotes: notes)
                try printJSON(report)
            } else {
                printTable(
                    descriptions, selected: selected, loader: Instance.loaderVersion(), drm: drmDevices, match: drmMatch
                )
            }
            if let selectionError { throw selectionError }
        }
    }

    private func printTable(
        _ devices: [PhysicalDeviceDescription], selected: PhysicalDeviceDescription?, loader: APIVersion,
        drm: [DRMDeviceDescription], match: DRMNodeMatcher.Result
    ) {
        print("Vulkan loader \(loader); \(devices.count) device(s)\n")
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
        print("")
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
            print("\nSelected: [\(selected.index)] \(selected.name)")
        }
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
        ? "\(count) B" : (value == value.rounded() ? "\(Int(value)) \(units[unit])" : "\(fixed(value)) \(units[unit])")
}

struct DevicesReport: Encodable {
    var loaderVersion: String
    var selector: String
    var selectedIndex: Int?
    var selectionError: String?
    var devices: [DeviceReport]
    var drmDevices: [DRMDeviceDescription]
    var drmDevicesWithoutVulkan: [DRMDeviceDescription]
    /// A manifest supplied for NVIDIA's driver, devices the loader listed more than once.
    var driverNotes: [String]
}

/// A device description plus the derived words a script would otherwise recompute.
struct DeviceReport: Encodable {
    var description: PhysicalDeviceDescription
    /// The DRM node match in words ("/dev/dri/renderD128", "none (CPU device)", ...).
    var node: String

    enum ExtraKeys: String, CodingKey {
        case vendor, driverVersionText, deviceLocalMemory, supportsComputeTimestamps, drmNode, largestParticleCount
    }

    func encode(to encoder: any Encoder) throws {
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
