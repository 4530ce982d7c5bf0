import Engine
import Present

extension WindowSession {
    /// The window the view options ask for, on the device the device options choose.
    init(system: WindowSystem, view: ViewOptions, deviceOptions: DeviceOptions, log: ValidationLog?) throws {
        let size = view.imageSize
        try self.init(
            system: system, width: size.width, height: size.height, selector: deviceOptions.selector,
            instanceOptions: instanceOptions(validation: log != nil), validationLog: log,
            presentMode: PresentMode(rawValue: view.presentMode.rawValue)!)
        printDriverNotes(driverNotes(context.instance))
    }
}

/// A run a window paces (`RunSession.run(pacedBy:)`): the window presents `scene` for `steps`
/// steps, stopping on a signal or when the run says, and `outcome` hears how it went.
func windowPace(
    _ window: WindowSession, _ scene: WindowScene, steps: Int, stepsPerFrame: Int, camera: Camera,
    outcome: @escaping (WindowPresenter.Outcome) -> Void
) -> (_ shouldStop: @escaping () -> Bool, _ advanced: @escaping (Int) throws -> Void) throws -> Int {
    { shouldStop, advanced in
        let result = try window.present(
            scene, steps: steps, stepsPerFrame: stepsPerFrame, camera: camera,
            shouldStop: { StopSignal.requested != nil || shouldStop() }, progress: { _ in }, advanced: advanced)
        outcome(result)
        return result.stepsDone
    }
}
