import Engine
import FoundationEssentials
import Glibc

/// What a window shows: a simulation it can advance and draw from its storage buffer.
public enum WindowScene {
    /// N-body particles, coloured by speed, seen by an orbiting camera.
    case particles(NBodyWorkload, speedScale: Float)
    /// A Life grid's cells, seen from above; the view pans instead of orbiting.
    case cells(LifeWorkload)
    /// A Gray-Scott field, a square per cell, seen from above as a Life grid is.
    case field(GrayScottWorkload)

    func advance(_ count: Int) throws {
        switch self {
        case .particles(let workload, _): try workload.advance(steps: count)
        case .cells(let life): try life.advance(generations: count)
        case .field(let field): try field.advance(steps: count)
        }
    }

    var stepName: String {
        switch self {
        case .particles, .field: "steps"
        case .cells: "generations"
        }
    }

    /// Whether the scene is a flat grid seen from above, which the view pans instead of orbiting.
    var isTopDown: Bool {
        if case .particles = self { false } else { true }
    }
}

/// Shows a running simulation in a window: advances it between frames, draws it from its
/// storage buffer, and lets the user steer the camera.
///
/// Keys: arrows orbit (N-body) or pan (a grid or field), +/- zoom, space pauses, r resets the view, q or
/// Escape quit; the mouse orbits or pans while button 1 is held, the wheel zooms; the close
/// button quits.
public final class WindowPresenter {
    public struct Outcome: Sendable {
        public var stepsDone: Int
        public var framesPresented: Int
        public var swapchainsCreated: Int
        /// The X server went away before the run ended; the state reached is still on the GPU.
        public var connectionLost = false
    }

    private static let framesInFlight = 2
    /// How often a still picture is drawn again (after it was covered, say).
    private static let stillRedrawSeconds = 0.25

    let device: Device
    let surface: Surface
    let window: any PresentationWindow
    let renderPass: RenderPass
    let scene: WindowScene
    /// Draws the scene: particles, cells or a field.
    let draw: (inout CommandEncoder, Framebuffer, Camera) throws -> Void
    let surfaceFormat: SurfaceFormat
    let presentMode: PresentMode
    private var swapchain: Swapchain?
    private var frames: [(commands: CommandBuffer, imageAvailable: BinarySemaphore, fence: Fence, inFlight: Bool)] = []
    private var swapchainsCreated = 0

    /// - Throws: when `presentMode` is not offered by the surface, naming the ones that are.
    public init(
        device: Device, surface: Surface, window: any PresentationWindow, presentMode: PresentMode,
        scene: WindowScene
    ) throws {
        self.device = device
        self.scene = scene
        self.surface = surface
        self.window = window
        let supported = try surface.presentModes(on: device)
        guard supported.contains(presentMode) else {
            throw EngineError.unsupported(
                "present mode '\(presentMode.rawValue)' is not supported here; "
                    + "supported: \(supported.map(\.rawValue).joined(separator: ", "))")
        }
        self.presentMode = presentMode
        surfaceFormat = try surface.preferredFormat(on: device)
        renderPass = try RenderPass(device: device, format: surfaceFormat.format, destination: .presentation)
        switch scene {
        case .particles(let workload, let speedScale):
            let renderer = try ParticleRenderer(renderPass: renderPass)
            draw = { encoder, framebuffer, camera in
                try renderer.record(
                    &encoder, into: framebuffer, state: workload.currentStateBuffer,
                    particleCount: workload.particleCount, camera: camera, speedScale: speedScale)
            }
        case .cells(let life):
            let renderer = try CellRenderer(renderPass: renderPass)
            draw = { encoder, framebuffer, camera in
                try renderer.record(&encoder, into: framebuffer, life: life, camera: camera)
            }
        case .field(let field):
            let renderer = try FieldRenderer(renderPass: renderPass)
            draw = { encoder, framebuffer, camera in
                try renderer.record(&encoder, into: framebuffer, field: field, camera: camera)
            }
        }
        for _ in 0..<Self.framesInFlight {
            frames.append(
                (
                    try CommandBuffer(device: device), try BinarySemaphore(device: device), try Fence(device: device),
                    false
                ))
        }
    }

    deinit {
        // Nothing may be destroyed while the device still uses it.
        try? device.waitIdle()
    }

