import Testing

@testable import Engine

/// Sizes refused before anything of that size is allocated, with the most that fits named.
struct NBodyCapacityTests {
    @Test func hostMemoryBoundsTheParticleCount() {
        #expect(NBodyCapacity.hostMemoryProblem(particleCount: 1_000_000, memory: 1 << 30) == nil)
        let problem = NBodyCapacity.hostMemoryProblem(particleCount: 1 << 28, memory: 1 << 30)
        #expect(problem?.contains("at most \((1 << 30) / 160) particles") == true, "\(problem ?? "")")
    }

    /// The largest count each device takes is one that its default kernel really runs, and
    /// one more is refused with a reason.
    @Test(arguments: [
        FabricatedDevices.lavapipe(index: 0), FabricatedDevices.nvidiaH100(index: 0),
        FabricatedDevices.videoCore(index: 0), FabricatedDevices.amdDiscrete(index: 0, memory: 1 << 30),
    ])
    func theLargestCountRunsAndOneMoreDoesNot(device: PhysicalDeviceDescription) {
        let largest = NBodyCapacity.largestParticleCount(on: device)
        #expect(largest > 1000)
        #expect(NBodyCapacity.deviceProblem(particleCount: largest, on: device) == nil)
        #expect(NBodyCapacity.deviceProblem(particleCount: largest + 1, on: device) != nil)
        #expect(
            NBodyKernel.recommended(for: device, particleCount: largest).problems(on: device, particleCount: largest)
                .isEmpty)
    }

    @Test func theRefusalNamesTheDevicesLargestCount() {
        let device = FabricatedDevices.lavapipe(index: 0)
        let largest = NBodyCapacity.largestParticleCount(on: device)
        do {
            try NBodyCapacity.check(particleCount: largest + 1, on: device)
            Issue.record("accepted \(largest + 1) particles")
        } catch {
            #expect("\(error)".contains("at most \(largest) particles"), "\(error)")
        }
    }
}
