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

extension TuningCacheTests {
    /// Whatever else is at the cache's path is refused and left as it was: a file that is no
    /// tuning cache, a directory, a device node; a tuning cache, or nothing, is fine.
    @Test func aPathHoldingSomethingElseIsNeverReplaced() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tuning-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let device = FabricatedDevices.lavapipe(index: 0)
        let shape = NBodyKernelConfiguration(workgroupSize: 32, bodiesPerInvocation: 1, tileSize: 0)
        let key = TuningCache.Key(device: device, particleCount: 1024)
        let foreign = directory.appendingPathComponent("state.npy")
        let bytes = Data("\u{93}NUMPY not a tuning cache".utf8)
        try bytes.write(to: foreign)
        for (url, expected) in [(foreign, "is not a CapitalEngine tuning cache"), (directory, "is a directory"),
                                (URL(fileURLWithPath: "/dev/null"), "is not a regular file")] {
            #expect(TuningCache.occupant(at: url)?.contains(expected) == true, "\(url.path)")
            var cache = TuningCache(url: url)
            #expect(throws: FileError.self) { try cache.store(shape, rate: 1, for: key, device: device.name) }
        }
        #expect(try Data(contentsOf: foreign) == bytes, "left as it was")
        let fresh = directory.appendingPathComponent("tuning.json")
        #expect(TuningCache.occupant(at: fresh) == nil)
        var cache = TuningCache(url: fresh)
        try cache.store(shape, rate: 1, for: key, device: device.name)
        #expect(TuningCache.occupant(at: fresh) == nil, "its own file is a tuning cache")
    }
}

/// The sessions, each read before any store, handed to the workers.
private final class SessionBox: @unchecked Sendable {
    let caches: [TuningCache]
    init(_ caches: [TuningCache]) { self.caches = caches }
}
