import FoundationEssentials
import Glibc

/// The N-body kernel: one case per family of shaders, each with the values its shaders are
/// specialized for.
///
/// The families:
/// - `streaming`: `nbody_step.comp` with no shared tile (or `nbody_step_shuffled.comp`, where
///   the device passes j-bodies round the subgroup): each invocation integrates `bodies`
///   bodies and reads every j-body from the buffer, which suits CPU drivers;
/// - `tiled`: `nbody_step.comp` staging `tile` j-bodies at a time in shared memory, optionally
///   prefetching the next tile and writing the tile loop out `unroll` times: GPUs' kernel;
/// - `split`: `nbody_step_split.comp`, `invocations` invocations cooperating on each body, for
///   systems too small to fill a GPU one body per invocation;
/// - `pairs`: `nbody_pairs.comp` then `nbody_pairs_sum.comp`, each pair of bodies evaluated
///   once and its force applied to both, through partial sums per block;
/// - `atomicPairs`: the GPU form of `pairs` (`nbody_pairs_atomic.comp`, or
///   `nbody_pairs_fixed.comp` in 64-bit fixed point), every share added atomically into one
///   sum per body.
public enum NBodyKernel: Sendable, Hashable, CustomStringConvertible {
    case streaming(workgroup: Int, bodies: Int, force: ForceExpression = .reciprocalSquareRoot)
    case tiled(
        workgroup: Int, bodies: Int, tile: Int, prefetch: Bool = false, unroll: Int = 1,
        force: ForceExpression = .reciprocalSquareRoot)
    case split(workgroup: Int, invocations: Int, force: ForceExpression = .reciprocalSquareRoot)
    case pairs(workgroup: Int, bodies: Int, force: ForceExpression = .reciprocalSquareRoot)
    case atomicPairs(workgroup: Int, bodies: Int, force: ForceExpression = .reciprocalSquareRoot)

    /// Two spellings of the same pull, m / (r² + eps²)^(3/2), that suit different hardware
    /// (`Shaders/nbody_pull.glsl`).
    public enum ForceExpression: String, Sendable, Codable, Hashable, CaseIterable {
        /// m · inversesqrt(r²)³: one special-function operation on GPUs.
        case reciprocalSquareRoot
        /// m / (r² · √r²): lavapipe builds inversesqrt from a square root and a division
        /// anyway, so this drops two multiplies there.
        case quotient
    }

    /// Invocations per workgroup (`local_size_x`).
    public var workgroupSize: Int {
        switch self {
        case .streaming(let w, _, _), .tiled(let w, _, _, _, _, _), .split(let w, _, _), .pairs(let w, _, _),
            .atomicPairs(let w, _, _):
            w
        }
    }

    /// Bodies each invocation integrates (register blocking); 1 for `split`.
    public var bodiesPerInvocation: Int {
        switch self {
        case .streaming(_, let b, _), .tiled(_, let b, _, _, _, _), .pairs(_, let b, _), .atomicPairs(_, let b, _): b
        case .split: 1
        }
    }

    /// j-bodies staged in shared memory per pass (16 bytes each); 0 without a shared tile.
    public var tileSize: Int {
        if case .tiled(_, _, let tile, _, _, _) = self { tile } else { 0 }
    }

    /// Invocations cooperating on one body; 1 but for `split`.
    public var invocationsPerBody: Int {
        if case .split(_, let invocations, _) = self { invocations } else { 1 }
    }

    /// Whether the next shared tile is read into registers while the current one is used (two
    /// tiles of shared memory, one barrier per tile instead of two).
    public var prefetchesTiles: Bool {
        if case .tiled(_, _, _, let prefetch, _, _) = self { prefetch } else { false }
    }

    /// Tile bodies per iteration of the loop over a shared tile, written out in the shader
    /// (`TILE_UNROLL` in `Shaders/nbody_step.glsl`); 1 leaves the unrolling to the driver's
    /// compiler. On a GPU that is bound by instruction issue, as the H100 is, each iteration's
    /// counter, compare and branch take slots the arithmetic could use (GPU Gems 3, ch. 31,
    /// unrolls this loop by 4).
    public var tileUnroll: Int {
        if case .tiled(_, _, _, _, let unroll, _) = self { unroll } else { 1 }
    }

