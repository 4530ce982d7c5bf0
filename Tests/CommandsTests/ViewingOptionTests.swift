import Foundation
import Present
import TestSupport
import Testing

/// How a run is shown where no window opens: frames drawn offscreen, a display that does not
/// answer, viewing options that cannot work. Windows themselves are tested on the binary.
@Suite("Viewing without a window", .serialized)
struct ViewingOptionTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("view-options")
    var directory: URL { scratch.url }

    @Test func aNumberedFrameSequence() throws {
        let frames = directory.appendingPathComponent("frames")
        let result = try CommandLineRun.run([
            "run", "--particles", "200", "--steps", "20", "--frames", frames.path,
            "--every", "5", "--window", "64x48", "--headless",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
        #expect(names == (0...4).map { "frame_00000\($0).png" })
        let first = try PNGImage.decode(Data(contentsOf: frames.appendingPathComponent(names[0])))
        let last = try PNGImage.decode(Data(contentsOf: frames.appendingPathComponent(names[4])))
        #expect(first.width == 64 && first.height == 48)
        #expect(first != last, "the particles moved between frame 0 and frame 4")
    }

    @Test func anUnreachableDisplayIsAClearError() throws {
        let result = try CommandLineRun.run(
            ["run", "--particles", "10", "--steps", "1"], environment: ["DISPLAY": ":987"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot open X display ':987'"))
        #expect(result.stderr.contains("--headless"))
        let headless = try CommandLineRun.run(
            ["run", "--particles", "10", "--steps", "1", "--headless"],
            environment: ["DISPLAY": ":987"])
        #expect(headless.status == 0)
    }

    @Test func badViewingOptionsAreUsageErrors() throws {
        for arguments in [
            ["run", "--png", "\(directory.path)/x.jpg"], ["run", "--window", "10x10"], ["run", "--window", "big"],
            ["run", "--every", "0"], ["run", "--present-mode", "vsync"], ["run", "--png", "/no/such/dir/x.png"],
        ] {
            let result = try CommandLineRun.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
    }
}
