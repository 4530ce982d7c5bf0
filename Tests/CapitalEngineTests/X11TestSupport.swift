import CX11
import Foundation
import Present
import Synchronization
import TestSupport

/// An Xvfb server on a free display number, for the duration of a test.
final class VirtualDisplay {
    let number: Int
    let process: ChildProcess
    var name: String { ":\(number)" }

    init(width: Int = 1024, height: Int = 768) throws {
        (number, process) = try Self.start(width: width, height: height)
    }

    /// The numbers this test process's servers hold: tests run in parallel, and two that saw the
    /// same number free would otherwise share one server.
    private static let claimed = Mutex<Set<Int>>([])

    /// An Xvfb on a display number whose socket and lock file are both free. A server of another
    /// process can still take the number first; then ours exits, and the next number is tried.
    private static func start(width: Int, height: Int) throws -> (Int, ChildProcess) {
        for _ in 0..<10 {
            let claim = claimed.withLock { claimed -> Int? in
                let free = (60..<200).first {
                    !claimed.contains($0) && !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\($0)")
                        && !FileManager.default.fileExists(atPath: "/tmp/.X\($0)-lock")
                }
                if let free { claimed.insert(free) }
                return free
            }
            guard let number = claim else { throw TestFailure("no free X display number") }
            let process = try ChildProcess(
                URL(fileURLWithPath: "/usr/bin/Xvfb"),
                [":\(number)", "-screen", "0", "\(width)x\(height)x24", "-nolisten", "tcp"],
                standardOutput: .discard, standardError: .discard)
            do {
                // The lock file names the server that holds the number: it must be ours.
                try process.wait(for: "Xvfb :\(number)'s socket", timeout: 10) {
                    FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)")
                        && (try? String(contentsOfFile: "/tmp/.X\(number)-lock", encoding: .utf8))?
                            .trimmingCharacters(in: .whitespacesAndNewlines) == String(process.processIdentifier)
                }
                return (number, process)
            } catch {
                _ = claimed.withLock { $0.remove(number) }
                // Exited: another server holds the number. Still running: it never came up.
                guard !process.isRunning else {
                    process.signal(SIGKILL)
                    throw error
                }
            }
        }
        throw TestFailure("other X servers took every display number tried")
    }

    deinit {
        // Never launched (no Xvfb): its identifier is 0, and kill(0) would hit the whole
        // process group, the test runner included.
        guard process.processIdentifier > 0 else { return }
        // SIGKILL: children of the test runner can inherit a mask that blocks SIGTERM.
        stop()
        try? FileManager.default.removeItem(atPath: "/tmp/.X11-unix/X\(number)")
        try? FileManager.default.removeItem(atPath: "/tmp/.X\(number)-lock")
        _ = Self.claimed.withLock { $0.remove(number) }
    }

    /// Ends the server at once, as a crash or a dropped ssh connection would.
    func stop() {
        process.signal(SIGKILL)
        _ = try? process.wait(timeout: 30)
    }

    /// A screenshot of the root window, taken with xwd.
    func screenshot() throws -> PNGImage {
        let result = try runTool("/usr/bin/xwd", ["-root", "-silent", "-display", name])
        return try XWDImage.decode(result)
    }

    /// Screenshots until one shows what `expected` describes, or the last after a minute: frames
    /// reach the server late on a busy machine.
    func screenshot(until expected: (PNGImage) -> Bool) throws -> PNGImage {
        let deadline = Date().addingTimeInterval(60)
        var shot = try screenshot()
        while !expected(shot) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            shot = try screenshot()
        }
        return shot
    }

    /// Asks the window manager's way: sends WM_DELETE_WINDOW to the window, as a close button does.
    func sendDeleteWindow(to window: UInt) throws {
        guard let display = XOpenDisplay(name) else { throw TestFailure("cannot open \(name)") }
        defer { XCloseDisplay(display) }
        var event = XEvent()
        event.xclient.type = ClientMessage
        event.xclient.window = Window(window)
        event.xclient.message_type = XInternAtom(display, "WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data.l.0 = Int(XInternAtom(display, "WM_DELETE_WINDOW", 0))
        event.xclient.data.l.1 = Int(CurrentTime)
        XSendEvent(display, Window(window), 0, NoEventMask, &event)
        XFlush(display)
    }

    func runTool(_ path: String, _ arguments: [String], allowFailure: Bool = false) throws -> Data {
        let result = try ChildProcess.run(
            URL(fileURLWithPath: path), arguments,
            environment: ProcessInfo.processInfo.environment.merging(["DISPLAY": name]) { $1 },
            standardError: .discard, timeout: 60)
        guard result.status == 0 || allowFailure else { throw TestFailure("\(path) \(arguments) failed") }
        return result.output
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads the screenshots `xwd` writes (X Window Dump, ZPixmap, 24/32 bits per pixel).
enum XWDImage {
    static func decode(_ data: Data) throws -> PNGImage {
        let bytes = [UInt8](data)
        guard bytes.count >= 100 else { throw TestFailure("xwd file too short") }
        func header(_ index: Int) -> Int {
            let o = index * 4
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
        let headerSize = header(0), format = header(2), width = header(4), height = header(5)
        let byteOrder = header(7), bitsPerPixel = header(11), bytesPerLine = header(12)
        let redMask = header(14), greenMask = header(15), blueMask = header(16), colours = header(19)
        guard header(1) == 7, format == 2, bitsPerPixel == 32 || bitsPerPixel == 24 else {
            throw TestFailure("unsupported xwd: version \(header(1)), format \(format), \(bitsPerPixel) bpp")
        }
        let start = headerSize + colours * 12
        guard bytes.count >= start + bytesPerLine * height else { throw TestFailure("xwd file truncated") }
        func shift(_ mask: Int) -> Int { mask == 0 ? 0 : mask.trailingZeroBitCount }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let pixelBytes = bitsPerPixel / 8
        for y in 0..<height {
            for x in 0..<width {
                let o = start + y * bytesPerLine + x * pixelBytes
                var value = 0
                for k in 0..<pixelBytes {
                    let byte = Int(bytes[o + k])
                    value |= byteOrder == 0 ? byte << (8 * k) : byte << (8 * (pixelBytes - 1 - k))
                }
                let i = (y * width + x) * 3
                rgb[i] = UInt8((value & redMask) >> shift(redMask))
                rgb[i + 1] = UInt8((value & greenMask) >> shift(greenMask))
                rgb[i + 2] = UInt8((value & blueMask) >> shift(blueMask))
            }
        }
        return PNGImage(width: width, height: height, rgb: rgb)
    }
}
