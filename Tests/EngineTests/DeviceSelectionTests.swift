import FoundationEssentials
import Testing

@testable import Engine

@Suite("Device selection on fabricated devices")
struct DeviceSelectionTests {
    let nvidiaAndLavapipe = [FabricatedDevices.lavapipe(index: 0), FabricatedDevices.nvidiaH100(index: 1)]
    let intelAndAMD = [FabricatedDevices.intelIntegrated(index: 0), FabricatedDevices.amdDiscrete(index: 1)]

    func select(
        _ text: String, from devices: [PhysicalDeviceDescription]
    ) throws(EngineError) -> PhysicalDeviceDescription {
        try PhysicalDeviceSelector(selector: DeviceSelector(parsing: text)).select(from: devices)
    }

    @Test func automaticPrefersTheDiscreteGPUOverLavapipe() throws {
        let chosen = try PhysicalDeviceSelector().select(from: nvidiaAndLavapipe)
        #expect(chosen.name == "NVIDIA H100 80GB HBM3")
        #expect(chosen.vendor == .nvidia)
    }

    @Test func automaticPrefersDiscreteAMDOverIntegratedIntel() throws {
        #expect(try PhysicalDeviceSelector().select(from: intelAndAMD).vendor == .amd)
    }

    @Test func tiesBetweenTypesAreBrokenByDeviceLocalMemory() throws {
        let devices = [
            FabricatedDevices.amdDiscrete(index: 0, memory: 8 << 30, name: "small"),
            FabricatedDevices.amdDiscrete(index: 1, memory: 24 << 30, name: "large"),
        ]
        #expect(try PhysicalDeviceSelector().select(from: devices).name == "large")
    }

    @Test(
        "vendor, type, index and name selectors",
        arguments: [
            ("lavapipe", 0), ("llvmpipe", 0), ("cpu", 0), ("CPU", 0), ("nvidia", 1), ("NVIDIA", 1), ("discrete", 1),
            ("0", 0), ("1", 1), ("h100", 1), ("LLVM 15", 0), ("auto", 1),
        ])
    func explicitSelectors(text: String, expectedIndex: Int) throws {
        #expect(try select(text, from: nvidiaAndLavapipe).index == expectedIndex)
    }

    @Test func vendorWordsForTheOtherVendors() throws {
        #expect(try select("intel", from: intelAndAMD).index == 0)
        #expect(try select("amd", from: intelAndAMD).index == 1)
        #expect(try select("integrated", from: intelAndAMD).index == 0)
        #expect(try select("videocore", from: [FabricatedDevices.videoCore(index: 0)]).vendor == .broadcom)
    }

    @Test func aSelectorMatchingNothingListsTheDevicesFound() throws {
        do throws(EngineError) {
            _ = try select("amd", from: nvidiaAndLavapipe)
            Issue.record("selection should have failed")
        } catch {
            guard case .noDeviceMatches(let selector, let devices) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(selector == "amd")
            #expect(devices.count == 2)
            let message = error.description
            #expect(message.contains("[0] llvmpipe"))
            #expect(message.contains("[1] NVIDIA H100"))
        }
        #expect(throws: EngineError.self) { try select("7", from: nvidiaAndLavapipe) }
    }

    @Test func noDevicesNamesTheLikelyCauses() throws {
        #expect(throws: EngineError.noDevices) { try PhysicalDeviceSelector().select(from: []) }
        let message = EngineError.noDevices.description
        #expect(message.contains("mesa-vulkan-drivers"))
        #expect(message.contains("/dev/dri"))
        #expect(message.contains("NVIDIA_DRIVER_CAPABILITIES"))
        #expect(message.contains("graphics"))
    }

    @Test func malformedSelectorsAreRejected() {
        #expect(throws: EngineError.self) { try DeviceSelector(parsing: "") }
        #expect(throws: EngineError.self) { try DeviceSelector(parsing: "   ") }
        #expect(throws: EngineError.self) { try DeviceSelector(parsing: "-1") }
    }

    @Test func devicesThatCannotRunAreRejectedWithReasons() throws {
        var old = FabricatedDevices.amdDiscrete(index: 0)
        old.apiVersion = APIVersion(1, 0, 61)
        var noTimestamps = FabricatedDevices.lavapipe(index: 1)
        noTimestamps.queueFamilies = FabricatedDevices.computeQueue(timestampBits: 0)
        let selector = PhysicalDeviceSelector(requirements: DeviceRequirements(needsTimestamps: true))
        do throws(EngineError) {
            _ = try selector.select(from: [old, noTimestamps])
            Issue.record("selection should have failed")
        } catch {
            guard case .noSuitableDevice(let rejections) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(rejections.count == 2)
            #expect(rejections[0].reasons.contains { $0.contains("1.0.61") })
            #expect(rejections[1].reasons == ["no timestamp support on the compute queue"])
            #expect(error.description.contains("rejected: no timestamp support on the compute queue"))
        }
        // An unsuitable discrete GPU loses to a suitable CPU device.
        #expect(try PhysicalDeviceSelector().select(from: [old, FabricatedDevices.lavapipe(index: 1)]).index == 1)
    }

