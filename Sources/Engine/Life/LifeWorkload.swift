import FoundationEssentials
import Glibc

/// A cellular automaton on the GPU, ping-ponging between two device-local buffers and running
/// many generations per command buffer, with one of the ``LifeKernel`` layouts: bit-packed
/// (two-state rules optionally several generations per dispatch; Generations rules in bit
/// planes), or a byte per cell.
///
/// Checked against ``LifeReference``.
public final class LifeWorkload {
    public let device: Device
    public let width: Int
    public let height: Int
    public let rule: LifeRule
    public let bounded: Bool
    public let kernel: LifeKernel
    private let layout: LifeCellLayout
    private let state: PingPongState
    let tile: LifeTileShape?
    /// The streamed kernel's workgroups and runs; nil for other kernels.
    let stream: LifeStreamShape?
    private let groups: (x: Int, y: Int)
    /// How the `bits` or `wide` kernel lays the grid onto invocations; nil for other kernels.
    let bitsShape: LifeBitsShape?
    private static let byteTile = 16

    private struct RulePushConstants: BitwiseCopyable {
        var width: UInt32
        var height: UInt32
        var states: UInt32
        var birthMask: UInt32
        var survivalMask: UInt32
    }

    private struct GridPushConstants: BitwiseCopyable {
        var width: UInt32
        var height: UInt32
        var generations: UInt32
        /// The streamed kernel's workgroups across (life_steps_bits_streamed.comp); the other
        /// kernels read the first three only.
        var groupsAcross: UInt32 = 0
    }

    /// Why a `width` x `height` grid cannot run with `kernel` on `device`, nil when it can:
    /// its words must fit one storage buffer. Asked before a grid is made, so that a size no
    /// device could hold is refused at once, not after the host has filled it.
    public static func sizeProblem(
        width: Int, height: Int, kernel: LifeKernel, rule: LifeRule, device: PhysicalDeviceDescription
    ) -> String? {
        let bytes = stateBytes(width: width, height: height, kernel: kernel, rule: rule)
        guard bytes > UInt64(device.limits.maxStorageBufferRange) else { return nil }
        return
            """
            a \(width)x\(height) grid needs \(bytes) bytes with the \(kernel) kernel; the device's \
            maxStorageBufferRange is \(device.limits.maxStorageBufferRange)
            """
    }

    /// Bytes of one of the two state buffers of a `width` x `height` grid of `rule` with `kernel`
    /// (all of a Generations grid's bit planes).
    public static func stateBytes(width: Int, height: Int, kernel: LifeKernel, rule: LifeRule) -> UInt64 {
        UInt64(LifeCellLayout(kernel: kernel, rule: rule, width: width, height: height).wordCount) * 4
    }

    /// - Parameter kernel: nil picks ``LifeKernel/preferred(for:on:cells:)``.
    public convenience init(
        device: Device, grid: LifeGrid, rule: LifeRule, bounded: Bool = false,
        kernel: LifeKernel? = nil
    ) throws {
        try self.init(
            device: device, grid: grid, rule: rule, bounded: bounded, kernel: kernel,
            subgroupShuffles: Self.subgroupShufflesWanted(on: device.description))
    }

    /// - Parameters:
    ///   - subgroupShuffles: whether the bit kernels take their side neighbours from subgroup
    ///     shuffles; the device must support them.
    ///   - bitsShape: the `bits` or `wide` kernel's shape, of its family; nil picks
    ///     ``LifeBitsShape/preferred(for:on:stride:height:)``.
    ///   - shapedFor: the device whose limits choose the kernel and its shape, when not the one
    ///     it runs on: a Raspberry Pi's kernels are run and checked where there is no Pi.
    ///   - brokenHalo: tests only: the `bits`, `wide` or `streamed` kernel drops the cells its
    ///     words take from the words beside them, so that tests can show they would catch a
    ///     broken halo.
    convenience init(
        device: Device, grid: LifeGrid, rule: LifeRule, bounded: Bool, kernel: LifeKernel?, subgroupShuffles: Bool,
        bitsShape: LifeBitsShape? = nil, shapedFor: PhysicalDeviceDescription? = nil, brokenHalo: Bool = false
    ) throws {
        try self.init(
            device: device, width: grid.width, height: grid.height, rule: rule, bounded: bounded, kernel: kernel,
            subgroupShuffles: subgroupShuffles, bitsShape: bitsShape, shapedFor: shapedFor, brokenHalo: brokenHalo)
        try upload(grid)
    }