    public var force: ForceExpression {
        switch self {
        case .streaming(_, _, let f), .tiled(_, _, _, _, _, let f), .split(_, _, let f), .pairs(_, _, let f),
            .atomicPairs(_, _, let f):
            f
        }
    }

    /// Whether each pair of bodies is evaluated once and its force applied to both. It halves
    /// the square roots and divisions, which bound CPU drivers; it needs subgroup shuffles, a
    /// workgroup of one subgroup, and memory for the sums (`pairSumBytes(particleCount:)`).
    public var eachPairOnce: Bool {
        switch self {
        case .pairs, .atomicPairs: true
        default: false
        }
    }

    /// With `eachPairOnce`, the GPU form: the other block's bodies travel round the subgroup
    /// by shuffles, and every share is added atomically into one sum per body, so memory stays
    /// at 24 bytes a body at any N. The sums are 64-bit fixed point where the device has such
    /// atomics and the softening bounds them (order-free, so bit-reproducible), floats
    /// otherwise (`VK_EXT_shader_atomic_float`).
    public var addsSharesAtomically: Bool {
        if case .atomicPairs = self { true } else { false }
    }

    /// This kernel with a different workgroup size, register blocking, tile, tile unrolling or
    /// force, where it has them.
    func with(
        workgroup: Int? = nil, bodies: Int? = nil, tile: Int? = nil, unroll: Int? = nil, force: ForceExpression? = nil
    ) -> Self {
        let w = workgroup ?? workgroupSize
        let b = bodies ?? bodiesPerInvocation
        let f = force ?? self.force
        return switch self {
        case .streaming: .streaming(workgroup: w, bodies: b, force: f)
        case .tiled(_, _, let t, let p, let u, _):
            .tiled(workgroup: w, bodies: b, tile: tile ?? t, prefetch: p, unroll: unroll ?? u, force: f)
        case .split(_, let s, _): .split(workgroup: w, invocations: s, force: f)
        case .pairs: .pairs(workgroup: w, bodies: b, force: f)
        case .atomicPairs: .atomicPairs(workgroup: w, bodies: b, force: f)
        }
    }

    public var description: String {
        let spelling =
            (force == .quotient ? ", force as a quotient" : "") + (eachPairOnce ? ", each pair once" : "")
            + (addsSharesAtomically ? ", shares added atomically" : "")
        switch self {
        case .split(let w, let s, _): return "workgroup \(w), \(s) invocations/body\(spelling)"
        case .tiled(let w, let b, let t, let p, let u, _):
            return "workgroup \(w), \(b) bodies/invocation, tile \(t)\(p ? ", prefetched" : "")"
                + (u > 1 ? ", tile loop unrolled by \(u)" : "") + spelling
        case .streaming(let w, let b, _), .pairs(let w, let b, _), .atomicPairs(let w, let b, _):
            return "workgroup \(w), \(b) bodies/invocation, no shared tile" + spelling
        }
    }

    public var bodiesPerWorkgroup: Int {
        invocationsPerBody > 1 ? workgroupSize / invocationsPerBody : workgroupSize * bodiesPerInvocation
    }
    public var sharedMemoryBytes: Int {
        invocationsPerBody > 1 ? workgroupSize * 16 : tileSize * 16 * (prefetchesTiles ? 2 : 1)
    }

    /// Tile bodies each invocation loads per tile (and, prefetching, stages in registers).
    var tileLoadsPerInvocation: Int { (max(tileSize, 1) + workgroupSize - 1) / workgroupSize }

    public func workgroupCount(particleCount: Int) -> Int {
        (particleCount + bodiesPerWorkgroup - 1) / bodiesPerWorkgroup
    }

    /// Bytes of partial sums the pair-once kernel hands from its first pass to the second:
    /// for each body, its own sum and one from each of the blocks / 2 blocks before it, where a
    /// block is one workgroup's bodies. Grows as N² / block size; 0 for the other kernels.
    /// With atomic shares, one sum per body: 24 bytes a body (three 64-bit integers, or three
    /// floats in half of that).
    public func pairSumBytes(particleCount: Int) -> UInt64 {
        guard eachPairOnce else { return 0 }
        if addsSharesAtomically { return UInt64(particleCount) * 24 }
        let blocks = UInt64(workgroupCount(particleCount: particleCount))
        return (blocks / 2 + 1) * blocks * UInt64(bodiesPerWorkgroup) * 12
    }

