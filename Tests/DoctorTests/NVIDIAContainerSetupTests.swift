import Engine
import Foundation
import TestSupport
import Testing

@testable import Doctor

/// doctor in NVIDIA containers, on fabricated machines: a root folder holding the device
/// nodes, driver libraries and manifests a container toolkit would (or would not) have put
/// there, with empty files standing for them.
@Suite("doctor in NVIDIA containers", .serialized)
struct NVIDIAContainerSetupTests {
    /// A machine's files for the test, removed when it ends.
    let scratch = ScratchDirectory("nvidia-machine")
    var root: URL { scratch.url }

    static let libraryFolder = "/usr/lib/x86_64-linux-gnu"
    static let toolkitNodes = ["nvidia0", "nvidiactl", "nvidia-uvm", "nvidia-modeset"]
    static let toolkitLibraries = ["libGLX_nvidia.so.0", "libnvidia-glvkspirv.so.550.54.14"]
    static let manifest = "/usr/share/vulkan/icd.d/nvidia_icd.json"

    /// Lays out a machine: nodes in /dev, libraries, manifests (each naming libGLX_nvidia.so.0).
    func machine(
        nodes: [String] = toolkitNodes, libraries: [String] = toolkitLibraries, manifests: [String] = [manifest]
    ) throws {
        let fileManager = FileManager.default
        for folder in ["/dev", Self.libraryFolder] {
            try fileManager.createDirectory(atPath: root.path + folder, withIntermediateDirectories: true)
        }
        for node in nodes { #expect(fileManager.createFile(atPath: root.path + "/dev/" + node, contents: Data())) }
        for library in libraries {
            #expect(fileManager.createFile(atPath: root.path + Self.libraryFolder + "/" + library, contents: Data()))
        }
        for manifest in manifests {
            try fileManager.createDirectory(
                atPath: root.path + (manifest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(NVIDIADriverFallback.manifest(naming: "libGLX_nvidia.so.0").utf8).write(
                to: URL(fileURLWithPath: root.path + manifest))
        }
    }

    func environment(_ changes: [String: String]) -> [String: String] {
        var environment = [
            "HOME": "/root", "NVIDIA_VISIBLE_DEVICES": "all",
            "NVIDIA_DRIVER_CAPABILITIES": "graphics,compute,utility,display",
        ]
        environment.merge(changes) { $1 }
        return environment.filter { !$0.value.isEmpty }
    }

    func setup(_ changes: [String: String] = [:]) -> NVIDIAContainerSetup {
        NVIDIAContainerSetup.read(
            root: root.path, deviceDirectory: root.path + "/dev", environment: environment(changes))
    }

    func findings(_ check: String, _ changes: [String: String] = [:]) -> [Finding] {
        setup(changes).findings().filter { $0.check == check }
    }

    @Test func aWorkingToolkitSetupIsAllOK() throws {
        try machine()
        let found = setup()
        #expect(found.gpuNodes == ["nvidia0"])
        #expect(found.manifestDecision == .present(manifest: root.path + Self.manifest))
        #expect(found.findings().allSatisfy { $0.status == .ok || $0.status == .info }, "\(found.findings())")
        #expect(findings("nvidia-manifest").first?.detail == "\(root.path + Self.manifest) names NVIDIA's driver")
        #expect(findings("nvidia-driver").first?.detail.contains("libnvidia-glvkspirv.so.550.54.14") == true)
    }

    @Test func theMissingManifestIsSuppliedAndSaidSo() throws {
        try machine(manifests: [])
        #expect(setup().manifestDecision == .supply(library: "libGLX_nvidia.so.0"))
        let manifest = try #require(findings("nvidia-manifest").first)
        #expect(
            manifest.status == .warning && manifest.detail.contains("CapitalEngine supplies one for libGLX_nvidia.so.0")
        )
        #expect(manifest.fix?.contains("nvidia_icd.json") == true)
        // Supplied in this process: said as done, with the file.
        var supplied = setup()
        supplied.supplied = NVIDIADriverFallback.Applied(
            manifest: "/tmp/capitalengine-nvidia_icd-x.json", library: "libGLX_nvidia.so.0")
        supplied.manifestDecision = .present(manifest: "/tmp/capitalengine-nvidia_icd-x.json")
        #expect(
            supplied.manifestFindings().first?.detail.contains(
                "CapitalEngine supplied /tmp/capitalengine-nvidia_icd-x.json") == true)
        // No driver library at all: nothing to supply, and the missing driver is the error.
        try FileManager.default.removeItem(atPath: root.path + Self.libraryFolder + "/libGLX_nvidia.so.0")
        #expect(setup().manifestDecision == .noDriver)
        #expect(findings("nvidia-manifest").isEmpty)
    }

    @Test func twoManifestsOfOneDriverAreReportedWithTheFix() throws {
        try machine(manifests: [Self.manifest, "/etc/vulkan/icd.d/nvidia_icd.json"])
        let shared = DriverManifests.sharedLibraries(
            DriverManifests(environment: environment([:]), root: root.path).manifests())
        #expect(
            shared.count == 1 && shared.first?.library == "libGLX_nvidia.so.0" && shared.first?.manifests.count == 2)
        let diagnosis = SetupDoctor(
            environment: environment([:]), deviceDirectory: root.path + "/dev", verify: false, root: root.path
        ).diagnose()
        let duplicate = try #require(diagnosis.findings.first { $0.check == "icd" && $0.status == .warning })
        #expect(duplicate.detail.contains("2 manifests name one driver, libGLX_nvidia.so.0"))
        #expect(duplicate.fix?.contains("its own copy") == true)
    }

