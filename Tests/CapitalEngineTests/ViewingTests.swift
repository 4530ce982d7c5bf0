import Engine
import Foundation
import Present
import TestSupport
import Testing

/// Watching the simulation: PNG output with no display, and a real window under Xvfb.
@Suite("Viewing: PNG files and X11 windows", .serialized)
struct ViewingTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("view-tests")
    var directory: URL { scratch.url }

    static func isBackground(_ p: (r: UInt8, g: UInt8, b: UInt8)) -> Bool { max(p.r, p.g, p.b) <= 12 }

    static func litPixels(_ image: PNGImage, width: Int? = nil, height: Int? = nil) -> Int {
        var lit = 0
        for y in 0..<(height ?? image.height) {
            for x in 0..<(width ?? image.width) where !isBackground(image.pixel(x: x, y: y)) { lit += 1 }
        }
        return lit
    }

    @Test func pngOfTheFinalStateWithNoDisplay() throws {
        let png = directory.appendingPathComponent("final.png")
        let result = try CapitalEngineProcess.run([
            "run", "--particles", "500", "--steps", "5", "--window", "320x200",
            "--png", png.path, "--validate",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("DISPLAY is not set; running without a window"))
        #expect(!result.stderr.contains("validation"))
        let image = try PNGImage.decode(Data(contentsOf: png))
        #expect(image.width == 320 && image.height == 200)
        // A Plummer sphere seen by the fitted camera: bright in the middle, dark in the corners.
        #expect(!Self.isBackground(image.pixel(x: 160, y: 100)))
        #expect(Self.isBackground(image.pixel(x: 2, y: 2)))
        #expect(Self.litPixels(image) > 200)
    }

    /// Xlib ends the process when its connection breaks; a run that loses its X server stops
    /// instead, writes its output, and fails with the reason.
    @Test(arguments: ["nbody", "life"])
    func aLostDisplayStopsTheRunAndKeepsItsResults(workload: String) throws {
        let display = try VirtualDisplay()
        let output = directory.appendingPathComponent("lost-\(workload).npy")
        let arguments = workload == "nbody" ? ["--particles", "512"] : ["--workload", "life", "--size", "64x48"]
        let engine = try CapitalEngineProcess(
            ["run", "--steps", "100000000", "--window", "320x240", "--output", output.path] + arguments,
            environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: first frame presented")
        display.stop()
        let result = try engine.wait(timeout: 30)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("error: the connection to the X display was lost after"), "\(result.stderr)")
        #expect(result.stderr.contains("the state reached is in --output"))
        #expect(!result.stderr.contains("Xlib:"), "\(result.stderr)")
        if workload == "nbody" {
            #expect(try NPYFile.read(from: output).count == 512)
        } else {
            #expect(try Data(contentsOf: output).count > 64 * 48)
        }
    }

    /// --checkpoint-every holds in a window as it does headless: checkpoints appear while the
    /// window shows the run, not only at its end.
    @Test func aWindowRunWritesPeriodicCheckpoints() throws {
        let display = try VirtualDisplay()
        let checkpoint = directory.appendingPathComponent("window-checkpoint.npy")
        let engine = try CapitalEngineProcess(
            [
                "run", "--particles", "256", "--steps", "100000000", "--window", "160x120",
                "--checkpoint", checkpoint.path, "--checkpoint-every", "200",
            ],
            environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: first frame presented")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: Checkpoint.metadataURL(for: checkpoint).path) && Date() < deadline
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let periodic = try Checkpoint.read(from: checkpoint)
        #expect(periodic.step >= 200 && periodic.step < 100_000_000)
        #expect(engine.process.isRunning, "the checkpoint came while the run went on")
        kill(engine.process.processIdentifier, SIGTERM)
        let result = try engine.wait(timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Checkpoint.read(from: checkpoint).step >= periodic.step)
    }

    @Test func aWindowDrawsResizesAndClosesCleanly() throws {
        let display = try VirtualDisplay()
        let engine = try CapitalEngineProcess(
            [
                "run", "--particles", "2000", "--steps", "100000000", "--window", "320x240",
                "--validate",
            ], environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: first frame presented")
        let shot = try display.screenshot { Self.litPixels($0, width: 320, height: 240) > 100 }
        let inside = Self.litPixels(shot, width: 320, height: 240)
        #expect(inside > 100, "\(inside) lit pixels in the window")
        #expect(Self.litPixels(shot) == inside, "nothing is drawn outside the window")

        let window = try windowID(display)
        _ = try display.runTool("/usr/bin/xdotool", ["windowsize", String(window), "400", "300"])
        try engine.waitForStderr("window: swapchain 400x300")
        /// The sphere drawn in the resized window: lit in its middle, or plenty lit around it.
        func showsTheSphere(_ shot: PNGImage) -> Bool {
            let lit = Self.litPixels(shot, width: 400, height: 300)
            return lit > 100 && (!Self.isBackground(shot.pixel(x: 200, y: 150)) || lit > 200)
        }
        let resized = try display.screenshot(until: showsTheSphere)
        // Evidence of drawing after the resize: a later screenshot that differs.
        let later = try display.screenshot { $0 != resized }
        #expect(showsTheSphere(resized), "\(Self.litPixels(resized, width: 400, height: 300)) lit pixels")
        #expect(resized != later, "drawing continues after the resize")

        try display.sendDeleteWindow(to: window)
        let result = try engine.wait(timeout: 15)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("swapchain(s)"))
        #expect(
            result.stdout.range(of: #"window: \d+ frames presented, 2 swapchain\(s\)"#, options: .regularExpression)
                != nil,
            "\(result.stdout)")
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
    }

    @Test func pngAndFramesAreWrittenEvenWithADisplay() throws {
        let display = try VirtualDisplay()
        let png = directory.appendingPathComponent("with-display.png"),
            frames = directory.appendingPathComponent("with-display")
        for workload in [["--particles", "300"], ["--workload", "life", "--size", "64x48"]] {
            let result = try CapitalEngineProcess.run(
                [
                    "run", "--steps", "4", "--png", png.path, "--frames", frames.path, "--every", "2",
                    "--window", "160x120",
                ] + workload, environment: ["DISPLAY": display.name])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("render offscreen; no window is opened"))
            #expect(!result.stderr.contains("first frame presented"))
            #expect(try PNGImage.decode(Data(contentsOf: png)).width == 160)
            #expect(try FileManager.default.contentsOfDirectory(atPath: frames.path).count == 3)
            try FileManager.default.removeItem(at: frames)
        }
    }

    @Test func doctorConnectsToARealDisplay() throws {
        let display = try VirtualDisplay()
        let result = try CapitalEngineProcess.run(["doctor", "--no-verify"], environment: ["DISPLAY": display.name])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("ok      display: X display \(display.name) accepts connections"))
    }

    @Test func morePartclesDrawMorePixelsInTheWindow() throws {
        let display = try VirtualDisplay()
        func lit(_ particles: Int) throws -> Int {
            let engine = try CapitalEngineProcess(
                [
                    "run", "--particles", String(particles), "--steps", "0", "--window", "320x240",
                    "--model", "cube",
                ], environment: ["DISPLAY": display.name])
            try engine.waitForStderr("window: first frame presented")
            // Every frame shows the same state (no steps): the first that reaches the server.
            let count = Self.litPixels(
                try display.screenshot { Self.litPixels($0, width: 320, height: 240) > 0 }, width: 320, height: 240)
            // The key release may find the window already gone, which xdotool reports as failure.
            _ = try display.runTool(
                "/usr/bin/xdotool", ["key", "--window", String(try windowID(display)), "q"],
                allowFailure: true)
            let result = try engine.wait(timeout: 15)
            #expect(result.status == 0, "q ends the run cleanly: \(result.stderr)")
            return count
        }
        let few = try lit(30), many = try lit(1500)
        #expect(few > 0)
        #expect(many > 5 * few, "\(few) vs \(many)")
    }

    @Test func lifeCellsInAWindowZoomPanAndReset() throws {
        let display = try VirtualDisplay()
        // A 2x2 block (a still life) in the middle of a 40x30 torus: 4 cells, each a point.
        let block = directory.appendingPathComponent("block.rle")
        try "x = 2, y = 2, rule = B3/S23\n2o$2o!\n".write(to: block, atomically: true, encoding: .utf8)
        let engine = try CapitalEngineProcess(
            [
                "run", "--workload", "life", "--init", block.path, "--size", "40x30",
                "--steps", "1000000", "--window", "400x300", "--validate",
            ],
            environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: first frame presented")
        let window = String(try windowID(display))
        /// Lit pixels once the window shows what `expected` describes (evidence, not a wait
        /// of fixed length: frames come slowly on a busy machine), or after a minute.
        func lit(until expected: (Int) -> Bool) throws -> Int {
            let deadline = Date().addingTimeInterval(60)
            var count = Self.litPixels(try display.screenshot(), width: 400, height: 300)
            while !expected(count) && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
                count = Self.litPixels(try display.screenshot(), width: 400, height: 300)
            }
            return count
        }
        func press(_ keys: [String]) throws {
            // After q the key release may find the window gone, which xdotool reports as failure.
            _ = try display.runTool(
                "/usr/bin/xdotool", ["key", "--window", window] + keys, allowFailure: keys == ["q"])
        }
        let home = try lit { $0 > 4 * 30 && $0 < 4 * 120 }
        // About 9.6 pixels per cell here, points 85% of that: 4 squares of 8x8.
        #expect(home > 4 * 30 && home < 4 * 120, "\(home) lit pixels for 4 cells")
        try press(Array(repeating: "plus", count: 5))
        let zoomed = try lit { $0 > 2 * home }
        #expect(zoomed > 2 * home, "zooming in enlarges the cells: \(home) -> \(zoomed)")
        try press(Array(repeating: "Right", count: 8))
        let panned = try lit { $0 == 0 }
        #expect(panned == 0, "panning moves the block off screen: \(panned)")
        try press(["r"])
        let reset = try lit { abs($0 - home) <= home / 10 }
        #expect(abs(reset - home) <= home / 10, "r restores the view: \(home) vs \(reset)")
        try press(["q"])
        let result = try engine.wait(timeout: 15)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("population: 4"), "\(result.stdout)")
        #expect(result.stdout.range(of: #"window: \d+ frames presented"#, options: .regularExpression) != nil)
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
    }

    @Test func aLifeRunAdvancesInTheWindow() throws {
        let display = try VirtualDisplay()
        let engine = try CapitalEngineProcess(
            [
                "run", "--workload", "life", "--size", "96x64", "--density", "0.3", "--steps", "1000000",
                "--window", "320x240", "--steps-per-frame", "1",
            ], environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: first frame presented")
        // Evidence that the grid evolves: a later frame that differs.
        let (first, second) = try Self.twoFrames(of: display, lit: 500)
        #expect(Self.litPixels(first, width: 320, height: 240) > 500)
        #expect(first != second, "the grid evolves between frames")
        engine.process.terminate()
        let result = try engine.wait(timeout: 15)
        #expect(result.status == 0, "SIGTERM ends a windowed Life run cleanly: \(result.stderr)")
        #expect(result.stdout.contains("stopped: SIGTERM"), "\(result.stdout)")
    }

    /// --stop-when-stable in a window: the grid settles at the generation a headless run
    /// names, whether frames run one generation or several; the window then shows it until it
    /// closes, drawing it again a few times a second rather than as fast as it can, and the
    /// summary says how it settled, not that a signal stopped it.
    @Test(arguments: [1, 3])
    func aLifeRunSettlesInTheWindow(stepsPerFrame: Int) throws {
        let soup = ["run", "life", "--size", "32x32", "--seed", "3", "--steps", "20000", "--stop-when-stable"]
        let headless = try CapitalEngineProcess(soup + ["--headless", "--quiet"]).wait(timeout: 60)
        let stable = try #require(headless.stdout.split(separator: "\n").first { $0.hasPrefix("stable: ") })
        let generations = try #require(
            headless.stdout.split(separator: "\n").first { $0.hasPrefix("generations: ") }
                .flatMap { Int($0.dropFirst("generations: ".count)) })
        let display = try VirtualDisplay()
        let engine = try CapitalEngineProcess(
            soup + ["--window", "160x160", "--steps-per-frame", "\(stepsPerFrame)"],
            environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: the run has ended; its final state shows until the window closes")
        let ended = Date()
        #expect(engine.process.isRunning, "the window stays open")
        // A second of the still picture, to count its frames.
        var shown = try display.screenshot()
        while Self.litPixels(shown) == 0 || Date().timeIntervalSince(ended) < 1 {
            Thread.sleep(forTimeInterval: 0.1)
            shown = try display.screenshot()
        }
        engine.process.terminate()
        let result = try engine.wait(timeout: 15)
        let still = Date().timeIntervalSince(ended)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(stable), "\(result.stdout)")
        #expect(result.stdout.contains("generations: \(generations)\n"), "\(result.stdout)")
        #expect(!result.stdout.contains("stopped:"), "\(result.stdout)")
        let frames = try #require(
            result.stdout.split(separator: "\n").first { $0.hasPrefix("window: ") && $0.contains("frames presented") }
                .flatMap { Int($0.split(separator: " ")[1]) })
        let stepping = (generations + stepsPerFrame - 1) / stepsPerFrame + 2
        #expect(frames <= stepping + Int(still / 0.25) + 8, "\(frames) frames in \(still) s of a still picture")
    }

    /// A Gray-Scott field in a window on a real X server: drawn, growing between frames, and
    /// under the validation layer without a message.
    @Test func aGrayScottRunGrowsInTheWindow() throws {
        let display = try VirtualDisplay()
        let engine = try CapitalEngineProcess(
            [
                "run", "gray-scott", "--size", "128x96", "--steps", "1000000", "--window", "320x240",
                "--steps-per-frame", "2", "--validate",
            ], environment: ["DISPLAY": display.name])
        try engine.waitForStderr("window: first frame presented")
        let (first, second) = try Self.twoFrames(of: display, lit: 2000)
        // The field is drawn: even its darkest cells are brighter than the background.
        #expect(Self.litPixels(first, width: 320, height: 240) > 2000)
        #expect(first != second, "the field grows between frames")
        engine.process.terminate()
        let result = try engine.wait(timeout: 15)
        #expect(result.status == 0, "SIGTERM ends a windowed Gray-Scott run cleanly: \(result.stderr)")
        #expect(result.stdout.contains("stopped: SIGTERM") && result.stdout.contains("window: "), "\(result.stdout)")
        #expect(!result.stderr.contains("validation layer reported"), "\(result.stderr)")
    }

    /// A screenshot of the 320x240 window once more than `lit` of its pixels are drawn, and the
    /// first later one that differs (each waited for up to a minute, for busy machines).
    static func twoFrames(of display: VirtualDisplay, lit: Int) throws -> (PNGImage, PNGImage) {
        var first = try display.screenshot()
        let drawn = Date().addingTimeInterval(60)
        while litPixels(first, width: 320, height: 240) <= lit && Date() < drawn {
            Thread.sleep(forTimeInterval: 0.1)
            first = try display.screenshot()
        }
        var second = try display.screenshot()
        let changed = Date().addingTimeInterval(60)
        while second == first && Date() < changed {
            Thread.sleep(forTimeInterval: 0.1)
            second = try display.screenshot()
        }
        return (first, second)
    }

    private func windowID(_ display: VirtualDisplay) throws -> UInt {
        let output = try display.runTool("/usr/bin/xdotool", ["search", "--name", "CapitalEngine"])
        let text = String(decoding: output, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard let id = UInt(text) else { throw TestFailure("no CapitalEngine window found") }
        return id
    }
}

/// The CapitalEngine binary running in the background, its stderr watched line by line.
final class CapitalEngineProcess: @unchecked Sendable {
    typealias Result = ChildProcess.Result

    let child: ChildProcess
    var process: Process { child.process }

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        child = try ChildProcess(CommandLineTests.binary, arguments, environment: commandEnvironment(environment))
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try CapitalEngineProcess(arguments, environment: environment).wait(timeout: 120)
    }

    func waitForStderr(_ text: String, timeout: TimeInterval = 60) throws {
        try child.wait(for: "'\(text)'", timeout: timeout) { child.stderr.contains(text) }
    }

    /// Waits until `file` exists: evidence that the run got as far as writing it.
    func waitForFile(_ file: URL, timeout: TimeInterval = 120) throws {
        try child.wait(for: file.path, timeout: timeout) { FileManager.default.fileExists(atPath: file.path) }
    }

    func wait(timeout: TimeInterval) throws -> Result { try child.wait(timeout: timeout) }
}
