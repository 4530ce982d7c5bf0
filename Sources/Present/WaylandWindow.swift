import CWayland
import Engine
import Foundation
import Glibc

/// A Wayland window (an xdg-shell toplevel) with the events a viewer needs: keys (through the
/// compositor's keymap), pointer drags and the wheel, resizes the compositor asks for, and its
/// close. The compositor's pings are answered and every configure acknowledged. Borderless:
/// Weston and GNOME draw no decorations for a client; the title names the window, and q or
/// Escape closes it as the close button would.
public final class WaylandWindow: PresentationWindow {
    let display: OpaquePointer
    /// The wl_surface the window shows: what a Vulkan surface is made on.
    private(set) var surface: OpaquePointer?
    private var registry: OpaquePointer?
    private var compositor: OpaquePointer?
    private var windowManager: OpaquePointer?
    private var xdgSurface: OpaquePointer?
    private var toplevel: OpaquePointer?
    private var seat: OpaquePointer?
    private var keyboard: OpaquePointer?
    private var pointer: OpaquePointer?
    private var keymapState: UnsafeMutableRawPointer?

    public private(set) var width: Int
    public private(set) var height: Int
    private var events: [WindowEvent] = []
    private var configured = false
    private var lost = false
    private var pointerAt: (x: Double, y: Double) = (0, 0)
    private var dragOrigin: (x: Double, y: Double)?
    /// Wayland leaves key repeat to the client: the key held, when it next repeats, and the
    /// compositor's rate (keys a second) and delay (ms) from `repeat_info`.
    private var heldKey: (code: UInt32, symbol: UInt, next: Double)?
    private var repeatRate = 25.0, repeatDelay = 0.6

    /// What each proxy's events go to, as the dispatcher's implementation pointer.
    fileprivate enum Role: Int {
        case registry = 1, windowManager, xdgSurface, toplevel, seat, keyboard, pointer
    }

    /// Whether a Wayland compositor answers at `name` (WAYLAND_DISPLAY's value, or a socket's path).
    public static func canConnect(to name: String) -> Bool {
        guard lookupProblem(name) == nil, ce_wayland_load() != 0, let display = ce_wl_display_connect(name)
        else { return false }
        ce_wl_display_disconnect(display)
        return true
    }

    /// Why libwayland cannot find the socket `name` names, which it would say on standard error in
    /// words of its own: it reads XDG_RUNTIME_DIR from this process's environment.
    private static func lookupProblem(_ name: String) -> String? {
        var environment = ["WAYLAND_DISPLAY": name]
        environment["XDG_RUNTIME_DIR"] = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"]
        return WaylandSocket(environment: environment).problem
    }

    /// Connects to the compositor at `name` (as WAYLAND_DISPLAY names one) and maps a window there.
    /// - Throws: ``EngineError/unsupported(_:)`` when libwayland-client is missing, no
    ///   compositor answers, or it lacks what a window needs.
    public init(display name: String, width: Int, height: Int, title: String) throws {
        guard ce_wayland_load() != 0 else {
            throw EngineError.unsupported("no Wayland window: \(String(cString: ce_wayland_error())); use --headless")
        }
        if let problem = Self.lookupProblem(name) {
            throw EngineError.unsupported(
                """
                cannot connect to the Wayland compositor at '\(name)': \(problem); use --headless to run without \
                a window, or --window-system x11
                """)
        }
        guard let display = ce_wl_display_connect(name) else {
            throw EngineError.unsupported(
                """
                cannot connect to the Wayland compositor at '\(name)': no compositor answers there \
                (check XDG_RUNTIME_DIR and WAYLAND_DISPLAY; in a container, mount the socket and run as its owner); \
                use --headless to run without a window, or --window-system x11
                """)
        }
        self.display = display
        self.width = width
        self.height = height
        guard let registryInterface = WaylandInterfaces.named("wl_registry"),
            let surfaceInterface = WaylandInterfaces.named("wl_surface")
        else {
            ce_wl_display_disconnect(display)
            throw EngineError.unsupported("libwayland-client lacks the core protocol's interfaces")
        }
        // wl_display.get_registry (opcode 1).
        registry = Self.request(
            display, 1, creating: registryInterface, version: 1, [Self.newID()])
        listen(registry, .registry)
        // The globals arrive with the first roundtrip; bind what a window needs.
        ce_wl_display_roundtrip(display)
        guard let compositor, windowManager != nil else {
            ce_wl_display_disconnect(display)
            throw EngineError.unsupported(
                "the Wayland compositor at '\(name)' offers no \(compositor == nil ? "wl_compositor" : "xdg_wm_base")")
        }
        // wl_compositor.create_surface (0).
        let surface = Self.request(
            compositor, 0, creating: surfaceInterface, version: ce_wl_proxy_get_version(compositor),
            [Self.newID()])!
        self.surface = surface
        xdgSurface = Self.request(
            windowManager!, XdgShell.XdgWmBase.Request.getXdgSurface.rawValue,
            creating: WaylandInterfaces.named("xdg_surface"), version: version(of: windowManager),
            [Self.newID(), Self.object(surface)])
        listen(xdgSurface, .xdgSurface)
        toplevel = Self.request(
            xdgSurface!, XdgShell.XdgSurface.Request.getToplevel.rawValue,
            creating: WaylandInterfaces.named("xdg_toplevel"), version: version(of: windowManager), [Self.newID()])
        listen(toplevel, .toplevel)
        setTitle(title)
        Self.string("capitalengine") { Self.request(toplevel!, XdgShell.XdgToplevel.Request.setAppId.rawValue, [$0]) }
        // An initial commit without a buffer asks for the first configure, which must be
        // acknowledged before anything is shown.
        Self.request(surface, 6, [])  // wl_surface.commit
        while !configured && !lost {
            guard ce_wl_display_roundtrip(display) >= 0 else {
                lost = true
                break
            }
        }
        guard configured else {
            throw EngineError.unsupported("the Wayland compositor at '\(name)' went away before showing the window")
        }
    }

