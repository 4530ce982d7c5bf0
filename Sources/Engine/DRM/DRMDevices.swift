import CDRM
import FoundationEssentials
import Glibc

/// The DRM devices this process can see, read with libdrm's `drmGetDevices2`.
public enum DRMDevices {
    /// Every DRM device with a primary or render node; empty where there is no `/dev/dri`
    /// (CPU-only machines, containers started without it).
    public static func enumerate() -> [DRMDeviceDescription] {
        let count = drmGetDevices2(0, nil, 0)
        guard count > 0 else { return [] }
        var devices = [drmDevicePtr?](repeating: nil, count: Int(count))
        let found = drmGetDevices2(0, &devices, count)
        guard found > 0 else { return [] }
        defer { drmFreeDevices(&devices, found) }
        return devices.prefix(Int(found)).compactMap { pointer -> DRMDeviceDescription? in
            guard let device = pointer?.pointee else { return nil }
            func node(_ type: Int32) -> DRMNode? {
                guard device.available_nodes & (1 << type) != 0, let path = device.nodes[Int(type)] else { return nil }
                return describeNode(String(cString: path))
            }
            let bus: DRMDeviceDescription.Bus
            switch device.bustype {
            case DRM_BUS_PCI:
                let info = device.deviceinfo.pci.pointee
                bus = .pci(vendorID: info.vendor_id, deviceID: info.device_id)
            case DRM_BUS_PLATFORM:
                var names: [String] = []
                if let compatible = device.deviceinfo.platform.pointee.compatible {
                    var index = 0
                    while let name = compatible[index] {
                        names.append(String(cString: name))
                        index += 1
                    }
                }
                bus = .platform(compatible: names)
            case DRM_BUS_USB: bus = .usb
            case DRM_BUS_HOST1X: bus = .host1x
            default: bus = .unknown
            }
            return DRMDeviceDescription(primary: node(DRM_NODE_PRIMARY), render: node(DRM_NODE_RENDER), bus: bus)
        }
    }

    /// Stat and access information of one node file.
    static func describeNode(_ path: String) -> DRMNode? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let groupName = getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) }
        // glibc's major()/minor() are macros, which do not import.
        let device = UInt64(info.st_rdev)
        let major = ((device >> 8) & 0xFFF) | ((device >> 32) & ~UInt64(0xFFF))
        let minor = (device & 0xFF) | ((device >> 12) & ~UInt64(0xFF))
        return DRMNode(
            path: path, major: UInt32(truncatingIfNeeded: major), minor: UInt32(truncatingIfNeeded: minor),
            accessible: access(path, R_OK | W_OK) == 0, groupID: info.st_gid, groupName: groupName)
    }
}