    /// Workgroups the atomic pair-once kernel aims at (`atomicPairSpan`): on GPUs enough to
    /// fill the largest many times over, so that the last wave's idle share stays small; on CPU
    /// drivers a few per core, as each runs one workgroup per thread.
    static func atomicPairWorkgroupTarget(
        device: PhysicalDeviceDescription,
        hostCores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> Int {
        device.type == .cpu ? 4 * hostCores : 32768
    }

    /// Pairings each workgroup of the atomic pair-once kernel takes (`SPAN`), where a block has
    /// blocks / 2 + 1 of them (its inner pairs count as one): as many as leave at least `target`
    /// workgroups in all where there are enough pairings, and at least one. Fewer per workgroup
    /// mean more atomic adds for the workgroup's own bodies (3 per body per workgroup).
    func atomicPairSpan(particleCount: Int, target: Int) -> Int {
        let blocks = workgroupCount(particleCount: particleCount)
        let pairings = blocks / 2 + 1
        let runs = min(pairings, max(1, (target + blocks - 1) / blocks))
        return max(1, pairings / runs)
    }

    /// `atomicPairSpan(particleCount:target:)` for as many workgroups as suit `device`.
    func atomicPairSpan(particleCount: Int, device: PhysicalDeviceDescription) -> Int {
        atomicPairSpan(particleCount: particleCount, target: Self.atomicPairWorkgroupTarget(device: device))
    }

    /// Workgroups one dispatch of the first pass takes: a block each, or, with atomic shares,
    /// one per run of `span` pairings of each block.
    func dispatchedWorkgroups(particleCount: Int, span: Int) -> Int {
        let blocks = workgroupCount(particleCount: particleCount)
        guard eachPairOnce && addsSharesAtomically else { return blocks }
        return blocks * ((blocks / 2 + 1 + span - 1) / span)
    }

    /// Most memory the pair-once kernel may ask for its partial sums.
    public static let pairSumByteLimit: UInt64 = 1 << 30
    /// Most the default shape asks for: beyond it, the ordinary kernel (N of about 100000 at
    /// 8 × 32, where lavapipe's 128 MiB storage buffer range stops it at about 73000 anyway).
    static let recommendedPairSumBytes: UInt64 = 256 << 20

    /// A shape that suits the device class, within its limits, without tuning.
    ///
    /// CPU drivers (lavapipe) want heavy register blocking and no shared tile: every read of
    /// a j-body is costly there and must feed many bodies (32 was fastest on lavapipe; more
    /// runs into its loop limit), and the force spelled as a quotient, since their
    /// inversesqrt is a square root and a division already. Where the device has subgroup
    /// shuffles and the partial sums fit, each pair once: the square roots and divisions bound
    /// a CPU, and this halves them (docs/history.md, "Each pair once"). GPUs want many
    /// threads and light blocking; on an H100 (docs/performance.md): one body per invocation
    /// and a tile as wide as the workgroup throughout, 128 invocations from N = 65536 up, and
    /// below that 32 invocations with prefetched tiles, which keep more workgroups in flight
    /// when there are few bodies.
    public static func recommended(
        for device: PhysicalDeviceDescription, particleCount: Int,
        hostCores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> Self {
        let limits = device.limits
        let maxWorkgroup = Int(min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize.first ?? 1))
        let maxTile = Int(limits.maxComputeSharedMemorySize) / 16
        var shape: NBodyKernel
        var minimumWorkgroups: Int
        switch device.type {
        case .cpu:
            shape = .streaming(workgroup: 32, bodies: 32, force: .quotient)
            let pairs = NBodyKernel.pairs(workgroup: Int(limits.subgroupSize), bodies: 32, force: .quotient)
            if pairs.problems(on: device, particleCount: particleCount).isEmpty
                && pairs.pairSumBytes(particleCount: particleCount) <= recommendedPairSumBytes
            {
                shape = pairs
            }
            // lavapipe runs one workgroup per thread: give every core several.
            minimumWorkgroups = 2 * hostCores
        case .discrete:
            shape =
                particleCount < 65536
                ? .tiled(workgroup: 32, bodies: 1, tile: 32, prefetch: true)
                : .tiled(workgroup: 128, bodies: 1, tile: 128)
            minimumWorkgroups = 256
        default:
            shape = .tiled(workgroup: 128, bodies: 1, tile: 128)
            minimumWorkgroups = 16
        }
        shape = shape.with(
            workgroup: max(1, min(shape.workgroupSize, maxWorkgroup)),
            tile: min(shape.tileSize, shape.prefetchesTiles ? maxTile / 2 : maxTile))
        // Small systems: trade register blocking for parallelism.
        while shape.bodiesPerInvocation > 1 && shape.workgroupCount(particleCount: particleCount) < minimumWorkgroups {
            shape = shape.with(bodies: shape.bodiesPerInvocation / 2)
        }
        return shape
    }

    /// Iterations kept free for the kernel's other loops under a driver's loop limit.
    static let loopIterationReserve = 1000
    static let maximumJUnroll = 64

    /// How many j-bodies one loop iteration of the streaming kernel handles. GPUs: 1, their
    /// compilers unroll as suits them. CPU drivers: 4, one register group (`jGroup`; unrolling
    /// by 8 measured the same), and under a driver's loop limit (lavapipe) more, just enough to
    /// stay below it. Always a multiple of the register group (`jGroup`).
    static func jUnroll(particleCount: Int, device: PhysicalDeviceDescription, multipleOf group: Int? = nil) -> Int {
        var unroll = group ?? jGroup(device: device)
        guard let limit = device.shaderLoopIterationLimit else { return unroll }
        while unroll < maximumJUnroll && particleCount / unroll + unroll > limit - loopIterationReserve { unroll *= 2 }
        return unroll
    }

    /// j-bodies the streaming kernel holds in registers during one pass over an invocation's
    /// bodies (`J_GROUP` in the shader). CPU drivers: 4, so that the accelerations lavapipe
    /// spills are loaded and stored once per four interactions (groups of 2 and 6 were slower;
    /// docs/history.md).
    /// GPUs: 1, the plain loop order.
    static func jGroup(device: PhysicalDeviceDescription) -> Int { device.type == .cpu ? 4 : 1 }

    /// j-bodies the pair-once kernel reads per iteration (`J_GROUP` in `nbody_pairs.comp`).
    static let pairGroup = 4

    /// Whether the streaming kernel reads each group of j-bodies once per subgroup and passes
    /// them round by shuffles (`Shaders/nbody_step_shuffled.comp`) rather than in every
    /// invocation: lavapipe reads a storage buffer lane by lane even where all lanes read the
    /// same body (docs/history.md).
    /// Needs shuffles in compute shaders, subgroups at least as wide as the group, and a
    /// workgroup that fills them.
    func shufflesJBodies(on device: PhysicalDeviceDescription, group: Int) -> Bool {
        tileSize == 0 && invocationsPerBody == 1 && group > 1 && device.limits.subgroupShuffleInCompute
            && Int(device.limits.subgroupSize) >= group && workgroupSize % Int(device.limits.subgroupSize) == 0
    }

    /// Longest loop a driver with a loop-iteration limit is known to unroll: lavapipe unrolls
    /// the loop over an invocation's bodies up to 32 of them; beyond that the loop runs inside
    /// the j-loop, its iterations count towards the limit, and at N = 16384 every shape with 40,
    /// 48 or 64 bodies stopped early and computed wrong results, silently.
    static let longestUnrolledLoop = 32

    /// The most tile bodies one written-out iteration of the tile loop may take: beyond that
    /// the loop's code outgrows a GPU's instruction cache for little fewer branches.
    static let longestTileUnroll = 32

    /// Why this kernel cannot run `particleCount` bodies on `device`; empty when it can.
    public func problems(on device: PhysicalDeviceDescription, particleCount: Int) -> [String] {
        let limits = device.limits
        var problems: [String] = []
        let counts = [
            ("workgroup size", workgroupSize), ("bodies per invocation", bodiesPerInvocation),
            ("invocations per body", invocationsPerBody),
        ]
        for (name, value) in counts where value < 1 {
            problems.append("\(name) must be at least 1, not \(value)")
        }
        if case .tiled(_, _, let tile, _, _, _) = self, tile < 1 {
            problems.append("a shared tile holds at least 1 body, not \(tile)")
        }
        if !problems.isEmpty { return problems }
        // Sizes beyond the device's limits stop here, before the arithmetic below, which
        // assumes sizes a device can have (a hand-edited tuning cache may hold any integer).
        let largestWorkgroup = Int(
            min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize.first ?? 0))
        if workgroupSize > largestWorkgroup {
            problems.append("workgroup size \(workgroupSize) exceeds the device's \(largestWorkgroup)")
        }
        let sharedBytes = limits.maxComputeSharedMemorySize
        if tileSize > Int(sharedBytes) / 16 {
            problems.append(
                "a tile of \(tileSize) bodies needs more than the device's \(sharedBytes) bytes of shared memory")
        } else if workgroupSize <= largestWorkgroup && sharedMemoryBytes > Int(sharedBytes) {
            problems.append(
                "tile of \(tileSize) bodies\(prefetchesTiles ? ", prefetched," : "") needs \(sharedMemoryBytes) bytes "
                    + "of shared memory; the device has \(sharedBytes)")
        }
        let largestCount = Int(limits.maxStorageBufferRange) / ParticleState.bytesPerParticle
        if particleCount > largestCount {
            problems.append(
                "\(particleCount) particles need more than the device's maxStorageBufferRange of "
                    + "\(limits.maxStorageBufferRange) bytes")
        }
        if bodiesPerInvocation > 64 {
            problems.append("more than 64 bodies per invocation is not supported")
        }
        if invocationsPerBody > workgroupSize {
            problems.append("\(invocationsPerBody) invocations per body do not fit in a workgroup of \(workgroupSize)")
        }
        if let limit = device.shaderLoopIterationLimit, bodiesPerInvocation > Self.longestUnrolledLoop {
            problems.append(
                "\(device.name) stops shader loops after \(limit) iterations and does not unroll a loop over more "
                    + "than \(Self.longestUnrolledLoop) bodies per invocation, so \(bodiesPerInvocation) would compute "
                    + "wrong results")
        }
        if !problems.isEmpty { return problems }
        // Pairings per workgroup of the atomic pair-once form, as the workload will choose them.
        let span = atomicPairSpan(particleCount: particleCount, device: device)
        switch self {
        case .tiled(_, _, let tile, _, let unroll, _):
            if unroll < 1 || unroll > Self.longestTileUnroll || tile % unroll != 0 {
                problems.append(
                    "the tile loop unrolls by 1 to \(Self.longestTileUnroll) bodies, a divisor of the tile size "
                        + "(\(tile)), not \(unroll)")
            }
        case .split(let workgroup, let invocations, _):
            if workgroup % invocations != 0 {
                problems.append(
                    "with \(invocations) invocations per body, the workgroup size must be a multiple of \(invocations)")
            }
        case .atomicPairs, .pairs:
            let subgroup = Int(limits.subgroupSize)
            if addsSharesAtomically && !device.supportsBufferFloatAtomicAdd && !device.supportsBufferInt64AtomicAdd {
                problems.append(
                    "adding shares atomically needs 64-bit integer or float atomic adds on storage buffers "
                        + """
                        (VK_KHR_shader_atomic_int64, VK_EXT_shader_atomic_float), which \(device.name) does not \
                        offer
                        """
                )
            }
            if !limits.subgroupShuffleInCompute || workgroupSize != subgroup || subgroup < Self.pairGroup {
                let shuffles = limits.subgroupShuffleInCompute ? "" : ", which has no such shuffles"
                problems.append(
                    "evaluating each pair once needs subgroup shuffles in compute shaders and a workgroup of one "
                        + "subgroup (\(subgroup) invocations on \(device.name)\(shuffles))")
            }
            let bytes = pairSumBytes(particleCount: particleCount)
            let allowed = min(Self.pairSumByteLimit, UInt64(limits.maxStorageBufferRange))
            if bytes > allowed {
                problems.append(
                    "evaluating each pair once, \(particleCount) particles need \(bytes >> 20) MiB of partial sums, "
                        + "more than the \(allowed >> 20) MiB allowed (the ordinary kernel needs none)")
            }
        case .streaming:
            break
        }
        if let limit = device.shaderLoopIterationLimit {
            let iterations = loopIterations(particleCount: particleCount, device: device, span: span)
            if iterations > limit - Self.loopIterationReserve {
                let untiled = tileSize > 0 || invocationsPerBody > 1
                problems.append(
                    "\(device.name) stops shader loops after \(limit) iterations; "
                        + "\(particleCount) particles need about \(iterations) with this shape"
                        + (untiled ? " (shapes without a shared tile unroll the loop and go further)" : ""))
            }
        }
        let groups = dispatchedWorkgroups(particleCount: particleCount, span: span)
        let largestDispatch = Int(limits.maxComputeWorkGroupCount.first ?? 0)
        if groups > largestDispatch {
            problems.append(
                "\(particleCount) particles need \(groups) workgroups; the device allows \(largestDispatch)")
        }
        return problems
    }

