import FoundationEssentials
import Glibc

/// A resumable point of a run: the state as `.npy` (loadable by NumPy like any state file)
/// and, beside it in `FILE.npy.json`, the step it was taken at and the physics it needs.
///
/// Both files are written atomically; the metadata carries a hash of the state file, so a
/// pair torn apart by a crash between the two writes is detected on resume, never trusted.
public struct Checkpoint: Sendable, Equatable {
    public var step: Int
    public var parameters: NBodyParameters
    public var state: ParticleState
    /// What computed the run up to here; nil in checkpoints written before it was recorded.
    public var computedBy: ComputedBy?

    /// Everything a run's bits depend on besides its state and physics: the device, its driver,
    /// the shaders, the subgroup size (lavapipe's follows its vector width) and the kernel shape.
    /// A resumed run equals an uninterrupted one bit for bit only where all of them match.
    public struct ComputedBy: Sendable, Codable, Equatable {
        public var device: String
        public var deviceUUID: String
        public var driverVersion: String
        public var shaderBuild: String
        public var subgroupSize: UInt32
        public var kernel: NBodyKernel
        /// False for float atomic sums, whose bits vary from run to run anyway.
        public var bitReproducible: Bool

        public init(device: PhysicalDeviceDescription, kernel: NBodyKernel, bitReproducible: Bool) {
            self.device = device.name
            deviceUUID = device.uuid
            driverVersion = device.driverIdentity
            shaderBuild = EmbeddedShader.buildID
            subgroupSize = device.limits.subgroupSize
            self.kernel = kernel
            self.bitReproducible = bitReproducible
        }

        /// Whether the run was computed on `device`, with its driver, this build's shaders and
        /// its subgroup size, whatever the kernel.
        public func ranOn(_ device: PhysicalDeviceDescription) -> Bool {
            deviceUUID == device.uuid && driverVersion == device.driverIdentity && shaderBuild == EmbeddedShader.buildID
                && subgroupSize == device.limits.subgroupSize
        }
    }

    public init(step: Int, parameters: NBodyParameters, state: ParticleState, computedBy: ComputedBy? = nil) {
        self.step = step
        self.parameters = parameters
        self.state = state
        self.computedBy = computedBy
    }

    struct Metadata: Codable {
        var format = "capitalengine-checkpoint-1"
        var step: Int
        var particles: Int
        var parameters: NBodyParameters
        var stateHash: String
        var computedBy: ComputedBy?
    }

    public static func metadataURL(for url: URL) -> URL { url.appendingPathExtension("json") }

    public func write(to url: URL) throws {
        let data = NPYFile.encode(state)
        let metadata = Metadata(
            step: step, particles: state.count, parameters: parameters, stateHash: Self.hash(data),
            computedBy: computedBy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(data, to: url)
        try AtomicFile.write(try encoder.encode(metadata), to: Self.metadataURL(for: url))
    }

    public static func read(from url: URL) throws -> Checkpoint {
        let metadataURL = metadataURL(for: url)
        guard let metadataData = FileManager.default.contents(atPath: metadataURL.path) else {
            throw FileError(
                path: metadataURL.path,
                problem: "is missing: a checkpoint is FILE.npy plus FILE.npy.json (written by --checkpoint)")
        }
        guard let metadata = try? JSONDecoder().decode(Metadata.self, from: metadataData),
            metadata.format == "capitalengine-checkpoint-1"
        else {
            throw FileError(path: metadataURL.path, problem: "is not CapitalEngine checkpoint metadata")
        }
        // The metadata is JSON a person can edit; what it says must still make a run.
        guard metadata.step >= 0 else {
            throw FileError(
                path: metadataURL.path, problem: "gives step \(metadata.step); a checkpoint's step is at least 0")
        }
        do { try metadata.parameters.validate(prefix: "") } catch {
            guard case .invalidInput(let problem) = error else { throw error }
            throw FileError(path: metadataURL.path, problem: "cannot be resumed: its \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FileError(path: url.path, problem: "cannot be read")
        }
        guard hash(data) == metadata.stateHash else {
            throw FileError(
                path: url.path,
                problem: "does not match its metadata \(metadataURL.lastPathComponent) "
                    + "(the run was probably interrupted between writing the two); use an older checkpoint")
        }
        let state: ParticleState
        do { state = try NPYFile.decode(data) } catch { throw NPYError(path: url.path, problem: error.text) }
        guard state.count == metadata.particles else {
            throw FileError(
                path: url.path, problem: "holds \(state.count) particles, its metadata says \(metadata.particles)")
        }
        return Checkpoint(
            step: metadata.step, parameters: metadata.parameters, state: state, computedBy: metadata.computedBy)
    }

    static func hash(_ data: Data) -> String { fnv1a(data) }
}
