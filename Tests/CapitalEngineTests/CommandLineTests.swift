import Engine
import Foundation
import TestSupport
import Testing

/// The built `CapitalEngine` binary, for what only a process has: its signals, its standard
/// output's fate, and the environment the Vulkan loader and lavapipe read. The commands
/// themselves are tested in the tests' own process (CommandsTests).
@Suite("CapitalEngine end to end", .serialized)
struct CommandLineTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary SwiftPM built beside this test bundle (CAPITALENGINE_BINARY overrides).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["CAPITALENGINE_BINARY"] { return URL(fileURLWithPath: path) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("CapitalEngine")
    }()

    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("cli-tests")
    var directory: URL { scratch.url }

    /// Runs the binary to completion in ``commandEnvironment(_:)`` with `environment`'s changes.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let result = try CapitalEngineProcess.run(arguments, environment: environment)
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// The seeds of scripts/fuzz.sh and every input that once trapped, replayed through all of
    /// Engine's readers of user input by the plain build of ParserFuzzer: none may trap.
    @Test func everySavedFuzzInputIsHandled() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(inputs.filter { $0.hasPrefix("crash-") }.count >= 7)
        let replay = try ChildProcess.run(
            Self.binary.deletingLastPathComponent().appendingPathComponent("ParserFuzzer"), [corpus.path],
            environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(!replay.signalled && replay.status == 0, "\(replay.stderr)")
    }

    @Test func noDriverAtAllExplainsTheLikelyCauses() throws {
        let result = try run(
            ["devices"],
            environment: [
                "VK_ICD_FILENAMES": "/nonexistent/icd.json",
                "VK_DRIVER_FILES": "/nonexistent/icd.json",
            ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no Vulkan device found"))
        #expect(result.stderr.contains("mesa-vulkan-drivers"))
    }

    @Test func aMissingValidationLayerNamesItsPackage() throws {
        // VK_LAYER_PATH replaces the loader's search path for explicit layers.
        let result = try run(["devices", "--validate"], environment: ["VK_LAYER_PATH": directory.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("apt-get install vulkan-validationlayers"))
    }

    /// Ctrl-C during a long benchmark stops after the current timed run and reports what was
    /// measured, in the JSON too, marked as stopped, instead of losing it all.
    @Test func aSignalStopsABenchmarkAndReportsWhatRan() throws {
        let engine = try CapitalEngineProcess([
            "bench", "--particles", "1024", "4096", "16384", "--repeats", "60", "--json",
        ])
        // Evidence that a repeat of the first size was measured.
        try engine.waitForStderr("N=1024: repeat 1/60")
        kill(engine.process.processIdentifier, SIGINT)
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("SIGINT: stopped early; 1 of 3 sizes measured"), "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["stoppedBy"] as? String == "SIGINT")
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.count == 1)
        let repeats = try #require(results.first?["repeats"] as? Int)
        #expect(repeats >= 1 && repeats < 60)
        #expect((results.first?["secondsPerRepeat"] as? [Double])?.count == repeats)
    }

    /// Output that did not reach standard output (here a full device) fails the command.
    @Test func aStandardOutputThatCannotBeWrittenFailsTheCommand() throws {
        for arguments in [["devices"], ["devices", "--json"], ["--help"]] {
            let result = try ChildProcess(
                Self.binary, arguments,
                standardOutput: .file(FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full")))
            ).wait(timeout: 120)
            let message = result.stderr
            #expect(result.status == 1, "\(arguments)")
            #expect(
                message.contains("error: standard output could not be written (No space left on device)"),
                "\(arguments): \(message)")
        }
    }

    /// A reader that stops early (`| head`) ends the command as SIGPIPE ends any command of a
    /// pipeline, silently, although the process ignores SIGPIPE (so that a lost X server is
    /// reported, not fatal: ViewingTests).
    @Test func aReaderThatStopsEarlyEndsThePipelineQuietly() throws {
        let sweep = try scratch.file(
            "many.json",
            containing: #"{"workload": "life", "axes": {"seed": {"from": 1, "to": 100000}}, "fixed": {"steps": 5}}"#)
        let result = try ChildProcess.run(
            URL(fileURLWithPath: "/bin/bash"),
            [
                "-c", #""$0" sweep plan "$1" | head -n 1; echo "status ${PIPESTATUS[0]}" >&2"#, Self.binary.path,
                sweep.path,
            ],
            timeout: 120)
        #expect(result.stdout == "00000  seed=1 steps=5\n", "\(result.stdout.prefix(200))")
        #expect(result.stderr == "status 141\n", "\(result.stderr)")
    }

    /// The NVIDIA container toolkit's most reported Vulkan failure, reproduced with a real
    /// driver: a driver library under NVIDIA's name (lavapipe's, copied) that no manifest
    /// names. CapitalEngine supplies the manifest, says so, finds the device through it, and
    /// leaves no file behind; without the library it supplies nothing and changes nothing.
    @Test func aDriverWithoutItsManifestIsSuppliedOne() throws {
        let lavapipeManifest = try #require(
            try FileManager.default.contentsOfDirectory(atPath: "/usr/share/vulkan/icd.d")
                .first { $0.hasPrefix("lvp_icd") })
        let named = try #require(
            DriverManifests.library(
                inManifest: Data(contentsOf: URL(fileURLWithPath: "/usr/share/vulkan/icd.d/" + lavapipeManifest))))
        // Debian 12's manifest gives a path, Debian 13's a bare name.
        let lavapipe = try #require(
            named.hasPrefix("/")
                ? named
                : ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
                    .map { $0 + "/" + named }.first { FileManager.default.fileExists(atPath: $0) })
        let libraries = directory.appendingPathComponent("nvidia-libraries"),
            empty = directory.appendingPathComponent("no-manifests")
        let temporary = directory.appendingPathComponent("tmp")
        for folder in [libraries, empty, temporary] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: lavapipe, toPath: libraries.appendingPathComponent("libGLX_nvidia.so.0").path)
        // No manifest anywhere the loader looks, as in a container the toolkit left without one.
        let noManifests = [
            "XDG_DATA_DIRS": empty.path, "XDG_CONFIG_DIRS": empty.path, "XDG_DATA_HOME": empty.path,
            "TMPDIR": temporary.path,
        ]
        let supplied = try run(
            ["devices"], environment: noManifests.merging(["LD_LIBRARY_PATH": libraries.path]) { $1 })
        #expect(supplied.status == 0, "\(supplied.stderr)")
        #expect(
            supplied.stdout.contains("llvmpipe"), "the device comes through the supplied manifest: \(supplied.stdout)")
        #expect(supplied.stderr.contains("no Vulkan driver manifest names NVIDIA's driver"), "\(supplied.stderr)")
        #expect(
            supplied.stderr.contains("CapitalEngine supplied \(temporary.path)/capitalengine-nvidia_icd-"),
            "\(supplied.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty,
            "the manifest is removed at exit")
        let doctor = try run(
            ["doctor", "--no-verify"], environment: noManifests.merging(["LD_LIBRARY_PATH": libraries.path]) { $1 })
        #expect(doctor.stdout.contains("nvidia-manifest: no Vulkan manifest names NVIDIA's driver"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("CapitalEngine supplied"), "\(doctor.stdout)")

        let none = try run(["devices"], environment: noManifests)
        #expect(none.status == 1 && none.stderr.contains("no Vulkan device found"), "\(none.stderr)")
        #expect(!none.stderr.contains("supplied"), "\(none.stderr)")
        // A manifest naming the driver is never duplicated.
        let own = empty.appendingPathComponent("vulkan/icd.d")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try Data(NVIDIADriverFallback.manifest(naming: "libGLX_nvidia.so.0").utf8).write(
            to: own.appendingPathComponent("nvidia_icd.json"))
        let present = try run(["devices"], environment: noManifests.merging(["LD_LIBRARY_PATH": libraries.path]) { $1 })
        #expect(present.status == 0 && present.stdout.contains("1 device(s)"), "\(present.stdout)")
        #expect(!present.stderr.contains("supplied") && !present.stderr.contains("listed"), "\(present.stderr)")
    }

    /// One driver named by two manifests: the loader lists its device twice; CapitalEngine
    /// counts it once, keeps the indices, and says why.
    @Test func aDeviceListedTwiceIsCountedOnce() throws {
        let folder = "/usr/share/vulkan/icd.d"
        let lavapipe = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("lvp_icd") })
        let copy = directory.appendingPathComponent("lvp_copy.json")
        try FileManager.default.copyItem(atPath: folder + "/" + lavapipe, toPath: copy.path)
        let twice = try run(
            ["devices", "--json"], environment: ["VK_ICD_FILENAMES": "\(folder)/\(lavapipe):\(copy.path)"])
        #expect(twice.status == 0, "\(twice.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(twice.stdout.utf8)) as? [String: Any])
        let devices = try #require(report["devices"] as? [[String: Any]])
        #expect(devices.count == 1)
        #expect(twice.stderr.contains("(listed 2 times): several driver manifests name one driver"), "\(twice.stderr)")
        #expect(twice.stderr.contains(copy.path), "the manifests are named: \(twice.stderr)")
        #expect((report["driverNotes"] as? [String])?.count == 1)
        let verify = try run(
            ["verify", "--particles", "64", "--steps", "1", "--device", "0"],
            environment: ["VK_ICD_FILENAMES": "\(folder)/\(lavapipe):\(copy.path)"])
        #expect(verify.status == 0 && verify.stdout.contains("PASS"), "\(verify.stderr)")
        let doctor = try run(
            ["doctor", "--no-verify"], environment: ["VK_ICD_FILENAMES": "\(folder)/\(lavapipe):\(copy.path)"])
        #expect(doctor.stdout.contains("2 manifests name one driver"), "\(doctor.stdout)")
    }

    /// The loader reports an ICD manifest that is not JSON as out of host memory; the run
    /// says so and points at doctor, which names the file.
    @Test func aBrokenDriverManifestPointsAtDoctor() throws {
        let manifest = directory.appendingPathComponent("broken_icd.json")
        try Data("garbage{".utf8).write(to: manifest)
        let result = try run(
            ["run", "--particles", "64", "--steps", "1"], environment: ["VK_ICD_FILENAMES": manifest.path])
        #expect(result.status == 1)
        // Debian 12's loader fails the instance; Debian 13's skips the manifest and finds no device.
        #expect(
            result.stderr.contains("error: vkCreateInstance failed")
                || result.stderr.contains("error: no Vulkan device found"),
            "\(result.stderr)")
        #expect(
            result.stderr.contains("`CapitalEngine doctor` checks the loader, the ICD manifests"), "\(result.stderr)")
        let doctor = try run(["doctor"], environment: ["VK_ICD_FILENAMES": manifest.path])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("\(manifest.path) is not a valid ICD manifest"), "\(doctor.stdout)")
        // A directory given as the tuning cache is named, not silently read as no cache.
        let cached = try run(["run", "--particles", "64", "--steps", "1", "--tune-cache", directory.path])
        #expect(cached.status == 0)
        #expect(
            cached.stderr.contains("\(directory.path) is a directory, not a CapitalEngine tuning cache; ignoring it"))
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalStopsTheRunAndKeepsTheStateReached(signal: Int32) throws {
        let output = directory.appendingPathComponent("stopped-\(signal).npy")
        let checkpoint = directory.appendingPathComponent("stopped-\(signal).checkpoint.npy")
        // A small system keeps each batch, and the summary after the stop, short even on a busy machine.
        let engine = try CapitalEngineProcess([
            "run", "--particles", "512", "--steps", "10000000", "--output", output.path,
            "--checkpoint", checkpoint.path, "--checkpoint-every", "50",
        ])
        // Evidence that steps ran: the first periodic checkpoint.
        try engine.waitForFile(checkpoint)
        kill(engine.process.processIdentifier, signal)
        let result = try engine.wait(timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stopped: \(signal == SIGTERM ? "SIGTERM" : "SIGINT") after"))
        let state = try NPYFile.read(from: output)
        #expect(state.count == 512)
        #expect(state != InitialModel.plummer.generate(count: 512, seed: 1), "some steps ran")
        // The checkpoint holds the same state, at the step the run reached.
        let saved = try Checkpoint.read(from: checkpoint)
        #expect(saved.state == state)
        #expect(saved.step >= 50 && result.stdout.contains("after \(saved.step) of 10000000 steps"))
    }

    /// A step far longer than `docker stop` waits (262144 bodies: seconds on lavapipe) is
    /// submitted in pieces, so a signal during the very first one stops the run there, with
    /// the starting state written, instead of after the step.
    @Test func aSignalStopsEvenInsideALongStep() throws {
        let output = directory.appendingPathComponent("long-step.npy")
        let engine = try CapitalEngineProcess([
            "run", "--particles", "262144", "--steps", "10", "--output", output.path,
        ])
        try engine.waitForStderr("simulating 262144 particles")
        kill(engine.process.processIdentifier, SIGTERM)
        let result = try engine.wait(timeout: 600)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stopped: SIGTERM after 0 of 10 steps"), "\(result.stdout)")
        #expect(try NPYFile.read(from: output) == InitialModel.plummer.generate(count: 262144, seed: 1))
    }

    /// A second signal aborts at once with 128 + its number, writing nothing, so the files of
    /// an earlier run stay as they were. The process is stopped while both signals arrive, so
    /// the second finds the first one's stop still under way however busy the machine.
    @Test func aSecondSignalAbortsAtOnceAndLeavesEarlierOutputsIntact() throws {
        let output = directory.appendingPathComponent("earlier.npy")
        #expect(try run(["run", "--particles", "64", "--steps", "3", "--output", output.path]).status == 0)
        let earlier = try Data(contentsOf: output)
        let engine = try CapitalEngineProcess([
            "run", "--particles", "512", "--steps", "10000000", "--output", output.path,
        ])
        try engine.waitForStderr("simulating 512 particles")
        let pid = engine.process.processIdentifier
        kill(pid, SIGSTOP)
        kill(pid, SIGINT)
        kill(pid, SIGTERM)
        kill(pid, SIGCONT)
        let result = try engine.wait(timeout: 120)
        #expect([128 + SIGINT, 128 + SIGTERM].contains(result.status), "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("aborting"), "\(result.stderr)")
        #expect(!result.stdout.contains("output:"))
        #expect(try Data(contentsOf: output) == earlier)
    }

    /// `timeout` delivers its SIGTERM twice at once (to the command, then to its process
    /// group): that is one request to stop, which keeps the results, not a second one.
    @Test func oneSignalDeliveredTwiceAtOnceStillKeepsTheResults() throws {
        let output = directory.appendingPathComponent("timeout.npy")
        let engine = try CapitalEngineProcess([
            "run", "--particles", "512", "--steps", "10000000", "--output", output.path,
        ])
        try engine.waitForStderr("simulating 512 particles")
        kill(engine.process.processIdentifier, SIGTERM)
        kill(engine.process.processIdentifier, SIGTERM)
        let result = try engine.wait(timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stopped: SIGTERM after"))
        #expect(try NPYFile.read(from: output).count == 512)
    }

    /// Messages give the real reason: a pipe is read, not called truncated; a missing file, a
    /// directory and text that is not UTF-8 are told apart; bytes after an RLE's final `!` are
    /// ignored whatever they are; a cache directory that cannot be made says why.
    @Test func inputProblemsAreReportedForWhatTheyAre() throws {
        let state = directory.appendingPathComponent("piped.npy")
        #expect(try run(["run", "--particles", "16", "--steps", "0", "--output", state.path]).status == 0)
        let piped = try ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "cat '\(state.path)' | '\(Self.binary.path)' run --init /dev/stdin --steps 2 --quiet"],
            standardError: .intoStandardOutput)
        #expect(piped.status == 0 && piped.stdout.contains("particles: 16"), "\(piped.stdout)")

        let missing = try run([
            "run", "--workload", "life", "--init", directory.appendingPathComponent("none.rle").path,
        ])
        #expect(
            missing.status == 1 && missing.stderr.contains("cannot be read: No such file or directory"),
            "\(missing.stderr)")
        let folder = directory.appendingPathComponent("folder.rle")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let isFolder = try run(["run", "--workload", "life", "--init", folder.path])
        #expect(isFolder.status == 1 && isFolder.stderr.contains("is a directory"), "\(isFolder.stderr)")
        let inside = directory.appendingPathComponent("inside.rle")
        try Data("x = 3, y = 1\nb".utf8 + [0xFF] + "o!\n".utf8).write(to: inside)
        let notText = try run(["run", "--workload", "life", "--init", inside.path, "--steps", "1"])
        #expect(
            notText.status == 1 && notText.stderr.contains("line 2, column 2: unknown character"), "\(notText.stderr)")
        let after = directory.appendingPathComponent("after.rle")
        try Data("x = 3, y = 1\nobo!\n".utf8 + [0xFF, 0xFE, 0x00]).write(to: after)
        let tail = try run(["run", "--workload", "life", "--init", after.path, "--steps", "0"])
        #expect(tail.status == 0 && tail.stdout.contains("population: 2"), "\(tail.stderr)")

        let blocker = directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        let cache = try run(
            ["tune", "--particles", "100", "--budget", "1"],
            environment: ["XDG_CACHE_HOME": blocker.path, "CAPITALENGINE_TUNE_CACHE": ""])
        #expect(cache.status == 1 && cache.stderr.contains("cannot be made a directory"), "\(cache.stderr)")
        #expect(!cache.stderr.contains("does not exist"))
    }

    /// Outputs under `ulimit -f` fail like a full disk, with a message and nothing left behind;
    /// temporary files a killed run left are swept on the next write there; an output that is
    /// a symbolic link is written through, as `cp` does.
    @Test func filesAreWrittenWhateverTheFileSystemSays() throws {
        let limited = directory.appendingPathComponent("limited")
        try FileManager.default.createDirectory(at: limited, withIntermediateDirectories: true)
        let glider = directory.appendingPathComponent("limited-glider.rle")
        try Data("x = 3, y = 3\nbo$2bo$3o!\n".utf8).write(to: glider)
        /// A run whose output, a Life grid of a byte a cell, passes a limit of exactly its cells.
        func limitedRun(side: Int) throws -> (signalled: Bool, status: Int32, message: String) {
            // bash, whose `ulimit -f` counts KiB (dash's counts 512-byte blocks).
            let shell = try ChildProcess(
                URL(fileURLWithPath: "/bin/bash"),
                [
                    "-c",
                    "ulimit -f \(side * side / 1024); exec '\(Self.binary.path)' run life --init '\(glider.path)' "
                        + "--size \(side)x\(side) --steps 0 --output '\(limited.path)/big.npy'",
                ], standardOutput: .discard
            ).wait(timeout: 120)
            return (shell.signalled, shell.status, shell.stderr)
        }
        // The limit must leave the driver room: newer lavapipe backs device memory with files
        // the limit bounds too, and dies of SIGBUS under a few MiB before this program writes
        // anything. Where it does, the grid and the limit grow until it runs.
        var result = try limitedRun(side: 2048)
        for side in [4096, 8192] where result.signalled && !result.message.contains("--output") {
            result = try limitedRun(side: side)
        }
        #expect(!result.signalled && result.status == 1, "\(result.message)")
        #expect(result.message.contains("File too large"), "\(result.message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: limited.path).isEmpty)

        let stale = directory.appendingPathComponent(".swept.npy.2147483646.1234.tmp")
        let live = directory.appendingPathComponent(".swept.npy.\(getpid()).99.tmp")
        let unrelated = directory.appendingPathComponent(".notes.tmp")
        for file in [stale, live, unrelated] { try Data("x".utf8).write(to: file) }
        #expect(
            try run([
                "run", "--particles", "16", "--steps", "0", "--output",
                directory.appendingPathComponent("swept.npy").path,
            ]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: stale.path), "a dead process's temporary file is swept")
        #expect(
            FileManager.default.fileExists(atPath: live.path) && FileManager.default.fileExists(atPath: unrelated.path))

        let real = directory.appendingPathComponent("real.npy")
        let link = directory.appendingPathComponent("link.npy")
        #expect(try run(["run", "--particles", "8", "--steps", "0", "--output", real.path]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.npy")
        #expect(try run(["run", "--particles", "24", "--steps", "0", "--output", link.path]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.npy")
        #expect(try NPYFile.read(from: real).count == 24)
    }

    @Test func doctorPassesHereAndFailsWithoutADriver() throws {
        let good = try run(["doctor", "--json"])
        #expect(good.status == 0, "\(good.stdout)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        #expect(object["works"] as? Bool == true)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["check"] as? String == "device" && $0["status"] as? String == "ok" })
        let broken = try run(["doctor"], environment: ["VK_ICD_FILENAMES": "/nonexistent/icd.json"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("ERROR   icd: /nonexistent/icd.json"))
        #expect(broken.stdout.contains("no Vulkan device found"))
        #expect(broken.stdout.contains("The setup has problems"))
    }

    @Test func benchAndVerifyTakeThePairOnceKernel() throws {
        // lavapipe's default 256-bit vectors: subgroups of 8.
        let narrow = [LavapipeVectorWidth.variable: "256"]
        let pairs = try run(
            ["bench", "--particles", "1000", "--steps", "2", "--repeats", "1", "--kernel", "8,8,0qs", "--json"],
            environment: narrow)
        #expect(pairs.status == 0, "\(pairs.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(pairs.stdout.utf8)) as? [String: Any])
        let kernel = try #require((object["results"] as? [[String: Any]])?.first?["kernel"] as? [String: Any])
        #expect(kernel["eachPairOnce"] as? Bool == true)
        let verified = try run(
            ["verify", "--particles", "700", "--steps", "2", "--kernel", "8,4,0s"], environment: narrow)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("kernel: workgroup 8, 4 bodies/invocation, no shared tile, each pair once\n"))
        #expect(verified.stdout.contains("PASS"))
        // A workgroup wider than lavapipe's 8-wide subgroup cannot sum over one subgroup.
        let wide = try run(["verify", "--particles", "700", "--kernel", "32,4,0s"], environment: narrow)
        #expect(wide.status == 1)
        #expect(wide.stderr.contains("a workgroup of one subgroup"))
        // The GPU form: lavapipe offers 64-bit integer atomic adds, so it runs (slowly) in fixed point and is checked.
        let atomic = try run(
            ["verify", "--particles", "300", "--steps", "2", "--kernel", "8,2,0a"], environment: narrow)
        #expect(atomic.status == 0, "\(atomic.stderr)")
        #expect(
            atomic.stdout.contains(
                """
                kernel: workgroup 8, 2 bodies/invocation, no shared tile, each pair once, shares added atomically \
                in 64-bit fixed point\n
                """
            ))
        #expect(atomic.stdout.contains("PASS"))
        // Run twice, the fixed-point sums give the same bits, and verify checks that they do.
        #expect(atomic.stdout.contains("repeat: the same bits\n"))
        let floats = try run(
            ["verify", "--particles", "300", "--steps", "2", "--kernel", "8,2,0a", "--softening", "0"],
            environment: narrow)
        #expect(floats.status == 0, "\(floats.stderr)")
        #expect(floats.stdout.contains("as float atomic sums may\n"))
        // bench --json says how it adds and whether reruns repeat bit for bit.
        for (softening, fixedPoint) in [("0.01", true), ("0", false)] {
            let timed = try run(
                [
                    "bench", "--particles", "300", "--steps", "1", "--repeats", "1", "--kernel", "8,2,0a",
                    "--softening", softening, "--json",
                ], environment: narrow)
            #expect(timed.status == 0, "\(timed.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(timed.stdout.utf8)) as? [String: Any])
            let result = try #require((report["results"] as? [[String: Any]])?.first)
            #expect(result["bitReproducible"] as? Bool == fixedPoint)
            #expect(
                (result["kernelDescription"] as? String)?.hasSuffix(fixedPoint ? "in 64-bit fixed point" : "as floats")
                    == true)
        }
        let doubled = try run(["bench", "--particles", "300", "--kernel", "8,2,0aa"], environment: narrow)
        #expect(doubled.status != 0 && doubled.stderr.contains("is invalid for '--kernel"))
    }

    /// N-body asks lavapipe for 512-bit vectors where the CPU is one they measured faster on
    /// (AMD with AVX-512) and nothing is drawn; Life never; a width the user set stands.
    @Test func nbodyAsksForWideVectorsWhereTheyPay() throws {
        let cpuInfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        // Where whoever runs the tests set a width, it stands for every command.
        let preset = ProcessInfo.processInfo.environment[LavapipeVectorWidth.variable]
        let wide = LavapipeVectorWidth.prefersWideVectors(cpuInfo: cpuInfo)
        let nbody = try run(["verify", "--particles", "300", "--steps", "1"])
        #expect(nbody.status == 0, "\(nbody.stderr)")
        #expect(nbody.stdout.contains("\(preset ?? (wide ? "512" : "256")) bits"), "\(nbody.stdout)")
        let bench = try run(["bench", "--particles", "300", "--steps", "1", "--repeats", "1"])
        #expect(bench.stdout.contains("\(preset ?? (wide ? "512" : "256")) bits"), "\(bench.stdout)")
        // A run that draws keeps Mesa's width (lavapipe hung drawing at 512 bits in the container).
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("width-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: png) }
        let drawn = try run(["run", "--particles", "300", "--steps", "1", "--png", png.path])
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect((drawn.stdout + drawn.stderr).contains("\(preset ?? "256") bits"), "\(drawn.stderr)")
        let life = try run(["verify", "--workload", "life", "--size", "64x64", "--steps", "1"])
        #expect(life.status == 0, "\(life.stderr)")
        #expect(life.stdout.contains("\(preset ?? "256") bits"), "\(life.stdout)")
        let chosen = try run(
            ["verify", "--particles", "300", "--steps", "1"], environment: [LavapipeVectorWidth.variable: "256"])
        #expect(chosen.stdout.contains("256 bits"), "\(chosen.stdout)")
    }
}
