import Engine

/// A coarse copy of a Life grid for drawing it zoomed out, made on the GPU from the
/// simulation's buffer: each overview cell stands for a block of cells and holds the shares of
/// them alive and dying, so a frame never reads many more cells than the screen has pixels and
/// a grid seen whole keeps its density.
///
/// Exists because a 16384^2 grid is 268 million points: fine for a GPU at a few frames a
/// second, seconds a frame on a CPU driver, and either way mostly points smaller than a pixel.
final class LifeOverview {
    /// The most overview cells a frame draws: about four 1080p screens' worth.
    static let capacity = 8 << 20

    private let device: Device
    private let pipeline: ComputePipeline
    let buffer: Buffer
    /// A descriptor set per simulation buffer read.
    private let sets: DescriptorSetCache

    private struct Parameters: BitwiseCopyable {
        var width: UInt32
        var height: UInt32
        var bitsPerCell: UInt32
        var factor: UInt32
        var overviewWidth: UInt32
        var overviewHeight: UInt32
        var dyingPlanes: UInt32
        var planeWords: UInt32
    }

    init(device: Device) throws {
        self.device = device
        pipeline = try ComputePipeline(
            device: device, shader: ShaderModule(device: device, shader: .lifeCellsOverview),
            storageBuffers: 2, pushConstantSize: MemoryLayout<Parameters>.size)
        sets = DescriptorSetCache(layout: pipeline.layout)
        buffer = try Buffer(device: device, size: Self.capacity, usage: .deviceLocal)
    }

    /// Cells per block side for a view showing `pixelsPerCell` pixels per cell: 1 (draw the
    /// cells themselves) from about a pixel per cell up, else the power of two that makes a
    /// block about a pixel, raised until the overview fits ``capacity``.
    ///
    /// Under a driver's loop limit (lavapipe stops a shader's loops after 65535 iterations in
    /// all), blocks stay small enough to be summed within it: more points, but none missing.
    static func factor(
        pixelsPerCell: Float, width: Int, height: Int, bitsPerCell: Int = 1, dyingPlanes: Int = 0,
        loopLimit: Int? = nil
    ) -> Int {
        var factor = 1
        while Float(factor) * pixelsPerCell < 0.75 { factor *= 2 }
        guard factor > 1 else { return 1 }
        while bytes(width: width, height: height, factor: factor) > capacity { factor *= 2 }
        if let loopLimit {
            // One invocation sums four blocks: rows x words (bit-packed, each word's dying
            // planes too) or rows x cells.
            func iterations(_ f: Int) -> Int {
                4 * f * (bitsPerCell == 1 ? ((f + 31) / 32 + 1) * (1 + dyingPlanes) : f)
            }
            while factor > 1 && iterations(factor) > loopLimit - 1000 { factor /= 2 }
        }
        return factor
    }

    /// The overview's size at `factor`, rows padded to whole words.
    private static func bytes(width: Int, height: Int, factor: Int) -> Int {
        ((width + factor - 1) / factor + 3) / 4 * 4 * ((height + factor - 1) / factor)
    }

    /// Records the reduction of `life`'s current generation by `factor`, ordered after the
    /// simulation's last write and the previous frame's drawing of the overview.
    /// - Returns: the overview's size in cells.
    func record(_ encoder: inout CommandEncoder, life: LifeWorkload, factor: Int) throws -> (width: Int, height: Int) {
        let width = (life.width + factor - 1) / factor, height = (life.height + factor - 1) / factor
        let words = (width + 3) / 4 * height
        precondition(words * 4 <= Self.capacity, "overview larger than its buffer")
        let source = life.currentStateBuffer
        let set = try sets.set(for: [source, buffer])
        encoder.barrier(.computeToCompute)
        encoder.barrier(.drawingToCompute)
        encoder.bind(pipeline)
        encoder.bind(set)
        encoder.pushConstants(
            Parameters(
                width: UInt32(life.width), height: UInt32(life.height), bitsPerCell: UInt32(life.bitsPerCell),
                factor: UInt32(factor), overviewWidth: UInt32(width), overviewHeight: UInt32(height),
                dyingPlanes: UInt32(life.dyingPlanes), planeWords: UInt32(life.planeWordCount)))
        encoder.dispatch((words + 63) / 64)
        return (width, height)
    }
}
