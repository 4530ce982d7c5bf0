import Engine
import FoundationEssentials
import Glibc
import Present

/// Diagnoses what usually breaks GPU work natively and in containers, and says how to fix
/// each: the loader, the drivers' ICD manifests, `/dev/dri` nodes and their groups, NVIDIA's
/// container capabilities, the X display and the Wayland socket, and finally a GPU-vs-CPU check on every device.
public struct SetupDoctor {
    public var environment: [String: String]
    /// Where `/dev/dri` and NVIDIA device nodes are looked for; tests point it elsewhere.
    public var deviceDirectory: String
    public var verify: Bool
    /// The device tree's model file, which names a Raspberry Pi; tests point it elsewhere.
    public var deviceTreeModel: String
    /// Put before the library and manifest folders NVIDIA's driver is looked for in: "" here;
    /// tests give a fabricated tree.
    public var root: String

    public init(
        environment: [String: String], deviceDirectory: String = "/dev",
        verify: Bool = true, deviceTreeModel: String = "/proc/device-tree/model", root: String = ""
    ) {
        self.environment = environment
        self.deviceDirectory = deviceDirectory
        self.verify = verify
        self.deviceTreeModel = deviceTreeModel
        self.root = root
    }

    public func diagnose() -> Diagnosis {
        // As a run would: the manifest for NVIDIA's driver, if one is missing, is supplied
        // first, so that what is reported below is what runs meet.
        var doctor = self
        if root.isEmpty {
            NVIDIADriverFallback.applyOnce(environment: environment)
            if let applied = NVIDIADriverFallback.applied {
                doctor.environment["VK_ADD_DRIVER_FILES"] = NVIDIADriverFallback.driverFiles(
                    adding: applied.manifest, to: environment["VK_ADD_DRIVER_FILES"])
            }
        }
        return doctor.findings()
    }

    private func findings() -> Diagnosis {
        var findings: [Finding] = []
        findings.append(Finding("loader", .ok, "Vulkan loader (libvulkan) offers API \(Instance.loaderVersion())"))
        findings += ICDManifests(environment: environment, root: root).findings()
        let drm = DRMDevices.enumerate()
        findings += nvidiaFindings()
        findings += displayFindings()
        findings += waylandFindings()
        findings += validationLayerFindings()
        findings += tuningCacheFindings()
        findings += deviceFindings(drm: drm)
        return Diagnosis(findings: findings)
    }

    // MARK: NVIDIA

    func nvidiaFindings() -> [Finding] {
        let setup = NVIDIAContainerSetup.read(root: root, deviceDirectory: deviceDirectory, environment: environment)
        guard setup.concernsNVIDIA else { return [] }
        var findings = setup.findings()
        if let visible = setup.visibleDevices, visible != "void" {
            let capabilities = Set(
                (environment["NVIDIA_DRIVER_CAPABILITIES"] ?? "compute,utility").split(separator: ",").map {
                    $0.trimmed.lowercased()
                })
            let all = capabilities.contains("all")
            if !all && !capabilities.contains("graphics") {
                findings.append(
                    Finding(
                        "nvidia", .error,
                        """
                        NVIDIA_DRIVER_CAPABILITIES=\(capabilities.sorted().joined(separator: ",")) lacks \
                        'graphics': the toolkit mounts no Vulkan driver
                        """,
                        fix:
                            """
                            set NVIDIA_DRIVER_CAPABILITIES=graphics,compute,utility,display (compose: \
                            capabilities: [gpu, graphics, compute, utility, display])
                            """
                    ))
            } else if !all && !capabilities.contains("display") {
                findings.append(
                    Finding(
                        "nvidia", .warning,
                        "NVIDIA_DRIVER_CAPABILITIES lacks 'display': windows cannot be presented (headless runs work)",
                        fix: "add 'display' to NVIDIA_DRIVER_CAPABILITIES"))
            } else {
                findings.append(Finding("nvidia", .ok, "NVIDIA capabilities include graphics\(all ? " (all)" : "")"))
            }
        }
        return findings
    }

    // MARK: Wayland

