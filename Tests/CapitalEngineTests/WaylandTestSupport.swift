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
