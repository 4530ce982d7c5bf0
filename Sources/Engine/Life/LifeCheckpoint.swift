import FoundationEssentials

/// A resumable point of a Life run: the grid as `.npy` (uint8, shape (H, W)) and, beside it in
/// `FILE.npy.json`, the generation it was taken at, the rule and the topology
/// (`CheckpointFiles`).
///
/// Unlike the float workloads' checkpoints it names no device: every Life kernel on every
/// device equals the CPU reference cell for cell, so a resume anywhere goes on bit for bit.
public struct LifeCheckpoint: Sendable, Equatable {
    public var step: Int
    public var rule: LifeRule
    public var bounded: Bool
    public var grid: LifeGrid
    /// The population at generations so far, [generation, population] pairs, where the run
    /// records it (a sweep's task does): the record a resumed run goes on with.
    public var populations: [[Int]]?

    public init(step: Int, rule: LifeRule, bounded: Bool, grid: LifeGrid, populations: [[Int]]? = nil) {
        self.step = step
        self.rule = rule
        self.bounded = bounded
        self.grid = grid
        self.populations = populations
    }

    struct Metadata: CheckpointMetadata {
        static let currentFormat = "capitalengine-life-checkpoint-1"
        var format = Metadata.currentFormat
        var step: Int
        var width: Int
        var height: Int
        var rule: String
        var bounded: Bool
        var stateHash: String
        var populations: [[Int]]?
    }

    public func write(to url: URL) throws {
        try CheckpointFiles.write(NPYFile.encode(grid), to: url) { hash in
            Metadata(
                step: step, width: grid.width, height: grid.height, rule: rule.description, bounded: bounded,
                stateHash: hash, populations: populations)
        }
    }

    public static func read(from url: URL) throws -> LifeCheckpoint {
        let (metadata, data) = try CheckpointFiles.read(Metadata.self, from: url, writtenBy: "run life --checkpoint")
        let metadataURL = CheckpointFiles.metadataURL(for: url)
        let rule: LifeRule
        do { rule = try LifeRule(parsing: metadata.rule) } catch {
            throw FileError(path: metadataURL.path, problem: "cannot be resumed: its \(error)")
        }
        let grid: LifeGrid
        do { grid = try NPYFile.decodeGrid(data) } catch { throw NPYError(path: url.path, problem: error.text) }
        guard grid.width == metadata.width && grid.height == metadata.height else {
            throw FileError(
                path: url.path,
                problem:
                    "holds a \(grid.width)x\(grid.height) grid, its metadata says \(metadata.width)x\(metadata.height)"
            )
        }
        if let highest = rule.missingState(in: grid) {
            throw FileError(
                path: metadataURL.path, problem: "cannot be resumed: the grid has state \(highest), which \(rule) lacks"
            )
        }
        return LifeCheckpoint(
            step: metadata.step, rule: rule, bounded: metadata.bounded, grid: grid, populations: metadata.populations)
    }
}
