import Foundation
import Testing

@testable import Engine

/// Input that a user, a hand-edited file or a fuzzer supplies: each gets a reason, never a
/// trap. Each case here trapped once (scripts/fuzz.sh found most of them).
@Suite("Hostile input")
struct HostileInputTests {
    @Test func anRLEHeaderWhoseCellCountOverflowsIsTooLarge() {
        #expect {
            try RLEFile.parse("x = 9999999999999, y = 9999999999999\nbo$!\n")
        } throws: { error in
            (error as? RLEError)?.problem
                == "pattern of 9999999999999x9999999999999 is too large (at most 1048576 a side and 1073741824 cells)"
        }
    }

    /// A side of no cells beside one of 10^15 made a pattern of no cells whose rows, walked
    /// to write it, took days; a side longer than the largest grid's is refused, while Golly's
    /// empty pattern (0 by 0) and the longest sides still read and write.
    @Test func anRLEHeaderWithASideBeyondTheLargestGridIsTooLarge() throws {
        for header in ["x = 0, y = 999990000000998", "x = 1048577, y = 1", "x = 0, y = 1048577"] {
            #expect(throws: RLEError.self) { try RLEFile.parse(header + "\nb$9!\n") }
        }
        for (width, height) in [(0, 0), (0, 1 << 20), (1 << 20, 1)] {
            let pattern = try RLEFile.parse("x = \(width), y = \(height)\n!\n")
            #expect(pattern.grid.width == width && pattern.grid.height == height)
            let written = RLEFile.write(pattern.grid, rule: .conway)
            #expect(try RLEFile.parse(written).grid == pattern.grid)
        }
    }

    /// What a file holds is quoted, not echoed: control characters that would retitle or clear
    /// the terminal are escaped, and long excerpts are cut, in every message that shows them.
    @Test func fileContentsInMessagesCannotReachTheTerminalRaw() throws {
        let hostile = "\u{1B}]0;owned\u{07}\u{1B}[2J"
        var messages: [String] = []
        for rle in [
            "x = 3, y = 3, \(hostile) = 4\nbo$!\n", "x = 3, y = 3, rule = B3\(hostile)/S23\nbo$!\n",
            "x = 3, y = 1\nb\u{1B}!\n",
        ] {
            do {
                _ = try RLEFile.parse(rle)
                Issue.record("accepted \(rle.debugDescription)")
            } catch { messages.append("\(error)") }
        }
        for descr in ["<f4\(hostile)", String(repeating: "x", count: 40_000)] {
            var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1, 8), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            let length = header.utf8.count
            var bytes: [UInt8] = [0x93]
            bytes += Array("NUMPY".utf8)
            bytes += [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            bytes += Array(header.utf8)
            bytes += [UInt8](repeating: 0, count: 32)
            do {
                _ = try NPYFile.decode(Data(bytes))
                Issue.record("accepted descr of \(descr.utf8.count) bytes")
            } catch { messages.append("\(error)") }
        }
        #expect(messages.count == 5)
        for message in messages {
            #expect(
                !message.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                "\(message.debugDescription)")
            #expect(message.count < 400, "\(message.count) characters")
        }
        #expect(messages[0].contains("\\u{1B}]0;owned\\u{7}"), "\(messages[0])")
    }

    /// "A" followed by a combining accent is one Character that sorts between "A" and "X".
    @Test func aLetterWithACombiningAccentIsAnUnknownCharacter() {
        #expect {
            try RLEFile.parse("x = 3, y = 1, rule = 345/2/4\nA\u{301}!\n")
        } throws: { error in
            (error as? RLEError).map { $0.line == 2 && $0.column == 1 && $0.problem.hasPrefix("unknown character") }
                ?? false
        }
    }

    @Test(arguments: [(Int.max, 0), (0, Int.max), (Int.min, Int.min), (Int.max, Int.min), (-1, -1)])
    func aPatternPlacedAtAnyPositionWraps(x: Int, y: Int) {
        let pattern = LifeGrid(width: 3, height: 2, cells: [1, 0, 1, 0, 1, 1])
        var anywhere = LifeGrid(width: 7, height: 5)
        anywhere.place(pattern, atX: x, y: y)
        // The same as placing it at the position reduced onto the torus.
        var reduced = LifeGrid(width: 7, height: 5)
        reduced.place(pattern, atX: (x % 7 + 7) % 7, y: (y % 5 + 5) % 5)
        #expect(anywhere == reduced)
        #expect(anywhere.population == 4)
        // Cell by cell: pattern cell (px, py) lands on ((x + px) mod 7, (y + py) mod 5), across
        // both edges, and a pattern wider than the grid wraps onto itself, its later cells last.
        let (left, top) = ((x % 7 + 7) % 7, (y % 5 + 5) % 5)
        for wide in [
            pattern, LifeGrid(width: 9, height: 2, cells: [1, 0, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 1, count: 9)),
        ] {
            var placed = LifeGrid(width: 7, height: 5)
            placed.place(wide, atX: x, y: y)
            var expected = LifeGrid(width: 7, height: 5)
            for py in 0..<wide.height {
                for px in 0..<wide.width { expected[(left + px) % 7, (top + py) % 5] = wide[px, py] }
            }
            #expect(placed == expected)
        }
    }

    /// Every combination of extreme values, as a tuning cache or checkpoint may hold them: each
    /// shape gets reasons or passes, and one that passes has sizes a device can run.
    @Test func kernelShapesOfAnyIntegersGetReasons() {
        let values = [Int.min, -1, 0, 1, 2, 3, 64, 65, 1024, 1 << 40, Int.max]
        let devices = [
            FabricatedDevices.nvidiaH100(index: 0), FabricatedDevices.lavapipe(index: 0),
            FabricatedDevices.videoCore(index: 0),
        ]
        var accepted = 0
        for workgroup in values {
            for bodies in values {
                for tile in values {
                    for split in [Int.min, 0, 1, 2, 1 << 40, Int.max] {
                        for unroll in [Int.min, 0, 1, 4, 1 << 40, Int.max] {
                            for pairs in [false, true] {
                                // Combinations no kernel has are refused before any device is asked.
                                guard
                                    let shape = try? NBodyKernel(
                                        workgroupSize: workgroup, bodiesPerInvocation: bodies, tileSize: tile,
                                        invocationsPerBody: split, eachPairOnce: pairs, tileUnroll: unroll)
                                else { continue }
                                for device in devices {
                                    for count in [1, 4096, 1 << 40, Int.max]
                                    where shape.problems(on: device, particleCount: count).isEmpty {
                                        accepted += 1
                                        #expect(
                                            (1...1024).contains(workgroup) && (1...64).contains(bodies)
                                                && (0...3072).contains(tile)
                                                && (1...workgroup).contains(split) && (1...32).contains(unroll)
                                                && count <= 1 << 27)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(accepted > 0, "some ordinary shapes pass")
    }

    @Test func kernelShapeTextWithHugeNumbersGetsReasons() throws {
        let lavapipe = FabricatedDevices.lavapipe(index: 0)
        for text in [
            "9223372036854775807,1,0", "16,9223372036854775807,0", "16,1,9223372036854775807",
            "16,1,64u9223372036854775807",
            "16,1,0,9223372036854775807", "4611686018427387904,4,0",
        ] {
            let shape = try NBodyKernel(parsing: text)
            #expect(!shape.problems(on: lavapipe, particleCount: 4096).isEmpty, "\(text)")
        }
        for text in ["", "1,2", "1,2,3,4,5", "-1,1,0", "16,1,0x", "16,1,64u0", "16,1,64u", "16,1,0aa"] {
            #expect(throws: NBodyKernel.Unbuildable.self, "\(text)") { try NBodyKernel(parsing: text) }
        }
    }

    /// Checkpoint metadata is JSON a person can edit: a step or physics no run could have
    /// reached is refused with the file's name, not run or reported as an option's fault.
    @Test(arguments: [
        ("step", -5.0, "gives step -5; a checkpoint's step is at least 0"),
        ("dt", -0.001, "cannot be resumed: its dt must be a positive finite number, got -0.001"),
        ("softening", -1.0, "cannot be resumed: its softening must be zero or a positive finite number, got -1.0"),
    ])
    func editedCheckpointMetadataIsCheckedOnResume(field: String, value: Double, problem: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edited-\(UUID().uuidString).npy")
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: Checkpoint.metadataURL(for: url))
        }
        try Checkpoint(step: 3, parameters: NBodyParameters(), state: InitialModel.plummer.generate(count: 8, seed: 1))
            .write(to: url)
        #expect(try Checkpoint.read(from: url).step == 3)
        let metadataURL = Checkpoint.metadataURL(for: url)
        var metadata = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: metadataURL)) as? [String: Any])
        if field == "step" {
            metadata[field] = Int(value)
        } else {
            var parameters = try #require(metadata["parameters"] as? [String: Any])
            parameters[field] = value
            metadata["parameters"] = parameters
        }
        try JSONSerialization.data(withJSONObject: metadata).write(to: metadataURL)
        #expect(throws: FileError(path: metadataURL.path, problem: problem)) { try Checkpoint.read(from: url) }
    }

    /// A Gray-Scott checkpoint is read back whole; edited rates or step, a torn pair, a field of
    /// another size and the other workload's checkpoint are each refused with what is wrong.
    /// A Life checkpoint reads back whole; edited metadata, a grid the rule cannot hold, a torn
    /// pair and another workload's checkpoint are refused, each naming what is wrong.
    @Test func lifeCheckpointsAreReadBackWholeOrRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("life-\(UUID().uuidString).npy")
        let metadataURL = Checkpoint.metadataURL(for: url)
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: metadataURL)
        }
        let grid = LifeGrid(width: 9, height: 7, cells: (0..<63).map { UInt8($0 * 7 % 3) })
        let saved = LifeCheckpoint(step: 12, rule: try LifeRule(parsing: "B2/S/C3"), bounded: true, grid: grid)
        try saved.write(to: url)
        #expect(try LifeCheckpoint.read(from: url) == saved)

        let original = try Data(contentsOf: metadataURL)
        for (edit, problem) in [
            ({ (m: inout [String: Any]) in m["step"] = -4 }, "gives step -4; a checkpoint's step is at least 0"),
            (
                { (m: inout [String: Any]) in m["rule"] = "B9/S" },
                "cannot be resumed: its invalid rule 'B9/S': '9' is not a neighbour count 0-8"
            ),
            (
                { (m: inout [String: Any]) in m["rule"] = "B3/S23" },
                "cannot be resumed: the grid has state 2, which B3/S23 lacks"
            ),
            (
                { (m: inout [String: Any]) in m["format"] = "capitalengine-gray-scott-checkpoint-1" },
                "is a Gray-Scott checkpoint's metadata (run gray-scott --resume)"
            ),
        ] {
            var metadata = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            edit(&metadata)
            try JSONSerialization.data(withJSONObject: metadata).write(to: metadataURL)
            do {
                _ = try LifeCheckpoint.read(from: url)
                Issue.record("read despite: \(problem)")
            } catch let error as FileError {
                #expect(error.path == metadataURL.path && error.problem.hasPrefix(problem), "\(error)")
            }
        }
        try original.write(to: metadataURL)
        // A grid written over the checkpoint's, as a kill between the two writes leaves it.
        try NPYFile.encode(LifeGrid(width: 9, height: 7)).write(to: url)
        do { _ = try LifeCheckpoint.read(from: url) } catch {
            #expect("\(error)".contains("does not match its metadata"), "\(error)")
        }
        // The other workloads' readers name it.
        try saved.write(to: url)
        #expect(
            throws: FileError(path: metadataURL.path, problem: "is a Life checkpoint's metadata (run life --resume)")
        ) { try Checkpoint.read(from: url) }
        #expect(
            throws: FileError(path: metadataURL.path, problem: "is a Life checkpoint's metadata (run life --resume)")
        ) { try GrayScottCheckpoint.read(from: url) }
    }

    @Test func grayScottCheckpointsAreReadBackWholeOrRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gray-scott-\(UUID().uuidString).npy")
        let nbody = url.deletingPathExtension().appendingPathExtension("nbody.npy")
        defer {
            for file in [url, nbody] {
                try? FileManager.default.removeItem(at: file)
                try? FileManager.default.removeItem(at: Checkpoint.metadataURL(for: file))
            }
        }
        let device = FabricatedDevices.lavapipe(index: 0)
        let saved = GrayScottCheckpoint(
            step: 40, parameters: GrayScottParameters(feed: 0.03), field: .seeded(width: 9, height: 7, seed: 2),
            computedOn: CheckpointDevice(device))
        try saved.write(to: url)
        #expect(try GrayScottCheckpoint.read(from: url) == saved)
        #expect(
            saved.computedOn.isSame(as: device) && !saved.computedOn.isSame(as: FabricatedDevices.nvidiaH100(index: 0)))

        let metadataURL = Checkpoint.metadataURL(for: url)
        let original = try Data(contentsOf: metadataURL)
        for (edit, problem) in [
            ({ (m: inout [String: Any]) in m["step"] = -1 }, "gives step -1; a checkpoint's step is at least 0"),
            (
                { (m: inout [String: Any]) in
                    var rates = m["parameters"] as! [String: Any]
                    rates["diffusionU"] = -2
                    m["parameters"] = rates
                }, "cannot be resumed: its diffusionU must be zero or more, got -2.0"
            ),
            (
                { (m: inout [String: Any]) in m["format"] = "capitalengine-checkpoint-1" },
                "is an N-body checkpoint's metadata (run --resume)"
            ),
        ] {
            var metadata = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            edit(&metadata)
            try JSONSerialization.data(withJSONObject: metadata).write(to: metadataURL)
            #expect(throws: FileError(path: metadataURL.path, problem: problem)) {
                try GrayScottCheckpoint.read(from: url)
            }
        }
        try original.write(to: metadataURL)
        // A field written over the checkpoint's, as a kill between the two writes leaves it.
        try NPYFile.write(GrayScottField.seeded(width: 9, height: 7, seed: 3), to: url)
        #expect(throws: FileError.self) { try GrayScottCheckpoint.read(from: url) }
        do { _ = try GrayScottCheckpoint.read(from: url) } catch {
            #expect("\(error)".contains("does not match its metadata"), "\(error)")
        }
        // Each reader names the other's checkpoint.
        try Checkpoint(step: 3, parameters: NBodyParameters(), state: InitialModel.plummer.generate(count: 8, seed: 1))
            .write(to: nbody)
        #expect(
            throws: FileError(
                path: Checkpoint.metadataURL(for: nbody).path,
                problem: "is an N-body checkpoint's metadata (run --resume)")
        ) { try GrayScottCheckpoint.read(from: nbody) }
        try saved.write(to: url)
        #expect(
            throws: FileError(
                path: metadataURL.path, problem: "is a Gray-Scott checkpoint's metadata (run gray-scott --resume)")
        ) { try Checkpoint.read(from: url) }
    }

    @Test func lifeGridsBeyondHostMemoryAreRefusedBeforeTheyAreMade() {
        #expect(
            LifeGrid.hostMemoryProblem(width: 65536, height: 65536, memory: 4 << 30)
                == "a 65536x65536 grid needs 8 GiB of host memory (a byte per cell, twice); this machine has 4 GiB")
        #expect(LifeGrid.hostMemoryProblem(width: 4096, height: 4096, memory: 4 << 30) == nil)
        #expect(
            LifeGrid.hostMemoryProblem(width: 1 << 20, height: 1 << 20, memory: nil) == nil,
            "unknown memory refuses nothing")
    }

    @Test func lifeGridsBeyondAStorageBufferAreRefusedBeforeTheyAreMade() {
        let lavapipe = FabricatedDevices.lavapipe(index: 0)
        #expect(
            LifeWorkload.sizeProblem(width: 1 << 20, height: 1 << 20, kernel: .bits, rule: .conway, device: lavapipe)
                == """
                a 1048576x1048576 grid needs 137438953472 bytes with the bits kernel; the device's \
                maxStorageBufferRange is 134217728
                """
        )
        // 32 cells a word hold grids that a byte per cell cannot.
        #expect(
            LifeWorkload.sizeProblem(width: 16384, height: 16384, kernel: .bits, rule: .conway, device: lavapipe) == nil
        )
        #expect(
            LifeWorkload.sizeProblem(width: 16384, height: 16384, kernel: .bytes, rule: .conway, device: lavapipe)
                != nil)
    }
}
