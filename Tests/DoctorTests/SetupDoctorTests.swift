import Doctor
import Engine
import Foundation
import TestSupport
import Testing

@Suite("doctor", .serialized)
struct SetupDoctorTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("doctor")
    var directory: URL { scratch.url }

    var baseEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "DISPLAY", "XAUTHORITY", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES", "VK_ICD_FILENAMES",
            "VK_DRIVER_FILES", "CAPITALENGINE_DEVICE", "WAYLAND_DISPLAY",
        ] {
            environment[key] = nil
        }
        return environment
    }

    func diagnose(_ changes: [String: String] = [:], devices: String? = nil, verify: Bool = false) -> Diagnosis {
        SetupDoctor(
            environment: baseEnvironment.merging(changes) { $1 }, deviceDirectory: devices ?? directory.path,
            verify: verify
        ).diagnose()
    }

    func findings(_ diagnosis: Diagnosis, _ check: String) -> [Finding] {
        diagnosis.findings.filter { $0.check == check }
    }

    @Test func thisMachineWorksOnLavapipe() {
        let diagnosis = diagnose(verify: true)
        #expect(diagnosis.works, "\(diagnosis.findings)")
        #expect(findings(diagnosis, "icd").contains { $0.status == .ok && $0.detail.contains("lvp_icd") })
        #expect(findings(diagnosis, "drm").contains { $0.detail.hasPrefix("no DRM devices") })
        #expect(
            findings(diagnosis, "device").contains {
                $0.status == .ok && $0.detail.contains("matches the CPU reference")
            })
        #expect(
            findings(diagnosis, "display") == [
                Finding("display", .info, "DISPLAY is not set: runs are headless (use --png or --frames to see them)")
            ])
    }

    /// The Wayland socket: not asked for, no runtime directory, missing, and there but with no
    /// compositor behind it, each with what to do. (WaylandTests sees one that answers.)
    @Test func theWaylandSocketIsChecked() throws {
        #expect(
            findings(diagnose(), "wayland") == [
                Finding("wayland", .info, "WAYLAND_DISPLAY is not set: no Wayland window (X11 or headless)")
            ])
        let noRuntime = findings(diagnose(["WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": ""]), "wayland")
        #expect(
            noRuntime.first?.status == .error && noRuntime.first?.detail.contains("XDG_RUNTIME_DIR is not set") == true)
        let missing = findings(
            diagnose(["WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": directory.path]), "wayland")
        #expect(
            missing.first?.detail
                == "WAYLAND_DISPLAY=wayland-9 but the socket \(directory.path)/wayland-9 does not exist")
        #expect(missing.first?.fix?.contains("XDG_RUNTIME_DIR=/run/wayland") == true, "\(missing)")
        // A socket no compositor listens on any more.
        let path = directory.appendingPathComponent("wayland-dead").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(fd)
        #expect(bound == 0)
        let dead = findings(diagnose(["WAYLAND_DISPLAY": path]), "wayland")
        #expect(dead.first?.detail == "the Wayland socket \(path) refuses the connection", "\(dead)")
        #expect(
            findings(diagnose(["WAYLAND_DISPLAY": path]), "display").first?.detail.contains("opens on Wayland") == true)
    }

    /// Where tune will keep its results, and whether they last: a cache that cannot be written
    /// and one on a tmpfs (a container's /tmp) are warned of, with the fix.
    @Test func theTuningCacheIsCheckedForWritingAndPermanence() throws {
        let fine = directory.appendingPathComponent("tuning.json")
        #expect(
            findings(diagnose(["CAPITALENGINE_TUNE_CACHE": fine.path]), "tuning")
                == [Finding("tuning", .ok, "tuning cache \(fine.path) (none yet; tune makes it)")])
        let unwritable = findings(diagnose(["CAPITALENGINE_TUNE_CACHE": "/proc/tuning.json"]), "tuning")
        #expect(unwritable.first?.status == .warning)
        #expect(unwritable.first?.detail.contains("/proc/tuning.json: cannot be written") == true, "\(unwritable)")
        #expect(unwritable.first?.fix?.contains("CAPITALENGINE_TUNE_CACHE") == true)
        let doctor = SetupDoctor(environment: baseEnvironment)
        #expect(doctor.fileSystemType(of: "/proc/self") == "proc")
        // /dev/shm is a tmpfs on Linux machines and in Docker containers alike.
        if doctor.fileSystemType(of: "/dev/shm") == "tmpfs" {
            let volatile = findings(
                diagnose(["CAPITALENGINE_TUNE_CACHE": "/dev/shm/capitalengine-\(UUID().uuidString).json"]), "tuning")
            #expect(volatile.first?.status == .warning)
            #expect(volatile.first?.detail.contains("is on a tmpfs") == true, "\(volatile)")
        }
    }

    /// Whether runs on the chosen device use tuned kernels, and for which sizes.
    @Test func whatIsTunedForTheChosenDeviceIsSaid() throws {
        let cache = directory.appendingPathComponent("tuned-\(UUID().uuidString).json")
        let untuned = findings(diagnose(["CAPITALENGINE_TUNE_CACHE": cache.path]), "tuned")
        #expect(untuned.count == 1 && untuned.first?.status == .info, "\(untuned)")
        #expect(untuned.first?.detail.contains("no kernel is tuned for [0] llvmpipe") == true, "\(untuned)")
        let device = try #require(try Instance().physicalDevices().first?.description)
        var store = TuningCache(url: cache)
        try store.store(
            grayScottKernel: GrayScottKernel(rows: 64, columns: 4), rate: 1,
            for: TuningCache.Key(device: device, grayScottCells: 512 * 512),
            device: device.name)
        // Another device's entry is not this one's.
        var other = device
        other.uuid = "00000000-0000-0000-0000-0000000000aa"
        try store.store(
            .streaming(workgroup: 64, bodies: 1), rate: 1, for: TuningCache.Key(device: other, particleCount: 4096),
            device: other.name)
        let tuned = findings(diagnose(["CAPITALENGINE_TUNE_CACHE": cache.path]), "tuned")
        #expect(
            tuned == [
                Finding(
                    "tuned", .ok,
                    "tuned for [0] \(device.name), which runs and benchmarks use: gray-scott cells>=262144")
            ], "\(tuned)")
    }

    @Test func aMissingDriverManifestIsAnError() {
        let diagnosis = diagnose(["VK_ICD_FILENAMES": "/nonexistent/icd.json"])
        #expect(!diagnosis.works)
        #expect(
            findings(diagnosis, "icd").first?.detail.contains(
                "/nonexistent/icd.json (from VK_ICD_FILENAMES) does not exist") == true)
    }

    @Test func aManifestWhoseLibraryWillNotLoad() throws {
        let manifest = directory.appendingPathComponent("broken_icd.json")
        try Data(
            (#"{"file_format_version": "1.0.0", "ICD": "#
                + #"{"library_path": "/nonexistent/libvulkan_broken.so", "api_version": "1.3.0"}}"#)
                .utf8
        )
        .write(to: manifest)
        let diagnosis = diagnose(["VK_DRIVER_FILES": manifest.path])
        let icd = findings(diagnosis, "icd")
        #expect(icd.count == 1)
        #expect(icd[0].status == .error && icd[0].detail.contains("cannot be loaded"))
    }

    @Test func nvidiaCapabilitiesWithoutGraphicsGiveNoVulkan() throws {
        #expect(
            FileManager.default.createFile(atPath: directory.appendingPathComponent("nvidia0").path, contents: Data()))
        let defaults = diagnose(["NVIDIA_VISIBLE_DEVICES": "all"])
        #expect(findings(defaults, "nvidia").first?.status == .error)
        #expect(findings(defaults, "nvidia").first?.detail.contains("lacks 'graphics'") == true)
        let noDisplay = diagnose([
            "NVIDIA_VISIBLE_DEVICES": "all", "NVIDIA_DRIVER_CAPABILITIES": "graphics,compute,utility",
        ])
        #expect(findings(noDisplay, "nvidia").map(\.status) == [.warning])
        let all = diagnose(["NVIDIA_VISIBLE_DEVICES": "all", "NVIDIA_DRIVER_CAPABILITIES": "all"])
        #expect(findings(all, "nvidia").map(\.status) == [.ok])
    }

    @Test func nvidiaDevicesRequestedButNotPassedIn() {
        let diagnosis = diagnose(["NVIDIA_VISIBLE_DEVICES": "all", "NVIDIA_DRIVER_CAPABILITIES": "all"])
        #expect(
            findings(diagnosis, "nvidia").contains { $0.status == .error && $0.fix?.contains("--gpus all") == true })
    }

    /// A device selection every run would fail on is an error, not "the setup works".
    @Test func theDeviceSelectionRunsWillUseIsChecked() {
        let automatic = findings(diagnose(), "selection")
        #expect(
            automatic.map(\.status) == [.ok] && automatic.first?.detail.contains("(the automatic choice)") == true,
            "\(automatic)")
        for junk in ["junk", "7", "discrete", ""] where !junk.isEmpty {
            let diagnosis = diagnose(["CAPITALENGINE_DEVICE": junk])
            let selection = findings(diagnosis, "selection")
            #expect(!diagnosis.works, "\(junk)")
            #expect(
                selection.first?.status == .error
                    && selection.first?.detail.contains("CAPITALENGINE_DEVICE=\(junk)") == true, "\(selection)")
            #expect(selection.first?.fix?.contains("CapitalEngine devices") == true)
        }
        let lavapipe = findings(diagnose(["CAPITALENGINE_DEVICE": "lavapipe"]), "selection")
        #expect(lavapipe.first?.status == .ok && lavapipe.first?.detail.contains("llvmpipe") == true, "\(lavapipe)")
    }

    @Test func displayProblemsAreNamed() throws {
        let missing = diagnose(["DISPLAY": ":987"])
        #expect(
            findings(missing, "display").first?.detail
                == "DISPLAY=:987 but the socket /tmp/.X11-unix/X987 does not exist")
        let cookieDirectory = directory.appendingPathComponent("xauth")
        try FileManager.default.createDirectory(at: cookieDirectory, withIntermediateDirectories: true)
        let directoryCookie = diagnose(["DISPLAY": ":987", "XAUTHORITY": cookieDirectory.path])
        #expect(findings(directoryCookie, "display").contains { $0.detail.contains("is a directory") })
        #expect(!directoryCookie.works)
    }
}

/// `doctor`'s report: a line a finding with the fix under those not fine, the verdict last,
/// and its JSON with the verdict.
@Test func theDiagnosisReportsAsTextAndJSON() throws {
    let diagnosis = Diagnosis(findings: [
        Finding("loader", .ok, "libvulkan.so.1 loads", fix: "nothing"),
        Finding("/dev/dri", .error, "no render node", fix: "pass --device /dev/dri"),
    ])
    #expect(
        diagnosis.lines == [
            "ok      loader: libvulkan.so.1 loads", "ERROR   /dev/dri: no render node",
            "        fix: pass --device /dev/dri", "\nThe setup has problems; see ERROR lines above.",
        ])
    let json = String(decoding: try JSONEncoder().encode(diagnosis), as: UTF8.self)
    #expect(json.contains(#""works":false"#), "\(json)")
    #expect(try JSONDecoder().decode(Diagnosis.self, from: Data(json.utf8)) == diagnosis)
    #expect(Diagnosis(findings: [Finding("loader", .ok, "fine")]).lines.last == "\nThe setup works.")
}
