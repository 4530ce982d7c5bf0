import FoundationEssentials

/// Simulation state that a compute pipeline advances in place: two device-local buffers
/// read and written alternately, so each step reads one consistent state, with many steps
/// per command buffer, a barrier between steps, and staging buffers for upload and readback.
///
/// The common core of every workload; each supplies its pipelines (the passes of one step),
/// push constants and dispatch sizes.
final class PingPongState {
    let device: Device
    private let passes: [ComputePipeline]
    private let buffers: [Buffer]
    /// `steps[k][p]`, for pass `p`, reads `buffers[k]` and writes `buffers[1 - k]`.
    private let steps: [[DescriptorSet]]
    /// A single-pass state's other pipeline, taking the same buffers and push constants, which
    /// `advance` runs instead for the steps it is told to; `sets[k]` as `steps[k][0]`.
    private let alternate: (pipeline: ComputePipeline, sets: [DescriptorSet])?
    /// Which buffer holds the current state.
    private var current = 0
    private let commands: CommandBuffer
    private let timestamps: TimestampQueryPool?
    private let staging: Buffer
    private let readback: Buffer
    private let scratch: [Buffer]
    /// Per pass, the workgroups (along the dispatch's longer axis) of the last piece size that
    /// took about the time asked of a piece: where `advanceInPieces` starts next time.
    private var pieceGroups: [Int]

    /// - Parameters:
    ///   - pipeline: takes the source buffer at binding 0 and the destination at 1.
    ///   - alternate: a pipeline of the same bindings and push constants that `advance` may run
    ///     for a step instead (a workload's odd last step, say).
    convenience init(device: Device, pipeline: ComputePipeline, alternate: ComputePipeline? = nil, bytes: Int) throws {
        try self.init(device: device, passes: [pipeline], alternate: alternate, bytes: bytes)
    }

    /// - Parameters:
    ///   - passes: the dispatches of one step, in order, each taking the source buffer at
    ///     binding 0, the destination at 1 and `scratch` from binding 2 on.
    ///   - scratch: buffers the passes of a step hand on to each other; they start zeroed.
    init(
        device: Device, passes: [ComputePipeline], alternate: ComputePipeline? = nil, scratch: [Buffer] = [], bytes: Int
    ) throws {
        precondition(!passes.isEmpty, "a step needs at least one pass")
        precondition(alternate == nil || passes.count == 1, "an alternate pipeline stands in for a single pass")
        self.device = device
        self.passes = passes
        let buffers = [
            try Buffer(device: device, size: bytes, usage: .deviceLocal),
            try Buffer(device: device, size: bytes, usage: .deviceLocal),
        ]
        self.buffers = buffers
        let pairs = [[buffers[0], buffers[1]], [buffers[1], buffers[0]]]
        steps = try pairs.map { pair in try passes.map { try DescriptorSet(pipeline: $0, buffers: pair + scratch) } }
        self.alternate = try alternate.map { pipeline in
            (pipeline, try pairs.map { try DescriptorSet(pipeline: pipeline, buffers: $0 + scratch) })
        }
        commands = try CommandBuffer(device: device)
        timestamps =
            device.description.supportsComputeTimestamps ? try TimestampQueryPool(device: device, count: 2) : nil
        staging = try Buffer(device: device, size: bytes, usage: .upload)
        readback = try Buffer(device: device, size: bytes, usage: .readback)
        self.scratch = scratch
        pieceGroups = Array(repeating: 1, count: passes.count)
        try zeroScratch()
    }

    private func zeroScratch() throws {
        guard !scratch.isEmpty else { return }
        try commands.record { encoder in
            encoder.barrier(.computeToTransfer)
            for buffer in scratch { encoder.zero(buffer) }
            encoder.barrier(.transferToCompute)
        }
        try device.submitAndWait(commands)
    }

    /// The buffer holding the current state, for drawing it where it lies.
    var currentBuffer: Buffer { buffers[current] }

    var byteCount: Int { staging.size }