    /// Runs until the window is closed, q/Escape is pressed, or `shouldStop` says so. The
    /// simulation advances `stepsPerFrame` steps per frame until `steps` are done or
    /// `advanced` says the run has ended (a settled grid), then the window keeps showing the
    /// final state.
    /// - Parameter advanced: hears the steps done after each frame's steps ran, may save the
    ///   state (periodic checkpoints) and answers whether the steps go on.
    public func run(
        steps: Int, stepsPerFrame: Int, camera initialCamera: Camera,
        shouldStop: () -> Bool, progress: (Int) -> Void, advanced: (Int) throws -> Bool = { _ in true }
    ) throws -> Outcome {
        var camera = initialCamera
        var paused = false
        var stepping = true
        var done = 0
        var presented = 0
        var frameIndex = 0
        var needsSwapchain = true
        var lastTitle = Date.distantPast
        var lastPresent = Date.distantPast
        var framesSinceTitle = 0, stepsSinceTitle = 0
        let name = device.description.name

        var connectionLost = false
        loop: while !shouldStop() {
            let events = window.pendingEvents()
            for event in events {
                switch event {
                case .close: break loop
                case .connectionLost:
                    connectionLost = true
                    break loop
                case .resized: needsSwapchain = true
                case .key(let key):
                    switch key {
                    case Keys.escape, Keys.q: break loop
                    case Keys.space: paused.toggle()
                    case Keys.r: camera.reset()
                    case Keys.left, Keys.right, Keys.up, Keys.down: steer(&camera, key: key)
                    case Keys.plus, Keys.equal, Keys.keypadPlus: camera.zoom(0.9)
                    case Keys.minus, Keys.keypadMinus: camera.zoom(1 / 0.9)
                    default: break
                    }
                case .drag(let dx, let dy):
                    if scene.isTopDown {
                        // The grid follows the pointer.
                        let unitsPerPixel = 1 / Float(max(swapchain?.height ?? 1, 1))
                        camera.pan(right: -Float(dx) * unitsPerPixel, down: -Float(dy) * unitsPerPixel)
                    } else {
                        camera.orbit(yaw: Float(dx) * 0.01, pitch: Float(dy) * 0.01)
                    }
                case .wheel(let up): camera.zoom(up ? 0.9 : 1 / 0.9)
                }
            }

            let moving = !paused && stepping && done < steps && stepsPerFrame > 0
            // A picture that nothing changes (paused, the steps over, no input) is drawn again a
            // few times a second, not as fast as the device goes: a finished run's window idles
            // rather than keeping a core (on a CPU driver, every core) busy.
            if !moving && events.isEmpty && !needsSwapchain
                && Date().timeIntervalSince(lastPresent) < Self.stillRedrawSeconds
            {
                usleep(10_000)
                continue
            }
            if moving {
                let count = min(stepsPerFrame, steps - done)
                try scene.advance(count)
                done += count
                stepsSinceTitle += count
                progress(done)
                stepping = try advanced(done)
                if !stepping && !shouldStop() {
                    note("window: the run has ended; its final state shows until the window closes")
                }
            }

            let frame = frames[frameIndex]
            if frame.inFlight {
                try frame.fence.wait()
                try frame.fence.reset()
                frames[frameIndex].inFlight = false
            }
            if needsSwapchain {
                try recreateSwapchain()
                needsSwapchain = false
            }
            guard let swapchain else {
                // Minimised: nothing to draw into; do not spin.
                usleep(50_000)
                continue
            }

            let image: Int
            switch try swapchain.acquireNextImage(signalling: frame.imageAvailable) {
            case .outOfDate:
                needsSwapchain = true
                continue
            case .surfaceLost:
                window.markConnectionLost()
                connectionLost = true
                break loop
            case .image(let index, let suboptimal):
                image = index
                if suboptimal { needsSwapchain = true }
            }

            try frame.commands.record { encoder in
                try draw(&encoder, swapchain.framebuffers[image], camera)
            }
            try device.submit(
                frame.commands, waitingFor: frame.imageAvailable, signalling: swapchain.renderFinished[image],
                fence: frame.fence)
            frames[frameIndex].inFlight = true

            switch try swapchain.present(image: image) {
            case .presented: break
            case .outOfDate: needsSwapchain = true
            case .surfaceLost:
                window.markConnectionLost()
                connectionLost = true
                break loop
            }
            presented += 1
            lastPresent = Date()
            framesSinceTitle += 1
            if presented == 1 { note("window: first frame presented") }
            frameIndex = (frameIndex + 1) % Self.framesInFlight

            let now = Date()
            let elapsed = now.timeIntervalSince(lastTitle)
            if elapsed >= 0.5 {
                let fps = lastTitle == .distantPast ? 0 : Double(framesSinceTitle) / elapsed
                let stepRate = lastTitle == .distantPast ? 0 : Double(stepsSinceTitle) / elapsed
                let state =
                    paused ? "paused" : (done >= steps ? "done" : stepping ? "step \(done)/\(steps)" : "settled")
                let rates = "\(cFormat("%.0f", fps)) fps, \(cFormat("%.0f", stepRate)) \(scene.stepName)/s"
                window.setTitle("CapitalEngine — \(rates) — \(state) — \(name)")
                lastTitle = now
                framesSinceTitle = 0
                stepsSinceTitle = 0
            }
        }
        try device.waitIdle()
        return Outcome(
            stepsDone: done, framesPresented: presented, swapchainsCreated: swapchainsCreated,
            connectionLost: connectionLost)
    }

    /// Arrow keys orbit around particles and pan over a grid (a tenth of the view per press).
    private func steer(_ camera: inout Camera, key: UInt) {
        let (x, y): (Float, Float) =
            switch key {
            case Keys.left: (-0.1, 0)
            case Keys.right: (0.1, 0)
            case Keys.up: (0, -0.1)
            default: (0, 0.1)
            }
        if scene.isTopDown {
            camera.pan(right: x, down: y)
        } else {
            camera.orbit(yaw: x, pitch: -y)
        }
    }

    private func recreateSwapchain() throws {
        try device.waitIdle()
        let old = swapchain
        swapchain = nil
        swapchain = try Swapchain(
            device: device, surface: surface, renderPass: renderPass, format: surfaceFormat,
            presentMode: presentMode, windowSize: (window.width, window.height), replacing: old)
        if let swapchain {
            swapchainsCreated += 1
            let size = "\(swapchain.width)x\(swapchain.height)"
            note("window: swapchain \(size), \(swapchain.imageCount) images, \(presentMode.rawValue)")
        }
    }

    private func note(_ message: String) {
        writeToStandardError(message + "\n")
    }
}