    /// A grid of `width` x `height` with a random start where each cell is alive with
    /// probability `density`, made without a byte-per-cell copy on the CPU (for large benchmarks).
    public convenience init(
        device: Device, width: Int, height: Int, rule: LifeRule, density: Double, seed: UInt64,
        kernel: LifeKernel? = nil
    ) throws {
        try self.init(
            device: device, width: width, height: height, rule: rule, bounded: false, kernel: kernel,
            subgroupShuffles: Self.subgroupShufflesWanted(on: device.description))
        var random = SeededGenerator(seed: seed)
        let perWord = layout.cellsPerWord, bits = layout.bitsPerCell
        var words = [UInt32](repeating: 0, count: layout.wordCount)
        if density == 0.5 && perWord == 32 {
            // A random bit per cell: 32 cells from one draw, so 65536^2 grids start in seconds.
            let keep = width % 32 == 0 ? UInt32.max : UInt32.max >> UInt32(32 - width % 32)
            for y in 0..<height {
                for word in 0..<layout.stride {
                    words[y * layout.stride + word] =
                        UInt32(truncatingIfNeeded: random.next()) & (word + 1 == layout.stride ? keep : .max)
                }
            }
        } else {
            for y in 0..<height {
                for x in 0..<width where random.uniform() < density {
                    words[y * layout.stride + x / perWord] |= 1 << UInt32(bits * (x % perWord))
                }
            }
        }
        try words.withUnsafeBytes { try state.upload($0) }
    }

