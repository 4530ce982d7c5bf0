import Foundation
import PackagePlugin

/// Describes the xdg-shell protocol to libwayland-client from wayland-protocols' XML, at build
/// time (WaylandProtocolGenerator), for the target's Wayland window: the description follows
/// the protocol version installed, and no generated code is committed.
@main
struct WaylandProtocolPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let environment = ProcessInfo.processInfo.environment
        // wayland-protocols' data directory (`pkg-config --variable=pkgdatadir wayland-protocols`).
        let directories = [environment["WAYLAND_PROTOCOLS_DIR"], "/usr/share/wayland-protocols"].compactMap { $0 }
        let relative = "stable/xdg-shell/xdg-shell.xml"
        guard
            let file = directories.map({ URL(fileURLWithPath: $0).appending(path: relative) })
                .first(where: { FileManager.default.fileExists(atPath: $0.path()) })
        else {
            throw PluginError.protocolMissing(relative, directories)
        }
        let generator = try context.tool(named: "WaylandProtocolGenerator")
        let output = context.pluginWorkDirectoryURL.appending(path: "XdgShellProtocol.swift")
        return [
            .buildCommand(
                displayName: "Describing \(file.lastPathComponent) to libwayland",
                executable: generator.url,
                arguments: ["--protocol", file.path(), "--output", output.path(), "--name", "XdgShell"],
                inputFiles: [file],
                outputFiles: [output]
            )
        ]
    }
}

enum PluginError: Error, CustomStringConvertible {
    case protocolMissing(String, [String])

    var description: String {
        switch self {
        case .protocolMissing(let file, let directories):
            "\(file) is not in \(directories.joined(separator: " or ")): install wayland-protocols "
                + "(Debian and Ubuntu: apt-get install wayland-protocols) or set WAYLAND_PROTOCOLS_DIR"
        }
    }
}