    deinit {
        ce_xkb_state_free(keymapState)
        guard !lost else { return }
        for proxy in [pointer, keyboard, seat, toplevel, xdgSurface, surface, windowManager, compositor, registry] {
            if let proxy { ce_wl_proxy_destroy(proxy) }
        }
        ce_wl_display_disconnect(display)
    }

    public func setTitle(_ title: String) {
        guard !lost, let toplevel else { return }
        Self.string(title) { Self.request(toplevel, XdgShell.XdgToplevel.Request.setTitle.rawValue, [$0]) }
        ce_wl_display_flush(display)
    }

    public func markConnectionLost() { lost = true }

    /// Reads what the compositor sent, without waiting, and dispatches it.
    public func pendingEvents() -> [WindowEvent] {
        guard !lost else { return [] }
        while ce_wl_display_prepare_read(display) != 0 {
            if ce_wl_display_dispatch_pending(display) < 0 { break }
        }
        ce_wl_display_flush(display)
        var poller = pollfd(fd: ce_wl_display_get_fd(display), events: Int16(POLLIN), revents: 0)
        if poll(&poller, 1, 0) > 0 {
            ce_wl_display_read_events(display)
        } else {
            ce_wl_display_cancel_read(display)
        }
        ce_wl_display_dispatch_pending(display)
        if ce_wl_display_get_error(display) != 0 || poller.revents & Int16(POLLHUP | POLLERR) != 0 {
            lost = true
            events.append(.connectionLost)
        }
        if let held = heldKey, repeatRate > 0 {
            let now = Self.now()
            if now >= held.next {
                events.append(.key(held.symbol))
                heldKey?.next = max(held.next + 1 / repeatRate, now)
            }
        }
        defer { events.removeAll() }
        return events
    }

    // MARK: Events

    private func listen(_ proxy: OpaquePointer?, _ role: Role) {
        guard let proxy else { return }
        ce_wl_proxy_add_dispatcher(
            proxy, waylandDispatch, UnsafeRawPointer(bitPattern: role.rawValue),
            Unmanaged.passUnretained(self).toOpaque())
    }

    fileprivate func handle(
        _ role: Role, _ proxy: OpaquePointer, _ opcode: UInt32, _ arguments: UnsafeMutablePointer<wl_argument>
    ) {
        switch role {
        case .registry where opcode == 0:  // global(name, interface, version)
            let name = arguments[0].u, interface = String(cString: arguments[1].s), version = arguments[2].u
            switch interface {
            case "wl_compositor": compositor = bind(name, interface, min(version, 4))
            case "xdg_wm_base":
                windowManager = bind(name, interface, min(version, UInt32(XdgShell.descriptions[0].version)))
                listen(windowManager, .windowManager)
            case "wl_seat" where seat == nil:
                seat = bind(name, interface, min(version, 5))
                listen(seat, .seat)
            default: break
            }
        case .windowManager where opcode == XdgShell.XdgWmBase.Event.ping.rawValue:
            Self.request(proxy, XdgShell.XdgWmBase.Request.pong.rawValue, [Self.uint(arguments[0].u)])
            ce_wl_display_flush(display)
        case .xdgSurface where opcode == XdgShell.XdgSurface.Event.configure.rawValue:
            Self.request(proxy, XdgShell.XdgSurface.Request.ackConfigure.rawValue, [Self.uint(arguments[0].u)])
            configured = true
        case .toplevel where opcode == XdgShell.XdgToplevel.Event.configure.rawValue:
            // 0 x 0: the client chooses; the size it asked for stands.
            let (w, h) = (Int(arguments[0].i), Int(arguments[1].i))
            if w > 0 && h > 0 && (w, h) != (width, height) {
                (width, height) = (w, h)
                events.append(.resized(width: w, height: h))
            }
        case .toplevel where opcode == XdgShell.XdgToplevel.Event.close.rawValue:
            events.append(.close)
        case .seat where opcode == 0:  // capabilities: 1 pointer, 2 keyboard
            let capabilities = arguments[0].u
            if capabilities & 2 != 0 && keyboard == nil {
                keyboard = Self.request(
                    proxy, 1, creating: WaylandInterfaces.named("wl_keyboard"), version: version(of: seat),
                    [Self.newID()])
                listen(keyboard, .keyboard)
            }
            if capabilities & 1 != 0 && pointer == nil {
                pointer = Self.request(
                    proxy, 0, creating: WaylandInterfaces.named("wl_pointer"), version: version(of: seat),
                    [Self.newID()])
                listen(pointer, .pointer)
            }
        case .keyboard:
            handleKeyboard(opcode, arguments)
        case .pointer:
            handlePointer(opcode, arguments)
        default:
            break
        }
    }

