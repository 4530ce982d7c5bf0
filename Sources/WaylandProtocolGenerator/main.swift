// Writes Swift that describes a Wayland protocol's interfaces to libwayland-client, from the
// protocol's XML (wayland-protocols' `stable/xdg-shell/xdg-shell.xml`): what wayland-scanner's
// `private-code` does for C. SwiftPM compiles no C that a build plugin writes, so the tables
// are made in Swift from the same file, at build time, and never committed.
//
//   WaylandProtocolGenerator --protocol FILE.xml --output FILE.swift --name SwiftName
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("WaylandProtocolGenerator: error: \(message)\n".utf8))
    exit(1)
}

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard flag.hasPrefix("--"), let value = arguments.popFirst() else {
        fail("usage: --protocol X --output Y --name Z")
    }
    options[String(flag.dropFirst(2))] = value
}
guard let input = options["protocol"], let output = options["output"], let swiftName = options["name"] else {
    fail("usage: --protocol FILE.xml --output FILE.swift --name SwiftName")
}
guard let data = FileManager.default.contents(atPath: input) else {
    fail("cannot read \(input) (Debian and Ubuntu: apt-get install wayland-protocols)")
}
var text = String(decoding: data, as: UTF8.self)
// Comments and descriptions hold prose, never tags that matter.
text = text.replacing(#/<!--(.|\n)*?-->/#, with: "")

struct Argument {
    var type: String
    var interface: String?
    var nullable: Bool
}
struct Message {
    var name: String
    var since: Int
    var arguments: [Argument] = []
}
struct Interface {
    var name: String
    var version: Int
    var requests: [Message] = []
    var events: [Message] = []
}

func attributes(_ text: Substring) -> [String: String] {
    var result: [String: String] = [:]
    for match in text.matches(of: #/([\w-]+)="([^"]*)"/#) { result[String(match.1)] = String(match.2) }
    return result
}

var interfaces: [Interface] = []
var message: (isEvent: Bool, value: Message)?
for tag in text.matches(of: #/<(/?)([\w-]+)([^>]*?)(/?)>/#) {
    let closing = !tag.1.isEmpty, name = tag.2, selfClosing = !tag.4.isEmpty
    let attrs = attributes(tag.3)
    switch (name, closing) {
    case ("interface", false):
        guard let interfaceName = attrs["name"], let version = attrs["version"].flatMap(Int.init) else {
            fail("an interface without name or version in \(input)")
        }
        interfaces.append(Interface(name: interfaceName, version: version))
    case ("request", false), ("event", false):
        guard let messageName = attrs["name"], !interfaces.isEmpty else { fail("a \(name) outside an interface") }
        message = (name == "event", Message(name: messageName, since: attrs["since"].flatMap(Int.init) ?? 1))
        if selfClosing { fallthrough }
    case ("request", true), ("event", true):
        guard let current = message else { break }
        if current.isEvent {
            interfaces[interfaces.count - 1].events.append(current.value)
        } else {
            interfaces[interfaces.count - 1].requests.append(current.value)
        }
        message = nil
    case ("arg", false):
        guard let type = attrs["type"] else { fail("an arg without a type") }
        message?.value.arguments.append(
            Argument(type: type, interface: attrs["interface"], nullable: attrs["allow-null"] == "true"))
    default:
        break
    }
}
guard !interfaces.isEmpty else { fail("no interfaces in \(input)") }

/// wayland-scanner's signature: the version the message came in (when above 1), then a
/// character per argument, `?` before a nullable one, `sun` for a new_id of any interface.
func signature(_ message: Message) -> String {
    var result = message.since > 1 ? String(message.since) : ""
    for argument in message.arguments {
        if argument.nullable { result += "?" }
        switch argument.type {
        case "int": result += "i"
        case "uint": result += "u"
        case "fixed": result += "f"
        case "string": result += "s"
        case "object": result += "o"
        case "new_id": result += argument.interface == nil ? "sun" : "n"
        case "array": result += "a"
        case "fd": result += "h"
        default: fail("unknown argument type \(argument.type) in \(message.name)")
        }
    }
    return result
}

/// The interfaces of a message's arguments, nil where an argument has none.
func types(_ message: Message) -> [String?] {
    message.arguments.flatMap { argument -> [String?] in
        switch argument.type {
        case "object": [argument.interface]
        case "new_id": argument.interface.map { [$0] } ?? [nil, nil, nil]
        default: [nil]
        }
    }
}

func camelCase(_ snake: String, upper: Bool) -> String {
    let parts = snake.split(separator: "_")
    let joined = parts.enumerated().map { index, part in
        index == 0 && !upper ? String(part) : part.prefix(1).uppercased() + part.dropFirst()
    }.joined()
    let keywords: Set = ["protocol", "default", "repeat", "class", "enum", "case", "func", "import"]
    return keywords.contains(joined) ? "`\(joined)`" : joined
}

func literal(_ message: Message) -> String {
    let typeList = types(message).map { $0.map { "\"\($0)\"" } ?? "nil" }.joined(separator: ", ")
    return "(\"\(message.name)\", \"\(signature(message))\", [\(typeList)])"
}

let protocolName = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
var swift = """
    // Generated at build time by WaylandProtocolGenerator from \(protocolName).xml.
    // Do not edit: edit the generator.
    import CWayland

    /// The \(protocolName) protocol's interfaces and their messages' opcodes.
    enum \(swiftName) {
        /// Every interface of the protocol, with its requests and events as libwayland reads them.
        static let descriptions: [WaylandInterfaceDescription] = [

    """
for interface in interfaces {
    swift += """
                WaylandInterfaceDescription(
                    name: "\(interface.name)", version: \(interface.version),
                    requests: [\(interface.requests.map(literal).joined(separator: ", "))],
                    events: [\(interface.events.map(literal).joined(separator: ", "))]),

        """
}
swift += "    ]\n"
for interface in interfaces {
    swift += "\n    /// `\(interface.name)`, version \(interface.version).\n"
    swift += "    enum \(camelCase(interface.name, upper: true)) {\n"
    swift += "        static let name = \"\(interface.name)\"\n"
    for (kind, list) in [("Request", interface.requests), ("Event", interface.events)] where !list.isEmpty {
        swift += "        enum \(kind): UInt32 {\n"
        for (opcode, message) in list.enumerated() {
            swift += "            case \(camelCase(message.name, upper: false)) = \(opcode)\n"
        }
        swift += "        }\n"
    }
    swift += "    }\n"
}
swift += "}\n"
do {
    try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("cannot write \(output): \(error)")
}