    func waylandFindings() -> [Finding] {
        guard let name = environment["WAYLAND_DISPLAY"], !name.isEmpty else {
            return [Finding("wayland", .info, "WAYLAND_DISPLAY is not set: no Wayland window (X11 or headless)")]
        }
        let socket = WaylandSocket(environment: environment)
        guard let path = socket.path else {
            return [
                Finding(
                    "wayland", .error, socket.problem ?? "no Wayland socket",
                    fix: "set XDG_RUNTIME_DIR to the directory holding the socket (in a container: where it is mounted)"
                )
            ]
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            return [
                Finding(
                    "wayland", .error, "WAYLAND_DISPLAY=\(name) but the socket \(path) does not exist",
                    fix:
                        """
                        start the compositor, or in a container mount the socket: \
                        -v $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY:/run/wayland/wayland-0:ro with \
                        XDG_RUNTIME_DIR=/run/wayland and WAYLAND_DISPLAY=wayland-0
                        """)
            ]
        }
        guard access(path, R_OK | W_OK) == 0 else {
            return [
                Finding(
                    "wayland", .error,
                    "the Wayland socket \(path) belongs to user \(status.st_uid); this is user \(getuid())",
                    fix: "run as the socket's owner (in a container: --user \(status.st_uid))")
            ]
        }
        guard WaylandWindow.canConnect(to: path) else {
            return [
                Finding(
                    "wayland", .error, "the Wayland socket \(path) refuses the connection",
                    fix: "check that the compositor runs; or use --window-system x11 or --headless")
            ]
        }
        let compositor = socket.compositor().map { " (\($0.name), process \($0.pid))" } ?? ""
        return [Finding("wayland", .ok, "Wayland compositor at \(path) accepts connections\(compositor)")]
    }

    // MARK: Display

    func displayFindings() -> [Finding] {
        guard let display = environment["DISPLAY"], !display.isEmpty else {
            let wayland = !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
            return [
                Finding(
                    "display", .info,
                    wayland
                        ? "DISPLAY is not set: no X11 window (a window opens on Wayland)"
                        : "DISPLAY is not set: runs are headless (use --png or --frames to see them)")
            ]
        }
        var findings: [Finding] = []
        // ":N" or ":N.S" is a local socket; "host:N" goes over TCP.
        if display.hasPrefix(":"), let number = Int(display.dropFirst().split(separator: ".").first ?? "") {
            let socket = "/tmp/.X11-unix/X\(number)"
            if !FileManager.default.fileExists(atPath: socket) {
                findings.append(
                    Finding(
                        "display", .error, "DISPLAY=\(display) but the socket \(socket) does not exist",
                        fix: "start the X server, or in a container mount it: -v /tmp/.X11-unix:/tmp/.X11-unix:ro"))
            }
        }
        if let authority = environment["XAUTHORITY"], !authority.isEmpty {
            var isDirectory = false
            if !FileManager.default.fileExists(atPath: authority, isDirectory: &isDirectory) {
                findings.append(
                    Finding(
                        "display", .error, "XAUTHORITY=\(authority) does not exist",
                        fix:
                            """
                            create the cookie file before starting the container (Docker makes a directory in its \
                            place otherwise)
                            """
                    ))
            } else if isDirectory {
                findings.append(
                    Finding(
                        "display", .error, "XAUTHORITY=\(authority) is a directory, not a cookie file",
                        fix:
                            """
                            remove it and mount the cookie file; Docker created the directory because the file \
                            was missing at start
                            """
                    ))
            } else if !FileManager.default.isReadableFile(atPath: authority) {
                findings.append(
                    Finding(
                        "display", .error, "XAUTHORITY=\(authority) is not readable by this user",
                        fix: "chmod 644 the cookie file (xauth creates it 0600)"))
            }
        }
        if findings.isEmpty {
            findings.append(
                X11Window.canConnect(to: display)
                    ? Finding("display", .ok, "X display \(display) accepts connections")
                    : Finding(
                        "display", .error, "X display \(display) refuses the connection",
                        fix:
                            """
                            check the server runs and that XAUTHORITY names a cookie it accepts (never xhost +); \
                            or use --headless
                            """
                    ))
        }
        return findings
    }

    // MARK: Validation layer

    func validationLayerFindings() -> [Finding] {
        let layers = (try? Instance.availableLayers()) ?? []
        return layers.contains(Instance.validationLayerName)
            ? [Finding("validation", .ok, "VK_LAYER_KHRONOS_validation is installed (--validate works)")]
            : [
                Finding(
                    "validation", .info, "VK_LAYER_KHRONOS_validation is not installed; --validate will fail",
                    fix: "apt-get install vulkan-validationlayers")
            ]
    }

    // MARK: Tuning cache

