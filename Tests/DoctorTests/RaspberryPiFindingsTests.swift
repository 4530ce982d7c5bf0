import Engine
import Foundation
import Testing

@testable import Doctor

/// What doctor tells a Raspberry Pi owner, for each way a Pi's GPU can be missing.
@Suite("doctor on a Raspberry Pi")
struct RaspberryPiFindingsTests {
    static func device(_ name: String, vendorID: UInt32, type: DeviceType, mesa: String) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: 0, name: name, type: type, vendorID: vendorID,
            driver: DriverDescription(id: 13, name: "Mesa", info: "Mesa \(mesa)"), apiVersion: APIVersion(1, 2, 0),
            queueFamilies: [
                QueueFamilyDescription(
                    index: 0, queueCount: 1, supportsGraphics: true, supportsCompute: true, timestampValidBits: 64)
            ],
            memoryHeaps: [MemoryHeapDescription(size: 1 << 30, deviceLocal: true)],
            limits: ComputeLimits(
                maxComputeWorkGroupInvocations: 256, maxComputeWorkGroupSize: [256, 256, 256],
                maxComputeWorkGroupCount: [65535, 65535, 65535], maxComputeSharedMemorySize: 16384,
                maxStorageBufferRange: 1 << 30, timestampPeriod: 1))
    }
    static func lavapipe(mesa: String = "22.3.6") -> PhysicalDeviceDescription {
        device("llvmpipe (LLVM 15.0.6, 128 bits)", vendorID: 0x10005, type: .cpu, mesa: mesa)
    }
    static let v3dv = device("V3D 4.2.14.0", vendorID: 0x14E4, type: .integrated, mesa: "22.3.6")
    static func v3dNode(accessible: Bool = true) -> DRMDeviceDescription {
        DRMDeviceDescription(
            render: DRMNode(
                path: "/dev/dri/renderD128", major: 226, minor: 128, accessible: accessible,
                groupID: 992, groupName: "render"),
            bus: .platform(compatible: ["brcm,2711-v3d"]))
    }
    static let displayController = DRMDeviceDescription(
        primary: DRMNode(path: "/dev/dri/card1", major: 226, minor: 1),
        bus: .platform(compatible: ["brcm,bcm2711-vc5"]))
    static let manifest = ["/usr/share/vulkan/icd.d/broadcom_icd.aarch64.json"]
    static let pi4 = "Raspberry Pi 4 Model B Rev 1.5", pi5 = "Raspberry Pi 5 Model B Rev 1.0"

    func only(_ findings: [Finding]) throws -> Finding {
        #expect(findings.count == 1, "\(findings)")
        return try #require(findings.first)
    }

    @Test func aPiWhoseGPURunsIsOK() throws {
        let finding = try only(
            RaspberryPiFindings(
                model: Self.pi4, v3dvManifests: Self.manifest,
                vulkanDevices: [Self.v3dv, Self.lavapipe()],
                drm: [Self.v3dNode(), Self.displayController]
            ).findings())
        #expect(finding.status == .ok)
        #expect(finding.detail.contains("V3DV drives its GPU, V3D 4.2.14.0"))
    }

    @Test func eachMissingPieceIsNamedWithItsFix() throws {
        let notInstalled = try only(
            RaspberryPiFindings(
                model: Self.pi4, v3dvManifests: [], vulkanDevices: [Self.lavapipe()],
                drm: [Self.v3dNode()]
            ).findings())
        #expect(notInstalled.status == .error && notInstalled.detail.contains("V3DV driver is not installed"))
        #expect(notInstalled.fix?.contains("apt install mesa-vulkan-drivers") == true)

        let noKernelDriver = try only(
            RaspberryPiFindings(
                model: Self.pi4, v3dvManifests: Self.manifest, vulkanDevices: [Self.lavapipe()],
                drm: [Self.displayController]
            ).findings())
        #expect(noKernelDriver.status == .error && noKernelDriver.detail.contains("no V3D GPU device in /dev/dri"))
        #expect(noKernelDriver.fix?.contains("dtoverlay=vc4-kms-v3d") == true)
        #expect(noKernelDriver.detail.contains("only the CPU driver (lavapipe) runs"))

        let unreachable = try only(
            RaspberryPiFindings(
                model: Self.pi4, v3dvManifests: Self.manifest, vulkanDevices: [Self.lavapipe()],
                drm: [Self.v3dNode(accessible: false)]
            ).findings())
        #expect(unreachable.status == .error && unreachable.detail.contains("cannot open /dev/dri/renderD128"))
        #expect(unreachable.fix == Self.v3dNode(accessible: false).render?.accessFix)

        let oldMesa = try only(
            RaspberryPiFindings(
                model: Self.pi5, v3dvManifests: Self.manifest, vulkanDevices: [Self.lavapipe()],
                drm: [Self.v3dNode()]
            ).findings())
        #expect(oldMesa.status == .error && oldMesa.detail.contains("Mesa 22.3.6 predates the Pi 5"))
        #expect(oldMesa.fix?.contains("RPI_MESA_PACKAGES") == true)

        // A new enough Mesa on a Pi 5 that still lists nothing: the kernel log is next.
        let silent = try only(
            RaspberryPiFindings(
                model: Self.pi5, v3dvManifests: Self.manifest, vulkanDevices: [Self.lavapipe(mesa: "24.2.8")],
                drm: [Self.v3dNode()]
            ).findings())
        #expect(silent.status == .error && silent.detail.contains("V3DV lists no device although"))
        #expect(silent.fix?.contains("dmesg") == true)
    }

    @Test func elsewhereAnInstalledV3DVIsExpectedToListNothing() throws {
        let finding = try only(
            RaspberryPiFindings(model: nil, v3dvManifests: Self.manifest, vulkanDevices: [Self.lavapipe()], drm: [])
                .findings())
        #expect(finding.status == .info && finding.detail.contains("this machine is not a Raspberry Pi"))
        #expect(
            RaspberryPiFindings(model: nil, v3dvManifests: [], vulkanDevices: [Self.lavapipe()], drm: []).findings()
                .isEmpty)
        // Another board with a device tree is not taken for a Pi.
        #expect(
            RaspberryPiFindings(model: "Pine64 RockPro64 v2.1", v3dvManifests: [], vulkanDevices: [], drm: [])
                .findings().isEmpty)
    }

    @Test func theModelIsReadFromTheDeviceTree() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data((Self.pi5 + "\0").utf8).write(to: file)  // the kernel ends it with a NUL
        #expect(RaspberryPiFindings.readModel(at: file.path) == Self.pi5)
        #expect(RaspberryPiFindings.readModel(at: file.path + ".missing") == nil)
    }
}
