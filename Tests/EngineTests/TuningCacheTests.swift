import Dispatch
import Foundation
import Testing

@testable import Engine

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
            let shape = NBodyKernel.streaming(workgroup: 32 * (index + 1), bodies: 1)
            try! cache.store(
                shape, rate: 1, for: TuningCache.Key(device: device, particleCount: sizes[index]), device: device.name)
        }
        let merged = TuningCache(url: url)
        #expect(merged.warning == nil)
        for (index, size) in sizes.enumerated() {
            #expect(
                merged.lookup(TuningCache.Key(device: device, particleCount: size))?.workgroupSize == 32 * (index + 1),
                "N=\(size)")
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
        let shape = NBodyKernel.streaming(workgroup: 32, bodies: 1)
        let key = TuningCache.Key(device: device, particleCount: 1024)
        let foreign = directory.appendingPathComponent("state.npy")
        let bytes = Data("\u{93}NUMPY not a tuning cache".utf8)
        try bytes.write(to: foreign)
        for (url, expected) in [
            (foreign, "is not a CapitalEngine tuning cache"), (directory, "is a directory"),
            (URL(fileURLWithPath: "/dev/null"), "is not a regular file"),
        ] {
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

extension TuningCacheTests {
    /// An entry whose shape no kernel has (a hand edit, or a build with other kernels) is
    /// dropped with its reason, and the other entries kept; storing writes the file without it.
    @Test func anEntryNamingNoKernelIsDroppedAndTheRestKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tuning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tuning.json")
        let device = FabricatedDevices.nvidiaH100(index: 0)
        let small = TuningCache.Key(device: device, particleCount: 1024)
        let large = TuningCache.Key(device: device, particleCount: 1 << 20)
        var cache = TuningCache(url: url)
        try cache.store(.tiled(workgroup: 128, bodies: 1, tile: 128), rate: 2, for: small, device: device.name)
        try cache.store(.split(workgroup: 64, invocations: 4), rate: 1, for: large, device: device.name)
        // The split shape edited into one with a tile loop to unroll, which no kernel has.
        var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var entries = try #require(file["entries"] as? [[String: Any]])
        let index = try #require(
            entries.firstIndex { ($0["configuration"] as? [String: Any])?["invocationsPerBody"] as? Int == 4 })
        var shape = try #require(entries[index]["configuration"] as? [String: Any])
        shape["tileUnroll"] = 4
        entries[index]["configuration"] = shape
        file["entries"] = entries
        try JSONSerialization.data(withJSONObject: file).write(to: url)
        var reread = TuningCache(url: url)
        #expect(reread.lookup(small) == .tiled(workgroup: 128, bodies: 1, tile: 128))
        #expect(reread.lookup(large) == nil)
        #expect(reread.warning?.contains("have a tile loop to unroll") == true, "\(reread.warning ?? "no warning")")
        try reread.store(.tiled(workgroup: 256, bodies: 1, tile: 256), rate: 3, for: large, device: device.name)
        let stored = TuningCache(url: url)
        #expect(stored.warning == nil)
        #expect(stored.lookup(large) == .tiled(workgroup: 256, bodies: 1, tile: 256))
        #expect(stored.lookup(small) == .tiled(workgroup: 128, bodies: 1, tile: 128))
    }
}

/// The sessions, each read before any store, handed to the workers.
private final class SessionBox: @unchecked Sendable {
    let caches: [TuningCache]
    init(_ caches: [TuningCache]) { self.caches = caches }
}
