import FoundationEssentials
import Glibc

/// A resumable point of an N-body run: the state as `.npy` and, beside it in `FILE.npy.json`,
/// the step it was taken at, the physics it needs and how it was computed (`CheckpointFiles`).
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
            let computedOn = CheckpointDevice(device)
            self.device = computedOn.device
            deviceUUID = computedOn.deviceUUID
            driverVersion = computedOn.driverVersion
            shaderBuild = computedOn.shaderBuild
            subgroupSize = computedOn.subgroupSize
            self.kernel = kernel
            self.bitReproducible = bitReproducible
        }

        /// Whether the run was computed on `device`, with its driver, this build's shaders and
        /// its subgroup size, whatever the kernel.
        public func ranOn(_ device: PhysicalDeviceDescription) -> Bool {
            CheckpointDevice(
                device: self.device, deviceUUID: deviceUUID, driverVersion: driverVersion, shaderBuild: shaderBuild,
                subgroupSize: subgroupSize
            ).isSame(as: device)
        }
    }

    public init(step: Int, parameters: NBodyParameters, state: ParticleState, computedBy: ComputedBy? = nil) {
        self.step = step
        self.parameters = parameters
        self.state = state
        self.computedBy = computedBy
    }

    struct Metadata: CheckpointMetadata {
        static let currentFormat = "capitalengine-checkpoint-1"
        var format = Metadata.currentFormat
        var step: Int
        var particles: Int
        var parameters: NBodyParameters
        var stateHash: String
        var computedBy: ComputedBy?
    }

    public static func metadataURL(for url: URL) -> URL { CheckpointFiles.metadataURL(for: url) }

    public func write(to url: URL) throws {
        try CheckpointFiles.write(NPYFile.encode(state), to: url) { hash in
            Metadata(
                step: step, particles: state.count, parameters: parameters, stateHash: hash, computedBy: computedBy)
        }
    }

    public static func read(from url: URL) throws -> Checkpoint {
        let (metadata, data) = try CheckpointFiles.read(
            Metadata.self, from: url, writtenBy: "--checkpoint")
        let metadataURL = metadataURL(for: url)
        do { try metadata.parameters.validate(prefix: "") } catch {
            guard case .invalidInput(let problem) = error else { throw error }
            throw FileError(path: metadataURL.path, problem: "cannot be resumed: its \(problem)")
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
}
