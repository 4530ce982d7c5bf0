/// The loader lists a device once for every manifest naming its driver (by design:
/// KhronosGroup/Vulkan-Loader #493), as when an image ships NVIDIA's manifest and the container
/// toolkit mounts another. One GPU must not count as two: devices with the same UUID and the
/// same driver are one.
public enum DuplicateDevices {
    public struct Repeated: Sendable, Equatable {
        public var name: String
        /// How many times the loader listed it.
        public var times: Int
    }

    /// The loader positions of the devices to keep (each first listing), and those repeated.
    public static func unique(_ devices: [PhysicalDeviceDescription]) -> (kept: [Int], repeated: [Repeated]) {
        var firstOfKey: [String: Int] = [:], kept: [Int] = [], times: [Int: Int] = [:]
        for (position, device) in devices.enumerated() {
            // A UUID of zeros is a driver saying nothing: such devices cannot be told apart.
            guard device.uuid.contains(where: { $0 != "0" && $0 != "-" }) else {
                kept.append(position)
                continue
            }
            let key = device.uuid + "\u{0}" + device.name + "\u{0}" + device.driverIdentity
            if let first = firstOfKey[key] {
                times[first, default: 1] += 1
            } else {
                firstOfKey[key] = position
                kept.append(position)
            }
        }
        let repeated = kept.compactMap { position in
            times[position].map { Repeated(name: devices[position].name, times: $0) }
        }
        return (kept, repeated)
    }

    /// What to tell the user: which device was listed more than once, and which manifests name
    /// one driver.
    public static func note(_ repeated: [Repeated], manifests: DriverManifests) -> String? {
        guard !repeated.isEmpty else { return nil }
        let devices = repeated.map { "\($0.name) (listed \($0.times) times)" }.joined(separator: ", ")
        let shared = DriverManifests.sharedLibraries(manifests.manifests()).map {
            "\($0.library): \($0.manifests.joined(separator: ", "))"
        }
        return "the Vulkan loader listed \(devices): several driver manifests name one driver"
            + (shared.isEmpty ? "" : " (\(shared.joined(separator: "; ")))") + "; each device is shown and counted once"
    }
}
