/// A W x H grid of cell states (0 dead, 1 alive, 2... dying in Generations rules), row-major,
/// top row first; toroidal (edges wrap) unless bounded (dead beyond the edges).
public struct LifeGrid: Sendable, Equatable {
    /// The longest side a grid (or a field) may have, on any device.
    public static let largestSide = 1 << 20

    public let width: Int
    public let height: Int
    public var cells: [UInt8]

    public init(width: Int, height: Int, cells: [UInt8]? = nil) {
        precondition(width >= 0 && height >= 0, "a grid has no negative side")
        self.width = width
        self.height = height
        self.cells = cells ?? [UInt8](repeating: 0, count: width * height)
        precondition(self.cells.count == width * height, "cells do not match \(width)x\(height)")
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Why a `width` x `height` grid would not fit this host, nil when it would. A run holds
    /// the grid, a byte per cell, and a downloaded copy beside it.
    public static func hostMemoryProblem(width: Int, height: Int, memory: UInt64? = HostMemory.physicalBytes) -> String?
    {
        let needed = UInt64(width) * UInt64(height) * 2
        guard let memory, needed > memory else { return nil }
        return
            """
            a \(width)x\(height) grid needs \(needed >> 30) GiB of host memory (a byte per cell, twice); this \
            machine has \(memory >> 30) GiB
            """
    }

    /// Cells in state 1.
    public var population: Int { cells.reduce(0) { $0 + ($1 == 1 ? 1 : 0) } }

    /// Places `pattern` with its top-left corner at (x, y), any integers; parts beyond the grid
    /// wrap.
    public mutating func place(_ pattern: LifeGrid, atX x: Int, y: Int) {
        guard width > 0, height > 0 else { return }
        // Reduced first, so that no position, however far out, overflows; then stepped round
        // the torus rather than reduced a cell at a time, which was most of a large start.
        let (width, height, patternWidth) = (width, height, pattern.width)
        let left = (x % width + width) % width
        var row = (y % height + height) % height
        cells.withUnsafeMutableBufferPointer { cells in
            pattern.cells.withUnsafeBufferPointer { source in
                for py in 0..<pattern.height {
                    var column = left
                    for px in 0..<patternWidth {
                        cells[row * width + column] = source[py * patternWidth + px]
                        column = column + 1 == width ? 0 : column + 1
                    }
                    row = row + 1 == height ? 0 : row + 1
                }
            }
        }
    }
}

/// One generation on the CPU: the reference the GPU Life kernels are checked against.
public enum LifeReference {
    public static func step(_ grid: LifeGrid, rule: LifeRule, bounded: Bool = false) -> LifeGrid {
        var next = grid
        let w = grid.width, h = grid.height
        for y in 0..<h {
            for x in 0..<w {
                var count = 0
                for dy in -1...1 {
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        var nx = x + dx, ny = y + dy
                        if bounded {
                            guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
                        } else {
                            nx = (nx + w) % w
                            ny = (ny + h) % h
                        }
                        if grid.cells[ny * w + nx] == 1 { count += 1 }
                    }
                }
                next.cells[y * w + x] = rule.next(grid.cells[y * w + x], liveNeighbours: count)
            }
        }
        return next
    }

    /// - Parameter progress: hears the share of generations done (0...1) after each one.
    public static func advance(
        _ grid: LifeGrid, rule: LifeRule, generations: Int, bounded: Bool = false,
        progress: ((Double) -> Void)? = nil
    ) -> LifeGrid {
        var current = grid
        for generation in 0..<generations {
            current = step(current, rule: rule, bounded: bounded)
            progress?(Double(generation + 1) / Double(generations))
        }
        return current
    }
}
