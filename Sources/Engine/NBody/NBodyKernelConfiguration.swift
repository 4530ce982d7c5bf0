import FoundationEssentials
import Glibc

/// The shape of the N-body kernel: which shader runs (`nbody_step.comp`,
/// `nbody_step_shuffled.comp`, `nbody_step_split.comp` or the pair-once `nbody_pairs.comp` and
/// `nbody_pairs_atomic.comp`) and what its specialization constants are set to.
public struct NBodyKernelConfiguration: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// Invocations per workgroup (`local_size_x`).
    public var workgroupSize: Int
    /// Bodies each invocation integrates (register blocking).
    public var bodiesPerInvocation: Int
    /// j-bodies staged in shared memory per pass (16 bytes each); 0 reads them straight
    /// from the buffer, which is faster on CPU drivers.
    public var tileSize: Int
    /// Invocations cooperating on one body (`Shaders/nbody_step_split.comp`), for systems too
    /// small to fill a GPU one body per invocation; 1 for the ordinary kernel.
    public var invocationsPerBody: Int
    /// Whether the next shared tile is read into registers while the current one is used (two
    /// tiles of shared memory, one barrier per tile instead of two). On the H100 it lifted small
    /// systems most and slowed the largest a little (docs/history.md).
    public var prefetchesTiles: Bool
    /// How the pull m / r³ is spelled in the shader (`Shaders/nbody_pull.glsl`).
    public var force: ForceExpression
    /// Whether each pair of bodies is evaluated once and its force applied to both
    /// (`Shaders/nbody_pairs.comp`, then `nbody_pairs_sum.comp` adds the partial sums up). It
    /// halves the square roots and divisions, which bound CPU drivers; it needs subgroup
    /// shuffles, a workgroup of one subgroup, no shared tile, and memory for the partial sums
    /// (`pairSumBytes(particleCount:)`).
    public var eachPairOnce: Bool
    /// With `eachPairOnce`, the GPU form (`Shaders/nbody_pairs_atomic.comp`): the other block's
    /// bodies travel round the subgroup by shuffles, seven per round for `bodiesPerInvocation`
    /// pairs, instead of a butterfly per j-body, and every share is added atomically into one
    /// sum per body, so memory stays at 24 bytes a body at any N. The sums are 64-bit fixed
    /// point where the device has such atomics and the softening bounds them
    /// (`nbody_pairs_fixed.comp`: order-free, so bit-reproducible), floats otherwise
    /// (`VK_EXT_shader_atomic_float`).
    public var addsSharesAtomically: Bool
    /// Tile bodies per iteration of the loop over a shared tile, written out in the shader
    /// (`TILE_UNROLL` in `Shaders/nbody_step.glsl`); 1 leaves the unrolling to the driver's
    /// compiler. On a GPU that is bound by instruction issue, as the H100 is, each iteration's
    /// counter, compare and branch take slots the arithmetic could use (GPU Gems 3, ch. 31,
    /// unrolls this loop by 4). Divides the tile size.
    public var tileUnroll: Int

    /// Two spellings of the same pull, m / (r² + eps²)^(3/2), that suit different hardware.
    public enum ForceExpression: String, Sendable, Codable, Hashable, CaseIterable {
        /// m · inversesqrt(r²)³: one special-function operation on GPUs.
        case reciprocalSquareRoot
        /// m / (r² · √r²): lavapipe builds inversesqrt from a square root and a division
        /// anyway, so this drops two multiplies there.
        case quotient
    }

    public init(workgroupSize: Int, bodiesPerInvocation: Int, tileSize: Int, invocationsPerBody: Int = 1,
                prefetchesTiles: Bool = false, force: ForceExpression = .reciprocalSquareRoot, eachPairOnce: Bool = false,
                addsSharesAtomically: Bool = false, tileUnroll: Int = 1) {
        self.workgroupSize = workgroupSize
        self.bodiesPerInvocation = bodiesPerInvocation
        self.tileSize = tileSize
        self.invocationsPerBody = invocationsPerBody
        self.prefetchesTiles = prefetchesTiles
        self.force = force
        self.eachPairOnce = eachPairOnce
        self.addsSharesAtomically = addsSharesAtomically
        self.tileUnroll = tileUnroll
    }

    enum CodingKeys: String, CodingKey { case workgroupSize, bodiesPerInvocation, tileSize, invocationsPerBody, prefetchesTiles, force, eachPairOnce, addsSharesAtomically,
                                         tileUnroll }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        workgroupSize = try c.decode(Int.self, forKey: .workgroupSize)
        bodiesPerInvocation = try c.decode(Int.self, forKey: .bodiesPerInvocation)
        tileSize = try c.decode(Int.self, forKey: .tileSize)
        invocationsPerBody = try c.decodeIfPresent(Int.self, forKey: .invocationsPerBody) ?? 1
        prefetchesTiles = try c.decodeIfPresent(Bool.self, forKey: .prefetchesTiles) ?? false
        force = try c.decodeIfPresent(ForceExpression.self, forKey: .force) ?? .reciprocalSquareRoot
        eachPairOnce = try c.decodeIfPresent(Bool.self, forKey: .eachPairOnce) ?? false
        addsSharesAtomically = try c.decodeIfPresent(Bool.self, forKey: .addsSharesAtomically) ?? false
        tileUnroll = try c.decodeIfPresent(Int.self, forKey: .tileUnroll) ?? 1
    }

    public var description: String {
        let spelling = (force == .quotient ? ", force as a quotient" : "") + (eachPairOnce ? ", each pair once" : "")
            + (addsSharesAtomically ? ", shares added atomically" : "")
        if invocationsPerBody > 1 { return "workgroup \(workgroupSize), \(invocationsPerBody) invocations/body\(spelling)" }
        return "workgroup \(workgroupSize), \(bodiesPerInvocation) bodies/invocation, "
            + (tileSize == 0 ? "no shared tile" : "tile \(tileSize)\(prefetchesTiles ? ", prefetched" : "")")
            + (tileUnroll > 1 ? ", tile loop unrolled by \(tileUnroll)" : "") + spelling
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
    static func atomicPairWorkgroupTarget(device: PhysicalDeviceDescription,
                                          hostCores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
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
    public static func recommended(for device: PhysicalDeviceDescription, particleCount: Int,
                                   hostCores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Self {
        let limits = device.limits
        let maxWorkgroup = Int(min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize.first ?? 1))
        let maxTile = Int(limits.maxComputeSharedMemorySize) / 16
        var shape: NBodyKernelConfiguration
        var minimumWorkgroups: Int
        switch device.type {
        case .cpu:
            shape = .init(workgroupSize: 32, bodiesPerInvocation: 32, tileSize: 0, force: .quotient)
            let pairs = NBodyKernelConfiguration(workgroupSize: Int(limits.subgroupSize), bodiesPerInvocation: 32, tileSize: 0,
                                                 force: .quotient, eachPairOnce: true)
            if pairs.problems(on: device, particleCount: particleCount).isEmpty
                && pairs.pairSumBytes(particleCount: particleCount) <= recommendedPairSumBytes {
                shape = pairs
            }
            // lavapipe runs one workgroup per thread: give every core several.
            minimumWorkgroups = 2 * hostCores
        case .discrete:
            shape = particleCount < 65536
                ? .init(workgroupSize: 32, bodiesPerInvocation: 1, tileSize: 32, prefetchesTiles: true)
                : .init(workgroupSize: 128, bodiesPerInvocation: 1, tileSize: 128)
            minimumWorkgroups = 256
        default:
            shape = .init(workgroupSize: 128, bodiesPerInvocation: 1, tileSize: 128)
            minimumWorkgroups = 16
        }
        shape.workgroupSize = max(1, min(shape.workgroupSize, maxWorkgroup))
        shape.tileSize = min(shape.tileSize, shape.prefetchesTiles ? maxTile / 2 : maxTile)
        // Small systems: trade register blocking for parallelism.
        while shape.bodiesPerInvocation > 1 && shape.workgroupCount(particleCount: particleCount) < minimumWorkgroups {
            shape.bodiesPerInvocation /= 2
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

    /// Why this shape cannot run `particleCount` bodies on `device`; empty when it can.
    public func problems(on device: PhysicalDeviceDescription, particleCount: Int) -> [String] {
        let limits = device.limits
        var problems: [String] = []
        for (name, value) in [("workgroup size", workgroupSize), ("bodies per invocation", bodiesPerInvocation),
                              ("invocations per body", invocationsPerBody), ("tile unrolling", tileUnroll)] where value < 1 {
            problems.append("\(name) must be at least 1, not \(value)")
        }
        if tileSize < 0 { problems.append("the tile size must be at least 0, not \(tileSize)") }
        if !problems.isEmpty { return problems }
        // Sizes beyond the device's limits stop here, before the arithmetic below, which
        // assumes sizes a device can have (a hand-edited tuning cache may hold any integer).
        let largestWorkgroup = Int(min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize.first ?? 0))
        if workgroupSize > largestWorkgroup {
            problems.append("workgroup size \(workgroupSize) exceeds the device's \(largestWorkgroup)")
        }
        if tileSize > Int(limits.maxComputeSharedMemorySize) / 16 {
            problems.append("a tile of \(tileSize) bodies needs more than the device's \(limits.maxComputeSharedMemorySize) bytes of shared memory")
        } else if workgroupSize <= largestWorkgroup && sharedMemoryBytes > Int(limits.maxComputeSharedMemorySize) {
            problems.append("tile of \(tileSize) bodies\(prefetchesTiles ? ", prefetched," : "") needs \(sharedMemoryBytes) bytes of shared memory; the device has \(limits.maxComputeSharedMemorySize)")
        }
        if invocationsPerBody > workgroupSize {
            problems.append("\(invocationsPerBody) invocations per body do not fit in a workgroup of \(workgroupSize)")
        }
        let largestCount = Int(limits.maxStorageBufferRange) / ParticleState.bytesPerParticle
        if particleCount > largestCount {
            problems.append("\(particleCount) particles need more than the device's maxStorageBufferRange of \(limits.maxStorageBufferRange) bytes")
        }
        if bodiesPerInvocation > 64 {
            problems.append("more than 64 bodies per invocation is not supported")
        }
        if tileUnroll > Self.longestTileUnroll {
            problems.append("the tile loop unrolls by 1 to \(Self.longestTileUnroll) bodies, not \(tileUnroll)")
        }
        if !problems.isEmpty { return problems }
        if tileUnroll != 1 {
            if tileSize == 0 || invocationsPerBody > 1 || eachPairOnce {
                problems.append("only shapes with a shared tile and one invocation per body have a tile loop to unroll")
            } else if tileSize % tileUnroll != 0 {
                problems.append("the tile loop unrolls by 1 to \(Self.longestTileUnroll) bodies, a divisor of the tile size (\(tileSize)), not \(tileUnroll)")
            }
        }
        if prefetchesTiles && (tileSize == 0 || invocationsPerBody > 1) {
            problems.append("only shapes with a shared tile and one invocation per body can prefetch tiles")
        }
        if let limit = device.shaderLoopIterationLimit, bodiesPerInvocation > Self.longestUnrolledLoop {
            problems.append("\(device.name) stops shader loops after \(limit) iterations and does not unroll a loop over more than \(Self.longestUnrolledLoop) bodies per invocation, so \(bodiesPerInvocation) would compute wrong results")
        }
        // Pairings per workgroup of the atomic pair-once form, as the workload will choose them.
        let span = atomicPairSpan(particleCount: particleCount, device: device)
        if addsSharesAtomically && !eachPairOnce {
            problems.append("adding shares atomically is a form of evaluating each pair once, which this shape does not")
        }
        if eachPairOnce {
            let subgroup = Int(limits.subgroupSize)
            if addsSharesAtomically && !device.supportsBufferFloatAtomicAdd && !device.supportsBufferInt64AtomicAdd {
                problems.append("adding shares atomically needs 64-bit integer or float atomic adds on storage buffers (VK_KHR_shader_atomic_int64, VK_EXT_shader_atomic_float), which \(device.name) does not offer")
            }
            if tileSize != 0 || invocationsPerBody != 1 || prefetchesTiles {
                problems.append("evaluating each pair once needs a shape without a shared tile and with one invocation per body")
            }
            if !limits.subgroupShuffleInCompute || workgroupSize != subgroup || subgroup < Self.pairGroup {
                problems.append("evaluating each pair once needs subgroup shuffles in compute shaders and a workgroup of one subgroup (\(subgroup) invocations on \(device.name)\(limits.subgroupShuffleInCompute ? "" : ", which has no such shuffles"))")
            }
            let bytes = pairSumBytes(particleCount: particleCount)
            let allowed = min(Self.pairSumByteLimit, UInt64(limits.maxStorageBufferRange))
            if bytes > allowed {
                problems.append("evaluating each pair once, \(particleCount) particles need \(bytes >> 20) MiB of partial sums, more than the \(allowed >> 20) MiB allowed (the ordinary kernel needs none)")
            }
        }
        if invocationsPerBody > 1 {
            if bodiesPerInvocation != 1 || workgroupSize % invocationsPerBody != 0 {
                problems.append("with \(invocationsPerBody) invocations per body, bodies per invocation must be 1 and the workgroup size a multiple of \(invocationsPerBody)")
            }
        }
        if let limit = device.shaderLoopIterationLimit {
            // Every loop iteration of an invocation counts; the j-loop runs N / unroll times.
            // A tiled pass runs its j-loop over the tile, the outer loop once, and its tile
            // loads: ceil(tile / workgroup) of them, twice that when prefetching (store, load).
            let tiles = (particleCount + max(tileSize, 1) - 1) / max(tileSize, 1)
            let loadsPerTile = prefetchesTiles ? 2 * tileLoadsPerInvocation : tileLoadsPerInvocation
            let blocks = workgroupCount(particleCount: particleCount)
            let iterations = invocationsPerBody > 1 ? particleCount / invocationsPerBody
                : eachPairOnce && addsSharesAtomically ? span * bodiesPerInvocation * (workgroupSize + 1) + bodiesPerWorkgroup
                : eachPairOnce ? (blocks / 2 + 1) * ((bodiesPerWorkgroup + Self.pairGroup - 1) / Self.pairGroup) + blocks / 2
                : tileSize > 0 ? tiles * (tileSize + 1 + loadsPerTile)
                : particleCount / Self.jUnroll(particleCount: particleCount, device: device) + Self.maximumJUnroll
            if iterations > limit - Self.loopIterationReserve {
                problems.append("\(device.name) stops shader loops after \(limit) iterations; \(particleCount) particles need about \(iterations) with this shape"
                    + (tileSize > 0 || invocationsPerBody > 1 ? " (shapes without a shared tile unroll the loop and go further)" : ""))
            }
        }
        let groups = dispatchedWorkgroups(particleCount: particleCount, span: span)
        if groups > Int(limits.maxComputeWorkGroupCount.first ?? 0) {
            problems.append("\(particleCount) particles need \(groups) workgroups; the device allows \(limits.maxComputeWorkGroupCount.first ?? 0)")
        }
        return problems
    }
}

extension NBodyKernelConfiguration {
    /// Reads `W,B,T[,S]`: workgroup size, bodies per invocation, tile size and optionally
    /// invocations per body. Letters after the tile size: `p` prefetches tiles (`32,1,32p`), `q`
    /// spells the force as a quotient (`32,32,0q`), `s` evaluates each pair once, symmetrically
    /// (`8,32,0qs`), `a` does so in the GPU form, adding shares atomically (`32,8,0a`); last, `uK`
    /// unrolls the tile loop by K (`128,1,128u8`). Whether the shape suits a device is
    /// `problems(on:particleCount:)`'s question.
    public init?(parsing text: String) {
        var fields = text.split(separator: ",").map { String($0.trimmed).lowercased() }
        guard fields.count == 3 || fields.count == 4 else { return nil }
        var letters = String(fields[2].drop { $0.isNumber })
        fields[2].removeLast(letters.count)
        var unroll = 1
        if let u = letters.firstIndex(of: "u") {
            guard let k = Int(letters[letters.index(after: u)...]), k >= 1 else { return nil }
            unroll = k
            letters = String(letters[..<u])
        }
        guard Set(letters).isSubset(of: "pqsa"), Set(letters).count == letters.count else { return nil }
        let prefetch = letters.contains("p")
        let parts = fields.map { Int($0) }
        guard let w = parts[0], let b = parts[1], let t = parts[2], w > 0, b > 0, t >= 0 else { return nil }
        let split = parts.count == 4 ? parts[3] : 1
        guard let split, split >= 1 else { return nil }
        self.init(workgroupSize: w, bodiesPerInvocation: b, tileSize: t,
                  invocationsPerBody: split, prefetchesTiles: prefetch,
                  force: letters.contains("q") ? .quotient : .reciprocalSquareRoot,
                  eachPairOnce: letters.contains("s") || letters.contains("a"),
                  addsSharesAtomically: letters.contains("a"), tileUnroll: unroll)
    }
}
