import Foundation
import Present
import TestSupport

/// A headless Weston compositor on a socket of its own, in a private XDG_RUNTIME_DIR, for the
/// duration of a test; or one nested in an X server (Xvfb), whose keyboard and pointer it then
/// has, so that xdotool types into its windows. The desktop shell (panel, locking and animations off) sends frame
/// callbacks, so presenting paces as on a desktop; the kiosk shell makes every window
/// fullscreen, a size the compositor chooses. `--debug` lets weston-screenshooter take shots.
final class VirtualWayland {
    enum Shell: String {
        case desktop = "desktop-shell.so"
        case kiosk = "kiosk-shell.so"
    }

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/weston") }

    let runtimeDirectory: URL
    let socket = "capitalengine-test"
    let process: ChildProcess
    let width: Int, height: Int

    /// The desktop shell's background colour, set in weston.ini.
    static let background: (r: UInt8, g: UInt8, b: UInt8) = (0x20, 0x30, 0x40)

    /// What a client of this compositor needs in its environment.
    var environment: [String: String] { ["XDG_RUNTIME_DIR": runtimeDirectory.path, "WAYLAND_DISPLAY": socket] }

    init(width: Int = 640, height: Int = 480, shell: Shell = .desktop, nestedIn display: VirtualDisplay? = nil) throws {
        self.width = width
        self.height = height
        runtimeDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("wayland-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: runtimeDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let config = runtimeDirectory.appendingPathComponent("weston.ini")
        try Data(
            """
            [core]
            idle-time=0
            [shell]
            panel-position=none
            background-color=0xff203040
            locking=false
            animation=none
            startup-animation=none

            """.utf8
        ).write(to: config)
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_RUNTIME_DIR"] = runtimeDirectory.path
        environment["WAYLAND_DISPLAY"] = nil
        environment["DISPLAY"] = display?.name
        process = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/weston"),
            [
                display == nil ? "--backend=headless-backend.so" : "--backend=x11-backend.so", "--use-pixman",
                "--width=\(width)", "--height=\(height)",
                "--socket=\(socket)", "--config=\(config.path)", "--shell=\(shell.rawValue)", "--debug",
            ],
            environment: environment, standardOutput: .discard, standardError: .capture)
        let socketPath = runtimeDirectory.appendingPathComponent(socket).path
        try process.wait(for: "Weston's socket \(socketPath)", timeout: 30) {
            FileManager.default.fileExists(atPath: socketPath)
        }
        // The desktop shell paints its background from a client of its own, which can start after
        // a test's window is up: until then the output is black where a test expects the background.
        // Its centre, for nested in X the pointer sits at the top left.
        if shell == .desktop {
            try process.wait(for: "the desktop shell's background", timeout: 60) {
                (try? screenshot()).map { $0.pixel(x: width / 2, y: height / 2) == Self.background } ?? false
            }
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: runtimeDirectory)
    }

    /// Ends the compositor at once, as a crash would.
    func stop() {
        guard process.processIdentifier > 0 else { return }
        process.signal(SIGKILL)
        _ = try? process.wait(timeout: 30)
    }

    /// A screenshot of the whole output, taken with weston-screenshooter.
    func screenshot() throws -> PNGImage {
        let directory = runtimeDirectory.appendingPathComponent("shot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/weston-screenshooter"), [],
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, directory: directory,
            timeout: 60)
        let shots = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".png") }
        guard result.status == 0, let shot = shots.first else {
            throw TestFailure("weston-screenshooter failed (\(result.status)): \(result.stderr)")
        }
        return try PNGImage.decode(Data(contentsOf: directory.appendingPathComponent(shot)))
    }
}

/// Sway (wlroots), headless, for what Weston 10 cannot do from outside: `swaymsg kill` asks the
/// focused window to close (xdg_toplevel.close), as a title bar's close button does; and it
/// tiles, so a window takes the output's size. Sway refuses to run as root: as root, it runs
/// as nobody, whose socket root can still use.
final class VirtualSway {
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/sway") }

    let runtimeDirectory: URL
    let process: ChildProcess
    var environment: [String: String] { ["XDG_RUNTIME_DIR": runtimeDirectory.path, "WAYLAND_DISPLAY": "wayland-1"] }

    init(width: Int = 640, height: Int = 480) throws {
        runtimeDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sway-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: runtimeDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let config = runtimeDirectory.appendingPathComponent("config")
        try Data("output HEADLESS-1 resolution \(width)x\(height)\n".utf8).write(to: config)
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "XDG_RUNTIME_DIR": runtimeDirectory.path, "HOME": runtimeDirectory.path, "WLR_BACKENDS": "headless",
            "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1",
        ]) { $1 }
        environment["WAYLAND_DISPLAY"] = nil
        environment["DISPLAY"] = nil
        var command = ["/usr/bin/sway", "-c", config.path]
        if getuid() == 0 {
            chown(runtimeDirectory.path, 65534, 65534)
            command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        }
        process = try ChildProcess(
            URL(fileURLWithPath: command[0]), Array(command.dropFirst()), environment: environment,
            standardOutput: .discard, standardError: .capture)
        let socket = runtimeDirectory.appendingPathComponent("wayland-1").path
        try process.wait(for: "sway's socket \(socket)", timeout: 30) {
            FileManager.default.fileExists(atPath: socket) && ipcSocket != nil
        }
    }

    deinit {
        process.signal(SIGKILL)
        _ = try? process.wait(timeout: 30)
        try? FileManager.default.removeItem(at: runtimeDirectory)
    }

    /// Sway's IPC socket, which swaymsg talks to.
    var ipcSocket: String? {
        (try? FileManager.default.contentsOfDirectory(atPath: runtimeDirectory.path))?
            .first { $0.hasPrefix("sway-ipc.") }.map { runtimeDirectory.appendingPathComponent($0).path }
    }

    /// A sway command (`kill`), through swaymsg.
    func command(_ words: String) throws -> ChildProcess.Result {
        try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/swaymsg"), ["-s", ipcSocket ?? "", words], timeout: 60)
    }
}
