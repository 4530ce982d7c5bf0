import Engine
import Foundation
import TestSupport
import Testing

@testable import Present

@Suite("PNG files")
struct PNGImageTests {
    @Test func encodeDecodeRoundTrip() throws {
        var rgb = [UInt8](repeating: 0, count: 37 * 11 * 3)
        for i in rgb.indices { rgb[i] = UInt8(truncatingIfNeeded: i * 7 + i / 3) }
        let image = PNGImage(width: 37, height: 11, rgb: rgb)
        let data = image.encoded()
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try PNGImage.decode(data) == image)
    }

    @Test func corruptionIsDetectedByTheCRC() throws {
        var data = PNGImage(width: 4, height: 4, rgb: [UInt8](repeating: 200, count: 48)).encoded()
        data[20] ^= 0xFF  // inside IHDR
        #expect(throws: PNGError.self) { try PNGImage.decode(data) }
        #expect(throws: PNGError.self) { try PNGImage.decode(Data("GIF89a".utf8)) }
    }

    /// An independent reader (Python's zlib and struct) accepts the file, CRCs and all.
    @Test func pythonReadsOurPNG() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        let image = PNGImage(width: 5, height: 3, rgb: (0..<45).map { UInt8($0 * 5) })
        try image.write(to: url)
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            pos, idat = 8, b''
            while pos < len(data):
                length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                crc, = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
                assert zlib.crc32(kind + body) == crc, kind
                if kind == b'IHDR': print(struct.unpack('>IIBBBBB', body))
                if kind == b'IDAT': idat += body
                pos += 12 + length
            raw = zlib.decompress(idat)
            print(raw[1 + 3 * 4 + 2])
            """
        let result = try ChildProcess.run(command: "python3", ["-c", script, url.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "(5, 3, 8, 2, 0, 0, 0)\n\(image.rgb[14])\n")
    }
}

@Suite("Offscreen rendering on the real Vulkan device", .serialized)
struct OffscreenRenderingTests {
    static let background = (r: UInt8(4), g: UInt8(4), b: UInt8(8))

    func isBackground(_ p: (r: UInt8, g: UInt8, b: UInt8)) -> Bool {
        max(p.r, p.g, p.b) <= 12
    }

    func render(
        _ state: ParticleState, camera: Camera, width: Int = 200, height: Int = 150,
        log: ValidationLog? = nil
    ) throws -> PNGImage {
        let context = try ComputeContext(
            instanceOptions: InstanceOptions(validation: log != nil), validationLog: log, graphics: true)
        let workload = try NBodyWorkload(device: context.device, state: state, parameters: NBodyParameters())
        let renderer = try OffscreenRenderer(device: context.device, width: width, height: height)
        return try renderer.render(workload, camera: camera, speedScale: 1)
    }

    @Test func particlesAppearWhereTheCameraPutsThem() throws {
        let points: [SIMD3<Float>] = [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, -1)]
        var state = ParticleState(count: points.count)
        for (i, p) in points.enumerated() { state.set(i, position: p, mass: 0.1, velocity: .zero) }
        let camera = Camera(distance: 5)
        let log = ValidationLog(echo: nil)
        let image = try render(state, camera: camera, log: log)
        #expect(log.messages.isEmpty, "\(log.messages)")
        #expect(image.width == 200 && image.height == 150)
        var lit = Set<Int>()
        for p in points {
            let projected = try #require(camera.project(p, width: 200, height: 150))
            let x = Int(projected.x), y = Int(projected.y)
            #expect(!isBackground(image.pixel(x: x, y: y)), "no particle drawn at \(x),\(y) for \(p)")
            lit.insert(y * 200 + x)
        }
        // The origin lands in the middle of the image.
        let centre = try #require(camera.project(.zero, width: 200, height: 150))
        #expect(abs(centre.x - 100) < 0.5 && abs(centre.y - 75) < 0.5)
        // Everything else is background: only the four sprites (a few pixels each) are lit.
        var litCount = 0
        for y in 0..<150 { for x in 0..<200 where !isBackground(image.pixel(x: x, y: y)) { litCount += 1 } }
        #expect(litCount >= 4 && litCount <= 4 * 16, "\(litCount) lit pixels")
        #expect(isBackground(image.pixel(x: 0, y: 0)) && isBackground(image.pixel(x: 199, y: 149)))
    }

    @Test func morePartclesLightMorePixels() throws {
        func litPixels(_ count: Int) throws -> Int {
            let state = InitialModel.cube.generate(count: count, seed: 2)
            let image = try render(state, camera: Camera(distance: 6))
            var lit = 0
            for y in 0..<image.height {
                for x in 0..<image.width where !isBackground(image.pixel(x: x, y: y)) { lit += 1 }
            }
            return lit
        }
        let few = try litPixels(20), many = try litPixels(600)
        #expect(few > 0)
        #expect(many > 5 * few, "\(few) vs \(many)")
    }

    @Test func cameraControlsMoveTheView() {
        var camera = Camera(distance: 10)
        let home = camera
        camera.orbit(yaw: 0.5, pitch: 10)
        #expect(camera.pitch <= 1.5)
        camera.zoom(0.5)
        #expect(camera.distance == 5)
        #expect(
            camera.project(SIMD3(1, 0, 0), width: 100, height: 100)! != home.project(
                SIMD3(1, 0, 0), width: 100, height: 100)!)
        camera.reset()
        #expect(camera == home)
        // A fitted camera stands back from the system.
        #expect(Camera(fitting: InitialModel.plummer.generate(count: 500, seed: 1)).distance > 2)
    }
}

@Suite("Life cells drawn as points", .serialized)
struct LifeRenderingTests {
    @Test func liveCellsAppearWhereTheGridPutsThemAndDeadOnesDoNot() throws {
        let log = ValidationLog(echo: nil)
        var grid = LifeGrid(width: 20, height: 10)
        grid[2, 3] = 1
        grid[17, 8] = 1
        do {
            let context = try ComputeContext(
                instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
            let life = try LifeWorkload(device: context.device, grid: grid, rule: .conway)
            let image = try OffscreenRenderer(device: context.device, width: 200, height: 100).render(life)
            let camera = Camera.topDown(gridWidth: 20, gridHeight: 10, aspect: 2)
            func lit(_ x: Int, _ y: Int) throws -> Bool {
                // Cell (x, y) sits at (x - W/2 + 0.5, H/2 - y - 0.5) in the z = 0 plane.
                let p = try #require(
                    camera.project(SIMD3(Float(x) - 10 + 0.5, 5 - Float(y) - 0.5, 0), width: 200, height: 100))
                let pixel = image.pixel(x: Int(p.x), y: Int(p.y))
                return max(pixel.r, pixel.g, pixel.b) > 12
            }
            #expect(try lit(2, 3))
            #expect(try lit(17, 8))
            #expect(try !lit(10, 5))
            var count = 0
            for y in 0..<100 {
                for x in 0..<200 where max(image.pixel(x: x, y: y).r, image.pixel(x: x, y: y).g) > 12 { count += 1 }
            }
            #expect(count > 2 && count < 2 * 120, "\(count) lit pixels for two cells")
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
    }

    /// Known patterns at sizes a person looks at: a cell of several pixels fills its square
    /// brightly, with a dark pixel between neighbours once cells are over four pixels; dead
    /// cells stay dark; a Brian's Brain dying cell is plainly visible.
    @Test(arguments: [
        ("block", "x = 2, y = 2\n2o$2o!", 8, 6, 160, 120),  // 19 px a cell
        ("glider", "x = 3, y = 3\nbo$2bo$3o!", 10, 8, 200, 160),  // 19 px a cell
        (
            "Gosper gun",
            "x = 36, y = 9\n24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4b"
                + "obo$10bo5bo7bo$11bo3bo$12b2o!", 40, 13, 200, 40
        ),  // 3 px a cell: no gap
    ])
    func knownPatternsFillTheirSquares(
        name: String, rle: String, width: Int, height: Int, imageWidth: Int,
        imageHeight: Int
    ) throws {
        let log = ValidationLog(echo: nil)
        var grid = LifeGrid(width: width, height: height)
        grid.place(try RLEFile.parse(rle).grid, atX: 2, y: 2)
        do {
            let context = try ComputeContext(
                instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
            let life = try LifeWorkload(device: context.device, grid: grid, rule: .conway)
            let image = try OffscreenRenderer(device: context.device, width: imageWidth, height: imageHeight)
                .render(life)
            let camera = Camera.topDown(
                gridWidth: width, gridHeight: height, aspect: Float(imageWidth) / Float(imageHeight))
            let pixelsPerCell = Float(imageHeight) / camera.visibleHeight
            func pixel(_ x: Float, _ y: Float) throws -> (r: UInt8, g: UInt8, b: UInt8) {
                // Cell (x, y) sits at (x - W/2 + 0.5, H/2 - y - 0.5) in the z = 0 plane, (x, y)
                // being its centre.
                let p = try #require(
                    camera.project(
                        SIMD3(x - Float(width) / 2, Float(height) / 2 - y, 0), width: imageWidth, height: imageHeight))
                return image.pixel(x: Int(p.x), y: Int(p.y))
            }
            for y in 0..<height {
                for x in 0..<width {
                    let centre = try pixel(Float(x) + 0.5, Float(y) + 0.5)
                    if grid[x, y] == 1 {
                        #expect(centre.g >= 230 && centre.b >= 240, "\(name): live cell (\(x), \(y)) is \(centre)")
                    } else {
                        #expect(Self.isBackground(centre), "\(name): dead cell (\(x), \(y)) is \(centre)")
                    }
                }
            }
            var lit = 0
            for y in 0..<imageHeight {
                for x in 0..<imageWidth where !Self.isBackground(image.pixel(x: x, y: y)) { lit += 1 }
            }
            let liveCells = grid.cells.filter { $0 == 1 }.count
            // Squares less their gap: (side - 1)^2 pixels over four pixels a cell, side^2 below.
            let side = pixelsPerCell > 4 ? pixelsPerCell - 1 : pixelsPerCell
            let expected = Float(liveCells) * side * side
            #expect(abs(Float(lit) - expected) < expected * 0.15, "\(name): \(lit) pixels lit, about \(expected) due")
            if pixelsPerCell > 4 {
                // The pixel just inside a live cell's left edge with a live cell to its left is
                // the dark gap between them.
                for y in 0..<height {
                    for x in 1..<width where grid[x, y] == 1 && grid[x - 1, y] == 1 {
                        let gap = try pixel(Float(x) + 0.5 / pixelsPerCell, Float(y) + 0.5)
                        #expect(Self.isBackground(gap), "\(name): no gap left of (\(x), \(y)): \(gap)")
                    }
                }
            }
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
    }

    /// Brian's Brain's dying cells, the state after a live one, show as plainly as live ones
    /// in a colour of their own.
    @Test func dyingCellsAreAVisibleColour() throws {
        var grid = LifeGrid(width: 16, height: 12)
        for (x, y) in [(7, 5), (8, 5), (7, 6), (8, 6)] { grid[x, y] = 1 }
        let context = try ComputeContext(graphics: true)
        let life = try LifeWorkload(device: context.device, grid: grid, rule: try LifeRule(parsing: "B2/S/C3"))
        _ = try life.advance(generations: 1)
        let state = try life.download()
        let dying = try #require(state.cells.firstIndex(of: 2), "no dying cell after a generation")
        let live = try #require(state.cells.firstIndex(of: 1), "no live cell after a generation")
        let image = try OffscreenRenderer(device: context.device, width: 320, height: 240).render(life)
        let camera = Camera.topDown(gridWidth: 16, gridHeight: 12, aspect: 4 / 3)
        func centre(_ index: Int) throws -> (r: UInt8, g: UInt8, b: UInt8) {
            let (x, y) = (Float(index % 16), Float(index / 16))
            let p = try #require(camera.project(SIMD3(x + 0.5 - 8, 6 - y - 0.5, 0), width: 320, height: 240))
            return image.pixel(x: Int(p.x), y: Int(p.y))
        }
        let (d, l) = (try centre(dying), try centre(live))
        #expect(d.r >= 230 && d.g >= 140 && d.b <= 70, "a dying cell is orange: \(d)")
        #expect(l.b >= 240 && l.r < 180, "a live cell is cyan-white: \(l)")
    }

    @Test func everyKernelLayoutDrawsTheSamePicture() throws {
        var random = SeededGenerator(seed: 4)
        var grid = LifeGrid(width: 70, height: 45)
        for i in grid.cells.indices where random.uniform() < 0.3 { grid.cells[i] = 1 }
        let context = try ComputeContext(graphics: true)
        let renderer = try OffscreenRenderer(device: context.device, width: 210, height: 140)
        let pictures = try [LifeKernel.bytes, .bits, .bitsTiled(generations: 4)].map { kernel in
            try renderer.render(try LifeWorkload(device: context.device, grid: grid, rule: .conway, kernel: kernel))
        }
        #expect(pictures[0] == pictures[1])
        #expect(pictures[0] == pictures[2])
    }

    @Test func eachPixelFindsTheCellTheCameraPutsThere() throws {
        var camera = Camera.topDown(gridWidth: 1000, gridHeight: 800, aspect: 640 / 480)
        camera.zoom(0.1)
        camera.pan(right: 0.3, down: -0.2)
        let view = try CellRenderer.cellView(
            camera: camera, width: 640, height: 480, gridWidth: 1000, gridHeight: 800,
            blockSize: 1, blocksWide: 1000, blocksHigh: 800, states: 2, bitsPerCell: 1)
        for (x, y) in [(500, 400), (530, 380), (470, 410)] {
            // Cell (x, y) sits at (x - W/2 + 0.5, H/2 - y - 0.5) in the z = 0 plane.
            let pixel = try #require(
                camera.project(SIMD3(Float(x) - 500 + 0.5, 400 - Float(y) - 0.5, 0), width: 640, height: 480))
            let cell = view.origin + SIMD2(pixel.x, pixel.y) * view.cellsPerPixel
            #expect(
                abs(cell.x - (Float(x) + 0.5)) < 1e-3 && abs(cell.y - (Float(y) + 0.5)) < 1e-3,
                "cell (\(x), \(y)) at \(cell)")
        }
        // Zoomed in, a sprite is 0.85 of its cell; blocks of 8 at a fifth of a pixel a cell are
        // no smaller than the smallest sprite that always lights a pixel.
        #expect(abs(view.halfSprite - 0.425) < 1e-6)
        let overview = try CellRenderer.cellView(
            camera: Camera.topDown(gridWidth: 4000, gridHeight: 3000, aspect: 400 / 300),
            width: 400, height: 300, gridWidth: 4000, gridHeight: 3000,
            blockSize: 8, blocksWide: 500, blocksHigh: 375, states: 2, bitsPerCell: 8)
        #expect(abs(overview.cellsPerPixel * 300 / 375 - 1.04) < 1e-3, "the home view frames 1.04 grid heights")
        let blockPixels = 1 / overview.cellsPerPixel
        #expect(
            abs(overview.halfSprite * 2 * blockPixels - max(CellRenderer.smallestCellPoint, 0.85 * blockPixels)) < 1e-4)
        var tilted = Camera.topDown(gridWidth: 10, gridHeight: 10, aspect: 1)
        tilted.orbit(yaw: 0.2, pitch: 0)
        #expect(throws: EngineError.self) {
            try CellRenderer.cellView(
                camera: tilted, width: 10, height: 10, gridWidth: 10, gridHeight: 10,
                blockSize: 1, blocksWide: 10, blocksHigh: 10, states: 2, bitsPerCell: 1)
        }
    }

    @Test func aZoomedOutGridIsDrawnFromBlocksWhereItsCellsAre() throws {
        let log = ValidationLog(echo: nil)
        var grid = LifeGrid(width: 4000, height: 3000)
        // Still lifes (2x2 blocks) far apart; everything else dead.
        let blocks = [(100, 100), (3000, 2000), (1990, 40), (3990, 2990)]
        for (x, y) in blocks { for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { grid[x + dx, y + dy] = 1 } }
        do {
            let context = try ComputeContext(
                instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
            let renderer = try OffscreenRenderer(device: context.device, width: 400, height: 300)
            let camera = Camera.topDown(gridWidth: 4000, gridHeight: 3000, aspect: 400 / 300)
            #expect(LifeOverview.factor(pixelsPerCell: 300 / camera.visibleHeight, width: 4000, height: 3000) == 8)
            for kernel in [LifeKernel.bits, .bytes] {
                let image = try renderer.render(
                    try LifeWorkload(device: context.device, grid: grid, rule: .conway, kernel: kernel))
                for (x, y) in blocks {
                    let centre = try #require(
                        camera.project(SIMD3(Float(x) + 1 - 2000, 1500 - Float(y) - 1, 0), width: 400, height: 300))
                    var lit = false
                    for py in max(0, Int(centre.y) - 2)...min(299, Int(centre.y) + 2) {
                        for px in max(0, Int(centre.x) - 2)...min(399, Int(centre.x) + 2)
                        where !Self.isBackground(image.pixel(x: px, y: py)) {
                            lit = true
                        }
                    }
                    #expect(lit, "\(kernel): the block at (\(x), \(y)) shows near pixel \(centre)")
                }
                var count = 0
                for y in 0..<300 { for x in 0..<400 where !Self.isBackground(image.pixel(x: x, y: y)) { count += 1 } }
                var litAt: [String] = []
                for y in 0..<300 {
                    for x in 0..<400 where !Self.isBackground(image.pixel(x: x, y: y)) { litAt.append("\(x),\(y)") }
                }
                #expect(count >= 4 && count <= 4 * 9, "\(kernel): \(count) lit pixels for four blocks, at \(litAt)")
            }
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
    }

    /// The colour of a live (1) or dying (2...) cell of a rule with `states` states: live cells
    /// bright, dying ones a ramp from orange down to a dull red.
    static func colour(state: UInt8, states: Int) -> SIMD3<Float> {
        if state == 1 { return SIMD3(0.6, 0.95, 1) }
        let age = states > 3 ? Float(Int(state) - 2) / Float(states - 3) : 0
        return SIMD3<Float>(1, 0.62, 0.18) * (1 - age) + SIMD3<Float>(0.5, 0.1, 0.07) * age
    }

    /// The picture the renderer should make, worked out on the CPU: from two pixels a cell,
    /// each pixel takes the colour of the cell (or, zoomed out, block) under its centre, unless
    /// it is the pixel at the cell's low edges over four pixels a cell; below that, each pixel
    /// sums the round sprites of the cells whose square covers its centre; over the clear colour.
    /// Nil for a pixel whose centre falls on a square's edge, within rounding: either side may
    /// hold it.
    static func expectedPicture(
        of grid: LifeGrid, states: Int, camera: Camera, width: Int, height: Int,
        device: PhysicalDeviceDescription
    ) throws -> [SIMD3<Float>?] {
        let factor = LifeOverview.factor(
            pixelsPerCell: Float(height) / camera.visibleHeight, width: grid.width, height: grid.height,
            loopLimit: device.shaderLoopIterationLimit)
        // Zoomed out, a block's shares of live and dying cells, each drawn as the square root of the
        // share in fifteenths (at least one when any cell is), and its colour from them.
        var blocks = grid
        var densities: [SIMD3<Float>] = []
        if factor > 1 {
            blocks = LifeGrid(width: (grid.width + factor - 1) / factor, height: (grid.height + factor - 1) / factor)
            var live = [Int](repeating: 0, count: blocks.cells.count), dying = live, cells = live
            for y in 0..<grid.height {
                for x in 0..<grid.width {
                    let block = y / factor * blocks.width + x / factor
                    cells[block] += 1
                    if grid[x, y] == 1 { live[block] += 1 }
                    if grid[x, y] >= 2 { dying[block] += 1 }
                }
            }
            // The square root of the share in fifteenths, whole numbers as the shader has it.
            func level(_ count: Int, _ cells: Int) -> Float {
                count == 0 ? 0 : Float(max(1, Int(Double(225 * count / cells).squareRoot())))
            }
            densities = blocks.cells.indices.map { i in
                (Self.colour(state: 1, states: states) * level(live[i], cells[i])
                    + Self.colour(state: 2, states: states) * level(dying[i], cells[i])) * (1.5 / 15)
            }
        }
        let view = try CellRenderer.cellView(
            camera: camera, width: width, height: height, gridWidth: grid.width,
            gridHeight: grid.height, blockSize: factor, blocksWide: blocks.width,
            blocksHigh: blocks.height, states: states, bitsPerCell: 8)
        let h = view.halfSprite
        let blockPixels = 1 / view.cellsPerPixel
        let background = SIMD3<Float>(0.015, 0.015, 0.03)
        return (0..<height).flatMap { py in
            (0..<width).map { px -> SIMD3<Float>? in
                let at = view.origin + SIMD2(Float(px) + 0.5, Float(py) + 0.5) * view.cellsPerPixel
                if blockPixels >= 2 {
                    let cell = at.rounded(.down)
                    let inCell = at - cell
                    let gap = SIMD2<Float>(repeating: blockPixels > 4 ? 1 / blockPixels : 0)
                    let edges = [inCell, 1 - inCell, SIMD2(abs(inCell.x - gap.x), abs(inCell.y - gap.y))]
                    if edges.contains(where: { any($0 .< SIMD2(repeating: 1e-4)) }) { return nil }
                    let inGap = any(inCell .< gap)
                    guard cell.x >= 0 && cell.y >= 0 && Int(cell.x) < blocks.width && Int(cell.y) < blocks.height,
                        !inGap
                    else { return background }
                    let state = blocks[Int(cell.x), Int(cell.y)]
                    return state == 0 ? background : background + Self.colour(state: state, states: states)
                }
                if factor > 1 {
                    // The four nearest blocks' colours, interpolated.
                    let k = (at - 0.5).rounded(.down), f = at - 0.5 - k
                    func corner(_ dx: Float, _ dy: Float) -> SIMD3<Float> {
                        let (x, y) = (Int(k.x + dx), Int(k.y + dy))
                        guard x >= 0 && y >= 0 && x < blocks.width && y < blocks.height else { return .zero }
                        return densities[y * blocks.width + x]
                    }
                    let top = corner(0, 0) * (1 - f.x) + corner(1, 0) * f.x
                    let bottom = corner(0, 1) * (1 - f.x) + corner(1, 1) * f.x
                    return background + top * (1 - f.y) + bottom * f.y
                }
                var sum = background
                let first = SIMD2<Float>(max(0, (at.x - 0.5 - h).rounded(.up)), max(0, (at.y - 0.5 - h).rounded(.up)))
                let last = SIMD2<Float>(
                    min(Float(blocks.width - 1), (at.x - 0.5 + h).rounded(.down)),
                    min(Float(blocks.height - 1), (at.y - 0.5 + h).rounded(.down)))
                var y = first.y
                while y <= last.y {
                    var x = first.x
                    while x <= last.x {
                        let state = blocks[Int(x), Int(y)]
                        let offset = (at - SIMD2(x, y) - 0.5) / h
                        let r2 = (offset * offset).sum()
                        if state != 0 && r2 <= 1 { sum += Self.colour(state: state, states: states) * 2 * (1 - r2) }
                        x += 1
                    }
                    y += 1
                }
                return sum
            }
        }
    }

    /// Every view the window shows (cells larger than a pixel, about a pixel so that sprites
    /// overlap, and blocks of cells zoomed out; a pan off the grid's edge), for the
    /// bit-packed and byte layouts and a Generations rule's dying cells: the GPU's picture
    /// against the CPU's, pixel by pixel.
    @Test func cellPicturesMatchTheCPUReference() throws {
        let log = ValidationLog(echo: nil)
        do {
            let context = try ComputeContext(
                instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
            var random = SeededGenerator(seed: 9)
            for (gridSize, imageSize, zoom, pan, rule, kernel, density) in [
                // 2.9 px a cell
                ((70, 45), (210, 140), 1.0 as Float, (0 as Float, 0 as Float), LifeRule.conway, LifeKernel.bits, 0.25),
                ((100, 100), (90, 86), 1, (0, 0), .conway, .bytes, 0.25),  // 0.83 px a cell: sprites overlap
                ((400, 400), (90, 86), 1, (0, 0), .conway, .bits, 0.25),  // blocks of 4 cells
                ((1000, 800), (100, 70), 1, (0, 0), .conway, .bits, 0.002),  // blocks of 16, a few lit
                ((2000, 1500), (100, 70), 1, (0, 0), .conway, .wide, 0.0005),  // blocks of 32
                ((300, 200), (160, 120), 0.3, (0.4, -0.3), .conway, .wide, 0.25),  // zoomed in, panned past the edge
                ((120, 90), (150, 100), 1, (0, 0), try LifeRule(parsing: "B2/S/C4"), .bytes, 0.25),  // dying cells
                // Blocks, dying ones too.
                ((480, 360), (100, 70), 1, (0, 0), try LifeRule(parsing: "B2/S/C4"), .bytes, 0.25),
                // Bit planes of Generations rules: squares, sprites, blocks of 4 cells in one word
                // and of 16 across words, 2 and 8 dying planes.
                ((120, 90), (150, 100), 1, (0, 0), try LifeRule(parsing: "B2/S/C4"), .bits, 0.25),
                ((100, 100), (90, 86), 1, (0, 0), try LifeRule(parsing: "B2/S/C4"), .wide, 0.25),
                ((480, 360), (100, 70), 1, (0, 0), try LifeRule(parsing: "B2/S/C4"), .wide, 0.25),
                ((1000, 800), (100, 70), 1, (0, 0), try LifeRule(parsing: "B2/S/C256"), .bits, 0.25),
                ((120, 90), (150, 100), 1, (0, 0), try LifeRule(parsing: "B2/S/C256"), .wide, 0.25),
            ] {
                var grid = LifeGrid(width: gridSize.0, height: gridSize.1)
                for i in grid.cells.indices where random.uniform() < density {
                    grid.cells[i] = 1
                    // Sparse grids get 2x2 blocks, which outlive the generations below.
                    let (x, y) = (i % grid.width, i / grid.width)
                    if density < 0.01 && x + 1 < grid.width && y + 1 < grid.height {
                        for (dx, dy) in [(1, 0), (0, 1), (1, 1)] { grid[x + dx, y + dy] = 1 }
                    }
                }
                let life = try LifeWorkload(device: context.device, grid: grid, rule: rule, kernel: kernel)
                // A few generations, so Generations rules have dying cells.
                _ = try life.advance(generations: 3)
                let state = try life.download()
                let (width, height) = imageSize
                var camera = Camera.topDown(
                    gridWidth: grid.width, gridHeight: grid.height, aspect: Float(width) / Float(height))
                camera.zoom(zoom)
                camera.pan(right: pan.0, down: pan.1)
                let image = try OffscreenRenderer(device: context.device, width: width, height: height).render(
                    life, camera: camera)
                let expected = try Self.expectedPicture(
                    of: state, states: rule.states, camera: camera, width: width, height: height,
                    device: context.device.description)
                var wrong: [String] = []
                var lit = 0
                for y in 0..<height {
                    for x in 0..<width {
                        let pixel = image.pixel(x: x, y: y)
                        if !Self.isBackground(pixel) { lit += 1 }
                        guard let expectedColour = expected[y * width + x] else { continue }
                        let want = (expectedColour * 255).clamped(
                            lowerBound: .zero, upperBound: SIMD3(repeating: 255))
                        let got = SIMD3<Float>(Float(pixel.r), Float(pixel.g), Float(pixel.b))
                        if ((got - want) * (got - want)).max() > 4 { wrong.append("\(x),\(y): \(got) not \(want)") }
                    }
                }
                let label = "\(gridSize) \(rule) \(kernel) in \(imageSize), zoom \(zoom)"
                #expect(wrong.isEmpty, "\(label): \(wrong.count) pixels differ, e.g. \(wrong.prefix(5))")
                #expect(lit > width * height / 20, "\(label): \(lit) pixels lit")
                // Cells apart stay apart; zoomed out, a busy grid is a field lit all over.
                let zoomedOut =
                    LifeOverview.factor(
                        pixelsPerCell: Float(height) / camera.visibleHeight, width: grid.width, height: grid.height,
                        loopLimit: context.device.description.shaderLoopIterationLimit) > 1
                #expect(zoomedOut || lit < width * height * 9 / 10, "\(label): \(lit) pixels lit")
                if rule.states > 2 { #expect(state.cells.contains(2), "\(label): no dying cells to draw") }
            }
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
    }

    @Test func overviewFactorsKeepBlocksAboutAPixel() {
        #expect(LifeOverview.factor(pixelsPerCell: 1, width: 100, height: 100) == 1)
        #expect(LifeOverview.factor(pixelsPerCell: 0.8, width: 100, height: 100) == 1)
        #expect(LifeOverview.factor(pixelsPerCell: 0.5, width: 100, height: 100) == 2)
        #expect(LifeOverview.factor(pixelsPerCell: 0.1, width: 100, height: 100) == 8)
        // A 65536^2 grid at half a pixel a cell would need 2^30 overview cells: coarser blocks.
        #expect(LifeOverview.factor(pixelsPerCell: 0.5, width: 65536, height: 65536) == 32)
        // lavapipe: 4 blocks x 1024 rows x 32 words is past its loop limit; 512 rows x 16 words fits.
        #expect(LifeOverview.factor(pixelsPerCell: 0.001, width: 65536, height: 65536) == 1024)
        #expect(
            LifeOverview.factor(pixelsPerCell: 0.001, width: 65536, height: 65536, bitsPerCell: 1, loopLimit: 65535)
                == 512)
        #expect(
            LifeOverview.factor(pixelsPerCell: 0.001, width: 8192, height: 8192, bitsPerCell: 8, loopLimit: 65535) == 64
        )
    }

    static func isBackground(_ p: (r: UInt8, g: UInt8, b: UInt8)) -> Bool { max(p.r, p.g, p.b) <= 12 }
}

/// Plots of a sweep's results: lines where the values put them, in the series' colours, and
/// labels drawn in the bitmap font.
struct LinePlotTests {
    func count(_ image: PNGImage, _ color: (UInt8, UInt8, UInt8), in box: (x: Range<Int>, y: Range<Int>)) -> Int {
        box.y.reduce(0) { total, y in
            total + box.x.filter { x in image.pixel(x: x, y: y) == (color.0, color.1, color.2) }.count
        }
    }

    @Test func pointsLandWhereTheirValuesPutThemInTheirSeriesColours() {
        let plot = LinePlot(
            title: "rate against particles", xLabel: "particles", yLabel: "rate",
            series: [
                .init(label: "a", points: [(x: 100, y: 1e7), (x: 10000, y: 1e10)]),
                .init(label: "b", points: [(x: 100, y: 1e9), (x: 10000, y: 1e8)]),
            ])
        let image = plot.render(width: 900, height: 560)
        #expect(image.width == 900 && image.height == 560)
        let area = LinePlot.area(width: 900, height: 560)
        let (blue, orange) = (LinePlot.palette[0], LinePlot.palette[1])
        // Both axes span a factor of 20 or more: logarithmic, from 1e2 to 1e4 and 1e7 to 1e10,
        // so series a runs corner to corner, bottom left to top right.
        #expect(count(image, blue, in: (area.left - 3..<area.left + 4, area.bottom - 3..<area.bottom + 4)) >= 40)
        #expect(count(image, blue, in: (area.right - 3..<area.right + 4, area.top - 3..<area.top + 4)) >= 40)
        let middle = ((area.left + area.right) / 2, (area.top + area.bottom) / 2)
        #expect(
            count(image, blue, in: (middle.0 - 4..<middle.0 + 5, middle.1 - 4..<middle.1 + 5)) > 0, "the line between")
        // Series b falls from 1e9 (two thirds up) to 1e8 (one third up).
        let high = area.bottom - 2 * (area.bottom - area.top) / 3
        #expect(count(image, orange, in: (area.left - 3..<area.left + 4, high - 3..<high + 4)) >= 40)
        // The legend: a swatch per series; the title: dark pixels across the top.
        #expect(count(image, blue, in: (area.right + 20..<area.right + 34, 0..<560)) >= 14 * 14)
        #expect(count(image, orange, in: (area.right + 20..<area.right + 34, 0..<560)) >= 14 * 14)
        #expect(count(image, (40, 40, 40), in: (0..<900, 10..<30)) > 200)
    }

    @Test func everyGlyphIsFiveBySeven() {
        for character in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:-+=/()[]_%'*#? abc" {
            let glyph = BitmapFont.glyph(character)
            #expect(glyph.count == 7 && glyph.allSatisfy { $0.count == 5 }, "\(character)")
        }
        #expect(BitmapFont.glyph("a") == BitmapFont.glyph("A"))
        #expect(BitmapFont.glyph("~") == BitmapFont.glyph("?"))
        #expect(LinePlot.label(1e9) == "1E9" && LinePlot.label(2500) == "2500" && LinePlot.label(0.5) == "0.5")
    }
}