    @Test func videoCoreKernelShapeFitsItsLimits() throws {
        let pi = FabricatedDevices.videoCore(index: 0)
        #expect(try PhysicalDeviceSelector().select(from: [pi]).name == "V3D 7.1.7")
        for n in [1, 100, 4099, 65536] {
            let shape = NBodyKernel.recommended(for: pi, particleCount: n)
            #expect(shape.workgroupSize <= 256)
            #expect(shape.sharedMemoryBytes <= 16384)
            #expect(shape.problems(on: pi, particleCount: n).isEmpty)
        }
    }

    @Test func kernelShapesFollowTheDeviceClass() {
        let h100 = FabricatedDevices.nvidiaH100(index: 0)
        let gpu = NBodyKernel.recommended(for: h100, particleCount: 1 << 20)
        #expect(gpu == NBodyKernel.tiled(workgroup: 128, bodies: 1, tile: 128))
        // Few bodies: narrow workgroups with prefetched tiles, the H100's best at N = 16384.
        let few = NBodyKernel.recommended(for: h100, particleCount: 16384)
        #expect(few == NBodyKernel.tiled(workgroup: 32, bodies: 1, tile: 32, prefetch: true))
        #expect(few.sharedMemoryBytes == 1024)
        #expect(few.description == "workgroup 32, 1 bodies/invocation, tile 32, prefetched")
        // CPU drivers: each pair once where the device has shuffles (lavapipe); without them
        // the streaming kernel, 32 bodies per invocation.
        let cpu = NBodyKernel.recommended(for: FabricatedDevices.lavapipe(index: 0), particleCount: 16384, hostCores: 2)
        #expect(cpu == NBodyKernel.pairs(workgroup: 8, bodies: 32, force: .quotient))
        #expect(
            cpu.description == "workgroup 8, 32 bodies/invocation, no shared tile, force as a quotient, each pair once")
        var plain = FabricatedDevices.lavapipe(index: 0)
        plain.limits.subgroupShuffleInCompute = false
        let streaming = NBodyKernel.recommended(for: plain, particleCount: 16384, hostCores: 2)
        #expect(streaming == NBodyKernel.streaming(workgroup: 32, bodies: 32, force: .quotient))
        #expect(gpu.force == .reciprocalSquareRoot && few.force == .reciprocalSquareRoot)
        // Shuffled j-body reads: streaming shapes on devices with shuffles and wide subgroups.
        let shuffling = FabricatedDevices.lavapipe(index: 0)
        #expect(streaming.shufflesJBodies(on: shuffling, group: 4))
        #expect(!streaming.shufflesJBodies(on: plain, group: 4), "no shuffles")
        #expect(!streaming.shufflesJBodies(on: shuffling, group: 1), "nothing to share")
        #expect(
            !streaming.shufflesJBodies(on: shuffling, group: Int(shuffling.limits.subgroupSize) * 2),
            "group wider than a subgroup")
        #expect(!NBodyKernel.tiled(workgroup: 32, bodies: 32, tile: 32).shufflesJBodies(on: shuffling, group: 4))
        // Small systems give up register blocking so every core has work.
        let small = NBodyKernel.recommended(
            for: FabricatedDevices.lavapipe(index: 0), particleCount: 1024, hostCores: 2)
        #expect(small.workgroupCount(particleCount: 1024) >= 4 || small.bodiesPerInvocation == 1)
    }

    @Test func shapesFromOlderTuningCachesKeepTheirMeaning() throws {
        // Written before prefetching and the quotient spelling existed: neither.
        let old = #"{"workgroupSize": 64, "bodiesPerInvocation": 1, "tileSize": 64}"#
        let shape = try JSONDecoder().decode(NBodyKernel.self, from: Data(old.utf8))
        #expect(shape == NBodyKernel.tiled(workgroup: 64, bodies: 1, tile: 64))
        #expect(shape.force == .reciprocalSquareRoot)
        for newer in [
            NBodyKernel.tiled(workgroup: 32, bodies: 1, tile: 32, prefetch: true),
            NBodyKernel.streaming(workgroup: 32, bodies: 32, force: .quotient),
        ] {
            #expect(try JSONDecoder().decode(NBodyKernel.self, from: JSONEncoder().encode(newer)) == newer)
        }
        let unknown = #"{"workgroupSize": 64, "bodiesPerInvocation": 1, "tileSize": 64, "force": "cubic"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NBodyKernel.self, from: Data(unknown.utf8)) }
    }

    @Test func limitViolationsAreExplained() {
        let pi = FabricatedDevices.videoCore(index: 0)
        let tooBig = NBodyKernel.tiled(workgroup: 512, bodies: 1, tile: 2048)
        let problems = tooBig.problems(on: pi, particleCount: 1000)
        #expect(problems.count == 2)
        #expect(problems[0].contains("exceeds the device's 256"))
        #expect(problems[1].contains("16384"))
        let lavapipe = FabricatedDevices.lavapipe(index: 0)
        let fine = NBodyKernel.tiled(workgroup: 64, bodies: 1, tile: 64)
        #expect(
            fine.problems(on: lavapipe, particleCount: 10_000_000).contains { $0.contains("maxStorageBufferRange") })
    }

    @Test func cooperativeShapesAreChecked() {
        let h100 = FabricatedDevices.nvidiaH100(index: 0)
        let split = NBodyKernel.split(workgroup: 128, invocations: 4)
        #expect(split.problems(on: h100, particleCount: 4096).isEmpty)
        #expect(split.bodiesPerWorkgroup == 32)
        #expect(split.workgroupCount(particleCount: 4096) == 128)
        #expect(split.description == "workgroup 128, 4 invocations/body")
        let uneven = NBodyKernel.split(workgroup: 100, invocations: 8)
        #expect(uneven.problems(on: h100, particleCount: 4096).contains { $0.contains("multiple of 8") })
        // No kernel splits bodies and blocks them too: flat fields (a tuning cache, --kernel)
        // that ask for it name no kernel.
        #expect(throws: NBodyKernel.Unbuildable.self) {
            try NBodyKernel(workgroupSize: 100, bodiesPerInvocation: 2, tileSize: 0, invocationsPerBody: 8)
        }
        // Prefetching needs a shared tile, and two of them must fit.
        let untiled = whyNoKernel {
            try NBodyKernel(workgroupSize: 64, bodiesPerInvocation: 1, tileSize: 0, prefetchesTiles: true)
        }
        #expect(untiled?.description.contains("prefetch") == true)
        let doubled = NBodyKernel.tiled(workgroup: 512, bodies: 1, tile: 2048, prefetch: true)
        #expect(doubled.sharedMemoryBytes == 65536)
        #expect(doubled.problems(on: h100, particleCount: 4096).contains { $0.contains("prefetched") })
    }

    @Test func vendorWordsAndDriverVersions() {
        #expect(Vendor(id: 0x10DE).name == "nvidia")
        #expect(Vendor(id: 0x1002).name == "amd")
        #expect(Vendor(id: 0x8086).name == "intel")
        #expect(Vendor(id: 0x14E4).name == "videocore")
        #expect(Vendor(id: 0x10005).name == "mesa")
        #expect(Vendor(id: 0x1234).name == "0x1234")
        // NVIDIA packs 10.8.8.6 bits: 580.159.4.0 here.
        var nvidia = FabricatedDevices.nvidiaH100(index: 0)
        nvidia.driverVersion = (580 << 22) | (159 << 14) | (4 << 6)
        #expect(nvidia.driverVersionText == "580.159.4.0")
        #expect(APIVersion(1, 3, 239).description == "1.3.239")
        #expect(APIVersion(1, 2, 999) < APIVersion(1, 3, 0))
    }
}

