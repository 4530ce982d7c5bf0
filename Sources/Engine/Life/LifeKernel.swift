/// How the GPU stores and advances a Life grid.
public enum LifeKernel: Equatable, Sendable, CustomStringConvertible {
    /// One byte per cell (four per word), one generation per dispatch: every rule, the reference
    /// the others are checked against.
    case bytes
    /// 32 cells per word, neighbour counts with bitwise adders, one generation per dispatch,
    /// each word read from memory about once; Generations rules in bit planes (a live plane
    /// and a counter of the dying states). An invocation per column of words.
    case bits
    /// The bits kernel's grid and arithmetic in a shape for CPU drivers: several words (of 64
    /// bits where the device has them) per invocation, each row read once in aligned fours.
    /// There every buffer access costs a loop over the SIMD lanes, so cells per access count.
    case wide
    /// The bit-packed grid advanced `generations` times per dispatch in a shared-memory tile
    /// (temporal blocking), so memory is touched once per that many generations: two-state
    /// rules.
    case bitsTiled(generations: Int)
    /// The bit-packed grid advanced `generations` times per dispatch in registers: a subgroup
    /// streams down a strip of words, a word a lane, each generation a stage of a pipeline,
    /// cells crossing words by subgroup shuffles (life_steps_bits_streamed.comp): two-state
    /// rules, on devices with subgroup shuffles in compute shaders.
    case bitsStreamed(generations: Int)

    /// The most generations one tiled or streamed dispatch may run: the halo is one 32-cell
    /// word wide.
    public static let maximumTiledGenerations = 32

    /// The fastest kernel for `rule` on `device` for a grid of `cells` cells, without tuning.
    public static func preferred(for rule: LifeRule, on device: PhysicalDeviceDescription, cells: Int) -> LifeKernel {
        // Generations rules: bit planes, one generation a dispatch.
        guard rule.states == 2 else { return device.type == .cpu ? .wide : .bits }
        // On CPU drivers shared memory is ordinary memory behind the same caches, and the
        // tiled kernel's barriers and halo work only cost, and the wide shape makes the fewest
        // buffer accesses (docs/history.md, "Life, lavapipe").
        guard device.type != .cpu else { return .wide }
        // On an H100, from 8192² cells on, one generation per dispatch wins; on smaller grids
        // a generation is too little work for a dispatch and 16 per dispatch win
        // (docs/performance.md).
        if device.type == .discrete {
            if cells >= Self.largeGridCells { return .bits }
            if LifeTileShape(device: device, generations: 16) != nil { return .bitsTiled(generations: 16) }
        }
        // Other GPUs, unmeasured: blocking 8 generations cuts the memory traffic by as much.
        return LifeTileShape(device: device, generations: 8) != nil ? .bitsTiled(generations: 8) : .bits
    }

    /// 8192² cells: where one generation per dispatch starts to beat temporal blocking on a
    /// discrete GPU.
    static let largeGridCells = 8192 * 8192

    /// Every kernel worth checking for `rule` on `device`: the byte kernel, the bit kernel in
    /// both shapes, and for two-state rules the tiled one at a few blocking factors that fit.
    public static func candidates(for rule: LifeRule, on device: PhysicalDeviceDescription) -> [LifeKernel] {
        guard rule.states == 2 else { return [.bytes, .bits, .wide] }
        return [.bytes, .bits, .wide]
            + [4, 8, 16].filter { LifeTileShape(device: device, generations: $0) != nil }.map {
                .bitsTiled(generations: $0)
            }
            + (LifeStreamShape(device: device, generations: 8) != nil
                ? [.bitsStreamed(generations: 8), .bitsStreamed(generations: 16)] : [])
    }

    /// Reads `bytes`, `bits`, `wide`, `tiled:K` or `streamed:K`.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "bytes": self = .bytes
        case "bits": self = .bits
        case "wide": self = .wide
        default:
            let parts = text.lowercased().split(separator: ":")
            guard parts.count == 2, let k = Int(parts[1]), (1...Self.maximumTiledGenerations).contains(k)
            else { return nil }
            switch parts[0] {
            case "tiled": self = .bitsTiled(generations: k)
            case "streamed": self = .bitsStreamed(generations: k)
            default: return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .bytes: "bytes"
        case .bits: "bits"
        case .wide: "wide"
        case .bitsTiled(let k): "tiled:\(k)"
        case .bitsStreamed(let k): "streamed:\(k)"
        }
    }

    /// Cells per 32-bit word in this kernel's grid layout.
    public var cellsPerWord: Int { self == .bytes ? 4 : 32 }

    /// Generations one dispatch advances.
    public var generationsPerDispatch: Int {
        switch self {
        case .bitsTiled(let k), .bitsStreamed(let k): k
        case .bytes, .bits, .wide: 1
        }
    }

    var isTiled: Bool {
        if case .bitsTiled = self { return true }
        return false
    }

    /// Whether the kernel runs Generations rules too.
    public var runsGenerationsRules: Bool { [.bytes, .bits, .wide].contains(self) }
}

