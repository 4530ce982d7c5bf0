import Engine

/// Draws the live and dying cells of a Life grid, seen from straight above: filled squares
/// where a cell spans two pixels or more, soft sprites about a cell wide below that. One
/// screen-covering triangle, every pixel working out which cells reach it straight from the
/// simulation's storage buffer (or from a coarse overview, zoomed out).
final class CellRenderer {
    let device: Device
    /// A pipeline for each `CellView.Style`.
    private let pipelines: [CellView.Style: GraphicsPipeline]
    /// A descriptor set per state buffer drawn.
    private let sets: DescriptorSetCache
    /// Made the first time a grid is drawn zoomed out.
    private var overview: LifeOverview?

    init(renderPass: RenderPass) throws {
        device = renderPass.device
        let layout = try PipelineLayout(
            device: device, storageBuffers: 1, pushConstantSize: MemoryLayout<CellView>.size, stages: .fragment)
        sets = DescriptorSetCache(layout: layout)
        let vertex = try ShaderModule(device: device, shader: .lifeCellsScreen)
        let fragment = try ShaderModule(device: device, shader: .lifeCellsFragment)
        // Variants rather than a branch: CPU drivers run both sides of a branch, and reading
        // one cell a pixel instead of four is most of a frame's cost there.
        var pipelines: [CellView.Style: GraphicsPipeline] = [:]
        for style in CellView.Style.allCases {
            pipelines[style] = try GraphicsPipeline(
                renderPass: renderPass, layout: layout, vertex: vertex, fragment: fragment, topology: .triangles,
                fragmentSpecialization: [.uint(0, style.rawValue)])
        }
        self.pipelines = pipelines
    }

    private func lifeOverview() throws -> LifeOverview {
        if let overview { return overview }
        let made = try LifeOverview(device: device)
        overview = made
        return made
    }

    /// A point exactly one pixel wide whose centre falls on a pixel corner covers no pixel
    /// centre at all, and cells at a pixel or less apart land on corners all the time: a
    /// little wider, a sprite always lights at least one pixel (1.25 survives the coarsest
    /// usual size granularity, 1/8).
    static let smallestCellPoint: Float = 1.25

    /// Matches life_cells_fragment.frag's push constants.
    struct CellView: BitwiseCopyable, Equatable {
        /// The cell coordinates of pixel (0, 0)'s corner; a pixel centre p is at origin + p * cellsPerPixel.
        var origin: SIMD2<Float>
        var cellsPerPixel: Float
        /// Half a cell's sprite, in cells.
        var halfSprite: Float
        var width: UInt32
        var height: UInt32
        var states: UInt32
        var bitsPerCell: UInt32
        var cellsPerWordLog2: UInt32
        var wordsPerRow: UInt32
        /// Squares only: the gap at a cell's low edges, in cells (0: none).
        var gap: Float
        /// A bit-packed Generations grid's dying planes after the live one, and the words of
        /// each (`LifeWorkload.dyingPlanes`); 0 for other layouts.
        var dyingPlanes: UInt32 = 0
        var planeWords: UInt32 = 0

        /// How cells are drawn: life_cells_fragment.frag's STYLE.
        enum Style: UInt32, CaseIterable {
            /// Round sprites within their cell, about a pixel and a half wide or more.
            case sprites = 0
            /// Sprites wider than half a cell, so that a pixel sums the four nearest.
            case spreadSprites = 1
            /// Each cell fills its square.
            case squares = 2
            /// An overview's blocks: their shares of live and dying cells, interpolated.
            case overviewBlocks = 3
        }

        /// Squares from two pixels a cell, where a square reads better than a dot; an overview's
        /// blocks as a density field.
        func style(overview: Bool) -> Style {
            overview ? .overviewBlocks : cellsPerPixel <= 0.5 ? .squares : halfSprite >= 0.5 ? .spreadSprites : .sprites
        }