    private func handleKeyboard(_ opcode: UInt32, _ arguments: UnsafeMutablePointer<wl_argument>) {
        switch opcode {
        case 0:  // keymap(format, fd, size): format 1 is XKB's text
            let (format, fd, size) = (arguments[0].u, arguments[1].h, Int(arguments[2].u))
            defer { close(fd) }
            guard format == 1, ce_xkb_load() != 0,
                let text = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), text != MAP_FAILED
            else { return }
            defer { munmap(text, size) }
            ce_xkb_state_free(keymapState)
            keymapState = ce_xkb_state_from_keymap(text.assumingMemoryBound(to: CChar.self))
        case 1, 2:  // enter, leave: no key is held any more
            heldKey = nil
        case 3:  // key(serial, time, key, state): 1 pressed
            let code = arguments[2].u
            guard arguments[3].u == 1 else {
                if heldKey?.code == code { heldKey = nil }
                return
            }
            let symbol: UInt
            if let keymapState {
                symbol = UInt(ce_xkb_state_key_get_one_sym(keymapState, code + 8))
            } else if let known = Self.keysymsWithoutKeymap[code] {
                symbol = known
            } else {
                return
            }
            events.append(.key(symbol))
            // The keys that move the view repeat while held, as X11's do; the others act once.
            heldKey = Self.repeating.contains(symbol) ? (code, symbol, Self.now() + repeatDelay) : nil
        case 4:  // modifiers(serial, depressed, latched, locked, group)
            if let keymapState {
                ce_xkb_state_update_mask(keymapState, arguments[1].u, arguments[2].u, arguments[3].u, arguments[4].u)
            }
        case 5:  // repeat_info(rate, delay): rate 0 turns repeat off
            (repeatRate, repeatDelay) = (Double(arguments[0].i), Double(arguments[1].i) / 1000)
        default:
            break
        }
    }

    private static let repeating: Set<UInt> = [
        Keys.left, Keys.right, Keys.up, Keys.down, Keys.plus, Keys.equal, Keys.minus, Keys.keypadPlus,
        Keys.keypadMinus,
    ]

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The viewer's keys by evdev code, for a compositor that sends no XKB keymap (or when
    /// libxkbcommon is missing): the positions of a US layout.
    private static let keysymsWithoutKeymap: [UInt32: UInt] = [
        1: Keys.escape, 16: Keys.q, 19: Keys.r, 57: Keys.space, 103: Keys.up, 105: Keys.left, 106: Keys.right,
        108: Keys.down, 12: Keys.minus, 13: Keys.equal, 78: Keys.keypadPlus, 74: Keys.keypadMinus,
    ]

    private func handlePointer(_ opcode: UInt32, _ arguments: UnsafeMutablePointer<wl_argument>) {
        func fixed(_ value: wl_fixed_t) -> Double { Double(value) / 256 }
        switch opcode {
        case 0:  // enter(serial, surface, x, y)
            pointerAt = (fixed(arguments[2].f), fixed(arguments[3].f))
        case 2:  // motion(time, x, y)
            pointerAt = (fixed(arguments[1].f), fixed(arguments[2].f))
            if let origin = dragOrigin {
                let (dx, dy) = (Int(pointerAt.x - origin.x), Int(pointerAt.y - origin.y))
                if dx != 0 || dy != 0 {
                    events.append(.drag(dx: dx, dy: dy))
                    dragOrigin = (origin.x + Double(dx), origin.y + Double(dy))
                }
            }
        case 3:  // button(serial, time, button, state): BTN_LEFT is 0x110
            guard arguments[2].u == 0x110 else { return }
            dragOrigin = arguments[3].u == 1 ? pointerAt : nil
        case 4:  // axis(time, axis, value): axis 0 is vertical, negative up
            guard arguments[1].u == 0 else { return }
            events.append(.wheel(up: fixed(arguments[2].f) < 0))
        default:
            break
        }
    }

    // MARK: Requests

    private func version(of proxy: OpaquePointer?) -> UInt32 { proxy.map { ce_wl_proxy_get_version($0) } ?? 1 }

    private func bind(_ name: UInt32, _ interface: String, _ version: UInt32) -> OpaquePointer? {
        guard let registry, let description = WaylandInterfaces.named(interface) else { return nil }
        // wl_registry.bind (0), a new_id of any interface: its name, its version, the id.
        return Self.string(interface) { interfaceName in
            Self.request(
                registry, 0, creating: description, version: version,
                [Self.uint(name), interfaceName, Self.uint(version), Self.newID()])
        }
    }

    @discardableResult
    private static func request(
        _ proxy: OpaquePointer, _ opcode: UInt32, creating interface: UnsafePointer<wl_interface>? = nil,
        version: UInt32? = nil, _ arguments: [wl_argument]
    ) -> OpaquePointer? {
        var arguments = arguments
        return arguments.withUnsafeMutableBufferPointer { buffer in
            ce_wl_proxy_marshal_array_flags(
                proxy, opcode, interface, version ?? ce_wl_proxy_get_version(proxy), 0, buffer.baseAddress)
        }
    }

    private static func uint(_ value: UInt32) -> wl_argument {
        var argument = wl_argument()
        argument.u = value
        return argument
    }

    private static func newID() -> wl_argument { uint(0) }

    private static func object(_ proxy: OpaquePointer) -> wl_argument {
        var argument = wl_argument()
        argument.o = proxy
        return argument
    }

    @discardableResult
    private static func string<R>(_ text: String, _ body: (wl_argument) -> R) -> R {
        text.withCString { pointer in
            var argument = wl_argument()
            argument.s = pointer
            return body(argument)
        }
    }
}