/// How the streamed kernel lays its strips onto the device: workgroups of whole subgroups
/// (at least 64 invocations), runs of rows long enough that the 3K warm-up rows of a run cost
/// little, short enough that a large grid has many runs for the GPU's many subgroups.
struct LifeStreamShape: Equatable {
    let workgroupSize: Int
    let runRows: Int
    /// The subgroup size the dispatch is sized for; the shader reads its own.
    let subgroupSize: Int

    init?(device: PhysicalDeviceDescription, generations: Int) {
        let limits = device.limits
        let subgroup = Int(limits.subgroupSize)
        guard limits.subgroupShuffleRelativeInCompute, subgroup >= 4,
            (1...LifeKernel.maximumTiledGenerations).contains(generations)
        else { return nil }
        let size = max(64, subgroup)
        guard size <= Int(limits.maxComputeWorkGroupInvocations), size <= Int(limits.maxComputeWorkGroupSize[0])
        else { return nil }
        workgroupSize = size
        subgroupSize = subgroup
        runRows = min(max(16 * generations, 64), 512)
    }

    /// Workgroups across a row of `stride` words and down `height` rows: enough subgroups for
    /// one strip each at the device's subgroup size, within the device's limit (the shader
    /// loops over what remains).
    func groups(stride: Int, height: Int, maximumAcross: Int) -> (x: Int, y: Int) {
        let strips = (stride + subgroupSize - 3) / (subgroupSize - 2)
        let perGroup = workgroupSize / subgroupSize
        return (min((strips + perGroup - 1) / perGroup, maximumAcross), (height + runRows - 1) / runRows)
    }
}

/// The shared-memory tile of the temporally blocked kernel, sized to the device: 32 words wide
/// (30 written back plus a halo word each side), as many rows as two copies fit in shared memory.
struct LifeTileShape: Equatable {
    static let words = 32
    static let invocationRows = 8
    let rows: Int
    let halo: Int

    var centreWords: Int { Self.words - 2 }
    var centreRows: Int { rows - 2 * halo }

    init?(device: PhysicalDeviceDescription, generations: Int) {
        let limits = device.limits
        guard generations >= 1, generations <= LifeKernel.maximumTiledGenerations,
            Self.words * Self.invocationRows <= Int(limits.maxComputeWorkGroupInvocations)
        else { return nil }
        let fitting = Int(limits.maxComputeSharedMemorySize) / (2 * Self.words * 4)
        // Rows beyond a few hundred gain nothing but occupancy lost.
        let rows = min(fitting, 256) / Self.invocationRows * Self.invocationRows
        // At least as many centre rows as halo rows, or most of the work is redundant.
        guard rows >= 4 * generations, rows >= 2 * generations + Self.invocationRows else { return nil }
        self.rows = rows
        halo = generations
    }
}

/// Packing between ``LifeGrid`` (a byte per cell) and a kernel's words, rows padded to whole
/// words with zero cells. A bit-packed Generations grid is `planes` such grids one after
/// another: the live cells, then the bits of each dying cell's state minus one
/// (life_bits_rule.glsl).
struct LifeCellLayout {
    let width: Int
    let height: Int
    let cellsPerWord: Int
    /// 1 but for a bit-packed grid of a Generations rule.
    let planes: Int

    init(width: Int, height: Int, cellsPerWord: Int, planes: Int = 1) {
        self.width = width
        self.height = height
        self.cellsPerWord = cellsPerWord
        self.planes = planes
    }

    /// The bit planes a bit-packed grid of `rule` needs: the live cells, and for a Generations
    /// rule enough for the dying states' counter, 1 to C - 2. That is ceil(log2 C) planes but
    /// where C is a power of two, which takes one more: the live cells keep a plane of their
    /// own so that neighbour counts read one plane, as for two-state rules.
    static func planes(for rule: LifeRule) -> Int {
        rule.states <= 2 ? 1 : 1 + (Int.bitWidth - (rule.states - 2).leadingZeroBitCount)
    }

    var stride: Int { (width + cellsPerWord - 1) / cellsPerWord }
    /// Words of one plane.
    var planeWordCount: Int { stride * height }
    var wordCount: Int { planeWordCount * planes }
    var bitsPerCell: Int { 32 / cellsPerWord }

    // Word by word, shifting cells in and out: no division per cell, which made these most
    // of a 16384² run's start.
    func pack(_ grid: LifeGrid) -> [UInt32] {
        if planes > 1 { return packPlanes(grid) }
        var words = [UInt32](repeating: 0, count: wordCount)
        let bits = UInt32(bitsPerCell), perWord = cellsPerWord, width = width, stride = stride
        words.withUnsafeMutableBufferPointer { words in
            grid.cells.withUnsafeBufferPointer { cells in
                for y in 0..<height {
                    var x = 0, index = y * stride
                    while x < width {
                        var word: UInt32 = 0, shift: UInt32 = 0
                        for cell in cells[y * width + x..<y * width + min(x + perWord, width)] {
                            word |= UInt32(cell) << shift
                            shift &+= bits
                        }
                        words[index] = word
                        index += 1
                        x += perWord
                    }
                }
            }
        }
        return words
    }

