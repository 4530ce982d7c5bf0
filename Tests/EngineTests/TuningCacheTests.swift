@testable import Engine
import Dispatch
import Foundation
import Testing

@Suite("Tuning cache file")
struct TuningCacheTests {
    /// Sessions that read the cache before any of them stored, then store together, as two
    /// `tune` runs for different sizes finishing at once: every winner is kept.
    @Test func concurrentStoresKeepEveryEntry() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tuning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tuning.json")
        let device = FabricatedDevices.nvidiaH100(index: 0)
        let sizes = (0..<8).map { 1 << (2 * $0 + 4) }
        let sessions = SessionBox(sizes.map { _ in TuningCache(url: url) })
        DispatchQueue.concurrentPerform(iterations: sizes.count) { index in
            var cache = sessions.caches[index]
            let shape = NBodyKernelConfiguration(workgroupSize: 32 * (index + 1), bodiesPerInvocation: 1, tileSize: 0)
            try! cache.store(shape, rate: 1, for: TuningCache.Key(device: device, particleCount: sizes[index]), device: device.name)
        }
        let merged = TuningCache(url: url)
        #expect(merged.warning == nil)
        for (index, size) in sizes.enumerated() {
            #expect(merged.lookup(TuningCache.Key(device: device, particleCount: size))?.workgroupSize == 32 * (index + 1), "N=\(size)")
        }
    }
}

/// The sessions, each read before any store, handed to the workers.
private final class SessionBox: @unchecked Sendable {
    let caches: [TuningCache]
    init(_ caches: [TuningCache]) { self.caches = caches }
}
