import Engine
import FoundationEssentials
import Simulation

/// How a run is shown: in a window, which then paces it, or drawn offscreen into a PNG of its
/// final state and a numbered frame sequence along the way; or not at all.
public final class RunView {
    /// What is asked of the view; files are nil where not asked for.
    public struct Request {
        public var imageSize: (width: Int, height: Int)
        public var png: String?
        public var frames: String?
        /// A frame of the sequence every this many steps.
        public var every: Int
        /// Steps between a window's frames.
        public var stepsPerFrame: Int

        public init(
            imageSize: (width: Int, height: Int), png: String?, frames: String?, every: Int, stepsPerFrame: Int
        ) {
            self.imageSize = imageSize
            self.png = png
            self.frames = frames
            self.every = every
            self.stepsPerFrame = stepsPerFrame
        }

        /// Whether the run draws offscreen, so needs a device that draws.
        public var draws: Bool { png != nil || frames != nil }
    }

    public let window: WindowSession?
    private let request: Request
    private let offscreen: OffscreenRenderer?
    private let sequence: FrameSequence?
    /// How the window's part went, once the run has ended.
    public private(set) var windowOutcome: WindowPresenter.Outcome?

    /// - Parameter window: the window the run is shown in, whose device it runs on.
    public init(_ request: Request, window: WindowSession?, device: Device) throws {
        self.request = request
        self.window = window
        offscreen =
            request.draws
            ? try OffscreenRenderer(device: device, width: request.imageSize.width, height: request.imageSize.height)
            : nil
        sequence = try request.frames.map { try FrameSequence(directory: $0) }
    }

    /// Runs `session` showing `scene` as asked: frames along the way and a PNG of the end
    /// offscreen, or paced by the window, which shows `steps` steps.
    public func run<W: Workload>(
        _ session: RunSession<W>, showing scene: WindowScene, camera: Camera, steps: Int
    ) throws -> RunReport<W> {
        if let offscreen, let sequence {
            try session.addFrames(every: request.every, named: "--frames") {
                try sequence.write(try offscreen.render(scene, camera: camera))
            }
        }
        if let offscreen, let png = request.png {
            session.addOutput("--png") { _, _ in
                try offscreen.render(scene, camera: camera).write(to: URL(fileURLWithPath: png))
            }
        }
        guard let window else { return try session.run() }
        return try session.run { shouldStop, advanced in
            let outcome = try window.present(
                scene, steps: steps, stepsPerFrame: self.request.stepsPerFrame, camera: camera,
                shouldStop: shouldStop, progress: { _ in }, advanced: advanced)
            self.windowOutcome = outcome
            return outcome.stepsDone
        }
    }

    /// What the view showed, for the run's summary: the window's frames or the sequence's,
    /// and the PNG where it was written.
    public func summaryLines<W>(_ report: RunReport<W>) -> [String] {
        var lines: [String] = []
        if let windowOutcome {
            lines.append(
                "window: \(windowOutcome.framesPresented) frames presented, "
                    + "\(windowOutcome.swapchainsCreated) swapchain(s)")
        } else if let sequence {
            lines.append("frames: \(sequence.count) PNG files in \(sequence.directory.path)")
        }
        if let png = request.png, report.wrote("--png") { lines.append("png: \(png)") }
        return lines
    }

    /// Why the run shown this way failed: its own problems (``RunReport/problems(unit:advice:)``),
    /// then a display lost under it (``lostDisplayProblem(done:of:unit:kept:)``), whose state is
    /// in the outputs named by `kept`.
    public func problems<W>(_ report: RunReport<W>, unit: String, advice: String, kept: [String]) -> [String] {
        let summary = report.summary
        return report.problems(unit: unit, advice: advice)
            + [lostDisplayProblem(done: summary.stepsReached, of: summary.totalSteps, unit: unit, kept: kept)]
            .compactMap { $0 }
    }

    /// Where the X server or Wayland compositor went away under the run: its results are
    /// written by then (Xlib would have ended the process before they were), and the run
    /// fails, as it did not finish as asked.
    public func lostDisplayProblem(done: Int, of steps: Int, unit: String, kept: [String]) -> String? {
        guard let window, windowOutcome?.connectionLost == true else { return nil }
        return "the connection to the \(window.system == .wayland ? "Wayland compositor" : "X display") was lost "
            + "after \(done) of \(steps) \(unit)"
            + (kept.isEmpty ? "" : "; the state reached is in \(kept.joined(separator: " and "))")
    }
}

extension OffscreenRenderer {
    /// `scene` as a window would show it with `camera`.
    public func render(_ scene: WindowScene, camera: Camera) throws -> PNGImage {
        switch scene {
        case .particles(let workload, let speedScale): try render(workload, camera: camera, speedScale: speedScale)
        case .cells(let life): try render(life, camera: camera)
        case .field(let field): try render(field, camera: camera)
        }
    }
}

extension OffscreenRenderer {
    /// A picture of a workload's present state, as `run --png` draws it.
    public func render(picture workload: AnyObject) throws -> PNGImage {
        if let nbody = workload as? NBodyWorkload {
            let state = try nbody.download()
            return try render(nbody, camera: Camera(fitting: state), speedScale: speedScale(for: state))
        }
        if let field = workload as? GrayScottWorkload { return try render(field) }
        guard let life = workload as? LifeWorkload else { throw EngineError.unsupported("no picture of this") }
        return try render(life)
    }
}
