import FoundationEssentials

/// How the bit kernels that are not tiled lay a grid's words onto invocations: `bits` in
/// columns, `wide` in wide strips (one or two generations a dispatch). They compute the same
/// generations; which is faster depends on the device class.
enum LifeBitsShape: Equatable, Sendable, CustomStringConvertible {
    /// An invocation per word column, `rows` rows tall, side neighbours from subgroup shuffles
    /// where the device has them (life_step_bits.comp): GPUs, which need many invocations in
    /// flight (docs/performance.md, the H100).
    case columns(rows: Int)
    /// An invocation per `words` adjacent words of `wordBits` bits (32, or 64: the grid's words
    /// in pairs), `rows` rows tall, every row read once (life_step_bits_wide.comp): CPU
    /// drivers, where each storage-buffer access costs a loop over the SIMD lanes, so cells per
    /// access is what counts (docs/history.md, "The `wide` kernel").
    /// `generations` per dispatch, 1 or 2 (life_steps_bits_wide.comp: each access then serves
    /// two generations), 2 only where the row reads fours (`readsFours`).
    case wide(words: Int, wordBits: Int, rows: Int, generations: Int = 1)

    /// Workgroup size of the columns shape: 32 columns of words by 8 invocations.
    static let columnGroup = (x: 32, y: 8)
    /// Invocations per workgroup of the wide shape.
    static let wideGroupInvocations = 64

    /// The shape of `kernel` (`bits`: columns, `wide`: wide; nil for the others) on `device`
    /// for a grid of `height` rows of `stride` 32-bit words.
    static func preferred(
        for kernel: LifeKernel, on device: PhysicalDeviceDescription, stride: Int, height: Int
    ) -> LifeBitsShape? {
        switch kernel {
        case .bits: return .columns(rows: device.type == .cpu ? 32 : 8)
        case .wide: break
        default: return nil
        }
        let shape = widest(on: device, stride: stride, rows: 32)
        // Unmeasured on GPUs: short strips, as the columns shape has there.
        guard device.type == .cpu else { return shape.withRows(8) }
        // Long strips read fewer halo rows, but every thread of the driver needs a workgroup
        // of its own: with long strips a small grid ran on one thread (docs/history.md).
        let wanted = (device.cpuDriverThreads ?? ProcessInfo.processInfo.activeProcessorCount) * wideGroupInvocations
        for rows in [32, 16, 8, 4, 2] {
            let candidate = shape.withRows(rows)
            guard candidate.invocations(stride: stride, height: height) >= wanted else { continue }
            // Two generations a dispatch, where the row allows and the strips are 32 rows; on
            // shorter strips the halo rows cost more than the dispatches saved
            // (docs/history.md, "Two generations a dispatch").
            let twice = candidate.withGenerations(2)
            return rows == 32 && twice.problem(stride: stride, device: device) == nil ? twice : candidate
        }
        return shape.withRows(1)
    }

    /// The wide shape that moves the most cells per access: 64-bit words where the device has
    /// them and the row holds an even number of 32-bit words, and 8 words an invocation where
    /// the row divides into them (read and written four at a time), else 4.
    static func widest(on device: PhysicalDeviceDescription, stride: Int, rows: Int) -> LifeBitsShape {
        let wordBits = device.supportsInt64 && stride % 2 == 0 ? 64 : 32
        let eight = LifeBitsShape.wide(words: 8, wordBits: wordBits, rows: rows)
        return eight.readsFours(stride: stride) ? eight : .wide(words: 4, wordBits: wordBits, rows: rows)
    }

    func withGenerations(_ generations: Int) -> LifeBitsShape {
        guard case .wide(let words, let wordBits, let rows, _) = self else { return self }
        return .wide(words: words, wordBits: wordBits, rows: rows, generations: generations)
    }

    func withRows(_ rows: Int) -> LifeBitsShape {
        switch self {
        case .columns: .columns(rows: rows)
        case .wide(let words, let wordBits, _, let generations):
            .wide(words: words, wordBits: wordBits, rows: rows, generations: generations)
        }
    }

