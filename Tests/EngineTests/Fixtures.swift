@testable import Engine

/// Devices this machine does not have, described as their drivers report them.
enum FabricatedDevices {
    static func limits(
        invocations: UInt32 = 1024, shared: UInt32 = 49152, storageRange: UInt32 = .max,
        timestampPeriod: Float = 1, subgroup: UInt32 = 32, shuffles: Bool = false
    ) -> ComputeLimits {
        ComputeLimits(
            maxComputeWorkGroupInvocations: invocations, maxComputeWorkGroupSize: [invocations, invocations, 64],
            maxComputeWorkGroupCount: [2_147_483_647, 65535, 65535], maxComputeSharedMemorySize: shared,
            maxStorageBufferRange: storageRange, timestampPeriod: timestampPeriod, subgroupSize: subgroup,
            subgroupShuffleRelativeInCompute: shuffles, subgroupShuffleInCompute: shuffles)
    }

    static func computeQueue(graphics: Bool = true, timestampBits: UInt32 = 64) -> [QueueFamilyDescription] {
        [
            QueueFamilyDescription(
                index: 0, queueCount: 16, supportsGraphics: graphics, supportsCompute: true,
                timestampValidBits: timestampBits)
        ]
    }

    static func nvidiaH100(index: Int) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: index, name: "NVIDIA H100 80GB HBM3", type: .discrete, vendorID: 0x10DE, deviceID: 0x2330,
            driver: DriverDescription(id: 4, name: "NVIDIA", info: "580.159.04"), driverVersion: 0x9127_C100,
            apiVersion: APIVersion(1, 4, 312), queueFamilies: computeQueue(),
            memoryHeaps: [
                MemoryHeapDescription(size: 80 << 30, deviceLocal: true),
                MemoryHeapDescription(size: 64 << 30, deviceLocal: false),
            ],
            limits: limits(shuffles: true), supportsFloat64: true, supportsInt64: true,
            supportsBufferFloatAtomicAdd: true,
            supportsBufferInt64AtomicAdd: true)
    }

    static func lavapipe(index: Int) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: index, name: "llvmpipe (LLVM 15.0.6, 256 bits)", type: .cpu, vendorID: 0x10005,
            driver: DriverDescription(id: 13, name: "llvmpipe", info: "Mesa 22.3.6 (LLVM 15.0.6)"),
            apiVersion: APIVersion(1, 3, 230), queueFamilies: computeQueue(),
            memoryHeaps: [MemoryHeapDescription(size: 2 << 30, deviceLocal: true)],
            limits: limits(shared: 32768, storageRange: 1 << 27, subgroup: 8, shuffles: true), supportsFloat64: true,
            supportsInt64: true, supportsBufferFloatAtomicAdd: true, supportsBufferInt64AtomicAdd: true)
    }

    /// Raspberry Pi 4/5 through Mesa's V3DV.
    static func videoCore(index: Int) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: index, name: "V3D 7.1.7", type: .integrated, vendorID: 0x14E4,
            driver: DriverDescription(id: 22, name: "V3DV Mesa", info: "Mesa 24.2"),
            apiVersion: APIVersion(1, 2, 255), queueFamilies: computeQueue(timestampBits: 64),
            memoryHeaps: [MemoryHeapDescription(size: 4 << 30, deviceLocal: true)],
            limits: limits(invocations: 256, shared: 16384, storageRange: 1 << 30, timestampPeriod: 1, subgroup: 16))
    }

    static func intelIntegrated(index: Int) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: index, name: "Intel(R) UHD Graphics 770 (ADL-S GT1)", type: .integrated, vendorID: 0x8086,
            apiVersion: APIVersion(1, 3, 255), queueFamilies: computeQueue(),
            memoryHeaps: [MemoryHeapDescription(size: 16 << 30, deviceLocal: true)], limits: limits(subgroup: 16))
    }

    static func amdDiscrete(
        index: Int, memory: UInt64 = 16 << 30, name: String = "AMD Radeon RX 7800 XT (RADV NAVI32)"
    ) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: index, name: name, type: .discrete, vendorID: 0x1002,
            apiVersion: APIVersion(1, 3, 255), queueFamilies: computeQueue(),
            memoryHeaps: [
                MemoryHeapDescription(size: memory, deviceLocal: true),
                MemoryHeapDescription(size: 32 << 30, deviceLocal: false),
            ], limits: limits(subgroup: 64))
    }
}
