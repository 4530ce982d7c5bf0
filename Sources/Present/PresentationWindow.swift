/// What happens to a window that the presenter acts on.
public enum WindowEvent: Equatable, Sendable {
    /// The window system's close button.
    case close
    /// The window system went away (it stopped, or a connection forwarding it dropped).
    case connectionLost
    case resized(width: Int, height: Int)
    /// A key pressed, as an X11 (and XKB) keysym.
    case key(UInt)
    case drag(dx: Int, dy: Int)
    case wheel(up: Bool)
}

/// What ``WindowPresenter`` needs of a window, whichever window system made it: its size, its
/// events, its title, and word that its connection broke. X11 is one; a window system is added
/// with its window type and its Vulkan surface, and everything above them is shared.
public protocol PresentationWindow: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// The events since the last call, without waiting.
    func pendingEvents() -> [WindowEvent]
    func setTitle(_ title: String)
    /// Notes that presenting found the window system gone, so nothing more is asked of it.
    func markConnectionLost()
}

/// Key symbols the viewer reacts to: X11's (X11/keysymdef.h), which XKB, and so Wayland, shares.
enum Keys {
    static let escape: UInt = 0xFF1B
    static let q: UInt = 0x71
    static let r: UInt = 0x72
    static let space: UInt = 0x20
    static let left: UInt = 0xFF51
    static let up: UInt = 0xFF52
    static let right: UInt = 0xFF53
    static let down: UInt = 0xFF54
    static let plus: UInt = 0x2B
    static let equal: UInt = 0x3D
    static let minus: UInt = 0x2D
    static let keypadPlus: UInt = 0xFFAB
    static let keypadMinus: UInt = 0xFFAD
}