    private init(
        device: Device, width: Int, height: Int, rule: LifeRule, bounded: Bool, kernel: LifeKernel?,
        subgroupShuffles: Bool, bitsShape: LifeBitsShape? = nil, shapedFor: PhysicalDeviceDescription? = nil,
        brokenHalo: Bool = false
    ) throws {
        let shaping = shapedFor ?? device.description
        let kernel = kernel ?? LifeKernel.preferred(for: rule, on: shaping, cells: width * height)
        precondition(
            !subgroupShuffles || device.description.limits.subgroupShuffleRelativeInCompute,
            "subgroup shuffles asked of a device without them")
        guard rule.states <= LifeRule.maximumStates else {
            throw EngineError.invalidInput("at most \(LifeRule.maximumStates) states fit one byte per cell")
        }
        if !kernel.runsGenerationsRules, rule.states != 2 {
            throw EngineError.invalidInput(
                """
                the \(kernel) kernel runs two-state rules only; \(rule) has \(rule.states) states (use the bits, \
                wide or bytes kernel)
                """
            )
        }
        self.device = device
        self.width = width
        self.height = height
        self.rule = rule
        self.bounded = bounded
        self.kernel = kernel
        layout = LifeCellLayout(kernel: kernel, rule: rule, width: width, height: height)
        self.bitsShape =
            bitsShape
            ?? LifeBitsShape.preferred(for: kernel, on: shaping, stride: layout.stride, height: height)
        precondition(
            bitsShape == nil || bitsShape?.kernel == kernel, "a \(bitsShape!) shape given for the \(kernel) kernel")
        if let problem = self.bitsShape?.problem(stride: layout.stride, device: device.description) {
            throw EngineError.unsupported(problem)
        }
        if let problem = Self.sizeProblem(
            width: width, height: height, kernel: kernel, rule: rule, device: device.description)
        {
            throw EngineError.unsupported(problem)
        }
        let ruleConstants: [SpecializationConstant] =
            [
                .uint(10, rule.birthMask), .uint(11, rule.survivalMask),
                .uint(12, UInt32(layout.planes - 1)), .uint(13, UInt32(max(rule.states - 2, 0))),
            ] + (brokenHalo ? [.bool(14, true)] : [])
        precondition(
            !brokenHalo || !(kernel == .bytes || kernel.isTiled),
            "a broken halo is built into bits, wide and streamed only")
        let pipeline: ComputePipeline
        // The two-generation wide shape ends an odd count with one dispatch of the
        // one-generation kernel, which is faster at one than the other's first half.
        var singleGeneration: ComputePipeline?
        switch kernel {
        case .bytes:
            tile = nil
            stream = nil
            pipeline = try ComputePipeline(
                device: device, shader: ShaderModule(device: device, shader: .lifeStepBytes), storageBuffers: 2,
                pushConstantSize: MemoryLayout<RulePushConstants>.size,
                specialization: [.uint(0, UInt32(Self.byteTile)), .uint(1, UInt32(Self.byteTile)), .bool(2, bounded)])
        case .bits, .wide:
            tile = nil
            stream = nil
            let shape = self.bitsShape!  // made above for both kernels
            let group = shape.group(stride: layout.stride)
            let groupConstants: [SpecializationConstant] = [
                .uint(0, UInt32(group.x)), .uint(1, UInt32(group.y)),
                .uint(2, UInt32(shape.rows)), .bool(3, bounded),
            ]
            switch shape {
            case .columns:
                pipeline = try ComputePipeline(
                    device: device,
                    shader: ShaderModule(
                        device: device, shader: subgroupShuffles ? .lifeStepBitsSubgroup : .lifeStepBits),
                    storageBuffers: 2,
                    pushConstantSize: MemoryLayout<GridPushConstants>.size,
                    specialization: groupConstants + ruleConstants)
            case .wide(let words, let wordBits, _, let generations):
                func widePipeline(
                    _ shader: EmbeddedShader, _ constants: [SpecializationConstant]
                ) throws -> ComputePipeline {
                    try ComputePipeline(
                        device: device, shader: ShaderModule(device: device, shader: shader), storageBuffers: 2,
                        pushConstantSize: MemoryLayout<GridPushConstants>.size,
                        specialization: groupConstants + ruleConstants + [.uint(4, UInt32(words))] + constants)
                }
                let single = try widePipeline(
                    wordBits == 64 ? .lifeStepBitsWide64 : .lifeStepBitsWide,
                    [.bool(5, shape.readsFours(stride: layout.stride))])
                if generations == 1 {
                    pipeline = single
                } else {
                    pipeline = try widePipeline(wordBits == 64 ? .lifeStepsBitsWide64 : .lifeStepsBitsWide, [])
                    singleGeneration = single
                }
            }
        case .bitsTiled(let generations):
            guard let shape = LifeTileShape(device: shaping, generations: generations) else {
                throw EngineError.unsupported(
                    """
                    \(shaping.name) has too little shared memory (\(shaping.limits.maxComputeSharedMemorySize) \
                    bytes) for \(generations) generations per dispatch; try fewer or the bits kernel
                    """
                )
            }
            tile = shape
            stream = nil
            pipeline = try ComputePipeline(
                device: device,
                shader: ShaderModule(
                    device: device, shader: subgroupShuffles ? .lifeStepsBitsTiledSubgroup : .lifeStepsBitsTiled),
                storageBuffers: 2,
                pushConstantSize: MemoryLayout<GridPushConstants>.size,
                specialization: [
                    .uint(0, UInt32(LifeTileShape.words)), .uint(1, UInt32(LifeTileShape.invocationRows)),
                    .uint(2, UInt32(shape.rows)), .uint(3, UInt32(shape.halo)), .bool(4, bounded),
                ] + ruleConstants)
        case .bitsStreamed(let generations):
            // Sized for the device the kernel is shaped for; the shader reads the subgroup
            // size it runs with, so only whole subgroups per workgroup matter on this one.
            let real = Int(device.description.limits.subgroupSize)
            guard let shape = LifeStreamShape(device: shaping, generations: generations),
                device.description.limits.subgroupShuffleRelativeInCompute, real >= 4, shape.workgroupSize % real == 0
            else {
                throw EngineError.unsupported(
                    "\(device.description.name) has no subgroup shuffles in compute shaders for the streamed kernel")
            }
            tile = nil
            stream = shape
            pipeline = try ComputePipeline(
                device: device, shader: ShaderModule(device: device, shader: .lifeStepsBitsStreamed),
                storageBuffers: 2,
                pushConstantSize: MemoryLayout<GridPushConstants>.size,
                specialization: [
                    .uint(0, UInt32(shape.workgroupSize)), .uint(1, UInt32(shape.runRows)),
                    .uint(2, UInt32(generations)), .bool(3, bounded),
                ] + ruleConstants)
        }
        let limits = device.description.limits.maxComputeWorkGroupCount
        groups = Self.groups(
            kernel: kernel, layout: layout, tile: tile, bitsShape: self.bitsShape, stream: stream,
            maximumAcross: Int(limits[0]))
        let (x, y) = groups
        guard UInt64(x) <= UInt64(limits[0]), UInt64(y) <= UInt64(limits[1]) else {
            throw EngineError.unsupported(
                """
                a \(width)x\(height) grid needs \(x)x\(y) workgroups with the \(kernel) kernel; the device allows \
                \(limits[0])x\(limits[1])
                """
            )
        }
        state = try PingPongState(
            device: device, pipeline: pipeline, alternate: singleGeneration, bytes: layout.wordCount * 4)
    }