    /// Replaces the current state with `bytes`.
    func upload(_ bytes: UnsafeRawBufferPointer) throws {
        try staging.write(bytes)
        try commands.record { encoder in
            // Earlier steps may still read or write the buffer being overwritten.
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: staging, to: buffers[current], size: staging.size)
            encoder.barrier(.transferToCompute)
        }
        try device.submitAndWait(commands)
    }

    /// Runs `count` steps in one submission and waits for them.
    /// - Returns: the GPU time they took, from timestamps, or nil where the device has none.
    func advance<Constants: BitwiseCopyable>(
        steps count: Int, constants: Constants, groups: (x: Int, y: Int)
    ) throws -> Double? {
        try advance(steps: count, constants: { _ in constants }, groups: [groups])
    }

    /// Runs `count` steps in one submission and waits for them; `groups[p]` is pass `p`'s
    /// dispatch size.
    func advance<Constants: BitwiseCopyable>(
        steps count: Int, constants: Constants, groups: [(x: Int, y: Int)]
    ) throws -> Double? {
        try advance(steps: count, constants: { _ in constants }, groups: groups)
    }

    /// Runs `count` steps in one submission, step `k` with push constants `constants(k)`, and
    /// with the alternate pipeline where `alternateAt(k)`.
    func advance<Constants: BitwiseCopyable>(
        steps count: Int, constants: (Int) -> Constants, groups: (x: Int, y: Int),
        alternateAt: (Int) -> Bool = { _ in false }
    ) throws -> Double? {
        try advance(steps: count, constants: constants, groups: [groups], alternateAt: alternateAt)
    }

    private func advance<Constants: BitwiseCopyable>(
        steps count: Int, constants: (Int) -> Constants, groups: [(x: Int, y: Int)],
        alternateAt: (Int) -> Bool = { _ in false }
    ) throws -> Double? {
        precondition(groups.count == passes.count, "one dispatch size per pass")
        guard count > 0 else { return nil }
        var index = current
        try commands.record { encoder in
            beginTimedWork(&encoder)
            var bound: ComputePipeline?
            for step in 0..<count {
                let usesAlternate = alternateAt(step)
                precondition(!usesAlternate || alternate != nil, "no alternate pipeline to run")
                let alternative = usesAlternate ? alternate : nil
                for (pass, pipeline) in passes.enumerated() {
                    if step > 0 || pass > 0 { encoder.barrier(.computeToCompute) }
                    let (pipeline, set) =
                        alternative.map { ($0.pipeline, $0.sets[index]) } ?? (pipeline, steps[index][pass])
                    if pipeline !== bound {
                        encoder.bind(pipeline)
                        bound = pipeline
                    }
                    encoder.pushConstants(constants(step))
                    encoder.bind(set)
                    encoder.dispatch(groups[pass].x, groups[pass].y)
                }
                index = 1 - index
            }
            timestamps.map { encoder.writeTimestamp($0, index: 1) }
        }
        try device.submitAndWait(commands)
        current = index
        return try timestamps?.seconds(from: 0, to: 1)
    }

    /// Starts a command buffer of steps: orders it after uploads, readbacks, drawing and the
    /// steps (or pieces of one) submitted before, and starts its timing.
    private func beginTimedWork(_ encoder: inout CommandEncoder) {
        if let timestamps { encoder.resetQueries(timestamps) }
        encoder.barrier(.transferToCompute)
        encoder.barrier(.computeToCompute)
        if device.queueSupportsGraphics { encoder.barrier(.drawingToCompute) }
        timestamps.map { encoder.writeTimestamp($0, index: 0) }
    }

    /// Runs one step as several submissions, each a piece of a pass's workgroups taking about
    /// `pieceSeconds`, and asks `shouldStop` between them: a step too long for one submission
    /// (minutes for millions of bodies on a CPU driver) can then be stopped within a fraction
    /// of a second. Piece sizes start from those that met the target last time and adapt.
    ///
    /// A step stopped part way is abandoned: it wrote only the other buffer, so the current
    /// state is the one before it, and scratch sums are zeroed again for the next step.
    /// - Returns: whether the step ran to its end, and its GPU time from timestamps, or nil
    ///   where the device has none.
    func advanceInPieces<Constants: BitwiseCopyable>(
        constants: Constants, groups: [(x: Int, y: Int)], pieceSeconds: Double,
        shouldStop: () -> Bool
    ) throws -> (completed: Bool, seconds: Double?) {
        precondition(groups.count == passes.count, "one dispatch size per pass")
        var gpuSeconds: Double? = 0
        for (pass, pipeline) in passes.enumerated() {
            let (groupsX, groupsY) = groups[pass]
            // Rows of a grid, or runs of bodies.
            let alongY = groupsY > 1
            let extent = alongY ? groupsY : groupsX
            var start = 0
            while start < extent {
                if shouldStop() {
                    try zeroScratch()
                    return (false, nil)
                }
                let size = min(pieceGroups[pass], extent - start)
                let began = ContinuousClock.now
                try commands.record { encoder in
                    beginTimedWork(&encoder)
                    encoder.bind(pipeline)
                    encoder.pushConstants(constants)
                    encoder.bind(steps[current][pass])
                    if alongY {
                        encoder.dispatch(base: (0, start), groupsX, size)
                    } else {
                        encoder.dispatch(base: (start, 0), size, groupsY)
                    }
                    timestamps.map { encoder.writeTimestamp($0, index: 1) }
                }
                try device.submitAndWait(commands)
                let took = ContinuousClock.now - began
                let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) * 1e-18
                if let piece = try timestamps?.seconds(from: 0, to: 1) {
                    gpuSeconds = gpuSeconds.map { $0 + piece }
                } else {
                    gpuSeconds = nil
                }
                start += size
                if seconds < pieceSeconds / 2 && size == pieceGroups[pass] {
                    pieceGroups[pass] = min(extent, 2 * size)
                } else if seconds > 2 * pieceSeconds {
                    pieceGroups[pass] = max(1, size / 2)
                }
            }
        }
        current = 1 - current
        return (true, gpuSeconds)
    }

    /// Seconds `work` took: its GPU time from timestamps where it reports one, else the
    /// host clock around it.
    static func seconds(_ work: () throws -> Double?) rethrows -> Double {
        let start = Date()
        return try work() ?? Date().timeIntervalSince(start)
    }

    /// Copies the current state into `bytes`.
    func download(into bytes: UnsafeMutableRawBufferPointer) throws {
        try commands.record { encoder in
            encoder.barrier(.computeToTransfer)
            encoder.copy(from: buffers[current], to: readback, size: readback.size)
            encoder.barrier(.transferToHost)
        }
        try device.submitAndWait(commands)
        try readback.read(into: bytes)
    }
}
