import CX11
import Engine
import FoundationEssentials
import Glibc
import Synchronization

/// An Xlib window with the events a viewer needs: keys, mouse, resize and the window
/// manager's close button (WM_DELETE_WINDOW).
public final class X11Window: PresentationWindow {
    let display: OpaquePointer
    let window: Window
    private var deleteAtom: Atom
    public private(set) var width: Int
    public private(set) var height: Int

    public typealias Event = WindowEvent

    private var dragOrigin: (x: Int32, y: Int32)?

    /// Opens the display `name` (as DISPLAY names one) and maps a window on it.
    /// - Throws: ``EngineError/unsupported(_:)`` when the display cannot be opened, saying why
    ///   that usually happens.
    public init(display name: String, width: Int, height: Int, title: String) throws {
        guard let display = XOpenDisplay(name) else {
            throw EngineError.unsupported(
                """
                cannot open X display '\(name)': no X server answers there, or it refused this client. \
                Check that the server runs and that XAUTHORITY names a cookie it accepts \
                (in a container: mount /tmp/.X11-unix and the cookie file); use --headless to run without a window
                """)
        }
        self.display = display
        self.width = width
        self.height = height
        Self.surviveConnectionLoss(display)
        let screen = XDefaultScreen(display)
        window = XCreateSimpleWindow(
            display, XRootWindow(display, screen), 0, 0, UInt32(width), UInt32(height), 0,
            XBlackPixel(display, screen), XBlackPixel(display, screen))
        let mask =
            ExposureMask | KeyPressMask | ButtonPressMask | ButtonReleaseMask | PointerMotionMask | StructureNotifyMask
        XSelectInput(display, window, Int(mask))
        XStoreName(display, window, title)
        deleteAtom = XInternAtom(display, "WM_DELETE_WINDOW", 0)
        XSetWMProtocols(display, window, &deleteAtom, 1)
        XMapWindow(display, window)
        XFlush(display)
    }

    deinit {
        // A dead connection takes no requests, and Xlib would complain of each; its memory
        // goes with the process, which ends soon after.
        guard connectionUsable else { return }
        XDestroyWindow(display, window)
        XCloseDisplay(display)
    }

    public func setTitle(_ title: String) {
        guard connectionUsable else { return }
        XStoreName(display, window, title)
        XFlush(display)
    }

    /// The X window id, for tools such as xdotool and for tests.
    public var windowID: UInt { UInt(window) }

    /// Set once the connection to the X server broke; Xlib then sends nothing more. Process-wide,
    /// as Xlib's IO error handler is, and a run has one window.
    private static let lost = Atomic<Bool>(false)

    /// Xlib's default on a broken connection is to print a line and exit the process, which
    /// would lose a run's output. Instead the loss is noted and the display goes quiet (libX11
    /// 1.7 and later skip all requests after it), so the run can stop and write its results.
    private static func surviveConnectionLoss(_ display: OpaquePointer) {
        XSetIOErrorHandler { _ in
            X11Window.lost.store(true, ordering: .relaxed)
            return 0
        }
        XSetIOErrorExitHandler(display, { _, _ in X11Window.lost.store(true, ordering: .relaxed) }, nil)
    }

    /// Whether the connection to the X server broke.
    public var connectionLost: Bool { Self.lost.load(ordering: .relaxed) }

    /// Notes a loss the Vulkan surface saw first (the driver talks to the server through this
    /// display's XCB connection, and may read the error before Xlib does), so that nothing more
    /// is sent on it.
    public func markConnectionLost() { Self.lost.store(true, ordering: .relaxed) }

    /// Whether the X server closed the socket, found before Xlib is asked to send on it, and if
    /// so notes the loss. The Vulkan driver's present thread reads the same connection and can
    /// meet the end first; Xlib then never learns of it, queues each request in a buffer that
    /// no longer drains, and once that is full hands XStoreName a null request, which crashed a
    /// run (SIGSEGV, seen under load) instead of letting it stop and write its output.
    private func serverHungUp() -> Bool {
        var descriptor = pollfd(fd: XConnectionNumber(display), events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) == 1 else { return false }
        var hungUp = descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
        if !hungUp, descriptor.revents & Int16(POLLIN) != 0 {
            // Readable with nothing to read: the server's end is closed.
            var byte: UInt8 = 0
            hungUp = recv(descriptor.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0
        }
        if hungUp { markConnectionLost() }
        return hungUp
    }

    /// Whether Xlib may be asked to send: asked before every request.
    private var connectionUsable: Bool { !connectionLost && !serverHungUp() }

    /// Every event that has arrived, without blocking.
    public func pendingEvents() -> [Event] {
        var events: [Event] = []
        while connectionUsable && XPending(display) > 0 {
            var event = XEvent()
            XNextEvent(display, &event)
            switch event.type {
            case ClientMessage:
                if Atom(event.xclient.data.l.0) == deleteAtom { events.append(.close) }
            case ConfigureNotify:
                let w = Int(event.xconfigure.width), h = Int(event.xconfigure.height)
                if w != width || h != height {
                    width = w
                    height = h
                    events.append(.resized(width: w, height: h))
                }
            case KeyPress:
                events.append(.key(XLookupKeysym(&event.xkey, 0)))
            case ButtonPress:
                switch event.xbutton.button {
                case 1: dragOrigin = (event.xbutton.x, event.xbutton.y)
                case 4: events.append(.wheel(up: true))
                case 5: events.append(.wheel(up: false))
                default: break
                }
            case ButtonRelease:
                if event.xbutton.button == 1 { dragOrigin = nil }
            case MotionNotify:
                if let origin = dragOrigin {
                    events.append(.drag(dx: Int(event.xmotion.x - origin.x), dy: Int(event.xmotion.y - origin.y)))
                    dragOrigin = (event.xmotion.x, event.xmotion.y)
                }
            default:
                break
            }
        }
        if connectionLost { events.append(.connectionLost) }
        return events
    }
}

extension X11Window {
    /// Whether an X client can connect to `display` right now (for `doctor`).
    public static func canConnect(to display: String) -> Bool {
        guard let connection = XOpenDisplay(display) else { return false }
        XCloseDisplay(connection)
        return true
    }
}
