#if canImport(Glibc)
    import Glibc
#endif

/// How many bodies a run can hold, checked before anything of that size is allocated: the
/// host's memory, the device's memory and buffer range, and what the kernel can run.
public enum NBodyCapacity {
    /// Host bytes a run holds per body at its peak: the model's double-precision bodies while
    /// it is made, the state, the starting state kept for the energy, and a downloaded copy.
    public static let hostBytesPerParticle: UInt64 = 160

    /// Why `particleCount` bodies would not fit this host, or nil.
    public static func hostMemoryProblem(particleCount: Int, memory: UInt64? = HostMemory.budgetBytes) -> String? {
        let needed = UInt64(max(particleCount, 0)) * hostBytesPerParticle
        guard let memory, needed > memory else { return nil }
        return
            "\(particleCount) particles need about \(needed >> 20) MiB of host memory; "
            + "this process may use \(memory >> 20) MiB (at most \(memory / hostBytesPerParticle) particles)"
    }

    /// Why `particleCount` bodies cannot run on `device` with `configuration` (nil: the
    /// device's default kernel for that size), or nil where they can.
    public static func deviceProblem(
        particleCount: Int, configuration: NBodyKernel? = nil,
        on device: PhysicalDeviceDescription
    ) -> String? {
        let shape = configuration ?? .recommended(for: device, particleCount: particleCount)
        let problems = shape.problems(on: device, particleCount: particleCount)
        if !problems.isEmpty { return problems.joined(separator: "; ") }
        // Two state buffers and the pair sums in device memory; the staging and readback
        // buffers are the host's on a discrete GPU, the same memory elsewhere.
        let state = UInt64(particleCount) * UInt64(ParticleState.bytesPerParticle)
        let needed =
            2 * state + (shape.eachPairOnce ? shape.pairSumBytes(particleCount: particleCount) : 0)
            + (device.type == .discrete ? 0 : 2 * state)
        let memory = device.deviceLocalMemory
        if memory > 0 && needed > memory / 10 * 9 {
            return
                """
                \(particleCount) particles need \(needed >> 20) MiB of device memory; \(device.name) has \
                \(memory >> 20) MiB
                """
        }
        return nil
    }

    /// The most bodies the device runs with its default kernels, for `devices` and messages.
    public static func largestParticleCount(on device: PhysicalDeviceDescription) -> Int {
        var low = 1, high = 1 << 31
        guard deviceProblem(particleCount: low, on: device) == nil else { return 0 }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if deviceProblem(particleCount: middle, on: device) == nil { low = middle } else { high = middle }
        }
        return low
    }

    /// Refuses, before the state is made, `particleCount` bodies that this host or device
    /// cannot hold, naming the most the device can.
    public static func check(
        particleCount: Int, configuration: NBodyKernel? = nil,
        on device: PhysicalDeviceDescription
    ) throws(EngineError) {
        if let problem = hostMemoryProblem(particleCount: particleCount) { throw .unsupported(problem) }
        if let problem = deviceProblem(particleCount: particleCount, configuration: configuration, on: device) {
            let largest = largestParticleCount(on: device)
            throw .unsupported(
                "cannot run \(particleCount) particles on \(device.name): \(problem)"
                    + (configuration == nil && largest > 0
                        ? " (its default kernels run at most \(largest) particles; `devices` lists this)" : ""))
        }
    }
}