        /// The pixels of a `width` x `height` image that a sprite can reach: the grid's
        /// rectangle and half a sprite round it.
        func pixelBounds(width: Int, height: Int) -> PixelRect {
            TopDownGeometry(origin: origin, cellsPerPixel: cellsPerPixel).pixelBounds(
                width: width, height: height, blocksWide: self.width, blocksHigh: self.height,
                margin: halfSprite + cellsPerPixel)
        }
    }

    /// How a top-down `camera` sees a `gridWidth` x `gridHeight` grid drawn as blocks of
    /// `blockSize` cells a side: where each pixel falls on the blocks (whose grid is `blocksWide`
    /// x `blocksHigh`) and how large a block's sprite is.
    static func cellView(
        camera: Camera, width: Int, height: Int, gridWidth: Int, gridHeight: Int,
        blockSize: Int, blocksWide: Int, blocksHigh: Int, states: Int, bitsPerCell: Int,
        dyingPlanes: Int = 0, planeWords: Int = 0
    ) throws -> CellView {
        let (geometry, blockPixels) = try TopDownGeometry.seeing(
            camera, width: width, height: height, gridWidth: gridWidth, gridHeight: gridHeight, blockSize: blockSize)
        let sprite = max(smallestCellPoint, blockPixels * 0.85)
        let cellsPerWord = 32 / bitsPerCell
        // A pixel's gap once a cell is over four pixels wide, so neighbours stay apart.
        let gap = blockPixels > 4 ? 1 / blockPixels : 0
        return CellView(
            origin: geometry.origin, cellsPerPixel: geometry.cellsPerPixel, halfSprite: sprite / 2 / blockPixels,
            width: UInt32(blocksWide), height: UInt32(blocksHigh), states: UInt32(states),
            bitsPerCell: UInt32(bitsPerCell),
            cellsPerWordLog2: UInt32(cellsPerWord.trailingZeroBitCount),
            wordsPerRow: UInt32((blocksWide + cellsPerWord - 1) / cellsPerWord), gap: gap,
            dyingPlanes: UInt32(dyingPlanes), planeWords: UInt32(planeWords))
    }

    /// Records a render pass drawing the live and dying cells of `life` into `framebuffer` as
    /// the top-down `camera` sees them.
    func record(
        _ encoder: inout CommandEncoder, into framebuffer: Framebuffer, life: LifeWorkload, camera: Camera
    )
        throws
    {
        let (width, height) = (framebuffer.width, framebuffer.height)
        let pixelsPerCell = Float(height) / camera.visibleHeight
        let factor = LifeOverview.factor(
            pixelsPerCell: pixelsPerCell, width: life.width, height: life.height, bitsPerCell: life.bitsPerCell,
            dyingPlanes: life.dyingPlanes, loopLimit: device.description.shaderLoopIterationLimit)
        // Zoomed out, a pixel reads blocks of cells from a coarse copy rather than each cell.
        var source = (
            buffer: life.currentStateBuffer, width: life.width, height: life.height, bitsPerCell: life.bitsPerCell,
            dyingPlanes: life.dyingPlanes, planeWords: life.planeWordCount
        )
        if factor > 1 {
            let overview = try lifeOverview()
            let (w, h) = try overview.record(&encoder, life: life, factor: factor)
            source = (overview.buffer, w, h, 8, 0, 0)
        }
        let view = try Self.cellView(
            camera: camera, width: width, height: height, gridWidth: life.width, gridHeight: life.height,
            blockSize: factor, blocksWide: source.width, blocksHigh: source.height, states: life.rule.states,
            bitsPerCell: source.bitsPerCell, dyingPlanes: source.dyingPlanes, planeWords: source.planeWords)
        let set = try sets.set(for: [source.buffer])
        let chosen = pipelines[view.style(overview: factor > 1)]!
        encoder.barrier(.computeToDrawing)
        encoder.renderPass(
            chosen.renderPass, framebuffer: framebuffer, clearColor: sceneBackground,
            scissor: view.pixelBounds(width: width, height: height)
        ) { encoder in
            encoder.bind(chosen)
            encoder.bind(set)
            encoder.pushConstants(view)
            encoder.draw(vertices: 3)
        }
    }
}
