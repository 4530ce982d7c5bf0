import Testing

@testable import Engine

@Suite("Matching /dev/dri nodes to Vulkan devices")
struct DRMNodeMatcherTests {
    func node(_ path: String, _ minor: UInt32, accessible: Bool = true, group: UInt32 = 105) -> DRMNode {
        DRMNode(
            path: path, major: 226, minor: minor, accessible: accessible, groupID: group,
            groupName: accessible ? "render" : nil)
    }

    func numbers(primary: UInt32?, render: UInt32?) -> DRMNodeNumbers {
        DRMNodeNumbers(primary: primary.map { (226, $0) }, render: render.map { (226, $0) })
    }

    @Test func discreteAMDBesideIntelIntegrated() throws {
        var intel = FabricatedDevices.intelIntegrated(index: 0)
        intel.drm = numbers(primary: 0, render: 128)
        var amd = FabricatedDevices.amdDiscrete(index: 1)
        amd.drm = numbers(primary: 1, render: 129)
        let drm = [
            DRMDeviceDescription(
                primary: node("/dev/dri/card0", 0), render: node("/dev/dri/renderD128", 128),
                bus: .pci(vendorID: 0x8086, deviceID: 0x4680)),
            DRMDeviceDescription(
                primary: node("/dev/dri/card1", 1), render: node("/dev/dri/renderD129", 129),
                bus: .pci(vendorID: 0x1002, deviceID: 0x747E)),
        ]
        let result = DRMNodeMatcher.match(vulkan: [intel, amd], drm: drm)
        #expect(result.matches == [.node(drm[0]), .node(drm[1])])
        #expect(result.unclaimed.isEmpty)
        // Selecting by node picks the device behind it, whatever automatic selection prefers.
        let annotated = DRMNodeMatcher.annotate([intel, amd], with: result)
        #expect(annotated[0].renderNode == "/dev/dri/renderD128" && annotated[1].primaryNode == "/dev/dri/card1")
        #expect(
            try PhysicalDeviceSelector(selector: DeviceSelector(parsing: "/dev/dri/renderD128")).select(from: annotated)
                .vendor == .intel)
        #expect(
            try PhysicalDeviceSelector(selector: DeviceSelector(parsing: "/dev/dri/card1")).select(from: annotated)
                .vendor == .amd)
        #expect(try PhysicalDeviceSelector().select(from: annotated).vendor == .amd)
    }

    @Test func raspberryPiV3DRendersAndVC4OnlyDisplays() {
        var v3d = FabricatedDevices.videoCore(index: 0)
        v3d.drm = numbers(primary: 0, render: 128)
        let drm = [
            DRMDeviceDescription(
                primary: node("/dev/dri/card0", 0), render: node("/dev/dri/renderD128", 128),
                bus: .platform(compatible: ["brcm,2711-v3d"])),
            DRMDeviceDescription(primary: node("/dev/dri/card1", 1), bus: .platform(compatible: ["brcm,bcm2711-vc5"])),
        ]
        let result = DRMNodeMatcher.match(vulkan: [v3d], drm: drm)
        #expect(result.matches == [.node(drm[0])])
        // vc4 is display-only: no Vulkan device uses it, and doctor says so.
        #expect(result.unclaimed == [drm[1]])
        #expect(drm[1].summary == "/dev/dri/card1 (platform brcm,bcm2711-vc5)")
    }

    @Test func nvidiaWithoutTheExtensionIsNotGuessed() {
        let nvidia = FabricatedDevices.nvidiaH100(index: 0)  // no drm numbers reported
        let drm = [
            DRMDeviceDescription(
                primary: node("/dev/dri/card0", 0), render: node("/dev/dri/renderD128", 128),
                bus: .pci(vendorID: 0x10DE, deviceID: 0x2330))
        ]
        let result = DRMNodeMatcher.match(vulkan: [nvidia], drm: drm)
        #expect(result.matches == [.notReported])
        #expect(result.matches[0].description == "not reported by the driver")
        #expect(result.unclaimed == drm)
    }

    @Test func lavapipeHasNoNode() {
        let result = DRMNodeMatcher.match(vulkan: [FabricatedDevices.lavapipe(index: 0)], drm: [])
        #expect(result.matches == [.cpuDevice])
        #expect(result.unclaimed.isEmpty)
    }

    @Test func aNodeThatWasNotPassedIn() {
        var amd = FabricatedDevices.amdDiscrete(index: 0)
        amd.drm = numbers(primary: 1, render: 129)
        let result = DRMNodeMatcher.match(vulkan: [amd], drm: [])
        #expect(result.matches == [.notVisible(numbers(primary: 1, render: 129))])
        #expect(result.matches[0].description == "node 226:129 not visible here")
    }

    @Test func inaccessibleNodesExplainTheNumericGroupFix() {
        let blocked = node("/dev/dri/renderD128", 128, accessible: false, group: 993)
        #expect(blocked.accessFix.contains("--group-add 993"))
        #expect(blocked.accessFix.contains("group_add: [\"993\"]"))
    }

    /// This machine, like CI, has no /dev/dri: enumeration is empty, not an error.
    @Test func theRealMachineEnumeratesCleanly() throws {
        let drm = DRMDevices.enumerate()
        let instance = try Instance()
        let devices = try instance.physicalDevices(drmDevices: drm).map(\.description)
        let result = DRMNodeMatcher.match(vulkan: devices, drm: drm)
        #expect(result.matches.count == devices.count)
        for (device, match) in zip(devices, result.matches) where device.type == .cpu {
            #expect(match == .cpuDevice)
            #expect(device.renderNode == nil)
        }
    }
}