    /// Where `tune` keeps its results, and whether they will last: a cache that cannot be
    /// written fails `tune` at once, and one on a tmpfs (a container's /tmp) is gone when the
    /// container ends.
    func tuningCacheFindings() -> [Finding] {
        let url = TuningCache.defaultURL(environment: environment)
        let fix =
            """
            set CAPITALENGINE_TUNE_CACHE to a file on a persistent, writable volume (./run-docker.sh and the \
            compose file use out/tuning.json)
            """
        var directory = url.deletingLastPathComponent()
        // The cache's directory may not exist yet (tune makes it): judge the nearest that does.
        while !FileManager.default.fileExists(atPath: directory.path) && directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        let probe =
            FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path)
            ? url : directory.appendingPathComponent("tuning.json")
        if let problem = AtomicFile.writeProblem(at: probe) {
            return [
                Finding(
                    "tuning", .warning,
                    """
                    the tuning cache \(url.path): \(probe == url ? "" : "\(directory.path): ")\(problem); tune \
                    will refuse to start
                    """,
                    fix: fix)
            ]
        }
        if fileSystemType(of: directory.path) == "tmpfs" {
            return [
                Finding(
                    "tuning", .warning,
                    """
                    the tuning cache \(url.path) is on a tmpfs: what tune finds is lost at the next boot, or when \
                    this container ends
                    """,
                    fix: fix)
            ]
        }
        return [
            Finding(
                "tuning", .ok,
                "tuning cache \(url.path)"
                    + (FileManager.default.fileExists(atPath: url.path) ? "" : " (none yet; tune makes it)"))
        ]
    }

    /// The type of the file system holding `path`, from the longest mount point above it in
    /// /proc/self/mountinfo; nil where that cannot be read.
    public func fileSystemType(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        var best: (point: String, type: String)?
        for line in text.split(separator: "\n") {
            // "36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw": the mount point is
            // the fifth field, the type the first after " - "; spaces in paths are written \040.
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count >= 5, let type = halves[1].split(separator: " ").first else {
                continue
            }
            let point = String(fields[4]).replacing("\\040", with: " ")
            let inside = point == "/" || path == point || path.hasPrefix(point + "/")
            if inside && point.count >= (best?.point.count ?? -1) { best = (point, String(type)) }
        }
        return best?.type
    }

    // MARK: Devices

    func deviceFindings(drm: [DRMDeviceDescription]) -> [Finding] {
        var findings = drmNodeFindings(drm)
        let instance: Instance
        let devices: [PhysicalDevice]
        do {
            instance = try Instance()
            devices = try instance.physicalDevices(drmDevices: drm)
        } catch {
            return findings + [Finding("devices", .error, "\(error)")]
        }
        findings += RaspberryPiFindings(
            model: RaspberryPiFindings.readModel(at: deviceTreeModel),
            v3dvManifests: ICDManifests(environment: environment, root: root).manifests(
                namingLibrary: "vulkan_broadcom"),
            vulkanDevices: devices.map(\.description), drm: drm
        ).findings()
        guard !devices.isEmpty else {
            return findings + [Finding("devices", .error, EngineError.noDevices.description)]
        }
        let (finding, chosen) = selection(devices.map(\.description))
        findings.append(finding)
        if let chosen { findings.append(tunedFinding(chosen)) }
        let match = DRMNodeMatcher.match(vulkan: devices.map(\.description), drm: drm)
        for device in match.unclaimed {
            if let node = device.preferredNode, !node.accessible { continue }  // reported above
            if case .platform(let compatible) = device.bus,
                compatible.contains(where: { $0.contains("vc4") || $0.contains("vc5") || $0.contains("-hdmi") })
            {
                findings.append(
                    Finding(
                        "drm", .info, "\(device.summary) is a display controller; no Vulkan device is expected on it"))
            } else {
                findings.append(
                    Finding(
                        "drm", .warning, "\(device.summary) has no Vulkan driver in this image",
                        fix:
                            """
                            install the Mesa Vulkan driver for it (mesa-vulkan-drivers; for a Raspberry Pi 5, \
                            Mesa 23.3 or newer)
                            """
                    ))
            }
        }
        for (device, node) in zip(devices, match.matches) {
            if case .notVisible = node {
                findings.append(
                    Finding(
                        "drm", .warning,
                        "[\(device.description.index)] \(device.description.name) uses a DRM \(node.description)",
                        fix: "pass the whole /dev/dri into the container (--device /dev/dri)"))
            }
        }
        for device in devices {
            findings.append(
                verify
                    ? verifyFinding(device)
                    : Finding("device", .ok, "[\(device.description.index)] \(device.description.summary)"))
        }
        return findings
    }

    /// The device runs will use: CAPITALENGINE_DEVICE's choice, which must parse and match,
    /// else the automatic one; nil where every run fails, which the finding says.
    func selection(_ devices: [PhysicalDeviceDescription]) -> (Finding, chosen: PhysicalDeviceDescription?) {
        let text = environment["CAPITALENGINE_DEVICE"].flatMap { $0.isEmpty ? nil : $0 }
        let source = text.map { "CAPITALENGINE_DEVICE=\($0)" } ?? "the automatic choice"
        let fix =
            "unset CAPITALENGINE_DEVICE, or set it to an index, name, vendor or type that `CapitalEngine devices` lists"
        do {
            let selector = try text.map { try DeviceSelector(parsing: $0) } ?? .automatic
            let chosen = try PhysicalDeviceSelector(selector: selector).select(from: devices)
            return (Finding("selection", .ok, "runs use [\(chosen.index)] \(chosen.name) (\(source))"), chosen)
        } catch {
            return (
                Finding("selection", .error, "every run fails: \(source): \(error)", fix: text == nil ? nil : fix),
                nil
            )
        }
    }

    /// What the tuning cache holds for `chosen`, the device runs will use: whether they run
    /// tuned kernels or the defaults, which `tune` can better.
    func tunedFinding(_ chosen: PhysicalDeviceDescription) -> Finding {
        let cache = TuningCache(url: TuningCache.defaultURL(environment: environment))
        let classes = cache.tunedSizeClasses(for: chosen)
        guard !classes.isEmpty else {
            return Finding(
                "tuned", .info,
                """
                no kernel is tuned for [\(chosen.index)] \(chosen.name) yet, so runs use its defaults; `tune`, \
                `tune life` and `tune gray-scott` find the fastest verified ones (a minute each)
                """)
        }
        let sizes = classes.joined(separator: ", ")
        return Finding(
            "tuned", .ok, "tuned for [\(chosen.index)] \(chosen.name), which runs and benchmarks use: \(sizes)")
    }

    func drmNodeFindings(_ drm: [DRMDeviceDescription]) -> [Finding] {
        guard !drm.isEmpty else {
            return [
                Finding(
                    "drm", .info,
                    "no DRM devices: no /dev/dri nodes visible, so only CPU (lavapipe) and NVIDIA devices can appear",
                    fix: "for an AMD, Intel or Raspberry Pi GPU in a container: --device /dev/dri")
            ]
        }
        var findings: [Finding] = []
        for device in drm {
            for node in [device.render, device.primary].compactMap({ $0 }) where !node.accessible {
                findings.append(
                    Finding(
                        "drm", .error,
                        """
                        \(node.path) cannot be opened by this user (group \
                        \(node.groupID)\(node.groupName.map { " '\($0)'" } ?? ""))
                        """,
                        fix: node.accessFix))
            }
        }
        if findings.isEmpty {
            findings.append(
                Finding("drm", .ok, "\(drm.count) DRM device(s): " + drm.map(\.summary).joined(separator: "; ")))
        }
        return findings
    }

    /// A few steps on the device against the CPU reference: proof the driver computes.
    func verifyFinding(_ physical: PhysicalDevice) -> Finding {
        let name = "[\(physical.description.index)] \(physical.description.summary)"
        do {
            let device = try Device(physicalDevice: physical)
            let parameters = NBodyParameters()
            let state = InitialModel.plummer.generate(count: 257, seed: 1)
            let workload = try NBodyWorkload(device: device, state: state, parameters: parameters)
            try workload.advance(steps: 3)
            let error = StateComparison(
                try workload.download(), reference: NBodyReference.advance(state, parameters: parameters, steps: 3)
            ).worst
            return error <= 1e-4
                ? Finding("device", .ok, "\(name): N-body matches the CPU reference (error \(cFormat("%.1e", error)))")
                : Finding(
                    "device", .error,
                    "\(name): wrong results (error \(cFormat("%.1e", error)) against the CPU reference)",
                    fix: "update the driver; report the driver version with the output of `CapitalEngine verify`")
        } catch {
            return Finding("device", .error, "\(name): \(error)")
        }
    }
}
