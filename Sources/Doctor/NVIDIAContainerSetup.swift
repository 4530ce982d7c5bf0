import Engine
import FoundationEssentials
import Glibc

/// What an NVIDIA GPU needs in a container, as found: the device nodes the toolkit (or CDI)
/// passed in, the driver libraries it mounted, and whether a Vulkan manifest names the driver.
/// Read from a root folder, so tests describe whole machines as fabricated trees.
struct NVIDIAContainerSetup {
    enum Access: Equatable { case readWrite, readOnly, unusable }

    var environment: [String: String]
    /// `/dev` entries whose names start with "nvidia", and how they open.
    var nodes: [String: Access]
    /// File names of NVIDIA's libraries found in the library folders.
    var libraries: [String]
    var manifestDecision: NVIDIADriverFallback.Decision
    /// The manifest this process supplied, if it did.
    var supplied: NVIDIADriverFallback.Applied?

    /// What NVIDIA's Vulkan driver compiles shaders with, a library of its own.
    static let shaderCompiler = "libnvidia-glvkspirv.so"
    static let libraryFolders = [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
        "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/lib64",
    ]

    /// Reads the setup from `root` ("" for this machine): `/dev` there, the library folders
    /// there, and the manifests the loader would read there.
    static func read(root: String, deviceDirectory: String, environment: [String: String]) -> NVIDIAContainerSetup {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: deviceDirectory))?.filter { $0.hasPrefix("nvidia") }
            ?? []
        var nodes: [String: Access] = [:]
        for name in names {
            let path = deviceDirectory + "/" + name
            nodes[name] = .unusable
            for (flags, access) in [(O_RDWR, Access.readWrite), (O_RDONLY, .readOnly)] {
                let descriptor = open(path, flags | O_NONBLOCK | O_CLOEXEC)
                if descriptor >= 0 {
                    close(descriptor)
                    nodes[name] = access
                    break
                }
            }
        }
        var libraries: [String] = []
        for folder in libraryFolders {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root + folder)) ?? []
            libraries += entries.filter {
                NVIDIADriverFallback.isDriver(libraryName: $0) || $0.hasPrefix(Self.shaderCompiler)
            }
        }
        let found = Array(Set(libraries)).sorted()
        let manifests = DriverManifests(environment: environment, root: root)
        // On this machine the driver must load; in a fabricated tree its file stands for it.
        let decision =
            root.isEmpty
            ? NVIDIADriverFallback.decide(manifests: manifests, loads: { NVIDIADriverFallback.loads($0) })
            : NVIDIADriverFallback.decide(manifests: manifests, loads: { found.contains($0) })
        return NVIDIAContainerSetup(
            environment: environment, nodes: nodes, libraries: found, manifestDecision: decision,
            supplied: NVIDIADriverFallback.applied)
    }

    var gpuNodes: [String] {
        nodes.keys.filter { $0.count > 6 && $0.dropFirst(6).allSatisfy(\.isASCIIDigit) }.sorted()
    }
    var visibleDevices: String? { environment["NVIDIA_VISIBLE_DEVICES"] }
    /// CDI specs made by `nvidia-ctk cdi generate` set NVIDIA_VISIBLE_DEVICES=void, so that the
    /// toolkit's older hook stays out of the way.
    var throughCDI: Bool { visibleDevices == "void" }
    var hasDriver: Bool { libraries.contains(where: NVIDIADriverFallback.isDriver(libraryName:)) }

    /// Whether this looks like a container meant to use an NVIDIA GPU at all.
    var concernsNVIDIA: Bool { visibleDevices != nil || !nodes.isEmpty || hasDriver || supplied != nil }

    func findings() -> [Finding] {
        guard concernsNVIDIA else { return [] }
        var findings: [Finding] = []
        let requestFix =
            """
            start the container with --gpus all (NVIDIA container toolkit) or --device nvidia.com/gpu=all (CDI: \
            Docker 25+, Podman); in compose: deploy.resources.reservations.devices with driver: nvidia, or \
            driver: cdi with device_ids: [nvidia.com/gpu=all]
            """
        if throughCDI {
            findings.append(
                gpuNodes.isEmpty
                    ? Finding(
                        "nvidia-cdi", .error,
                        """
                        NVIDIA_VISIBLE_DEVICES=void (the CDI way) but no /dev/nvidia<N> node: no nvidia.com/gpu \
                        device was requested
                        """,
                        fix: requestFix)
                    : Finding(
                        "nvidia-cdi", .ok,
                        "the GPUs came in through CDI: \(gpuNodes.map { "/dev/" + $0 }.joined(separator: ", "))"))
        } else if let visible = visibleDevices, visible != "none", gpuNodes.isEmpty {
            findings.append(
                Finding(
                    "nvidia", .error, "NVIDIA_VISIBLE_DEVICES=\(visible) but no /dev/nvidia<N> node is present",
                    fix: requestFix))
        }
        findings += nodeFindings()
        findings += libraryFindings()
        findings += manifestFindings()
        return findings
    }

    func nodeFindings() -> [Finding] {
        guard !gpuNodes.isEmpty else { return [] }
        var findings: [Finding] = []
        if nodes["nvidiactl"] == nil {
            findings.append(
                Finding(
                    "nvidia-nodes", .error, "/dev/nvidiactl is missing: NVIDIA's driver opens it before any GPU",
                    fix: "pass the GPU the toolkit's way (--gpus all, or CDI) rather than --device /dev/nvidia0 alone"))
        }
        for (name, access) in nodes.sorted(by: { $0.key < $1.key }) where access == .unusable {
            findings.append(
                Finding(
                    "nvidia-nodes", .error, "/dev/\(name) is present but cannot be opened",
                    fix:
                        """
                        the container's device rules must allow it (--gpus all or CDI do; a hand-written --device \
                        needs rw)
                        """
                ))
        }
        if nodes["nvidia-uvm"] == nil {
            findings.append(
                Finding("nvidia-nodes", .info, "/dev/nvidia-uvm is missing: CUDA needs it, Vulkan compute does not"))
        }
        // X11 presentation goes through the modeset node; compute never touches it.
        if let display = environment["DISPLAY"], !display.isEmpty, nodes["nvidia-modeset"] != .readWrite {
            let state = nodes["nvidia-modeset"] == nil ? "is missing" : "is not writable"
            findings.append(
                Finding(
                    "nvidia-nodes", .warning,
                    """
                    /dev/nvidia-modeset \(state): windows on an NVIDIA GPU need it read-write (headless runs and \
                    --png work)
                    """,
                    fix:
                        "add 'display' to NVIDIA_DRIVER_CAPABILITIES, or pass --device /dev/nvidia-modeset (read-write)"
                ))
        }
        if findings.allSatisfy({ $0.status != .error }) {
            findings.insert(
                Finding(
                    "nvidia-nodes", .ok,
                    "NVIDIA device nodes: \(nodes.keys.sorted().map { "/dev/" + $0 }.joined(separator: ", "))"), at: 0)
        }
        return findings
    }

    func libraryFindings() -> [Finding] {
        guard !gpuNodes.isEmpty || hasDriver else { return [] }
        guard hasDriver else {
            return [
                Finding(
                    "nvidia-driver", .error,
                    "NVIDIA's Vulkan driver (libGLX_nvidia.so.0) is not mounted into this container",
                    fix:
                        """
                        NVIDIA_DRIVER_CAPABILITIES must include graphics (graphics,compute,utility,display), and \
                        the GPU must be requested through the toolkit or CDI
                        """
                )
            ]
        }
        guard libraries.contains(where: { $0.hasPrefix(Self.shaderCompiler) }) else {
            return [
                Finding(
                    "nvidia-driver", .error,
                    """
                    libnvidia-glvkspirv.so is not mounted: NVIDIA's Vulkan driver needs it to compile every \
                    shader, and some toolkit versions leave it out
                    """,
                    fix:
                        """
                        upgrade nvidia-container-toolkit, or mount the host's \
                        /usr/lib/x86_64-linux-gnu/libnvidia-glvkspirv.so.<driver version> at the same path
                        """
                )
            ]
        }
        return [Finding("nvidia-driver", .ok, "NVIDIA's driver libraries: \(libraries.joined(separator: ", "))")]
    }

    func manifestFindings() -> [Finding] {
        let othersFix =
            """
            nothing for CapitalEngine; for other Vulkan programs here, a manifest naming libGLX_nvidia.so.0 in \
            /usr/share/vulkan/icd.d/nvidia_icd.json, or a toolkit that mounts it
            """
        switch manifestDecision {
        case .present(let manifest) where manifest == supplied?.manifest:
            return [
                Finding(
                    "nvidia-manifest", .warning,
                    """
                    no Vulkan manifest names NVIDIA's driver (the container toolkit mounted none); CapitalEngine \
                    supplied \(manifest) for \(supplied!.library)
                    """,
                    fix: othersFix)
            ]
        case .present(let manifest):
            return [Finding("nvidia-manifest", .ok, "\(manifest) names NVIDIA's driver")]
        case .supply(let library):
            return [
                Finding(
                    "nvidia-manifest", .warning,
                    """
                    no Vulkan manifest names NVIDIA's driver (the container toolkit mounted none); CapitalEngine \
                    supplies one for \(library) when it starts
                    """,
                    fix: othersFix)
            ]
        case .chosenByUser(let variable) where hasDriver:
            return [
                Finding(
                    "nvidia-manifest", .warning,
                    """
                    \(variable) replaces the driver search and names no manifest of NVIDIA's driver: the NVIDIA \
                    GPU is not used
                    """,
                    fix: "unset \(variable), or add NVIDIA's manifest to it")
            ]
        case .chosenByUser, .noDriver:
            return []
        }
    }
}