    /// Subgroup shuffles for side neighbours wherever compute shaders have them (faster on
    /// lavapipe: docs/performance.md); tests run both forms.
    static func subgroupShufflesWanted(on device: PhysicalDeviceDescription) -> Bool {
        device.limits.subgroupShuffleRelativeInCompute
    }

    public func upload(_ grid: LifeGrid) throws {
        precondition(grid.width == width && grid.height == height, "grid size changed")
        if let highest = rule.missingState(in: grid) {
            throw EngineError.invalidInput("the grid holds state \(highest); \(rule) has \(rule.states) states")
        }
        try layout.pack(grid).withUnsafeBytes { try state.upload($0) }
    }

    /// Runs `generations` generations in one submission.
    /// - Returns: their GPU time from timestamps, or the host's clock where the device has none.
    public func timedAdvance(generations: Int) throws -> Double {
        try PingPongState.seconds { try advance(generations: generations) }
    }

    /// Seconds per generation from one timed dispatch after an untimed one (pipelines compiled,
    /// clocks up): what sizes a benchmark's timed runs.
    public func warmedSecondsPerGeneration() throws -> Double {
        let perDispatch = generationsPerDispatch
        _ = try timedAdvance(generations: perDispatch)
        return try timedAdvance(generations: perDispatch) / Double(perDispatch)
    }

    /// Runs `generations` generations in one submission.
    /// - Returns: the GPU time they took, from timestamps, or nil where the device has none.
    @discardableResult
    public func advance(generations: Int) throws -> Double? {
        guard generations > 0 else { return nil }
        switch kernel {
        case .bytes:
            let constants = RulePushConstants(
                width: UInt32(width), height: UInt32(height), states: UInt32(rule.states),
                birthMask: rule.birthMask, survivalMask: rule.survivalMask)
            return try state.advance(
                steps: generations, constants: constants,
                groups: groups)
        case .bits, .wide, .bitsTiled, .bitsStreamed:
            let perDispatch = generationsPerDispatch
            let dispatches = (generations + perDispatch - 1) / perDispatch
            let (width, height) = (UInt32(width), UInt32(height))
            let across = UInt32(groups.x)
            // The wide shape's odd last generation: its one-generation kernel (the tiled kernel
            // runs fewer generations in its last dispatch itself).
            let oddEnd = bitsShape != nil && generations % perDispatch != 0
            return try state.advance(
                steps: dispatches,
                constants: { step in
                    GridPushConstants(
                        width: width, height: height,
                        generations: UInt32(min(perDispatch, generations - step * perDispatch)), groupsAcross: across)
                }, groups: groups, alternateAt: { step in oddEnd && step == dispatches - 1 })
        }
    }

