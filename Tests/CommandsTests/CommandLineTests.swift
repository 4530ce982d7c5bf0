import Engine
import Foundation
import TestSupport
import Testing

/// The commands as a user runs them, in this process: exit codes, messages, files.
@Suite("Commands", .serialized)
struct CommandLineTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("cli-tests")
    var directory: URL { scratch.url }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineRun.Result {
        try CommandLineRun.run(arguments, environment: environment)
    }

    @Test func helpExplainsCommandsAndExitCodes() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        for word in ["devices", "run", "bench", "verify", "EXIT CODES", "64", "CAPITALENGINE_DEVICE"] {
            #expect(result.stdout.contains(word), "help lacks \(word)")
        }
        let runHelp = try run(["run", "--help"])
        #expect(runHelp.stdout.contains("nbody (default)") && runHelp.stdout.contains("life"), "\(runHelp.stdout)")
        let nbodyHelp = try run(["run", "nbody", "--help"])
        for option in [
            "--particles", "--steps", "--dt", "--softening", "--model", "--seed", "--init", "--output", "--device",
            "--validate",
        ] {
            #expect(nbodyHelp.stdout.contains(option), "run nbody --help lacks \(option)")
        }
        let lifeHelp = try run(["run", "life", "--help"])
        for option in ["--size", "--rule", "--density", "--init", "--output", "--life-kernel"] {
            #expect(lifeHelp.stdout.contains(option), "run life --help lacks \(option)")
        }
        #expect(!lifeHelp.stdout.contains("--particles") && !nbodyHelp.stdout.contains("--rule"))
    }

    @Test func devicesListsAndMarksTheSelection() throws {
        let table = try run(["devices"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("llvmpipe"))
        #expect(table.stdout.contains("Selected: [0]"))
        // lavapipe offers what the pair-once kernels need.
        #expect(
            table.stdout.contains(
                """
                subgroup shuffles in compute: yes, relative: yes, float atomic adds: yes, 64-bit integer atomic \
                adds: yes
                """
            ))
        let json = try run(["devices", "--json", "--device", "cpu"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let devices = try #require(object["devices"] as? [[String: Any]])
        #expect(object["selectedIndex"] as? Int == 0)
        #expect(devices.first?["vendor"] as? String == "mesa")
        #expect(devices.first?["type"] as? String == "cpu")
        #expect((devices.first?["limits"] as? [String: Any])?["maxComputeWorkGroupInvocations"] as? Int == 1024)
        #expect(devices.first?["supportsBufferFloatAtomicAdd"] as? Bool == true)
        #expect(devices.first?["supportsBufferInt64AtomicAdd"] as? Bool == true)
    }

    @Test func anUnknownDeviceIsAnErrorListingTheDevices() throws {
        for result in [
            try run(["devices", "--device", "radeon"]),
            try run(["verify", "--particles", "10"], environment: ["CAPITALENGINE_DEVICE": "nvidia"]),
        ] {
            #expect(result.status == 1)
            #expect(result.stderr.contains("no Vulkan device matches"))
            #expect(result.stderr.contains("[0] llvmpipe"))
        }
    }

    @Test func usageErrorsExitWith64() throws {
        for arguments in [
            ["run", "--particles", "0"], ["run", "--steps", "-1"], ["run", "--dt", "0"],
            ["run", "--model", "torus"], ["bench", "--repeats", "0"], ["frobnicate"],
            ["run", "--device", ""], ["run", "--output", "/no/such/dir/x.npy"],
            ["run", "--output", "\(directory.path)/x.txt"], ["verify", "--tolerance", "-1"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(!result.stderr.isEmpty)
        }
    }

    /// A negative number is taken as the option's value and meets its range check, not read as
    /// an unknown option with the value missing.
    @Test func negativeNumbersGetTheRangeMessage() throws {
        for (arguments, message) in [
            (["run", "--softening", "-1"], "--softening must be zero or a positive finite number, got -1"),
            (["run", "--dt", "-0.5"], "--dt must be a positive finite number, got -0.5"),
            (["run", "--gravity", "-2"], "--gravity must be zero or a positive finite number, got -2"),
            (["run", "--particles", "-5"], "--particles must be at least 1, got -5"),
            (["run", "--steps", "-3"], "--steps must be zero or more, got -3"),
            (["verify", "--tolerance", "-1"], "--tolerance must be positive, got -1"),
            (["bench", "--repeats", "-2"], "--repeats must be at least 1"),
        ] {
            let result = try run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Missing value"), "\(arguments): \(result.stderr)")
        }
    }

    /// verify --sample checks one step of a few bodies exactly, so large systems verify in
    /// seconds; the same seed picks the same bodies.
    @Test func verifyChecksASampleOfALargeSystem() throws {
        let result = try run(["verify", "--particles", "20000", "--steps", "1", "--sample", "300"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "checked: 300 bodies sampled from 20000, their step computed on the CPU against all 20000"))
        #expect(result.stdout.contains("PASS"))
        let again = try run(["verify", "--particles", "20000", "--steps", "1", "--sample", "300"])
        func errors(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.contains("error: max") } }
        #expect(errors(again.stdout) == errors(result.stdout), "the same bodies, the same errors")
        for (arguments, message) in [
            (["verify", "--steps", "2", "--sample", "10"], "--sample checks one step exactly; give --steps 1"),
            (["verify", "--steps", "1", "--sample", "0"], "--sample must be at least 1"),
            (["verify", "--workload", "life", "--sample", "10"], "Unknown option '--sample'"),
        ] {
            let refused = try run(arguments)
            #expect(refused.status == 64, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
    }

    /// Options that the chosen start or view would silently ignore are refused, by name.
    @Test func optionsTheStartOrTheViewWouldIgnoreAreRefused() throws {
        let state = directory.appendingPathComponent("start.npy")
        #expect(try run(["run", "--particles", "16", "--steps", "0", "--output", state.path]).status == 0)
        let pattern = directory.appendingPathComponent("start.rle")
        try Data("x = 3, y = 3\nbob$2bo$3o!\n".utf8).write(to: pattern)
        for (arguments, message) in [
            (
                ["run", "--init", state.path, "--particles", "5"],
                "--init gives the starting state; --particles chooses a built-in one instead"
            ),
            (
                ["run", "--init", state.path, "--model", "cube", "--seed", "2"],
                "--model, --seed choose a built-in one instead"
            ),
            (["verify", "--init", state.path, "--seed", "2"], "--seed chooses a built-in one instead"),
            (
                ["run", "--workload", "life", "--init", pattern.path, "--seed", "2"],
                "--seed chooses a random one instead"
            ),
            (
                ["run", "--workload", "life", "--at", "3,3"],
                "--at places the --init pattern; without --init the grid starts random"
            ),
            (["verify", "--workload", "life", "--at", "3,3"], "--at places the --init pattern"),
            (
                ["run", "--workload", "life", "--init", pattern.path, "--density", "0.5"],
                "--density sets a random start"
            ),
            (["verify", "--workload", "life", "--stop-when-stable"], "--stop-when-stable applies to run"),
            (["run", "--every", "3"], "--every sets how often --frames writes a frame; give --frames DIR too"),
            (
                ["run", "--headless", "--steps-per-frame", "2"],
                "--steps-per-frame applies only in a window, which --headless rules out"
            ),
            (
                [
                    "run", "--png", directory.appendingPathComponent("x.png").path, "--present-mode", "mailbox",
                    "--steps-per-frame", "2",
                ],
                "--steps-per-frame and --present-mode apply only in a window, which --png rules out"
            ),
        ] {
            let result = try run(arguments + ["--steps", "1"])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// A file that could not be written at the end is refused before the work that makes it:
    /// a long run or a tuning session must not end by losing its result. Writability is found
    /// out by writing, since root passes permission checks on /proc.
    @Test func unwritableOutputsAreRefusedBeforeTheWork() throws {
        for (arguments, message) in [
            (["run", "--output", "/proc/x.npy"], "--output: '/proc/x.npy' cannot be written"),
            (["run", "--checkpoint", "/proc/x.npy"], "--checkpoint: '/proc/x.npy' cannot be written"),
            (["run", "--png", "/proc/x.png"], "--png: '/proc/x.png' cannot be written"),
        ] {
            let result = try run(arguments + ["--particles", "64", "--steps", "1"])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let frames = try run(["run", "--particles", "64", "--steps", "1", "--frames", "/proc/frames"])
        #expect(frames.status == 1)
        #expect(frames.stderr.contains("error: /proc/frames: cannot be made a directory"), "\(frames.stderr)")
        for arguments in [
            ["tune", "--particles", "64", "--budget", "0.5"], ["bench", "--particles", "64", "--tune"],
            ["tune", "--workload", "life", "--size", "64x64", "--budget", "0.5"],
        ] {
            let result = try run(arguments + ["--tune-cache", directory.path])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(
                result.stderr.contains("\(directory.path): is a directory; tuning results go there"),
                "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("[1/"), "no candidate was tried: \(result.stderr)")
        }
    }

    /// Any name the file system takes can be written, up to its 255 bytes: the temporary file
    /// beside it must not make the name too long.
    @Test func outputNamesUpToTheFileSystemsLimitAreWritten() throws {
        for name in [String(repeating: "a", count: 251) + ".npy", String(repeating: "é", count: 125) + "b.npy"] {
            #expect(name.utf8.count == 255)
            let output = directory.appendingPathComponent(name)
            let result = try run(["run", "--particles", "16", "--steps", "1", "--output", output.path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: output.path))
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.hasSuffix(".tmp") }
            )
            try FileManager.default.removeItem(at: output)
        }
    }

    /// A checkpoint is FILE.npy and FILE.npy.json: the second is checked before the run too,
    /// so a run never ends failing with an orphan .npy.
    @Test func aCheckpointWhoseMetadataCannotBeWrittenIsRefusedAtOnce() throws {
        let checkpoint = directory.appendingPathComponent("ckpt.npy")
        try FileManager.default.createDirectory(
            at: Checkpoint.metadataURL(for: checkpoint), withIntermediateDirectories: true)
        let result = try run(["run", "--particles", "64", "--steps", "50", "--checkpoint", checkpoint.path])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--checkpoint: '\(checkpoint.path).json'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path), "no orphan .npy")
    }

    /// Each workload has options of its own, so the other workload's cannot be given: an
    /// N-body kernel shape asked of a Life run would never be used. They are refused, by name,
    /// before anything runs, whichever spelling chose the workload.
    @Test func optionsOfTheOtherWorkloadAreRefused() throws {
        let output = directory.appendingPathComponent("life.rle")
        for (arguments, message) in [
            (
                ["run", "--workload", "life", "--kernel", "64,1,0", "--output", output.path],
                "Unknown option '--kernel'"
            ),
            (["run", "life", "--particles", "5", "--dt", "0.1"], "Unknown option '--particles'"),
            (["run", "--size", "64x64", "--bounded"], "Unknown option '--size'"),
            (["verify", "life", "--softening", "0.1"], "Unknown option '--softening'"),
            (["verify", "--rule", "B36/S23"], "Unknown option '--rule'"),
            (["bench", "--workload=life", "--tune"], "Unknown option '--tune'"),
            (["bench", "--grid", "64x64"], "Unknown option '--grid'"),
            (["tune", "life", "--particles", "100"], "Unknown option '--particles'"),
            (["tune", "nbody", "--size", "64x64"], "Unknown option '--size'"),
            (["tune", "gray-scott", "--rule", "B3/S23"], "Unknown option '--rule'"),
            (["tune", "gray-scott", "--no-tune-cache"], "tune stores its result in the tuning cache"),
        ] {
            let result = try run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
        // The workload's own options, and those both share, still pass.
        let life = try run([
            "run", "--workload", "life", "--size", "64x48", "--steps", "2", "--seed", "3", "--density", "0.5",
        ])
        #expect(life.status == 0, "\(life.stderr)")
        let nbody = try run(["run", "--particles", "50", "--steps", "2", "--dt", "0.002", "--seed", "3"])
        #expect(nbody.status == 0, "\(nbody.stderr)")
    }

    @Test func runWritesTheFinalStateAndASummary() throws {
        let output = directory.appendingPathComponent("final.npy")
        let result = try run([
            "run", "--particles", "300", "--steps", "25", "--model", "galaxies",
            "--output", output.path, "--validate",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("steps: 25"))
        #expect(result.stdout.contains("steps/s:"))
        #expect(result.stdout.contains("interactions/s:"))
        #expect(result.stderr.contains("device: [0] llvmpipe"))
        let state = try NPYFile.read(from: output)
        #expect(state.count == 300)
        // The written state is the GPU's 25 steps from the seeded model: the CPU agrees.
        let reference = NBodyReference.advance(
            InitialModel.galaxies.generate(count: 300, seed: 1),
            parameters: NBodyParameters(), steps: 25)
        #expect(StateComparison(state, reference: reference).worst < 1e-4)

        // Continuing from that file for 25 more equals 50 steps in one go.
        let continued = directory.appendingPathComponent("continued.npy")
        let second = try run(["run", "--init", output.path, "--steps", "25", "--output", continued.path])
        #expect(second.status == 0, "\(second.stderr)")
        let fifty = NBodyReference.advance(reference, parameters: NBodyParameters(), steps: 25)
        #expect(StateComparison(try NPYFile.read(from: continued), reference: fifty).worst < 1e-4)
    }

    /// `run --kernel` runs the shape named, says so, and its checkpoint carries it: a resume
    /// without --kernel goes on with it bit for bit; one the device cannot run is refused first.
    @Test func runTakesAKernelShape() throws {
        let whole = directory.appendingPathComponent("shaped-whole.npy")
        let checkpoint = directory.appendingPathComponent("shaped-ckpt.npy")
        let resumed = directory.appendingPathComponent("shaped-resumed.npy")
        let common = ["--particles", "300", "--model", "galaxies", "--kernel", "32,2,32"]
        let first = try run(["run", "--steps", "20", "--output", whole.path, "--validate"] + common)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stderr.contains("kernel: workgroup 32, 2 bodies/invocation, tile 32 (--kernel)"), "\(first.stderr)")
        let reference = NBodyReference.advance(
            InitialModel.galaxies.generate(count: 300, seed: 1), parameters: NBodyParameters(), steps: 20)
        #expect(StateComparison(try NPYFile.read(from: whole), reference: reference).worst < 1e-4)

        #expect(try run(["run", "--steps", "8", "--checkpoint", checkpoint.path] + common).status == 0)
        let second = try run(["run", "--resume", checkpoint.path, "--steps", "20", "--output", resumed.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("tile 32 (the checkpoint's)"), "\(second.stderr)")
        #expect(try Data(contentsOf: whole) == Data(contentsOf: resumed))
        let other = try run(["run", "--resume", checkpoint.path, "--steps", "9", "--kernel", "64,1,0"])
        #expect(other.status == 0 && other.stderr.contains("not bit for bit"), "\(other.stderr)")

        let output = directory.appendingPathComponent("too-wide.npy")
        let refused = try run(["run", "--particles", "300", "--kernel", "2048,1,64", "--output", output.path])
        #expect(refused.status == 1 && refused.stderr.contains("exceeds the device's 1024"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    /// A run that blows up stops at the batch where its state stopped being finite, exits 1
    /// naming the steps, keeps the last sound checkpoint (which resumes), and writes no state
    /// that could never be read back.
    @Test func aRunThatBlowsUpFailsAndKeepsItsLastSoundCheckpoint() throws {
        let output = directory.appendingPathComponent("blown.npy")
        let checkpoint = directory.appendingPathComponent("blown.checkpoint.npy")
        // At dt 1e18 the bodies fly apart and overflow float after some dozens of steps.
        let result = try run([
            "run", "--particles", "64", "--dt", "1e18", "--steps", "1000", "--output", output.path,
            "--checkpoint", checkpoint.path, "--checkpoint-every", "1",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("the state became non-finite between steps"), "\(result.stderr)")
        #expect(result.stderr.contains("reduce --dt or raise --softening"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let saved = try Checkpoint.read(from: checkpoint)
        #expect(saved.step > 0 && result.stderr.contains("the checkpoint of step \(saved.step) is kept"))
        #expect(result.stderr.contains("between steps \(saved.step) and \(saved.step + 1)"))
        // Without periodic checkpoints nothing is written, and a good checkpoint already there stays.
        let before = try Data(contentsOf: checkpoint)
        let again = try run([
            "run", "--particles", "64", "--dt", "1e30", "--steps", "10", "--checkpoint", checkpoint.path,
        ])
        #expect(again.status == 1 && again.stderr.contains("between steps 0 and 1"), "\(again.stderr)")
        #expect(try Data(contentsOf: checkpoint) == before)
    }

    /// An output that fails along the way (a frame) stops the run but costs none of the
    /// others: the state reached is still written, and the failure is named, with exit 1.
    @Test func aFailedFrameStillWritesTheStateAndIsNamed() throws {
        let frames = directory.appendingPathComponent("blocked-frames")
        // Frame 1's name is taken by a directory that is not empty, so it cannot be written.
        try FileManager.default.createDirectory(
            at: frames.appendingPathComponent("frame_000001.png/inside"),
            withIntermediateDirectories: true)
        let output = directory.appendingPathComponent("after-frames.npy")
        let checkpoint = directory.appendingPathComponent("after-frames.checkpoint.npy")
        let result = try run([
            "run", "--particles", "64", "--steps", "30", "--frames", frames.path, "--every", "10",
            "--window", "64x64", "--output", output.path, "--checkpoint", checkpoint.path,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("--frames: "), "\(result.stderr)")
        #expect(result.stderr.contains("the run stopped after 10 of 30 steps"), "\(result.stderr)")
        #expect(try NPYFile.read(from: output).count == 64)
        #expect(try Checkpoint.read(from: checkpoint).step == 10)
        #expect(result.stdout.contains("output: \(output.path)"))
    }

    @Test func aResumedRunEqualsAnUninterruptedOneBitForBit() throws {
        let whole = directory.appendingPathComponent("whole.npy")
        let checkpoint = directory.appendingPathComponent("ckpt.npy")
        let resumed = directory.appendingPathComponent("resumed.npy")
        let common = ["--particles", "300", "--dt", "0.003", "--model", "galaxies"]
        #expect(try run(["run", "--steps", "40", "--output", whole.path] + common).status == 0)
        // Checkpoints every 7 steps; the last periodic one is at step 21, the final one at 25.
        let first = try run(
            ["run", "--steps", "25", "--checkpoint", checkpoint.path, "--checkpoint-every", "7"] + common)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("checkpoint: \(checkpoint.path) (step 25)"))
        let second = try run(["run", "--resume", checkpoint.path, "--steps", "40", "--output", resumed.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resuming at step 25 of 40"))
        #expect(second.stdout.contains("steps: 40 (15 in this run)"))
        #expect(try Data(contentsOf: whole) == Data(contentsOf: resumed))

        // A state file that no longer matches its metadata is refused.
        var tampered = try NPYFile.read(from: checkpoint)
        tampered.values[0] += 1
        try NPYFile.write(tampered, to: checkpoint)
        let refused = try run(["run", "--resume", checkpoint.path, "--steps", "40"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("does not match its metadata"))
        #expect(try run(["run", "--checkpoint-every", "5"]).status == 64)
        #expect(try run(["run", "--resume", checkpoint.path, "--init", checkpoint.path]).status == 64)
        // The checkpoint's particles and physics are used: others given beside it are refused.
        let superseded = try run([
            "run", "--resume", checkpoint.path, "--steps", "40", "--dt", "0.01", "--particles", "9",
        ])
        #expect(superseded.status == 64 && superseded.stderr.contains("drop --particles, --dt"), "\(superseded.stderr)")
    }

    /// Sizes from flags and files are checked against the host's memory and the device's
    /// limits before anything of that size is made: a clear refusal, never a trap or the OOM
    /// killer; the device's largest run is one that works, and `devices` shows it.
    @Test func sizesBeyondTheHostOrDeviceAreRefusedBeforeAllocating() throws {
        let flag = try run(["run", "--particles", "2147483648", "--steps", "1"])
        #expect(flag.status == 64 && flag.stderr.contains("of host memory"), "\(flag.stderr)")
        let devices = try #require(
            try JSONSerialization.jsonObject(with: Data(try run(["devices", "--json"]).stdout.utf8)) as? [String: Any])
        let first = try #require((devices["devices"] as? [[String: Any]])?.first)
        let largest = try #require(first["largestParticleCount"] as? Int)
        let beyond = try run(["run", "--particles", "\(largest + 1)", "--steps", "1"])
        #expect(beyond.status == 1 && beyond.stderr.contains("run at most \(largest) particles"), "\(beyond.stderr)")
        #expect(!beyond.stderr.contains("simulating"), "refused before the model was made")
        // A consistent header over a sparse file of 128 GiB: the data is really there.
        let huge = directory.appendingPathComponent("huge.npy")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 8), }"
        header += String(repeating: " ", count: 128 - 10 - header.utf8.count - 1) + "\n"
        var bytes: [UInt8] = [0x93]
        bytes += Array("NUMPY".utf8)
        bytes += [1, 0, UInt8(header.utf8.count), 0]
        bytes += Array(header.utf8)
        try Data(bytes).write(to: huge)
        bytes.removeAll()
        #expect(truncate(huge.path, off_t(128 + (4294967296 * 32))) == 0)
        defer { try? FileManager.default.removeItem(at: huge) }
        let file = try run(["run", "--init", huge.path, "--steps", "1"])
        #expect(file.status == 1 && file.stderr.contains("is too large"), "\(file.stderr)")
    }

    @Test func badInputFilesFailCleanlyAndWriteNothing() throws {
        let bad = directory.appendingPathComponent("bad.npy")
        try Data("not numpy".utf8).write(to: bad)
        let output = directory.appendingPathComponent("never.npy")
        let result = try run(["run", "--init", bad.path, "--output", output.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.npy: is not a NumPy .npy file"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let missing = try run(["run", "--init", directory.appendingPathComponent("missing.npy").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot be read"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["bad.npy"])
    }

    @Test func verifyPassesOnTheRealDriverAndFailsBeyondTolerance() throws {
        let pass = try run(["verify", "--particles", "517", "--steps", "5", "--validate"])
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        #expect(pass.stdout.contains("PASS"))
        #expect(pass.stdout.contains("position error: max"))
        #expect(pass.stdout.contains("repeat: the same bits"))
        let strict = try run(["verify", "--particles", "517", "--steps", "5", "--tolerance", "1e-15"])
        #expect(strict.status == 2)
        #expect(strict.stdout.contains("FAIL"))
    }

    @Test func validationFromTheEnvironmentIsCleanForARun() throws {
        let result = try run(
            ["run", "--particles", "100", "--steps", "10"], environment: ["CAPITALENGINE_VALIDATE": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("validation"))
    }

    @Test func benchReportsJSONForComparison() throws {
        let result = try run(["bench", "--particles", "256", "1000", "--repeats", "2", "--steps", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["device"] as? String != nil)
        #expect(object["timing"] as? String == "gpu-timestamps")
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["particles"] as? Int } == [256, 1000])
        let rate = try #require(results[0]["interactionsPerSecond"] as? [String: Double])
        #expect(rate["median"]! > 0 && rate["min"]! <= rate["median"]! && rate["median"]! <= rate["max"]!)
        let kernel = try #require(results[0]["kernel"] as? [String: Any])
        #expect(kernel["workgroupSize"] as? Int != nil)
        #expect(kernel["force"] as? String == "quotient", "lavapipe's default spelling")
    }

    @Test func benchRefusesShapesBeyondTheDeviceLimits() throws {
        let result = try run(["bench", "--particles", "1000", "--kernel", "2048,1,64"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("exceeds the device's 1024"))
    }

    @Test func benchTakesPrefetchedTileShapes() throws {
        let result = try run(["bench", "--particles", "1000", "--steps", "2", "--repeats", "1", "--kernel", "32,2,48p"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("kernel: workgroup 32, 2 bodies/invocation, tile 48, prefetched"))
        // No kernel prefetches without a tile: a usage error.
        let untiled = try run(["bench", "--particles", "1000", "--kernel", "32,1,0p"])
        #expect(untiled.status == 64)
        #expect(untiled.stderr.contains("only shapes with a shared tile"))
    }

    @Test func benchAndVerifyTakeAnUnrolledTileLoop() throws {
        let result = try run([
            "bench", "--particles", "1000", "--steps", "2", "--repeats", "1", "--kernel", "32,2,64pu8", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let kernel = try #require((object["results"] as? [[String: Any]])?.first?["kernel"] as? [String: Any])
        #expect(kernel["tileUnroll"] as? Int == 8 && kernel["prefetchesTiles"] as? Bool == true)
        let verified = try run(["verify", "--particles", "700", "--steps", "2", "--kernel", "64,1,64u16"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(
            verified.stdout.contains("kernel: workgroup 64, 1 bodies/invocation, tile 64, tile loop unrolled by 16\n"))
        // Not a divisor of the tile; no tile loop at all; no count.
        let uneven = try run(["verify", "--particles", "700", "--kernel", "64,1,64u5"])
        #expect(
            uneven.status == 1 && uneven.stderr.contains("a divisor of the tile size (64), not 5"), "\(uneven.stderr)")
        let untiled = try run(["verify", "--particles", "700", "--kernel", "64,1,0u4"])
        #expect(untiled.status == 64 && untiled.stderr.contains("have a tile loop to unroll"), "\(untiled.stderr)")
        for bad in ["64,1,64u", "64,1,64u0", "64,1,64u4p"] {
            let refused = try run(["verify", "--kernel", bad])
            #expect(
                refused.status == 64 && refused.stderr.contains("is invalid for '--kernel"), "\(bad): \(refused.stderr)"
            )
        }
    }

    @Test func verifyChecksAChosenKernelShape() throws {
        let plain = try run(["verify", "--particles", "600", "--steps", "2", "--kernel", "32,4,32"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("kernel: workgroup 32, 4 bodies/invocation, tile 32\n"))
        #expect(plain.stdout.contains("PASS"))
        // lavapipe leaves a loop over more than 32 bodies rolled, and its loop limit then cuts it short.
        let heavy = try run(["verify", "--particles", "600", "--kernel", "32,48,0q"])
        #expect(heavy.status == 1)
        #expect(heavy.stderr.contains("does not unroll a loop over more than 32 bodies"))
        let life = try run(["verify", "--workload", "life", "--kernel", "32,32,0"])
        #expect(life.status == 64)
        #expect(life.stderr.contains("Unknown option '--kernel'"), "\(life.stderr)")
    }

    @Test func benchTakesTheForceSpelling() throws {
        let quotient = try run([
            "bench", "--particles", "1000", "--steps", "2", "--repeats", "1", "--kernel", "32,2,48PQ", "--json",
        ])
        #expect(quotient.status == 0, "\(quotient.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(quotient.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        let kernel = try #require(results.first?["kernel"] as? [String: Any])
        #expect(kernel["force"] as? String == "quotient")
        #expect(kernel["prefetchesTiles"] as? Bool == true)
        for bad in ["32,2,48x", "32,2,48qq", "32,2,q48", "32,2,q", "8,4,0ss"] {
            let refused = try run(["bench", "--particles", "1000", "--kernel", bad])
            #expect(refused.status != 0 && refused.stderr.contains("is invalid for '--kernel"), "\(bad)")
        }
    }

    /// A stop asked for (as SIGTERM asks) before the first step: each long command ends at
    /// once with what it reached, its outputs written, and says what stopped it.
    @Test func aStopRequestEndsEachLongCommandWithWhatItReached() throws {
        let output = directory.appendingPathComponent("stopped.npy")
        let run = try CommandLineRun.run(
            ["run", "--particles", "64", "--steps", "1000000", "--output", output.path], stoppedBy: "SIGTERM")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("stopped: SIGTERM after 0 of 1000000 steps"), "\(run.stdout)")
        #expect(try NPYFile.read(from: output).count == 64)
        let grid = directory.appendingPathComponent("stopped.rle")
        let life = try CommandLineRun.run(
            ["run", "life", "--size", "64x64", "--steps", "1000000", "--output", grid.path], stoppedBy: "SIGINT")
        #expect(life.status == 0 && life.stdout.contains("stopped: SIGINT"), "\(life.stdout)\(life.stderr)")
        #expect(FileManager.default.fileExists(atPath: grid.path))
        let bench = try CommandLineRun.run(
            ["bench", "--particles", "64", "128", "--repeats", "2", "--json"], stoppedBy: "SIGINT")
        #expect(bench.status == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        #expect(report["stoppedBy"] as? String == "SIGINT")
    }
}
