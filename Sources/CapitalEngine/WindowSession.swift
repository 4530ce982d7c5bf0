import Engine
import Present

/// An X11 window and a device that can present to it: what `run` needs to show any workload.
struct WindowSession {
    let window: X11Window
    let surface: WindowSurface
    let context: ComputeContext
    let presentMode: PresentMode

    init(view: ViewOptions, deviceOptions: DeviceOptions, log: ValidationLog?) throws {
        let size = view.imageSize
        let window = try X11Window(width: size.width, height: size.height, title: "CapitalEngine")
        var surface: WindowSurface?
        context = try ComputeContext(
            selector: deviceOptions.selector,
            instanceOptions: instanceOptions(validation: log != nil, extensions: WindowSurface.instanceExtensions),
            validationLog: log, graphics: true, deviceExtensions: WindowSurface.deviceExtensions,
            presentable: { instance, devices in
                // The surface belongs to the instance, so it is made while devices are chosen.
                let created = try WindowSurface(instance: instance, window: window)
                surface = created
                return created.presentableDevices(devices)
            })
        self.window = window
        self.surface = surface!
        presentMode = PresentMode(rawValue: view.presentMode.rawValue)!
        printDriverNotes(driverNotes(context.instance))
    }

    /// Shows `scene` until the window closes, q/Escape, a stop signal, or forever after `steps`.
    func present(_ scene: WindowScene, steps: Int, stepsPerFrame: Int, camera: Camera,
                 shouldStop: () -> Bool = { StopSignal.requested != nil },
                 progress: (Int) -> Void, advanced: (Int) throws -> Void = { _ in }) throws -> WindowPresenter.Outcome {
        let presenter = try WindowPresenter(device: context.device, surface: surface, window: window,
                                            presentMode: presentMode, scene: scene)
        return try presenter.run(steps: steps, stepsPerFrame: stepsPerFrame, camera: camera,
                                 shouldStop: shouldStop, progress: progress, advanced: advanced)
    }
}