/// libwayland's dispatcher for every proxy of a ``WaylandWindow``: the implementation pointer
/// holds the proxy's role, the data pointer the window.
private func waylandDispatch(
    implementation: UnsafeRawPointer?, proxy: UnsafeMutableRawPointer?, opcode: UInt32,
    message: UnsafePointer<wl_message>?, arguments: UnsafeMutablePointer<wl_argument>?
) -> Int32 {
    guard let proxy, let arguments, let data = ce_wl_proxy_get_user_data(OpaquePointer(proxy)),
        let role = WaylandWindow.Role(rawValue: Int(bitPattern: implementation))
    else { return 0 }
    let window = Unmanaged<WaylandWindow>.fromOpaque(data).takeUnretainedValue()
    window.handle(role, OpaquePointer(proxy), opcode, arguments)
    return 0
}

/// Where a Wayland client finds its compositor, as libwayland-client looks: WAYLAND_DISPLAY
/// (default `wayland-0`), a path of its own when absolute, else inside XDG_RUNTIME_DIR.
public struct WaylandSocket {
    public let path: String?
    /// Why there is no path: XDG_RUNTIME_DIR unset for a relative name.
    public let problem: String?

    public init(environment: [String: String]) {
        let name = environment["WAYLAND_DISPLAY"].flatMap { $0.isEmpty ? nil : $0 } ?? "wayland-0"
        if name.hasPrefix("/") {
            (path, problem) = (name, nil)
        } else if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            (path, problem) = (runtime + "/" + name, nil)
        } else {
            // libwayland takes only an absolute directory.
            let runtime = environment["XDG_RUNTIME_DIR"] ?? ""
            let why = runtime.isEmpty ? "is not set" : "is not an absolute path ('\(runtime)')"
            (path, problem) = (nil, "XDG_RUNTIME_DIR \(why), so WAYLAND_DISPLAY=\(name) names no socket")
        }
    }

    /// The program at the other end of the socket (`weston`, `gnome-shell`), where this
    /// process can see it: the peer's process id, then its name in /proc. Nil in a container
    /// whose process namespace hides the compositor.
    public func compositor() -> (name: String, pid: Int32)? {
        guard let path else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return nil }
        // struct ucred: pid, uid, gid.
        var credentials = [Int32](repeating: 0, count: 3)
        var length = socklen_t(MemoryLayout<Int32>.size * 3)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials[0] > 0,
            let comm = try? String(contentsOfFile: "/proc/\(credentials[0])/comm", encoding: .utf8)
        else { return nil }
        return (comm.trimmingCharacters(in: .whitespacesAndNewlines), credentials[0])
    }
}
