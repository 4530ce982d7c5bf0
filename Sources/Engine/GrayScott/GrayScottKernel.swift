/// The shape of the Gray-Scott kernel (`gray_scott_step.glsl`): each invocation steps a block
/// of `columns` adjacent cells down a strip of `rows` rows, keeping three rows of the block and
/// its two neighbours in registers. Every shape computes each cell with the same sums in the
/// same order, so a shape is a speed only (`tune gray-scott` checks it bit for bit).
public struct GrayScottKernel: Sendable, Hashable, CustomStringConvertible {
    /// Rows in each invocation's strip.
    public var rows: Int
    /// Adjacent cells each invocation steps in a row.
    public var columns: Int

    public static let rowRange = 1...1024
    public static let columnRange = 1...16
    /// The strip length unless one is given: each row of a strip after its first reads one
    /// row of values rather than three, so long strips pay on CPU drivers; on a GPU fewer
    /// invocations can leave it idle on small fields.
    public static let defaultRows = 16

    public init(rows: Int = defaultRows, columns: Int = 1) {
        self.rows = rows
        self.columns = columns
    }

    /// Cells a row unless given: on CPU drivers, where each read is a loop over the SIMD lanes,
    /// a block of 8 reads 1.25 values a cell rather than 3 (docs/performance.md); on a GPU, one
    /// cell an invocation keeps neighbouring invocations' reads side by side.
    public static func defaultColumns(for device: PhysicalDeviceDescription) -> Int {
        device.type == .cpu ? 8 : 1
    }

    /// The shape runs use on `device` unless one is tuned or given.
    public static func defaultKernel(for device: PhysicalDeviceDescription) -> GrayScottKernel {
        GrayScottKernel(rows: defaultRows, columns: defaultColumns(for: device))
    }

    /// Given parts of a shape, the rest from `device`'s default; nil where no part is given.
    public static func given(rows: Int?, columns: Int?, for device: PhysicalDeviceDescription) -> GrayScottKernel? {
        given(rows: rows.map { [$0] } ?? [], columns: columns.map { [$0] } ?? [], for: device)?.first
    }

    /// Every shape of the rows and columns given, in that order, a list not given being the
    /// default's part; nil where neither is given.
    public static func given(rows: [Int], columns: [Int], for device: PhysicalDeviceDescription) -> [GrayScottKernel]? {
        guard !rows.isEmpty || !columns.isEmpty else { return nil }
        let fallback = defaultKernel(for: device)
        return (rows.isEmpty ? [fallback.rows] : rows).flatMap { r in
            (columns.isEmpty ? [fallback.columns] : columns).map { GrayScottKernel(rows: r, columns: $0) }
        }
    }

    /// Why the shader cannot take this shape, or nil where it can.
    public var problem: String? {
        if !Self.rowRange.contains(rows) {
            return "a strip of \(rows) rows: it must be \(Self.rowRange.lowerBound) to \(Self.rowRange.upperBound)"
        }
        if !Self.columnRange.contains(columns) {
            return "\(columns) cells a row: it must be \(Self.columnRange.lowerBound) to \(Self.columnRange.upperBound)"
        }
        return nil
    }

    /// The cells each access of a block's own cells takes in a field `width` cells wide on
    /// `device`: 4 (as 64-bit integers) or 2 where the block and the width divide by it, else 1.
    /// Each access is a loop over the SIMD lanes on CPU drivers, whatever its width.
    package func accessUnit(width: Int, device: PhysicalDeviceDescription) -> Int {
        if device.supportsInt64 && columns % 4 == 0 && width % 4 == 0 { return 4 }
        return columns % 2 == 0 && width % 2 == 0 ? 2 : 1
    }

    /// "a strip of 16 rows of 8 cells".
    public var description: String {
        "a strip of \(rows) \(rows == 1 ? "row" : "rows") of \(columns) \(columns == 1 ? "cell" : "cells")"
    }
}