    @Test func missingDriverLibrariesAreNamed() throws {
        try machine(libraries: ["libGLX_nvidia.so.0"])
        let spirv = try #require(findings("nvidia-driver").first)
        #expect(spirv.status == .error && spirv.detail.contains("libnvidia-glvkspirv.so is not mounted"))
        #expect(spirv.fix?.contains("upgrade nvidia-container-toolkit") == true)
        try FileManager.default.removeItem(atPath: root.path + Self.libraryFolder + "/libGLX_nvidia.so.0")
        let driver = try #require(findings("nvidia-driver").first)
        #expect(driver.status == .error && driver.detail.contains("libGLX_nvidia.so.0) is not mounted"))
        #expect(driver.fix?.contains("graphics") == true)
    }

    @Test func deviceNodesAreChecked() throws {
        try machine(nodes: ["nvidia0", "nvidia-modeset"])
        let nodes = findings("nvidia-nodes")
        #expect(nodes.contains { $0.status == .error && $0.detail.contains("/dev/nvidiactl is missing") })
        #expect(nodes.contains { $0.status == .info && $0.detail.contains("nvidia-uvm is missing: CUDA needs it") })
        #expect(!nodes.contains { $0.status == .ok })
        // Windows need the modeset node read-write; without a display nothing is said of it.
        var readOnly = setup(["DISPLAY": ":0"])
        readOnly.nodes["nvidia-modeset"] = .readOnly
        #expect(
            readOnly.nodeFindings().contains {
                $0.status == .warning && $0.detail.contains("/dev/nvidia-modeset is not writable")
            })
        readOnly.environment["DISPLAY"] = nil
        #expect(!readOnly.nodeFindings().contains { $0.detail.contains("nvidia-modeset") })
        try FileManager.default.removeItem(atPath: root.path + "/dev/nvidia-modeset")
        #expect(
            findings("nvidia-nodes", ["DISPLAY": ":0"]).contains {
                $0.detail.contains("/dev/nvidia-modeset is missing")
            })
    }

    @Test func gpusRequestedButNotPassedIn() throws {
        try machine(nodes: [])
        let missing = try #require(findings("nvidia").first)
        #expect(missing.status == .error && missing.detail.contains("no /dev/nvidia<N> node"))
        #expect(missing.fix?.contains("--gpus all") == true && missing.fix?.contains("nvidia.com/gpu=all") == true)
    }

    @Test func cdiIsRecognisedAndItsMissingRequestNamed() throws {
        try machine()
        #expect(findings("nvidia-cdi", ["NVIDIA_VISIBLE_DEVICES": "void"]).map(\.status) == [.ok])
        for node in Self.toolkitNodes { try FileManager.default.removeItem(atPath: root.path + "/dev/" + node) }
        let missing = try #require(findings("nvidia-cdi", ["NVIDIA_VISIBLE_DEVICES": "void"]).first)
        #expect(missing.status == .error && missing.fix?.contains("--device nvidia.com/gpu=all") == true)
    }

    @Test func aDriverListThatLeavesNVIDIAOutIsNamed() throws {
        try machine(manifests: [])
        let lavapipe = root.appendingPathComponent("lvp.json")
        try Data(#"{"ICD": {"library_path": "libvulkan_lvp.so"}}"#.utf8).write(to: lavapipe)
        let chosen = try #require(findings("nvidia-manifest", ["VK_ICD_FILENAMES": lavapipe.path]).first)
        #expect(chosen.status == .warning && chosen.detail.contains("VK_ICD_FILENAMES replaces the driver search"))
        // The user's list naming NVIDIA's manifest is theirs, and fine.
        try machine()
        #expect(findings("nvidia-manifest", ["VK_ICD_FILENAMES": root.path + Self.manifest]).map(\.status) == [.ok])
    }

    @Test func aMachineWithoutNVIDIAHearsNothingOfIt() {
        #expect(
            NVIDIAContainerSetup.read(
                root: root.path, deviceDirectory: root.path + "/dev", environment: ["HOME": "/root"]
            ).findings().isEmpty)
    }
}