    func unpack(_ words: [UInt32]) -> LifeGrid {
        if planes > 1 { return unpackPlanes(words) }
        if bitsPerCell == 1 { return unpackBits(words) }
        var grid = LifeGrid(width: width, height: height)
        let bits = UInt32(bitsPerCell), mask = UInt32((1 << bitsPerCell) - 1), perWord = cellsPerWord, width = width,
            stride = stride
        grid.cells.withUnsafeMutableBufferPointer { cells in
            words.withUnsafeBufferPointer { words in
                for y in 0..<height {
                    var x = 0, index = y * stride
                    while x < width {
                        var word = words[index]
                        for cell in y * width + x..<y * width + min(x + perWord, width) {
                            cells[cell] = UInt8(truncatingIfNeeded: word & mask)
                            word >>= bits
                        }
                        index += 1
                        x += perWord
                    }
                }
            }
        }
        return grid
    }

    /// The layout `kernel` keeps a grid of `rule` in.
    init(kernel: LifeKernel, rule: LifeRule, width: Int, height: Int) {
        self.init(
            width: width, height: height, cellsPerWord: kernel.cellsPerWord,
            planes: kernel == .bytes ? 1 : Self.planes(for: rule))
    }
}

extension LifeCellLayout {
    /// Each byte's 8 bits as 8 bytes of 0 or 1, the lowest bit first in memory.
    private static let spreadBits: [UInt64] = (0..<256).map { byte in
        (0..<8).reduce(UInt64(0)) { $0 | UInt64((byte >> $1) & 1) << (8 * $1) }.littleEndian
    }

    // A byte of a word at a time, 8 cells in one store: every download of a bit-packed grid
    // (outputs, checkpoints, `--stop-when-stable` each generation) unpacks it whole, and a
    // cell at a time that was most of a watched run's time.
    private func unpackBits(_ words: [UInt32]) -> LifeGrid {
        var grid = LifeGrid(width: width, height: height)
        let width = width, stride = stride, fullWords = width / 32
        grid.cells.withUnsafeMutableBytes { cells in
            words.withUnsafeBufferPointer { words in
                Self.spreadBits.withUnsafeBufferPointer { spread in
                    for y in 0..<height {
                        let row = y * width, first = y * stride
                        for index in 0..<fullWords {
                            let word = words[first + index]
                            for part in 0..<4 {
                                cells.storeBytes(
                                    of: spread[Int(truncatingIfNeeded: word >> (8 * part)) & 0xFF],
                                    toByteOffset: row + 32 * index + 8 * part, as: UInt64.self)
                            }
                        }
                        guard fullWords * 32 < width else { continue }
                        var word = words[first + fullWords]
                        for x in fullWords * 32..<width {
                            cells[row + x] = UInt8(truncatingIfNeeded: word & 1)
                            word >>= 1
                        }
                    }
                }
            }
        }
        return grid
    }

    private func packPlanes(_ grid: LifeGrid) -> [UInt32] {
        var words = [UInt32](repeating: 0, count: wordCount)
        let planeWords = planeWordCount, width = width, stride = stride
        words.withUnsafeMutableBufferPointer { words in
            grid.cells.withUnsafeBufferPointer { cells in
                for y in 0..<height {
                    for x in 0..<width where cells[y * width + x] != 0 {
                        let state = Int(cells[y * width + x])
                        let index = y * stride + x >> 5, bit = UInt32(1) << UInt32(x & 31)
                        if state == 1 {
                            words[index] |= bit
                            continue
                        }
                        var counter = state - 1, plane = 1
                        while counter != 0 {
                            if counter & 1 != 0 { words[plane * planeWords + index] |= bit }
                            counter >>= 1
                            plane += 1
                        }
                    }
                }
            }
        }
        return words
    }

    private func unpackPlanes(_ words: [UInt32]) -> LifeGrid {
        var grid = LifeGrid(width: width, height: height)
        let planeWords = planeWordCount, width = width, stride = stride, planes = planes
        grid.cells.withUnsafeMutableBufferPointer { cells in
            words.withUnsafeBufferPointer { words in
                for y in 0..<height {
                    for x in 0..<width {
                        let index = y * stride + x >> 5, shift = UInt32(x & 31)
                        if (words[index] >> shift) & 1 != 0 {
                            cells[y * width + x] = 1
                            continue
                        }
                        var counter = 0
                        for plane in 1..<planes {
                            counter |= Int((words[plane * planeWords + index] >> shift) & 1) << (plane - 1)
                        }
                        cells[y * width + x] = counter == 0 ? 0 : UInt8(truncatingIfNeeded: counter + 1)
                    }
                }
            }
        }
        return grid
    }
}