@Suite("Memory type choice")
struct MemoryTypeSelectorTests {
    @Test func discreteCardUsesVRAMForStateAndSystemMemoryForStaging() {
        // As NVIDIA reports them: 0 device-local, 1 host-visible coherent, 2 host cached, 3 BAR.
        let types = [
            MemoryTypeDescription(flags: .deviceLocal, heapIndex: 0),
            MemoryTypeDescription(flags: [.hostVisible, .hostCoherent], heapIndex: 1),
            MemoryTypeDescription(flags: [.hostVisible, .hostCoherent, .hostCached], heapIndex: 1),
            MemoryTypeDescription(flags: [.deviceLocal, .hostVisible, .hostCoherent], heapIndex: 2),
        ]
        #expect(MemoryTypeSelector.select(types, allowed: 0b1111, usage: .deviceLocal) == 0)
        #expect(MemoryTypeSelector.select(types, allowed: 0b1111, usage: .upload) == 1)
        #expect(MemoryTypeSelector.select(types, allowed: 0b1111, usage: .readback) == 2)
        // Only what the resource allows.
        #expect(MemoryTypeSelector.select(types, allowed: 0b1000, usage: .readback) == 3)
        #expect(MemoryTypeSelector.select(types, allowed: 0b0001, usage: .upload) == nil)
    }

    @Test func unifiedMemoryDeviceUsesItsOneKindOfMemoryForEverything() {
        // lavapipe and the Raspberry Pi: everything device-local and host-visible.
        let types = [
            MemoryTypeDescription(flags: [.deviceLocal, .hostVisible, .hostCoherent, .hostCached], heapIndex: 0)
        ]
        for usage in [MemoryUsage.deviceLocal, .upload, .readback] {
            #expect(MemoryTypeSelector.select(types, allowed: 1, usage: usage) == 0)
        }
    }

    @Test func nonCoherentMemoryIsUsedWhenNothingElseIs() {
        let types = [
            MemoryTypeDescription(flags: .deviceLocal, heapIndex: 0),
            MemoryTypeDescription(flags: [.hostVisible, .hostCached], heapIndex: 1),
        ]
        #expect(MemoryTypeSelector.select(types, allowed: 0b11, usage: .upload) == 1)
        #expect(MemoryTypeSelector.select(types, allowed: 0b11, usage: .readback) == 1)
    }
}