    /// Loop iterations one invocation runs for `particleCount` bodies, for drivers that stop
    /// shader loops after a number of them: the j-loop runs N / unroll times; a tiled pass runs
    /// its j-loop over the tile, the outer loop once, and its tile loads (ceil(tile /
    /// workgroup) of them, twice that when prefetching: store, load).
    private func loopIterations(particleCount: Int, device: PhysicalDeviceDescription, span: Int) -> Int {
        switch self {
        case .split(_, let invocations, _):
            return particleCount / invocations
        case .atomicPairs:
            return span * bodiesPerInvocation * (workgroupSize + 1) + bodiesPerWorkgroup
        case .pairs:
            let blocks = workgroupCount(particleCount: particleCount)
            return (blocks / 2 + 1) * ((bodiesPerWorkgroup + Self.pairGroup - 1) / Self.pairGroup) + blocks / 2
        case .tiled(_, _, let tile, let prefetch, _, _):
            let tiles = (particleCount + tile - 1) / tile
            let loadsPerTile = prefetch ? 2 * tileLoadsPerInvocation : tileLoadsPerInvocation
            return tiles * (tile + 1 + loadsPerTile)
        case .streaming:
            return particleCount / Self.jUnroll(particleCount: particleCount, device: device) + Self.maximumJUnroll
        }
    }
}

