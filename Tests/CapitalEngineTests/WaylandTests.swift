import Engine
import Foundation
import Present
import TestSupport
import Testing

/// Windows on a real Wayland compositor: Weston, headless, with the window on lavapipe.
@Suite("Viewing: Wayland windows (Weston, sway)", .serialized, .enabled(if: VirtualWayland.available))
struct WaylandTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("wayland-tests")
    var directory: URL { scratch.url }

    /// Pixels bright enough to be drawn, not the shell's background (0x203040) nor the
    /// window's (nearly black).
    static func drawn(_ image: PNGImage) -> Int {
        var count = 0
        for y in 0..<image.height {
            for x in 0..<image.width where max(image.pixel(x: x, y: y).r, image.pixel(x: x, y: y).g) > 100 {
                count += 1
            }
        }
        return count
    }

    /// Screenshots until one shows at least `pixels` drawn pixels: evidence that frames reached
    /// the compositor.
    static func screenshot(_ compositor: VirtualWayland, showing pixels: Int) throws -> PNGImage {
        let deadline = Date().addingTimeInterval(60)
        var shot = try compositor.screenshot()
        while drawn(shot) < pixels && Date() < deadline { shot = try compositor.screenshot() }
        return shot
    }

    @Test(arguments: ["nbody", "life"])
    func aWindowShowsTheRunAndClosesCleanly(workload: String) throws {
        let compositor = try VirtualWayland()
        let arguments =
            workload == "nbody"
            ? ["run", "--particles", "2000"] : ["run", "life", "--size", "48x36", "--density", "0.3"]
        let engine = try CapitalEngineProcess(
            arguments + ["--steps", "100000000", "--window", "320x240", "--validate"],
            environment: compositor.environment)
        try engine.waitForStderr("window: first frame presented")
        #expect(engine.child.stderr.contains("window: swapchain 320x240"), "\(engine.child.stderr)")
        let shot = try Self.screenshot(compositor, showing: 100)
        #expect(Self.drawn(shot) >= 100, "\(workload): \(Self.drawn(shot)) pixels drawn on Weston")
        // Nothing outside the window: the shell's background fills the rest of the output.
        #expect(shot.pixel(x: 2, y: 2) == VirtualWayland.background, "\(shot.pixel(x: 2, y: 2))")
        engine.child.signal(SIGTERM)
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.range(of: #"window: \d+ frames presented, 1 swapchain\(s\)"#, options: .regularExpression)
                != nil, "\(result.stdout)")
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
    }

    /// The compositor gone mid-run: the run stops, writes its output, and fails with the reason.
    @Test(arguments: ["nbody", "life"])
    func aLostCompositorStopsTheRunAndKeepsItsResults(workload: String) throws {
        let compositor = try VirtualWayland()
        let output = directory.appendingPathComponent("lost-\(workload).npy")
        let arguments = workload == "nbody" ? ["run", "--particles", "512"] : ["run", "life", "--size", "64x48"]
        let engine = try CapitalEngineProcess(
            arguments + ["--steps", "100000000", "--window", "320x240", "--output", output.path, "--validate"],
            environment: compositor.environment)
        try engine.waitForStderr("window: first frame presented")
        compositor.stop()
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("error: the connection to the Wayland compositor was lost after"),
            "\(result.stderr)")
        #expect(result.stderr.contains("the state reached is in --output"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: output.path))
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
    }

    /// A compositor that chooses the size (the kiosk shell makes every window fullscreen):
    /// the window takes it, and the swapchain follows.
    @Test func theCompositorsSizeIsTaken() throws {
        let compositor = try VirtualWayland(width: 400, height: 300, shell: .kiosk)
        let engine = try CapitalEngineProcess(
            [
                "run", "--particles", "1000", "--steps", "100000000", "--window", "320x240", "--present-mode",
                "mailbox", "--validate",
            ], environment: compositor.environment)
        try engine.waitForStderr("window: swapchain 400x300")
        engine.child.signal(SIGTERM)
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
    }

    /// The keyboard through the compositor's keymap: in a Weston nested in Xvfb, whose seat
    /// has the X server's keyboard, the desktop shell's maximize resizes the window, and q
    /// typed into it ends the run as in an X11 window.
    @Test func keysReachTheWindowThroughTheKeymap() throws {
        let display = try VirtualDisplay()
        let compositor = try VirtualWayland(nestedIn: display)
        let engine = try CapitalEngineProcess(
            ["run", "--particles", "500", "--steps", "100000000", "--window", "320x240", "--validate"],
            environment: compositor.environment)
        try engine.waitForStderr("window: first frame presented")
        // The desktop shell's maximize (super+shift+m): the compositor sizes the window to its
        // output, and the swapchain follows.
        let maximizeDeadline = Date().addingTimeInterval(60)
        while !engine.child.stderr.contains("window: swapchain 640x480") && Date() < maximizeDeadline {
            _ = try display.runTool("/usr/bin/xdotool", ["key", "super+shift+m"])
            try? engine.waitForStderr("window: swapchain 640x480", timeout: 1)
        }
        #expect(engine.child.stderr.contains("window: swapchain 640x480"), "\(engine.child.stderr)")
        // Into the focused window: the compositor's, which gives the key to ours once ours has
        // the keyboard's focus; typed again until the run ends.
        let deadline = Date().addingTimeInterval(60)
        while engine.child.isRunning && Date() < deadline {
            _ = try display.runTool("/usr/bin/xdotool", ["mousemove", "100", "100", "key", "q"])
            _ = try? engine.child.wait(for: "the end of the run", timeout: 1) { !engine.child.isRunning }
        }
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("frames presented"), "\(result.stdout)")
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
    }

    /// The pointer and held keys: the wheel zooms, a drag pans, a held arrow repeats, r resets
    /// and q quits; a 2x2 block of Life
    /// cells in a Weston nested in Xvfb, seen by the compositor's screenshots.
    @Test func theWheelAndDragsMoveTheView() throws {
        let display = try VirtualDisplay()
        let compositor = try VirtualWayland(nestedIn: display)
        let block = directory.appendingPathComponent("block.rle")
        try "x = 2, y = 2, rule = B3/S23\n2o$2o!\n".write(to: block, atomically: true, encoding: .utf8)
        let engine = try CapitalEngineProcess(
            ["run", "life", "--init", block.path, "--size", "40x30", "--steps", "1000000", "--window", "400x300"],
            environment: compositor.environment)
        try engine.waitForStderr("window: first frame presented")
        /// Drawn pixels once the output shows what `expected` describes, or after a minute.
        func drawn(until expected: (Int, (x: Int, y: Int)) -> Bool) throws -> (count: Int, centre: (x: Int, y: Int)) {
            let deadline = Date().addingTimeInterval(60)
            while true {
                let shot = try compositor.screenshot()
                var count = 0, sum = (x: 0, y: 0)
                // Live cells' cyan, not the compositor's white and black pointer.
                for y in 0..<shot.height {
                    for x in 0..<shot.width where shot.pixel(x: x, y: y).b > 200 && shot.pixel(x: x, y: y).r < 200 {
                        count += 1
                        sum = (sum.x + x, sum.y + y)
                    }
                }
                let centre = count == 0 ? (x: 0, y: 0) : (x: sum.x / count, y: sum.y / count)
                if expected(count, centre) || Date() >= deadline { return (count, centre) }
            }
        }
        func xdotool(_ arguments: [String]) throws { _ = try display.runTool("/usr/bin/xdotool", arguments) }
        let home = try drawn { count, _ in count > 4 * 30 && count < 4 * 120 }
        #expect(home.count > 4 * 30 && home.count < 4 * 120, "\(home.count) pixels for 4 cells")
        let (x, y) = (String(home.centre.x), String(home.centre.y))
        // Weston's X11 backend follows the pointer from its entry into the compositor's X
        // window: in from outside it (Xvfb is 1024x768, Weston 640x480), then wheel up (button
        // 4) over ours, a zoom step a click.
        try xdotool(["mousemove", "1000", "700"])
        try xdotool(["mousemove", x, y, "click", "--repeat", "8", "4"])
        let zoomed = try drawn { count, _ in count > 2 * home.count }
        #expect(zoomed.count > 2 * home.count, "the wheel zooms in: \(home.count) -> \(zoomed.count)")
        // A drag of 150 pixels to the right carries the block with it.
        try xdotool(["mousemove", x, y, "mousedown", "1", "mousemove_relative", "--", "150", "0", "mouseup", "1"])
        let moved = try drawn { count, centre in count > 0 && centre.x > zoomed.centre.x + 50 }
        #expect(moved.centre.x > zoomed.centre.x + 50, "the drag pans: \(zoomed.centre) -> \(moved.centre)")
        try xdotool(["key", "r"])
        let reset = try drawn { count, _ in abs(count - home.count) <= home.count / 10 }
        // Right held: the view pans while it is down (Wayland leaves key repeat to the client)
        // until the block leaves the window.
        try xdotool(["keydown", "Right"])
        let panned = try drawn { count, _ in count == 0 }
        try xdotool(["keyup", "Right"])
        #expect(panned.count == 0, "holding Right pans the block away: \(panned)")
        try xdotool(["key", "r"])
        _ = try drawn { count, _ in abs(count - home.count) <= home.count / 10 }
        #expect(abs(reset.count - home.count) <= home.count / 10, "r restores the view: \(home) vs \(reset)")
        try xdotool(["key", "q"])
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("population: 4"), "\(result.stdout)")
    }

    /// A close from the compositor (sway's `kill`, what a close button does) ends the run as
    /// the X11 window manager's does; and a tiling compositor's size is taken.
    @Test(.enabled(if: VirtualSway.available))
    func theCompositorsCloseEndsTheRun() throws {
        let sway = try VirtualSway()
        let output = directory.appendingPathComponent("closed.npy")
        let engine = try CapitalEngineProcess(
            [
                "run", "--particles", "500", "--steps", "100000000", "--window", "320x240", "--output", output.path,
                "--validate",
            ], environment: sway.environment)
        try engine.waitForStderr("window: first frame presented")
        // Tiled: the output less sway's borders and title bar (636x453 in 640x480, with the
        // title bar's height from the font).
        func tiles() -> [(Int, Int)] {
            engine.child.stderr.matches(of: #/window: swapchain (\d+)x(\d+)/#).compactMap { match in
                Int(match.1).flatMap { w in Int(match.2).map { (w, $0) } }
            }
        }
        try engine.child.wait(for: "a swapchain of the tile's size", timeout: 60) { tiles().count >= 2 }
        let tile = try #require(tiles().last)
        #expect(tile.0 > 600 && tile.0 <= 640 && tile.1 > 400 && tile.1 <= 480, "\(tile)")
        let closed = try sway.command("kill")
        #expect(closed.status == 0, "\(closed.stdout) \(closed.stderr)")
        let result = try engine.wait(timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("output: \(output.path)"), "\(result.stdout)")
        #expect(!result.stderr.contains("validation"), "\(result.stderr)")
        #expect(result.stdout.contains("2 swapchain(s)"), "\(result.stdout)")
    }

    @Test func doctorNamesTheCompositor() throws {
        let compositor = try VirtualWayland()
        let result = try CapitalEngineProcess.run(["doctor", "--no-verify"], environment: compositor.environment)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "ok      wayland: Wayland compositor at \(compositor.runtimeDirectory.path)/\(compositor.socket) "
                    + "accepts connections (weston, process \(compositor.process.processIdentifier))"),
            "\(result.stdout)")
    }

    /// Wayland first where it answers; --window-system chooses; a forced Wayland with no
    /// compositor is a clear error.
    @Test func theWindowSystemIsChosenAndForced() throws {
        let compositor = try VirtualWayland()
        let display = try VirtualDisplay()
        var both = compositor.environment
        both["DISPLAY"] = display.name
        let x11 = try CapitalEngineProcess(
            ["run", "--particles", "100", "--steps", "100000000", "--window-system", "x11", "--window", "160x120"],
            environment: both)
        try x11.waitForStderr("window: first frame presented")
        // The X server shows the particles; Weston shows nothing but its background.
        #expect(ViewingTests.litPixels(try display.screenshot()) > 0, "nothing drawn on the X server")
        #expect(Self.drawn(try compositor.screenshot()) == 0, "a window on Weston too")
        x11.child.signal(SIGTERM)
        #expect(try x11.wait(timeout: 60).status == 0)

        var unreachable = both
        unreachable["WAYLAND_DISPLAY"] = "no-such-compositor"
        unreachable["DISPLAY"] = nil
        let headless = try CapitalEngineProcess.run(
            ["run", "--particles", "100", "--steps", "2", "--window", "160x120"], environment: unreachable)
        #expect(headless.status == 0, "\(headless.stderr)")
        #expect(
            headless.stderr.contains(
                "no Wayland compositor answers at 'no-such-compositor' and DISPLAY is not set; running without a window"
            ),
            "\(headless.stderr)")
        let forced = try CapitalEngineProcess.run(
            ["run", "--particles", "100", "--steps", "2", "--window-system", "wayland"], environment: unreachable)
        #expect(forced.status == 1, "\(forced.stderr)")
        #expect(
            forced.stderr.contains("cannot connect to the Wayland compositor at 'no-such-compositor'"),
            "\(forced.stderr)")
        // No XDG_RUNTIME_DIR: the socket cannot be found, which the run says once, in its own words.
        var noRuntime = unreachable
        noRuntime["WAYLAND_DISPLAY"] = "wayland-0"
        noRuntime["XDG_RUNTIME_DIR"] = ""
        let lost = try CapitalEngineProcess.run(
            ["run", "--particles", "100", "--steps", "2", "--window-system", "wayland"], environment: noRuntime)
        #expect(lost.status == 1, "\(lost.stderr)")
        #expect(
            lost.stderr
                == "error: cannot connect to the Wayland compositor at 'wayland-0': XDG_RUNTIME_DIR is not set, so "
                + "WAYLAND_DISPLAY=wayland-0 names no socket; use --headless to run without a window, or "
                + "--window-system x11\n", "\(lost.stderr)")
        let none = try CapitalEngineProcess.run(
            ["run", "--particles", "100", "--steps", "2", "--window-system", "none"], environment: both)
        #expect(none.status == 0 && !none.stderr.contains("window:"), "\(none.stderr)")
    }
}
