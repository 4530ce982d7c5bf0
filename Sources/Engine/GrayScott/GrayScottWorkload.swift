import FoundationEssentials

/// The Gray-Scott reaction-diffusion model on the GPU: a field of two concentrations per cell,
/// advanced a step per dispatch (`gray_scott_step.glsl`) between two buffers in turn.
public final class GrayScottWorkload {
    public let device: Device
    public let width: Int
    public let height: Int
    public let parameters: GrayScottParameters
    private let state: PingPongState
    public let kernel: GrayScottKernel
    private let groups: (x: Int, y: Int)

    /// The shader's workgroup: 64 invocations across, each a block of the kernel's columns.
    static let workgroupWidth = 64

    private struct PushConstants: BitwiseCopyable {
        var width: UInt32
        var height: UInt32
        var feed: Float
        var kill: Float
        var diffusionU: Float
        var diffusionV: Float
        var dt: Float
    }

    private var constants: PushConstants {
        PushConstants(
            width: UInt32(width), height: UInt32(height), feed: parameters.feed, kill: parameters.kill,
            diffusionU: parameters.diffusionU, diffusionV: parameters.diffusionV, dt: parameters.dt)
    }

    /// Why a `width` x `height` field cannot run on `device` (its buffers' range, its memory,
    /// its workgroup counts), or nil where it can.
    public static func sizeProblem(
        width: Int, height: Int, kernel: GrayScottKernel = GrayScottKernel(), device: PhysicalDeviceDescription
    ) -> String? {
        let bytes = UInt64(width) * UInt64(height) * UInt64(GrayScottField.bytesPerCell)
        if bytes > UInt64(device.limits.maxStorageBufferRange) {
            return
                """
                a \(width)x\(height) field needs \(bytes) bytes; the device's maxStorageBufferRange is \
                \(device.limits.maxStorageBufferRange)
                """
        }
        let memory = device.deviceLocalMemory
        if memory > 0 && 2 * bytes > memory / 10 * 9 {
            return
                "a \(width)x\(height) field needs \(2 * bytes >> 20) MiB of device memory; it has \(memory >> 20) MiB"
        }
        let counts = device.limits.maxComputeWorkGroupCount
        let (x, y) = groups(width: width, height: height, kernel: kernel)
        if UInt64(x) > UInt64(counts[0]) || UInt64(y) > UInt64(counts[1]) {
            return "a \(width)x\(height) field needs \(x)x\(y) workgroups; the device allows \(counts[0])x\(counts[1])"
        }
        return nil
    }

    /// Refuses, before the field is made, a `width` x `height` field that `device` cannot run.
    public static func checkSize(
        width: Int, height: Int, kernel: GrayScottKernel = GrayScottKernel(), on device: PhysicalDeviceDescription
    ) throws(EngineError) {
        if let problem = sizeProblem(width: width, height: height, kernel: kernel, device: device) {
            throw .unsupported(problem)
        }
    }

    /// Workgroups across and strips down a `width` x `height` field.
    static func groups(width: Int, height: Int, kernel: GrayScottKernel) -> (x: Int, y: Int) {
        let across = workgroupWidth * kernel.columns
        return ((width + across - 1) / across, (height + kernel.rows - 1) / kernel.rows)
    }

    /// - Parameter kernel: the kernel's shape; nil for the device's default.
    public init(
        device: Device, field: GrayScottField, parameters: GrayScottParameters, kernel: GrayScottKernel? = nil
    ) throws {
        try parameters.validate()
        let kernel = kernel ?? .defaultKernel(for: device.description)
        if let problem = kernel.problem { throw EngineError.invalidInput(problem) }
        try Self.checkSize(width: field.width, height: field.height, kernel: kernel, on: device.description)
        self.device = device
        self.kernel = kernel
        width = field.width
        height = field.height
        self.parameters = parameters
        groups = Self.groups(width: width, height: height, kernel: kernel)
        typealias Constants = GrayScottShaderConstants
        let unit = kernel.accessUnit(width: width, device: device.description)
        let pipeline = try ComputePipeline(
            device: device,
            shader: ShaderModule(device: device, shader: unit == 4 ? .grayScottStepWide64 : .grayScottStep),
            storageBuffers: 2, pushConstantSize: MemoryLayout<PushConstants>.size,
            specialization: [
                .uint(Constants.rows, kernel.rows), .uint(Constants.columns, kernel.columns),
                .bool(Constants.wideAccess, unit > 1),
            ])
        state = try PingPongState(
            device: device, pipeline: pipeline, bytes: width * height * GrayScottField.bytesPerCell)
        try upload(field)
    }

    /// Runs `steps` steps in one submission and waits for them.
    /// - Returns: their GPU time from timestamps, or nil where the device has none.
    @discardableResult
    public func advance(steps: Int) throws -> Double? {
        guard steps > 0 else { return nil }
        return try state.advance(steps: steps, constants: constants, groups: groups)
    }

    /// Runs the next step in submissions of about `pieceSeconds` each, asking `shouldStop`
    /// between them (`PingPongState.advanceInPieces`).
    public func advanceInPieces(pieceSeconds: Double, shouldStop: () -> Bool) throws -> (steps: Int, seconds: Double?) {
        let (completed, seconds) = try state.advanceInPieces(
            constants: constants, groups: [groups], pieceSeconds: pieceSeconds, shouldStop: shouldStop)
        return (completed ? 1 : 0, seconds)
    }

    public func upload(_ field: GrayScottField) throws {
        precondition(field.width == width && field.height == height, "field size changed")
        try field.values.withUnsafeBytes { try state.upload($0) }
    }

    public func download() throws -> GrayScottField {
        var values = [Float](repeating: 0, count: 2 * width * height)
        try values.withUnsafeMutableBytes { try state.download(into: $0) }
        return GrayScottField(width: width, height: height, values: values)
    }

    /// The buffer holding the current field, for drawing it where it lies.
    package var currentStateBuffer: Buffer { state.currentBuffer }

    /// Cell updates per step.
    public var cellsPerStep: Double { Double(width) * Double(height) }

    public var kernelDescription: String { "workgroup 64, \(kernel) per invocation" }
}