extension NBodyKernel: Codable {
    /// Why a set of flat fields names no kernel.
    public struct Unbuildable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The kernel that flat fields name, as `--kernel`, the tuning cache and `bench --json`
    /// spell it: a shared tile makes it `tiled`, several invocations per body `split`, and so on.
    /// - Throws: ``Unbuildable`` where no family has that combination, saying why.
    public init(
        workgroupSize: Int, bodiesPerInvocation: Int, tileSize: Int, invocationsPerBody: Int = 1,
        prefetchesTiles: Bool = false, force: ForceExpression = .reciprocalSquareRoot, eachPairOnce: Bool = false,
        addsSharesAtomically: Bool = false, tileUnroll: Int = 1
    ) throws(Unbuildable) {
        let (w, b, f) = (workgroupSize, bodiesPerInvocation, force)
        let tiled = tileSize != 0 && invocationsPerBody == 1 && !eachPairOnce
        if addsSharesAtomically && !eachPairOnce {
            throw Unbuildable(
                description:
                    "adding shares atomically is a form of evaluating each pair once, which this shape does not")
        }
        if tileUnroll != 1 && !tiled {
            throw Unbuildable(
                description: "only shapes with a shared tile and one invocation per body have a tile loop to unroll")
        }
        if prefetchesTiles && !tiled {
            throw Unbuildable(
                description: "only shapes with a shared tile and one invocation per body can prefetch tiles")
        }
        if eachPairOnce {
            guard tileSize == 0 && invocationsPerBody == 1 else {
                throw Unbuildable(
                    description: "evaluating each pair once needs a shape without a shared tile and with one "
                        + "invocation per body")
            }
            self =
                addsSharesAtomically
                ? .atomicPairs(workgroup: w, bodies: b, force: f) : .pairs(workgroup: w, bodies: b, force: f)
        } else if invocationsPerBody != 1 {
            guard bodiesPerInvocation == 1 && tileSize == 0 else {
                throw Unbuildable(
                    description: "with \(invocationsPerBody) invocations per body, bodies per invocation must be 1 "
                        + "and there is no shared tile")
            }
            self = .split(workgroup: w, invocations: invocationsPerBody, force: f)
        } else if tileSize != 0 {
            self = .tiled(
                workgroup: w, bodies: b, tile: tileSize, prefetch: prefetchesTiles, unroll: tileUnroll, force: f)
        } else {
            self = .streaming(workgroup: w, bodies: b, force: f)
        }
    }

