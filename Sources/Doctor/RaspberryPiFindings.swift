import Engine
import FoundationEssentials

/// What a Raspberry Pi owner needs to hear: whether Mesa's V3DV driver runs the Pi's GPU, and
/// when it does not, which of the usual causes it is (V3DV not installed, the GPU's kernel
/// driver not enabled, a Mesa older than the Pi 5, the render node out of reach). Elsewhere,
/// an installed V3DV that lists nothing is expected and said so, not left to puzzle over.
struct RaspberryPiFindings {
    /// The device tree's model, e.g. "Raspberry Pi 5 Model B Rev 1.0"; nil off a device tree.
    var model: String?
    /// ICD manifests whose driver is V3DV (libvulkan_broadcom).
    var v3dvManifests: [String]
    var vulkanDevices: [PhysicalDeviceDescription]
    var drm: [DRMDeviceDescription]

    /// Mesa 23.3 is the first to drive the Pi 5's V3D 7.1.
    static let piFiveMesa = (major: 23, minor: 3)

    static func readModel(at path: String = "/proc/device-tree/model") -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
        let model = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        return model.isEmpty ? nil : model
    }

    var isRaspberryPi: Bool { model?.contains("Raspberry Pi") == true }
    var isPiFive: Bool { model?.contains("Raspberry Pi 5") == true || model?.contains("Compute Module 5") == true }

    /// The GPU's own DRM device (`brcm,2711-v3d`, `brcm,2712-v3d`), not the display controller.
    var v3dNode: DRMDeviceDescription? {
        drm.first { device in
            if case .platform(let compatible) = device.bus { return compatible.contains { $0.hasSuffix("-v3d") } }
            return false
        }
    }

    /// The Mesa version any Mesa device reports (all of Mesa's drivers come from one package).
    var mesaVersion: (major: Int, minor: Int, text: String)? {
        for device in vulkanDevices {
            guard let words = device.driver?.info.split(separator: " "), let mesa = words.firstIndex(of: "Mesa"),
                mesa + 1 < words.count
            else { continue }
            let text = words[mesa + 1].prefix { $0.isNumber || $0 == "." }
            let parts = text.split(separator: ".").compactMap { Int($0) }
            if parts.count >= 2 { return (parts[0], parts[1], String(text)) }
        }
        return nil
    }

    func findings() -> [Finding] {
        let v3dv = vulkanDevices.filter { $0.vendor == .broadcom }
        guard isRaspberryPi else {
            guard !v3dvManifests.isEmpty, v3dv.isEmpty else { return [] }
            return [
                Finding(
                    "raspberry-pi", .info,
                    """
                    V3DV, the Vulkan driver of the Raspberry Pi 4/5 GPU, is installed but this machine is not a \
                    Raspberry Pi: it lists no device here, as expected
                    """
                )
            ]
        }
        let model = model ?? "Raspberry Pi"
        if let gpu = v3dv.first {
            return [Finding("raspberry-pi", .ok, "\(model): V3DV drives its GPU, \(gpu.summary)")]
        }
        let cpuOnly = "until then only the CPU driver (lavapipe) runs, many times slower"
        guard !v3dvManifests.isEmpty else {
            return [
                Finding(
                    "raspberry-pi", .error, "\(model), but Mesa's V3DV driver is not installed; \(cpuOnly)",
                    fix: "sudo apt install mesa-vulkan-drivers (in a container image: the rpi image carries it)")
            ]
        }
        guard let node = v3dNode else {
            return [
                Finding(
                    "raspberry-pi", .error,
                    """
                    \(model), but there is no V3D GPU device in /dev/dri: its kernel driver (v3d) is not loaded, \
                    or /dev/dri was not passed into the container; \(cpuOnly)
                    """,
                    fix:
                        """
                        dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt (/boot/config.txt before bookworm), \
                        then reboot; in a container: --device /dev/dri
                        """
                )
            ]
        }
        if let render = node.render, !render.accessible {
            return [
                Finding(
                    "raspberry-pi", .error, "\(model): V3DV cannot open \(render.path); \(cpuOnly)",
                    fix: render.accessFix)
            ]
        }
        if isPiFive, let mesa = mesaVersion, (mesa.major, mesa.minor) < Self.piFiveMesa {
            return [
                Finding(
                    "raspberry-pi", .error,
                    """
                    \(model): Mesa \(mesa.text) predates the Pi 5's V3D 7.1 (Mesa 23.3 or newer drives it); \
                    \(cpuOnly)
                    """,
                    fix:
                        """
                        Raspberry Pi OS's own Mesa (sudo apt full-upgrade), or for the rpi image \
                        RPI_MESA_PACKAGES and RPI_APT_SOURCES naming a newer Mesa
                        """
                )
            ]
        }
        return [
            Finding(
                "raspberry-pi", .error, "\(model): V3DV lists no device although \(node.summary) is there; \(cpuOnly)",
                fix: "look for v3d errors in `dmesg`, and update Mesa (sudo apt full-upgrade)")
        ]
    }
}
