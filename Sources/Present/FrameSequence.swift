import Engine
import FoundationEssentials

/// Writes the PNG frames of a run into a directory as the run goes.
public final class FrameSequence {
    public let directory: URL
    /// Frames written so far.
    public private(set) var count = 0

    public init(directory: String) throws {
        self.directory = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: directory, problem: "cannot be made a directory: \(systemMessage(for: error))")
        }
        if let problem = AtomicFile.writeProblem(at: self.directory.appendingPathComponent("frame_000000.png")) {
            throw FileError(path: directory, problem: "cannot take frames: \(problem)")
        }
    }

    public func write(_ image: PNGImage) throws {
        let name = "frame_" + String(repeating: "0", count: max(0, 6 - String(count).count)) + String(count) + ".png"
        try image.write(to: directory.appendingPathComponent(name))
        count += 1
    }
}