    /// Runs one dispatch (`generationsPerDispatch` generations) in submissions of about
    /// `pieceSeconds`, asking `shouldStop` between them (`PingPongState.advanceInPieces`).
    /// - Returns: the generations run (0 where stopped part way: the grid is then the one
    ///   before) and their GPU time, or nil where the device has no timestamps.
    public func advanceInPieces(pieceSeconds: Double, shouldStop: () -> Bool) throws -> (steps: Int, seconds: Double?) {
        let perDispatch = generationsPerDispatch
        let completed: Bool, seconds: Double?
        switch kernel {
        case .bytes:
            (completed, seconds) = try state.advanceInPieces(
                constants: RulePushConstants(
                    width: UInt32(width), height: UInt32(height), states: UInt32(rule.states),
                    birthMask: rule.birthMask, survivalMask: rule.survivalMask),
                groups: [groups], pieceSeconds: pieceSeconds, shouldStop: shouldStop)
        case .bits, .wide, .bitsTiled, .bitsStreamed:
            (completed, seconds) = try state.advanceInPieces(
                constants: GridPushConstants(
                    width: UInt32(width), height: UInt32(height), generations: UInt32(perDispatch),
                    groupsAcross: UInt32(groups.x)),
                groups: [groups], pieceSeconds: pieceSeconds, shouldStop: shouldStop)
        }
        return (completed ? perDispatch : 0, seconds)
    }

    /// Workgroups per dispatch, x and y.
    private static func groups(
        kernel: LifeKernel, layout: LifeCellLayout, tile: LifeTileShape?, bitsShape: LifeBitsShape?,
        stream: LifeStreamShape?, maximumAcross: Int
    ) -> (x: Int, y: Int) {
        func count(_ items: Int, _ perGroup: Int) -> Int { (items + perGroup - 1) / perGroup }
        return switch kernel {
        case .bytes: (count(layout.stride, byteTile), count(layout.height, byteTile))
        case .bits, .wide: bitsShape!.groups(stride: layout.stride, height: layout.height)
        case .bitsTiled: (count(layout.stride, tile!.centreWords), count(layout.height, tile!.centreRows))
        case .bitsStreamed:
            stream!.groups(stride: layout.stride, height: layout.height, maximumAcross: maximumAcross)
        }
    }

    public func download() throws -> LifeGrid {
        var words = [UInt32](repeating: 0, count: layout.wordCount)
        try words.withUnsafeMutableBytes { try state.download(into: $0) }
        return layout.unpack(words)
    }

    /// The buffer holding the current generation, for drawing it where it lies.
    package var currentStateBuffer: Buffer { state.currentBuffer }

    /// Bits per cell in ``currentStateBuffer``: 8 or 1.
    package var bitsPerCell: Int { layout.bitsPerCell }

    /// The dying counter's bit planes after the live plane in ``currentStateBuffer`` (a
    /// bit-packed Generations grid), each ``planeWordCount`` words; 0 for other layouts.
    package var dyingPlanes: Int { layout.planes - 1 }

    /// Words of one bit plane, or of the whole grid in other layouts.
    package var planeWordCount: Int { layout.planeWordCount }

    /// The memory traffic one generation needs at the least with this kernel: reading and
    /// writing the grid once per dispatch. Divided by the device's bandwidth, it bounds the speed.
    public var minimumBytesPerGeneration: Double {
        2 * Double(layout.wordCount * 4) / Double(generationsPerDispatch)
    }

    /// Generations one dispatch advances: the tiled kernel's K, two for the wide kernel where
    /// its shape runs two, else one.
    public var generationsPerDispatch: Int { bitsShape?.generationsPerDispatch ?? kernel.generationsPerDispatch }

    /// The shape the bit kernel took on this device for this grid; nil for other kernels.
    public var bitsShapeDescription: String? { bitsShape?.description }

    /// The kernel, with the shape the bit kernel took on this device for this grid.
    public var kernelDescription: String {
        bitsShapeDescription.map { "\(kernel) (\($0))" } ?? kernel.description
    }

    /// Cell updates per generation.
    public var cellsPerGeneration: Double { Double(width) * Double(height) }
}
