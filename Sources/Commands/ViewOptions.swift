import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Present

/// How the simulation is shown: a window, PNG files, or nothing.
struct ViewOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            """
            Open a window of this size, 16 to 16384 a side (default when WAYLAND_DISPLAY or DISPLAY is set: \
            1024x768); also the size of --png and --frames images.
            """,
            valueName: "WxH"))
    var window: WindowSize?

    @Flag(help: "Never open a window, even with WAYLAND_DISPLAY or DISPLAY set (as --window-system none).")
    var headless = false

    @Option(
        help: ArgumentHelp(
            """
            Where a window opens: wayland, x11 or none. Default: Wayland when WAYLAND_DISPLAY names a compositor \
            that answers, else X11 when DISPLAY is set, else none.
            """,
            valueName: "system"))
    var windowSystem: WindowSystemChoice?

    @Option(help: ArgumentHelp("Render the final state to this PNG file (no X server needed).", valueName: "file.png"))
    var png: String?

    @Option(
        help: ArgumentHelp(
            "Write a numbered PNG sequence (frame_000000.png, ...) into this directory.", valueName: "dir"))
    var frames: String?

    // --every, --steps-per-frame and --present-mode are stored as given, so that one given
    // where it cannot apply is refused instead of ignored.
    @Option(
        name: .customLong("every"), parsing: .unconditional,
        help: ArgumentHelp("With --frames: a frame every K steps (default: 10).", valueName: "K"))
    var givenEvery: Int?

    @Option(
        name: .customLong("steps-per-frame"), parsing: .unconditional,
        help: ArgumentHelp("In a window: simulation steps between frames (default: 1).", valueName: "steps"))
    var givenStepsPerFrame: Int?

    @Option(
        name: .customLong("present-mode"),
        help: ArgumentHelp(
            "In a window: fifo (default, vsync), mailbox or immediate, where supported.", valueName: "mode"))
    var givenPresentMode: PresentModeChoice?

    var every: Int { givenEvery ?? 10 }
    var stepsPerFrame: Int { givenStepsPerFrame ?? 1 }
    var presentMode: PresentModeChoice { givenPresentMode ?? .fifo }

    var imageSize: WindowSize { window ?? WindowSize(width: 1024, height: 768) }

    /// The camera that shows a whole `gridWidth` x `gridHeight` grid from above in the image.
    func topDownCamera(gridWidth: Int, gridHeight: Int) -> Camera {
        Camera.topDown(
            gridWidth: gridWidth, gridHeight: gridHeight, aspect: Float(imageSize.width) / Float(imageSize.height))
    }

    var request: RunView.Request {
        RunView.Request(
            imageSize: (imageSize.width, imageSize.height), png: png, frames: frames, every: every,
            stepsPerFrame: stepsPerFrame)
    }

    func validate() throws {
        guard every >= 1 else { throw ValidationError("--every must be at least 1") }
        guard stepsPerFrame >= 0 else { throw ValidationError("--steps-per-frame must be zero or more") }
        if givenEvery != nil && frames == nil {
            throw ValidationError("--every sets how often --frames writes a frame; give --frames DIR too")
        }
        // These run offscreen, so a window's options cannot apply.
        let offscreen = headless ? "--headless" : png != nil ? "--png" : frames != nil ? "--frames" : nil
        let windowOnly = [
            givenStepsPerFrame.map { _ in "--steps-per-frame" }, givenPresentMode.map { _ in "--present-mode" },
        ].compactMap { $0 }
        if let offscreen, !windowOnly.isEmpty {
            throw ValidationError(
                """
                \(windowOnly.joined(separator: " and ")) \(windowOnly.count == 1 ? "applies" : "apply") only in a \
                window, which \(offscreen) rules out
                """
            )
        }
        if let png {
            guard png.lowercased().hasSuffix(".png") else {
                throw ValidationError("--png must name a .png file, got '\(png)'")
            }
            try checkWritableFile(png, option: "--png")
        }
        if let frames {
            var isDirectory = false
            if FileManager.default.fileExists(atPath: frames, isDirectory: &isDirectory), !isDirectory {
                throw ValidationError("--frames: '\(frames)' exists and is not a directory")
            }
        }
    }

    /// The window system to open a window on, if any: the one --window-system names, else the
    /// one the environment offers (``WindowSystem/preferred(environment:)``); none with
    /// --headless, or with --png or --frames (those render offscreen, which a window run would
    /// skip). Says once why not when a window was asked for but cannot be had.
    func windowSystem(environment: [String: String] = Console.environment) -> WindowSystem? {
        if headless || windowSystem == WindowSystemChoice.none { return nil }
        let (system, note) = WindowSystem.forRun(
            asked: windowSystem.flatMap { WindowSystem(rawValue: $0.rawValue) }, sizeGiven: window != nil,
            offscreen: png != nil || frames != nil, environment: environment)
        if let note { Console.note(note) }
        return system
    }
}

/// How the view options show a run, and the device it runs on: the window's where one opens
/// (it must present to it), else the one the device options choose.
func openView(
    _ view: ViewOptions, _ deviceOptions: DeviceOptions, log: ValidationLog?, wideVectors: Bool = false
) throws -> (RunView, ComputeContext) {
    let request = view.request
    let window = try view.windowSystem().map {
        try WindowSession(
            system: $0, display: $0.display(environment: Console.environment), width: request.imageSize.width,
            height: request.imageSize.height,
            selector: deviceOptions.selector, instanceOptions: instanceOptions(validation: log != nil),
            validationLog: log, presentMode: PresentMode(rawValue: view.presentMode.rawValue)!)
    }
    if let window { printDriverNotes(driverNotes(window.context.instance)) }
    let context =
        try window?.context ?? makeContext(deviceOptions, log: log, graphics: request.draws, wideVectors: wideVectors)
    return (try RunView(request, window: window, device: context.device), context)
}

/// A window's or image's `WxH`.
struct WindowSize: SizeArgument, Equatable {
    static let sides = 16...16384
    var width: Int
    var height: Int
}

/// `WxH` with both sides within `sides`.
protocol SizeArgument: ExpressibleByArgument {
    static var sides: ClosedRange<Int> { get }
    init(width: Int, height: Int)
}

extension SizeArgument {
    init?(argument: String) {
        guard let (width, height) = parseSize(argument, range: Self.sides) else { return nil }
        self.init(width: width, height: height)
    }
}

/// `WxH` with both sides within `range`.
func parseSize(_ text: String, range: ClosedRange<Int>) -> (width: Int, height: Int)? {
    let parts = text.lowercased().split(separator: "x").map { Int($0) }
    guard parts.count == 2, let w = parts[0], let h = parts[1], range.contains(w), range.contains(h) else { return nil }
    return (w, h)
}

enum WindowSystemChoice: String, ExpressibleByArgument, CaseIterable {
    case wayland, x11, none
}

enum PresentModeChoice: String, ExpressibleByArgument, CaseIterable {
    case fifo, mailbox, immediate
}

/// Refuses, before the work that makes it, an output file that could not be written: its
/// directory is missing, or writing there fails (found out by writing, `AtomicFile.writeProblem`).
func checkWritableFile(_ path: String, option: String) throws {
    var isDirectory = false
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory else {
        throw ValidationError("\(option): directory '\(directory)' does not exist")
    }
    if let problem = AtomicFile.writeProblem(at: URL(fileURLWithPath: path)) {
        throw ValidationError("\(option): '\(path)' \(problem)")
    }
}
