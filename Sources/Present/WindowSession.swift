import Engine

/// The window systems a window opens on.
public enum WindowSystem: String, CaseIterable, Sendable {
    case wayland
    case x11

    /// The display a window of this system opens on, as the environment names it: DISPLAY, or
    /// WAYLAND_DISPLAY (`wayland-0` where unset, as libwayland has it).
    public func display(environment: [String: String]) -> String {
        switch self {
        case .wayland: environment["WAYLAND_DISPLAY"].flatMap { $0.isEmpty ? nil : $0 } ?? "wayland-0"
        case .x11: environment["DISPLAY"] ?? ""
        }
    }

    /// Wayland where WAYLAND_DISPLAY names a compositor that answers, else X11 where DISPLAY
    /// is set, else none (a run is headless).
    public static func preferred(environment: [String: String]) -> WindowSystem? {
        if let name = environment["WAYLAND_DISPLAY"], !name.isEmpty,
            let socket = WaylandSocket(environment: environment).path,
            WaylandWindow.canConnect(to: socket)
        {
            return .wayland
        }
        if let display = environment["DISPLAY"], !display.isEmpty { return .x11 }
        return nil
    }

    /// The window system a run opens its window on, if any, and a note where one was asked
    /// for but none opens.
    /// - Parameters:
    ///   - asked: the one named, else nil for ``preferred(environment:)``.
    ///   - sizeGiven: whether a window size was given, which asks for a window.
    ///   - offscreen: whether the run draws PNG files, which a window run would skip.
    public static func forRun(
        asked: WindowSystem?, sizeGiven: Bool, offscreen: Bool, environment: [String: String]
    ) -> (system: WindowSystem?, note: String?) {
        guard let system = asked ?? preferred(environment: environment) else {
            guard sizeGiven else { return (nil, nil) }
            let wayland = environment["WAYLAND_DISPLAY"] ?? ""
            let unanswered =
                WaylandSocket(environment: environment).problem.map { "\($0)," }
                ?? "no Wayland compositor answers at '\(wayland)'"
            return (
                nil,
                wayland.isEmpty
                    ? "note: DISPLAY is not set; running without a window"
                    : "note: \(unanswered) and DISPLAY is not set; running without a window"
            )
        }
        if offscreen { return (nil, "note: --png and --frames render offscreen; no window is opened") }
        return (system, nil)
    }
}

/// A window and a device that can present to it: what a run needs to show any workload.
public struct WindowSession {
    public let system: WindowSystem
    public let window: any PresentationWindow
    public let surface: WindowSurface
    public let context: ComputeContext
    public let presentMode: PresentMode

    /// Opens the window, then chooses among the devices that can present to it.
    /// - Parameter instanceOptions: the caller's (validation, driver settings); the window
    ///   system's extensions are added.
    /// - Parameter display: the display the window opens on (``WindowSystem/display(environment:)``).
    public init(
        system: WindowSystem, display: String, width: Int, height: Int, title: String = "CapitalEngine",
        selector: DeviceSelector, instanceOptions: InstanceOptions, validationLog: ValidationLog?,
        presentMode: PresentMode
    ) throws {
        let window: any PresentationWindow =
            switch system {
            case .wayland: try WaylandWindow(display: display, width: width, height: height, title: title)
            case .x11: try X11Window(display: display, width: width, height: height, title: title)
            }
        var options = instanceOptions
        options.extensions += WindowSurface.instanceExtensions(system)
        var surface: WindowSurface?
        context = try ComputeContext(
            selector: selector, instanceOptions: options, validationLog: validationLog, graphics: true,
            deviceExtensions: WindowSurface.deviceExtensions,
            presentable: { instance, devices in
                // The surface belongs to the instance, so it is made while devices are chosen.
                let created = try WindowSurface(instance: instance, window: window)
                surface = created
                return created.presentableDevices(devices)
            })
        self.system = system
        self.window = window
        self.surface = surface!
        self.presentMode = presentMode
    }

    /// Shows `scene` until the window closes, q/Escape, `shouldStop`, or forever after `steps`.
    public func present(
        _ scene: WindowScene, steps: Int, stepsPerFrame: Int, camera: Camera, shouldStop: () -> Bool,
        progress: (Int) -> Void, advanced: (Int) throws -> Bool = { _ in true }
    ) throws -> WindowPresenter.Outcome {
        let presenter = try WindowPresenter(
            device: context.device, surface: surface.surface, window: window,
            presentMode: presentMode, scene: scene)
        return try presenter.run(
            steps: steps, stepsPerFrame: stepsPerFrame, camera: camera,
            shouldStop: shouldStop, progress: progress, advanced: advanced)
    }
}
