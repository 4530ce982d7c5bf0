import Foundation
import TestSupport
import Testing

@testable import Present

/// The xdg-shell tables made at build time say what wayland-scanner's own `private-code` says:
/// every message's name and signature, in opcode order, and every argument's interface.
/// (SwiftPM compiles no C a build plugin writes, so the tables are written in Swift from the
/// same XML; this holds them to the reference.)
@Suite("Wayland protocol description")
struct WaylandProtocolTests {
    static let xml = "/usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/wayland-scanner")))
    func xdgShellMatchesWaylandScanner() throws {
        let scanned = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/wayland-scanner"), ["private-code", Self.xml, "/dev/stdout"])
        #expect(scanned.status == 0, "\(scanned.stderr)")
        // Lines like `{ "get_xdg_surface", "no", xdg_shell_types + 5 },`, requests then events,
        // interface after interface.
        // The shared types array: `&xdg_positioner_interface` or NULL, one per entry.
        let typeBlock = try #require(scanned.stdout.firstMatch(of: #/types\[\] = \{([^}]*)\}/#)?.1)
        let types = typeBlock.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map { entry in
            entry == "NULL" ? "-" : String(entry.dropFirst().dropLast("_interface".count))
        }
        let theirs = try scanned.stdout.matches(of: #/\{ "(\w+)", "([^"]*)", \w+_types \+ (\d+) \}/#).map { match in
            let slots = match.2.filter { "iufsonah".contains($0) }.count
            let start = try #require(Int(match.3))
            return "\(match.1) \(match.2) \(types[start..<start + slots].joined(separator: ","))"
        }
        let ours = XdgShell.descriptions.flatMap { description in
            (description.requests + description.events).map { message in
                "\(message.name) \(message.signature) \(message.types.map { $0 ?? "-" }.joined(separator: ","))"
            }
        }
        #expect(!ours.isEmpty)
        #expect(ours == theirs)
        // Each interface's name, version and message counts, as wayland-scanner declares them.
        for description in XdgShell.descriptions {
            let declaration =
                "\"\(description.name)\", \(description.version),\n\t\(description.requests.count), "
            #expect(scanned.stdout.contains(declaration), "\(description.name): \(declaration)")
        }
    }
}