    /// The flat fields, as tuning caches have always stored them; fields added later are optional.
    private enum CodingKeys: String, CodingKey {
        case workgroupSize, bodiesPerInvocation, tileSize, invocationsPerBody, prefetchesTiles, force, eachPairOnce
        case addsSharesAtomically, tileUnroll
    }

    /// - Throws: `DecodingError.dataCorrupted` where the fields name no kernel.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                workgroupSize: try c.decode(Int.self, forKey: .workgroupSize),
                bodiesPerInvocation: try c.decode(Int.self, forKey: .bodiesPerInvocation),
                tileSize: try c.decode(Int.self, forKey: .tileSize),
                invocationsPerBody: try c.decodeIfPresent(Int.self, forKey: .invocationsPerBody) ?? 1,
                prefetchesTiles: try c.decodeIfPresent(Bool.self, forKey: .prefetchesTiles) ?? false,
                force: try c.decodeIfPresent(ForceExpression.self, forKey: .force) ?? .reciprocalSquareRoot,
                eachPairOnce: try c.decodeIfPresent(Bool.self, forKey: .eachPairOnce) ?? false,
                addsSharesAtomically: try c.decodeIfPresent(Bool.self, forKey: .addsSharesAtomically) ?? false,
                tileUnroll: try c.decodeIfPresent(Int.self, forKey: .tileUnroll) ?? 1)
        } catch let error as Unbuildable {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workgroupSize, forKey: .workgroupSize)
        try c.encode(bodiesPerInvocation, forKey: .bodiesPerInvocation)
        try c.encode(tileSize, forKey: .tileSize)
        try c.encode(invocationsPerBody, forKey: .invocationsPerBody)
        try c.encode(prefetchesTiles, forKey: .prefetchesTiles)
        try c.encode(force, forKey: .force)
        try c.encode(eachPairOnce, forKey: .eachPairOnce)
        try c.encode(addsSharesAtomically, forKey: .addsSharesAtomically)
        try c.encode(tileUnroll, forKey: .tileUnroll)
    }

    /// Reads `W,B,T[,S]`: workgroup size, bodies per invocation, tile size and optionally
    /// invocations per body. Letters after the tile size: `p` prefetches tiles (`32,1,32p`), `q`
    /// spells the force as a quotient (`32,32,0q`), `s` evaluates each pair once, symmetrically
    /// (`8,32,0qs`), `a` does so in the GPU form, adding shares atomically (`32,8,0a`); last, `uK`
    /// unrolls the tile loop by K (`128,1,128u8`). Whether the kernel suits a device is
    /// `problems(on:particleCount:)`'s question.
    /// - Throws: ``Unbuildable`` where the text is not of that form or names no kernel.
    public init(parsing text: String) throws(Unbuildable) {
        let form = Unbuildable(
            description: "'\(text)' is not a kernel shape: W,B,T[,S] (workgroup size, bodies per invocation, tile "
                + "size, invocations per body), the tile size followed by any of p, q, s, a and a last uK")
        var fields = text.split(separator: ",").map { String($0.trimmed).lowercased() }
        guard fields.count == 3 || fields.count == 4 else { throw form }
        var letters = String(fields[2].drop { $0.isNumber })
        fields[2].removeLast(letters.count)
        var unroll = 1
        if let u = letters.firstIndex(of: "u") {
            guard let k = Int(letters[letters.index(after: u)...]), k >= 1 else { throw form }
            unroll = k
            letters = String(letters[..<u])
        }
        guard Set(letters).isSubset(of: "pqsa"), Set(letters).count == letters.count else { throw form }
        let parts = fields.map { Int($0) }
        guard let w = parts[0], let b = parts[1], let t = parts[2], w > 0, b > 0, t >= 0 else { throw form }
        let split = parts.count == 4 ? parts[3] : 1
        guard let split, split >= 1 else { throw form }
        try self.init(
            workgroupSize: w, bodiesPerInvocation: b, tileSize: t, invocationsPerBody: split,
            prefetchesTiles: letters.contains("p"), force: letters.contains("q") ? .quotient : .reciprocalSquareRoot,
            eachPairOnce: letters.contains("s") || letters.contains("a"), addsSharesAtomically: letters.contains("a"),
            tileUnroll: unroll)
    }
}