    /// The kernel that takes this shape.
    var kernel: LifeKernel {
        switch self {
        case .columns: .bits
        case .wide: .wide
        }
    }

    /// Rows one invocation walks down.
    var rows: Int {
        switch self {
        case .columns(let rows), .wide(_, _, let rows, _): rows
        }
    }

    /// Generations one dispatch advances.
    var generationsPerDispatch: Int {
        if case .wide(_, _, _, let generations) = self { return generations }
        return 1
    }

    /// Why this shape cannot run a grid with rows of `stride` 32-bit words on `device`, nil
    /// when it can.
    func problem(stride: Int, device: PhysicalDeviceDescription) -> String? {
        guard case .wide(let words, let wordBits, _, let generations) = self else { return nil }
        if words < 1 { return "the wide bit kernel needs at least one word an invocation" }
        switch wordBits {
        case 32: break
        case 64:
            if !device.supportsInt64 { return "\(device.name) has no 64-bit integers in shaders" }
            if stride % 2 != 0 {
                return "64-bit words need rows of an even number of 32-bit words; these have \(stride)"
            }
        default: return "words of \(wordBits) bits: 32 or 64 only"
        }
        switch generations {
        case 1: return nil
        case 2:
            return readsFours(stride: stride)
                ? nil
                : """
                two generations a dispatch need rows of whole aligned fours of words, \(words) \(wordBits)-bit \
                words an invocation; these rows have \(stride) 32-bit words
                """
        default: return "the wide bit kernel runs 1 or 2 generations a dispatch, not \(generations)"
        }
    }

    /// Workgroup size for rows of `stride` 32-bit words: the columns shape's fixed one; for the
    /// wide shape as many invocations across as the row has strips, up to 8 (a SIMD vector of
    /// lavapipe's), so that narrow grids do not leave most lanes past the row's end.
    func group(stride: Int) -> (x: Int, y: Int) {
        guard case .wide = self else { return Self.columnGroup }
        let strips = invocationsAcross(stride: stride)
        let x = strips >= 8 ? 8 : strips >= 4 ? 4 : strips >= 2 ? 2 : 1
        return (x, Self.wideGroupInvocations / x)
    }

    /// Invocations across a row of `stride` 32-bit words.
    private func invocationsAcross(stride: Int) -> Int {
        switch self {
        case .columns: stride
        case .wide(let words, let wordBits, _, _): (stride / (wordBits / 32) + words - 1) / words
        }
    }

    /// Whether the wide shape reads and writes its words four at a time in rows of `stride`
    /// 32-bit words: when the row divides into whole strips of whole fours, all aligned.
    func readsFours(stride: Int) -> Bool {
        guard case .wide(let words, let wordBits, _, _) = self else { return false }
        return words % 4 == 0 && stride / (wordBits / 32) % words == 0
    }

    /// Invocations that do work in a grid of `height` rows of `stride` 32-bit words.
    func invocations(stride: Int, height: Int) -> Int {
        invocationsAcross(stride: stride) * ((height + rows - 1) / rows)
    }

    /// Workgroups of one dispatch over `height` rows of `stride` 32-bit words.
    func groups(stride: Int, height: Int) -> (x: Int, y: Int) {
        func count(_ items: Int, _ perGroup: Int) -> Int { (items + perGroup - 1) / perGroup }
        let group = group(stride: stride)
        return (count(invocationsAcross(stride: stride), group.x), count(height, group.y * rows))
    }

    private static func rows(_ count: Int) -> String { count == 1 ? "1 row" : "\(count) rows" }

    var description: String {
        switch self {
        case .columns(let rows): "a column of words per invocation, \(Self.rows(rows))"
        case .wide(let words, let wordBits, let rows, let generations):
            "\(words) \(wordBits)-bit words per invocation, \(Self.rows(rows))"
                + (generations > 1 ? ", \(generations) generations a dispatch" : "")
        }
    }
}
