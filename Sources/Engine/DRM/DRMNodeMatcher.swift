/// What is known about the DRM node behind one Vulkan device.
public enum DRMNodeMatch: Sendable, Equatable {
    /// The device's node, found among the visible DRM devices.
    case node(DRMDeviceDescription)
    /// The driver reports node numbers, but no visible DRM device has them: the node was
    /// not passed into this container.
    case notVisible(DRMNodeNumbers)
    /// A CPU device (lavapipe): it has no DRM node at all.
    case cpuDevice
    /// The driver does not offer `VK_EXT_physical_device_drm` (NVIDIA's proprietary driver,
    /// older Mesa): the node cannot be told, and is not guessed.
    case notReported

    public var description: String {
        switch self {
        case .node(let drm): drm.preferredNode?.path ?? "?"
        case .notVisible(let numbers):
            "node \((numbers.render ?? numbers.primary).map { "\($0.major):\($0.minor)" } ?? "?") not visible here"
        case .cpuDevice: "none (CPU device)"
        case .notReported: "not reported by the driver"
        }
    }
}

/// Matches Vulkan devices to DRM devices by the major/minor numbers of their nodes.
///
/// Pure, so it is tested on fabricated machines: an AMD card beside an Intel iGPU, a
/// Raspberry Pi's v3d and vc4, an NVIDIA card, lavapipe.
public enum DRMNodeMatcher {
    public struct Result: Sendable, Equatable {
        /// One entry per Vulkan device, in the same order.
        public var matches: [DRMNodeMatch]
        /// DRM devices no Vulkan device uses: no Vulkan driver for that GPU in this image,
        /// or a node this process may not open. A display-only device (vc4) lands here too.
        public var unclaimed: [DRMDeviceDescription]
    }

    public static func match(vulkan: [PhysicalDeviceDescription], drm: [DRMDeviceDescription]) -> Result {
        var claimed = Set<Int>()
        let matches = vulkan.map { device -> DRMNodeMatch in
            guard let numbers = device.drm else { return device.type == .cpu ? .cpuDevice : .notReported }
            let index = drm.firstIndex { candidate in
                (numbers.render.map { r in candidate.render.map { $0.major == r.major && $0.minor == r.minor } ?? false
                } ?? false)
                    || (numbers.primary.map { p in
                        candidate.primary.map { $0.major == p.major && $0.minor == p.minor } ?? false
                    } ?? false)
            }
            guard let index else { return .notVisible(numbers) }
            claimed.insert(index)
            return .node(drm[index])
        }
        let unclaimed = drm.indices.filter { !claimed.contains($0) }.map { drm[$0] }
        return Result(matches: matches, unclaimed: unclaimed)
    }

    /// Copies each matched device's node paths into its description, so selection by node
    /// stays a pure function of descriptions.
    public static func annotate(
        _ vulkan: [PhysicalDeviceDescription], with result: Result
    ) -> [PhysicalDeviceDescription] {
        zip(vulkan, result.matches).map { device, match in
            var device = device
            if case .node(let drm) = match {
                device.renderNode = drm.render?.path
                device.primaryNode = drm.primary?.path
            }
            return device
        }
    }
}
