import FoundationEssentials

/// What every checkpoint's metadata holds: its format, the step it was taken at and a hash of
/// its state file.
protocol CheckpointMetadata: Codable {
    /// The format this type reads and writes.
    static var currentFormat: String { get }
    var format: String { get }
    var step: Int { get }
    var stateHash: String { get }
}

/// The two files of a checkpoint: the state as `.npy` (loadable by NumPy like any state file)
/// and, beside it in `FILE.npy.json`, what resuming needs.
///
/// Both are written atomically; the metadata carries a hash of the state file, so a pair torn
/// apart by a crash between the two writes is detected on resume, never trusted.
enum CheckpointFiles {
    static func metadataURL(for url: URL) -> URL { url.appendingPathExtension("json") }

    /// Writes the state file's `data`, then the metadata made from its hash.
    static func write<Metadata: CheckpointMetadata>(
        _ data: Data, to url: URL, metadata: (_ stateHash: String) -> Metadata
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(data, to: url)
        try AtomicFile.write(try encoder.encode(metadata(fnv1a(data))), to: metadataURL(for: url))
    }

    /// Each workload's checkpoint format, with the command that resumes it: what a checkpoint
    /// given to another workload's command is told.
    static let resumedBy: [String: String] = [
        Checkpoint.Metadata.currentFormat: "is an N-body checkpoint's metadata (run --resume)",
        GrayScottCheckpoint.Metadata.currentFormat: "is a Gray-Scott checkpoint's metadata (run gray-scott --resume)",
        LifeCheckpoint.Metadata.currentFormat: "is a Life checkpoint's metadata (run life --resume)",
    ]

    /// The metadata beside `url` and the state file it vouches for.
    /// - Parameter writtenBy: the option that writes such checkpoints, for the message when the
    ///   metadata is missing.
    static func read<Metadata: CheckpointMetadata>(
        _: Metadata.Type, from url: URL, writtenBy: String
    ) throws -> (Metadata, Data) {
        let metadataURL = metadataURL(for: url)
        guard let metadataData = FileManager.default.contents(atPath: metadataURL.path) else {
            throw FileError(
                path: metadataURL.path,
                problem: "is missing: a checkpoint is FILE.npy plus FILE.npy.json (written by \(writtenBy))")
        }
        let format = try? JSONDecoder().decode(MetadataFormat.self, from: metadataData).format
        if let format, format != Metadata.currentFormat, let other = resumedBy[format] {
            throw FileError(path: metadataURL.path, problem: other)
        }
        guard format == Metadata.currentFormat,
            let metadata = try? JSONDecoder().decode(Metadata.self, from: metadataData)
        else {
            throw FileError(path: metadataURL.path, problem: "is not CapitalEngine checkpoint metadata")
        }
        // The metadata is JSON a person can edit; what it says must still make a run.
        guard metadata.step >= 0 else {
            throw FileError(
                path: metadataURL.path, problem: "gives step \(metadata.step); a checkpoint's step is at least 0")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FileError(path: url.path, problem: "cannot be read")
        }
        guard fnv1a(data) == metadata.stateHash else {
            throw FileError(
                path: url.path,
                problem: "does not match its metadata \(metadataURL.lastPathComponent) "
                    + "(the run was probably interrupted between writing the two); use an older checkpoint")
        }
        return (metadata, data)
    }
}

/// The format a checkpoint's metadata names, whatever its kind.
private struct MetadataFormat: Decodable {
    var format: String
}

/// The device, driver and shaders a checkpoint's state was computed with: a resumed run equals
/// an uninterrupted one bit for bit only on the same.
public struct CheckpointDevice: Sendable, Codable, Equatable {
    public var device: String
    public var deviceUUID: String
    public var driverVersion: String
    public var shaderBuild: String
    /// Lavapipe's follows its vector width, and so may its code.
    public var subgroupSize: UInt32
}

extension CheckpointDevice {
    public init(_ device: PhysicalDeviceDescription) {
        self.device = device.name
        deviceUUID = device.uuid
        driverVersion = device.driverIdentity
        shaderBuild = EmbeddedShader.buildID
        subgroupSize = device.limits.subgroupSize
    }

    /// Whether `device` with its driver and this build's shaders is the one.
    public func isSame(as device: PhysicalDeviceDescription) -> Bool {
        deviceUUID == device.uuid && driverVersion == device.driverIdentity && shaderBuild == EmbeddedShader.buildID
            && subgroupSize == device.limits.subgroupSize
    }
}
