import FoundationEssentials

/// A resumable point of a Gray-Scott run: the field as `.npy` and, beside it in
/// `FILE.npy.json`, the step it was taken at, the rates and the device that computed it
/// (`CheckpointFiles`).
public struct GrayScottCheckpoint: Sendable, Equatable {
    public var step: Int
    public var parameters: GrayScottParameters
    public var field: GrayScottField
    public var computedOn: CheckpointDevice

    public init(step: Int, parameters: GrayScottParameters, field: GrayScottField, computedOn: CheckpointDevice) {
        self.step = step
        self.parameters = parameters
        self.field = field
        self.computedOn = computedOn
    }

    struct Metadata: CheckpointMetadata {
        static let currentFormat = "capitalengine-gray-scott-checkpoint-1"
        var format = Metadata.currentFormat
        var step: Int
        var width: Int
        var height: Int
        var parameters: GrayScottParameters
        var stateHash: String
        var computedOn: CheckpointDevice
    }

    public func write(to url: URL) throws {
        try CheckpointFiles.write(NPYFile.encode(field), to: url) { hash in
            Metadata(
                step: step, width: field.width, height: field.height, parameters: parameters, stateHash: hash,
                computedOn: computedOn)
        }
    }

    public static func read(from url: URL) throws -> GrayScottCheckpoint {
        let (metadata, data) = try CheckpointFiles.read(
            Metadata.self, from: url, writtenBy: "run gray-scott --checkpoint")
        let metadataURL = CheckpointFiles.metadataURL(for: url)
        do { try metadata.parameters.validate(spelling: .key) } catch {
            guard case .invalidInput(let problem) = error else { throw error }
            throw FileError(path: metadataURL.path, problem: "cannot be resumed: its \(problem)")
        }
        let field: GrayScottField
        do { field = try NPYFile.decodeField(data) } catch { throw NPYError(path: url.path, problem: error.text) }
        guard field.width == metadata.width && field.height == metadata.height else {
            throw FileError(
                path: url.path,
                problem: "holds a \(field.width)x\(field.height) field, its metadata says "
                    + "\(metadata.width)x\(metadata.height)"
            )
        }
        return GrayScottCheckpoint(
            step: metadata.step, parameters: metadata.parameters, field: field, computedOn: metadata.computedOn)
    }
}
