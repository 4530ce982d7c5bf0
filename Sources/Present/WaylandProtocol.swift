import CWayland
import Foundation

/// A Wayland interface as the protocol's XML declares it: the requests and events libwayland
/// needs to marshal and dispatch its messages. WaylandProtocolGenerator writes these from the
/// XML at build time (`XdgShell.descriptions`).
struct WaylandInterfaceDescription {
    /// A message: its name, wayland-scanner's signature, and the interface of each argument
    /// that has one.
    typealias Message = (name: String, signature: String, types: [String?])

    var name: String
    var version: Int
    var requests: [Message]
    var events: [Message]
}

/// The `wl_interface` structures libwayland-client reads: the core protocol's, which the library
/// exports, and xdg-shell's, made once from their descriptions and kept for the process's life
/// (libwayland holds pointers to them in every proxy).
enum WaylandInterfaces {
    /// xdg-shell's interfaces by name; nil until libwayland-client is loaded.
    nonisolated(unsafe) private static var xdgShell: [String: UnsafePointer<wl_interface>] = [:]
    private static let lock = NSLock()

    /// A core interface (`wl_compositor`) or one of xdg-shell's (`xdg_wm_base`).
    static func named(_ name: String) -> UnsafePointer<wl_interface>? {
        if let core = ce_wl_core_interface("\(name)_interface") { return core }
        lock.lock()
        defer { lock.unlock() }
        if xdgShell.isEmpty { xdgShell = make(XdgShell.descriptions) }
        return xdgShell[name]
    }

    private static func make(_ descriptions: [WaylandInterfaceDescription]) -> [String: UnsafePointer<wl_interface>] {
        var made: [String: UnsafeMutablePointer<wl_interface>] = [:]
        for description in descriptions { made[description.name] = .allocate(capacity: 1) }
        func interface(_ name: String?) -> UnsafePointer<wl_interface>? {
            guard let name else { return nil }
            if let own = made[name] { return UnsafePointer(own) }
            return ce_wl_core_interface("\(name)_interface")
        }
        func messages(_ list: [WaylandInterfaceDescription.Message]) -> UnsafePointer<wl_message>? {
            guard !list.isEmpty else { return nil }
            let array = UnsafeMutablePointer<wl_message>.allocate(capacity: list.count)
            for (index, message) in list.enumerated() {
                let types = UnsafeMutablePointer<UnsafePointer<wl_interface>?>.allocate(
                    capacity: max(1, message.types.count))
                for (position, type) in message.types.enumerated() {
                    (types + position).initialize(to: interface(type))
                }
                (array + index).initialize(
                    to: wl_message(
                        name: UnsafePointer(strdup(message.name)), signature: UnsafePointer(strdup(message.signature)),
                        types: types))
            }
            return UnsafePointer(array)
        }
        for description in descriptions {
            made[description.name]!.initialize(
                to: wl_interface(
                    name: UnsafePointer(strdup(description.name)), version: Int32(description.version),
                    method_count: Int32(description.requests.count), methods: messages(description.requests),
                    event_count: Int32(description.events.count), events: messages(description.events)))
        }
        return made.mapValues { UnsafePointer($0) }
    }
}
