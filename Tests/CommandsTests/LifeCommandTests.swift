import Engine
import Foundation
import TestSupport
import Testing

@Suite("Life commands", .serialized)
struct LifeCommandTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("life-cli")
    var directory: URL { scratch.url }

    func write(_ name: String, _ text: String) throws -> URL { try scratch.file(name, containing: text) }

    @Test func theGosperGunFromAnRLEFile() throws {
        let gun = try write(
            "gun.rle",
            """
            #N Gosper glider gun
            x = 36, y = 9, rule = B3/S23
            24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4b
            obo$10bo5bo7bo$11bo3bo$12b2o!

            """)
        let rle = directory.appendingPathComponent("after.rle"), npy = directory.appendingPathComponent("after.npy")
        for output in [rle, npy] {
            let result = try CommandLineRun.run([
                "run", "--workload", "life", "--init", gun.path, "--size", "120x100",
                "--steps", "60", "--output", output.path, "--validate",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("generations: 60"))
            #expect(result.stdout.contains("population: 46"))
        }
        // The RLE output is the CPU reference's grid, and reads back.
        var start = LifeGrid(width: 120, height: 100)
        start.place(try RLEFile.parse(String(contentsOf: gun, encoding: .utf8)).grid, atX: 42, y: 45)
        let expected = LifeReference.advance(start, rule: .conway, generations: 60)
        #expect(try RLEFile.parse(String(contentsOf: rle, encoding: .utf8)).grid == expected)
        // The .npy is uint8, shape (H, W), row-major.
        let bytes = try Data(contentsOf: npy)
        #expect(
            String(decoding: bytes[10..<80], as: UTF8.self).contains(
                "'descr': '|u1', 'fortran_order': False, 'shape': (100, 120)"))
        #expect(Array(bytes.suffix(120 * 100)) == expected.cells)
    }

    /// What `--output` wrote as .npy is an `--init`: the run goes on from it bit for bit, in a
    /// Generations rule too (given again: the array holds cells only).
    @Test func aRunGoesOnFromItsNPYOutput() throws {
        let (first, second, whole) = (
            directory.appendingPathComponent("first.npy"), directory.appendingPathComponent("second.npy"),
            directory.appendingPathComponent("whole.npy")
        )
        let common = ["run", "life", "--rule", "B2/S/C3", "--bounded", "--quiet"]
        for (arguments, output) in [
            (["--size", "48x40", "--density", "0.3", "--steps", "25"], first),
            (["--init", first.path, "--steps", "15"], second),
            (["--size", "48x40", "--density", "0.3", "--steps", "40"], whole),
        ] {
            let result = try CommandLineRun.run(common + arguments + ["--output", output.path, "--validate"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let resumed = try NPYFile.readGrid(from: second)
        #expect(resumed.width == 48 && resumed.height == 40 && resumed.population > 0)
        #expect(try resumed == NPYFile.readGrid(from: whole))
        // A state or a field is refused, naming the command that takes it.
        let state = directory.appendingPathComponent("state.npy")
        try NPYFile.write(InitialModel.plummer.generate(count: 8, seed: 1), to: state)
        let refused = try CommandLineRun.run(["run", "life", "--init", state.path, "--steps", "1"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("a Life grid is uint8 ('|u1') or bool ('|b1')"), "\(refused.stderr)")
        #expect(refused.stderr.contains("(an N-body state: run --init)"), "\(refused.stderr)")
    }

    /// A checkpointed run and one resumed from its checkpoint end with the bits of a run never
    /// interrupted; the resumed run takes the checkpoint's grid, rule and topology and refuses
    /// options that would set them.
    @Test func aCheckpointedRunResumesBitForBit() throws {
        let checkpoint = directory.appendingPathComponent("checkpoint.npy")
        let (resumed, whole) = (
            directory.appendingPathComponent("resumed.rle"), directory.appendingPathComponent("whole.rle")
        )
        let start = ["run", "life", "--rule", "B2/S/C3", "--bounded", "--size", "50x30", "--seed", "4"]
        let first = try CommandLineRun.run(
            start + ["--steps", "30", "--checkpoint", checkpoint.path, "--checkpoint-every", "8"])
        #expect(
            first.status == 0 && first.stdout.contains("checkpoint: \(checkpoint.path) (generation 30)"), "\(first)")
        let saved = try LifeCheckpoint.read(from: checkpoint)
        #expect(saved.step == 30 && saved.bounded && saved.rule.description == "B2/S/C3")
        let second = try CommandLineRun.run([
            "run", "life", "--resume", checkpoint.path, "--steps", "55", "--output", resumed.path,
            "--life-kernel", "bytes", "--validate",
        ])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(
            second.stderr.contains("Life B2/S/C3 on 50x30 bounded, 55 generations (resumed at generation 30)"),
            "\(second.stderr)")
        #expect(second.stdout.contains("generations: 55\n"), "\(second.stdout)")
        let uninterrupted = try CommandLineRun.run(start + ["--steps", "55", "--output", whole.path])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        // Another kernel resumed it: Life is exact on every kernel, so the grids are the same.
        #expect(
            try RLEFile.parse(String(contentsOf: resumed, encoding: .utf8)).grid
                == RLEFile.parse(String(contentsOf: whole, encoding: .utf8)).grid)

        for (arguments, message) in [
            (["--rule", "B3/S23", "--bounded"], "--resume continues the checkpoint's grid with its rule; drop --rule"),
            (["--size", "8x8", "--seed", "2"], "drop --seed, --size"),
            (["--init", checkpoint.path], "drop --init"),
        ] {
            let result = try CommandLineRun.run(["run", "life", "--resume", checkpoint.path] + arguments)
            #expect(result.status == 64 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let past = try CommandLineRun.run(["run", "life", "--resume", checkpoint.path, "--steps", "20"])
        #expect(past.status == 1 && past.stderr.contains("the checkpoint is at generation 30, beyond --steps 20"))
    }

    @Test func stopWhenStableNamesThePeriod() throws {
        let blinker = try write("blinker.rle", "x = 3, y = 1\n3o!\n")
        let result = try CommandLineRun.run([
            "run", "--workload", "life", "--init", blinker.path, "--size", "16x16",
            "--steps", "1000", "--stop-when-stable",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("stable: period 2 at generation 2"))
        let block = try write("block.rle", "x = 2, y = 2\n2o$2o!\n")
        let still = try CommandLineRun.run([
            "run", "--workload", "life", "--init", block.path, "--size", "8x8",
            "--steps", "1000", "--stop-when-stable",
        ])
        #expect(still.stdout.contains("stable: still life (unchanged) at generation 1"))
    }

    @Test func badPatternsAndRulesAreClearErrors() throws {
        let broken = try write("broken.rle", "x = 3, y = 1\nbzo!\n")
        let result = try CommandLineRun.run(["run", "--workload", "life", "--init", broken.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("broken.rle: line 2, column 2: unknown character 'z'"))
        let rule = try CommandLineRun.run(["run", "--workload", "life", "--rule", "B9/S23"])
        #expect(rule.status == 64)
        #expect(rule.stderr.contains("accepted rule forms"))
        // Refused where it is parsed, before any device starts, with the range that runs.
        let states = try CommandLineRun.run(["run", "--workload", "life", "--rule", "B3/S23/C257"])
        #expect(states.status == 64 && states.stderr.contains("from 2 to 256"), "\(states.stderr)")
        let big = try write("big.rle", "x = 40, y = 1\n40o!\n")
        let tooBig = try CommandLineRun.run(["run", "--workload", "life", "--init", big.path, "--size", "32x32"])
        #expect(tooBig.status == 1)
        #expect(tooBig.stderr.contains("larger than the grid"))
    }

    /// Sizes no device holds are refused before the host makes the grid: a 2^20 x 2^20 grid
    /// once asked the host for a terabyte and aborted.
    @Test func gridsTooLargeForTheDeviceAreRefusedAtOnce() throws {
        for command in ["run", "verify"] {
            let result = try CommandLineRun.run([
                command, "--workload", "life", "--size", "1048576x1048576", "--steps", "1",
            ])
            #expect(result.status == 1, "\(command): \(result.stderr)")
            // Both reasons at once: the refusal came from the sizes, not from a grid that was made.
            #expect(
                result.stderr.contains("a 1048576x1048576 grid needs")
                    && result.stderr.contains("maxStorageBufferRange"), "\(result.stderr)")
        }
    }

    /// A header may declare up to 2^30 cells; one larger than the grid is refused from the
    /// header, before the pattern's own grid is made.
    @Test func aPatternHeaderLargerThanTheGridIsRefusedAtOnce() throws {
        let huge = try write("huge.rle", "x = 30000, y = 30000\nbo!\n")
        let result = try CommandLineRun.run(["run", "--workload", "life", "--init", huge.path, "--steps", "1"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                """
                huge.rle: line 1, column 1: the pattern (30000x30000) is larger than the grid (256x256); raise \
                --size
                """),
            "\(result.stderr)")
    }

    @Test func aPatternPlacedFarOutsideTheGridWrapsOntoIt() throws {
        let glider = try write("far.rle", "x = 3, y = 3\nbob$2bo$3o!\n")
        let output = directory.appendingPathComponent("far.npy")
        let result = try CommandLineRun.run([
            "run", "--workload", "life", "--init", glider.path, "--size", "16x16",
            "--at", "9223372036854775807,9223372036854775807", "--steps", "0", "--output", output.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("population: 5"))
    }

    /// verify checks the pattern --init names, placed as run places it, with every kernel.
    @Test func verifyChecksAnRLEPattern() throws {
        let glider = try write("verify-glider.rle", "x = 3, y = 3\nbob$2bo$3o!\n")
        let result = try CommandLineRun.run([
            "verify", "--workload", "life", "--init", glider.path, "--size", "35x17",
            "--at", "33,15", "--steps", "40",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("start: pattern \(glider.path), 5 cells not dead"), "\(result.stdout)")
        #expect(result.stdout.contains("bits kernel, 40 generations: 0 cells differ"))
        #expect(result.stdout.contains("wide kernel, 40 generations: 0 cells differ"))
        #expect(result.stdout.contains("PASS (bit-exact)"))
    }

    @Test func verifyIsBitExactForGenerationsRules() throws {
        let result = try CommandLineRun.run([
            "verify", "--workload", "life", "--rule", "B2/S/C3", "--size", "77x33",
            "--steps", "25", "--bounded", "--validate",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for kernel in ["bytes", "bits", "wide"] {
            #expect(
                result.stdout.contains(", \(kernel) kernel, 25 generations: 0 cells differ"),
                "\(kernel): \(result.stdout)")
        }
        #expect(result.stdout.contains("PASS (bit-exact)"))
    }

    @Test func verifyChecksEveryKernelOfATwoStateRule() throws {
        let result = try CommandLineRun.run([
            "verify", "--workload", "life", "--size", "97x61", "--steps", "19", "--validate",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for kernel in ["bytes", "bits", "wide", "tiled:4", "tiled:8"] {
            #expect(
                result.stdout.contains(", \(kernel) kernel, 19 generations: 0 cells differ"),
                "\(kernel): \(result.stdout)")
        }
        let wrongKernel = try CommandLineRun.run([
            "verify", "--workload", "life", "--rule", "B2/S/C3", "--life-kernel", "tiled:8",
        ])
        #expect(wrongKernel.status == 1)
        #expect(wrongKernel.stderr.contains("runs two-state rules only"))
        // More workgroup rows than the device allows: a clear error, not a silently short dispatch.
        let tall = try CommandLineRun.run([
            "run", "--workload", "life", "--size", "4x1048576", "--steps", "1",
            "--life-kernel", "bytes", "--headless",
        ])
        #expect(tall.status == 1)
        #expect(tall.stderr.contains("workgroups with the bytes kernel; the device allows"), "\(tall.stderr)")
        let badKernel = try CommandLineRun.run(["run", "--workload", "life", "--life-kernel", "tiled:99"])
        #expect(badKernel.status == 64)
        #expect(badKernel.stderr.contains("--life-kernel"))
    }

    @Test func benchComparesKernels() throws {
        let result = try CommandLineRun.run([
            "bench", "--workload", "life", "--grid", "96x40", "--life-kernel", "bytes", "bits", "wide", "tiled:4",
            "--repeats", "2", "--steps", "8", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["kernel"] as? String } == ["bytes", "bits", "wide", "tiled:4"])
        // The bit kernels say how they laid the grid out, as its shape depends on device and size.
        #expect(
            results.map { ($0["shape"] as? String)?.contains("per invocation") == true } == [false, true, true, false])
        // Bytes move 8x the bits' traffic; tiling divides it by the blocking factor.
        let traffic = results.compactMap { $0["bytesPerGeneration"] as? Double }
        let bitsTraffic: Double = 2 * 3 * 40 * 4
        #expect(traffic == [8 * bitsTraffic, bitsTraffic, bitsTraffic, bitsTraffic / 4])
    }

    @Test func benchReportsCellUpdatesPerSecond() throws {
        // --size, as run, verify and tune spell it, names bench's grids too.
        let result = try CommandLineRun.run([
            "bench", "--workload", "life", "--size", "64x48", "100x30", "--repeats", "2",
            "--steps", "3", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["rule"] as? String == "B3/S23")
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["width"] as? Int } == [64, 100])
        let rate = try #require(results[0]["cellUpdatesPerSecond"] as? [String: Double])
        #expect(rate["median"]! > 0)
    }

    @Test func pngAndFramesOfTheGrid() throws {
        let png = directory.appendingPathComponent("life.png"), frames = directory.appendingPathComponent("life-frames")
        let result = try CommandLineRun.run([
            "run", "--workload", "life", "--size", "64x32", "--density", "0.3", "--steps", "6",
            "--png", png.path, "--frames", frames.path, "--every", "2",
            "--window", "128x64", "--validate",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("validation"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
                == ["frame_000000.png", "frame_000001.png", "frame_000002.png", "frame_000003.png"])
        #expect(try Data(contentsOf: png).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }

    /// Golly's grid suffix gives the grid where --size does not: a torus or a bounded plane,
    /// from the pattern's rule or from --rule; the RLE written names the grid it ran on.
    @Test func aRuleSuffixGivesTheGrid() throws {
        let pattern = directory.appendingPathComponent("suffix.rle")
        try Data("x = 3, y = 3, rule = B3/S23:P20,10\nbo$2bo$3o!\n".utf8).write(to: pattern)
        let output = directory.appendingPathComponent("suffix-out.rle")
        let plane = try CommandLineRun.run([
            "run", "--workload", "life", "--init", pattern.path, "--steps", "4", "--output", output.path,
        ])
        #expect(plane.status == 0, "\(plane.stderr)")
        #expect(plane.stderr.contains("on 20x10 bounded"), "\(plane.stderr)")
        #expect(try String(contentsOf: output, encoding: .utf8).contains("rule = B3/S23:P20,10"))
        let torus = try CommandLineRun.run([
            "run", "--workload", "life", "--init", pattern.path, "--rule", "B3/S23:T30,40", "--steps", "1",
        ])
        #expect(torus.status == 0 && torus.stderr.contains("on 30x40 torus"), "\(torus.stderr)")
        let sized = try CommandLineRun.run([
            "run", "--workload", "life", "--init", pattern.path, "--size", "64x64", "--steps", "1",
        ])
        #expect(sized.status == 0 && sized.stderr.contains("on 64x64 torus"), "\(sized.stderr)")
        let klein = try CommandLineRun.run([
            "run", "--workload", "life", "--rule", "B3/S23:K20,20", "--steps", "1",
        ])
        #expect(klein.status == 64 && klein.stderr.contains("Klein bottle"), "\(klein.stderr)")
    }
}
