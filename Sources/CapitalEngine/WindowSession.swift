import Engine
import Present

/// How the view options show a run, and the device it runs on: the window's where one opens
/// (it must present to it), else the one the device options choose.
func openView(
    _ view: ViewOptions, _ deviceOptions: DeviceOptions, log: ValidationLog?, for workload: WorkloadChoice
) throws -> (RunView, ComputeContext) {
    let request = view.request
    let window = try view.windowSystem().map {
        try WindowSession(
            system: $0, width: request.imageSize.width, height: request.imageSize.height,
            selector: deviceOptions.selector, instanceOptions: instanceOptions(validation: log != nil),
            validationLog: log, presentMode: PresentMode(rawValue: view.presentMode.rawValue)!)
    }
    if let window { printDriverNotes(driverNotes(window.context.instance)) }
    let context =
        try window?.context ?? makeContext(deviceOptions, log: log, graphics: request.draws, for: workload)
    return (try RunView(request, window: window, device: context.device), context)
}
