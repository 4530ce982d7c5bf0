import Engine
import Foundation
import Simulation
import TestSupport
import Testing

@testable import Present

/// How a run is shown: which window system opens, and a run drawn offscreen into frames and a
/// PNG of its end, on lavapipe.
@Suite(.serialized) struct RunViewTests {
    let scratch = ScratchDirectory("run-view")

    /// A window system named is used; none is chosen where the environment offers none, with a
    /// note where a window size asked for one; PNG output rules a window out.
    @Test func theWindowSystemForARun() {
        // "system | note", as tuples do not compare in #expect on every toolchain.
        func chosen(
            _ asked: WindowSystem?, size: Bool = false, offscreen: Bool = false, _ environment: [String: String] = [:]
        ) -> String {
            let (system, note) = WindowSystem.forRun(
                asked: asked, sizeGiven: size, offscreen: offscreen, environment: environment)
            return "\(system?.rawValue ?? "none") | \(note ?? "")"
        }
        #expect(chosen(.x11) == "x11 | ")
        #expect(chosen(nil) == "none | ")
        #expect(chosen(nil, size: true) == "none | note: DISPLAY is not set; running without a window")
        #expect(
            chosen(nil, size: true, ["WAYLAND_DISPLAY": "no-such-compositor", "XDG_RUNTIME_DIR": scratch.url.path])
                == "none | note: no Wayland compositor answers at 'no-such-compositor' and DISPLAY is not set; "
                + "running without a window")
        // Where libwayland would not look, for want of XDG_RUNTIME_DIR, the note says so.
        #expect(
            chosen(nil, size: true, ["WAYLAND_DISPLAY": "wayland-0"])
                == "none | note: XDG_RUNTIME_DIR is not set, so WAYLAND_DISPLAY=wayland-0 names no socket, and "
                + "DISPLAY is not set; running without a window")
        #expect(
            chosen(nil, size: true, ["WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": "run/user"])
                == "none | note: XDG_RUNTIME_DIR is not an absolute path ('run/user'), so WAYLAND_DISPLAY=wayland-0 "
                + "names no socket, and DISPLAY is not set; running without a window")
        #expect(chosen(nil, ["DISPLAY": ":9"]) == "x11 | ")
        #expect(
            chosen(.wayland, size: true, offscreen: true)
                == "none | note: --png and --frames render offscreen; no window is opened")
    }

    /// Offscreen, the view writes a frame at the start and every `every` steps and a PNG of the
    /// final state, and says so; without a window no display can be lost.
    @Test func aRunDrawnOffscreen() throws {
        let log = ValidationLog()
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
        let grid = LifeStart.random(width: 64, height: 48, density: 0.3, seed: 1, rule: .conway)
        let life = try LifeWorkload(device: context.device, grid: grid, rule: .conway)
        let frames = scratch.url.appendingPathComponent("frames").path
        let png = scratch.url.appendingPathComponent("end.png").path
        let view = try RunView(
            RunView.Request(imageSize: (96, 64), png: png, frames: frames, every: 5, stepsPerFrame: 1), window: nil,
            device: context.device)
        let session = RunSession(RunLoop(workload: life, totalSteps: 20, batchLimit: 1000))
        let report = try view.run(
            session, showing: .cells(life), camera: Camera.topDown(gridWidth: 64, gridHeight: 48, aspect: 1.5),
            steps: 20)
        #expect(report.summary.stepsReached == 20)
        let written = try FileManager.default.contentsOfDirectory(atPath: frames).sorted()
        #expect(written.count == 5, "the start, then steps 5, 10, 15 and 20: \(written)")
        #expect(FileManager.default.fileExists(atPath: png))
        #expect(view.summaryLines(report) == ["frames: 5 PNG files in \(frames)", "png: \(png)"])
        #expect(view.lostDisplayProblem(done: 20, of: 20, unit: "generations", kept: []) == nil)
        #expect(log.count == 0, "\(log.messages)")
    }
}
