import Engine
import Present

extension WindowSession {
    /// The window the view options ask for, on the device the device options choose.
    init(view: ViewOptions, deviceOptions: DeviceOptions, log: ValidationLog?) throws {
        let size = view.imageSize
        try self.init(
            width: size.width, height: size.height, selector: deviceOptions.selector,
            instanceOptions: instanceOptions(validation: log != nil), validationLog: log,
            presentMode: PresentMode(rawValue: view.presentMode.rawValue)!)
        printDriverNotes(driverNotes(context.instance))
    }
}
