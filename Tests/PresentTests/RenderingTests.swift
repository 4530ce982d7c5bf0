import Engine
import Foundation
@testable import Present
import Testing

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output == "(5, 3, 8, 2, 0, 0, 0)\n\(image.rgb[14])\n")
    }
}

@Suite("Offscreen rendering on the real Vulkan device", .serialized)
struct OffscreenRenderingTests {
    static let background = (r: UInt8(4), g: UInt8(4), b: UInt8(8))

    func isBackground(_ p: (r: UInt8, g: UInt8, b: UInt8)) -> Bool {
        max(p.r, p.g, p.b) <= 12
    }

    func render(_ state: ParticleState, camera: Camera, width: Int = 200, height: Int = 150,
                log: ValidationLog? = nil) throws -> PNGImage {
        let context = try ComputeContext(instanceOptions: InstanceOptions(validation: log != nil), validationLog: log, graphics: true)
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
            for y in 0..<image.height { for x in 0..<image.width where !isBackground(image.pixel(x: x, y: y)) { lit += 1 } }
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
        #expect(camera.project(SIMD3(1, 0, 0), width: 100, height: 100)! != home.project(SIMD3(1, 0, 0), width: 100, height: 100)!)
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
            let context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
            let life = try LifeWorkload(device: context.device, grid: grid, rule: .conway)
            let image = try OffscreenRenderer(device: context.device, width: 200, height: 100).render(life)
            let camera = Camera.topDown(gridWidth: 20, gridHeight: 10, aspect: 2)
            func lit(_ x: Int, _ y: Int) throws -> Bool {
                // Cell (x, y) sits at (x - W/2 + 0.5, H/2 - y - 0.5) in the z = 0 plane.
                let p = try #require(camera.project(SIMD3(Float(x) - 10 + 0.5, 5 - Float(y) - 0.5, 0), width: 200, height: 100))
                let pixel = image.pixel(x: Int(p.x), y: Int(p.y))
                return max(pixel.r, pixel.g, pixel.b) > 12
            }
            #expect(try lit(2, 3))
            #expect(try lit(17, 8))
            #expect(try !lit(10, 5))
            var count = 0
            for y in 0..<100 { for x in 0..<200 where max(image.pixel(x: x, y: y).r, image.pixel(x: x, y: y).g) > 12 { count += 1 } }
            #expect(count > 2 && count < 2 * 120, "\(count) lit pixels for two cells")
        }
        #expect(log.messages.isEmpty, "\(log.messages)")
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

    @Test func onlyTheRowsOnScreenAreDrawn() {
        var camera = Camera.topDown(gridWidth: 1000, gridHeight: 800, aspect: 1)
        let all = ParticleRenderer.visibleRows(gridHeight: 800, camera: camera, aspect: 1)
        #expect(all == 0..<800)
        camera.zoom(0.1)
        let zoomed = ParticleRenderer.visibleRows(gridHeight: 800, camera: camera, aspect: 1)
        // The 1000-wide grid frames 1040 rows at home (aspect 1); a tenth of that, around the middle.
        #expect(zoomed.count >= 104 && zoomed.count <= 107, "\(zoomed)")
        #expect(zoomed.contains(400))
        camera.pan(right: 0, down: 10)
        #expect(ParticleRenderer.visibleRows(gridHeight: 800, camera: camera, aspect: 1).isEmpty)
        var tilted = Camera.topDown(gridWidth: 10, gridHeight: 10, aspect: 1)
        tilted.orbit(yaw: 0.2, pitch: 0)
        #expect(ParticleRenderer.visibleRows(gridHeight: 10, camera: tilted, aspect: 1) == 0..<10)
    }

    @Test func aZoomedOutGridIsDrawnFromBlocksWhereItsCellsAre() throws {
        let log = ValidationLog(echo: nil)
        var grid = LifeGrid(width: 4000, height: 3000)
        // Still lifes (2x2 blocks) far apart; everything else dead.
        let blocks = [(100, 100), (3000, 2000), (1990, 40), (3990, 2990)]
        for (x, y) in blocks { for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { grid[x + dx, y + dy] = 1 } }
        do {
            let context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log, graphics: true)
            let renderer = try OffscreenRenderer(device: context.device, width: 400, height: 300)
            let camera = Camera.topDown(gridWidth: 4000, gridHeight: 3000, aspect: 400 / 300)
            #expect(LifeOverview.factor(pixelsPerCell: 300 / camera.visibleHeight, width: 4000, height: 3000) == 8)
            for kernel in [LifeKernel.bits, .bytes] {
                let image = try renderer.render(try LifeWorkload(device: context.device, grid: grid, rule: .conway, kernel: kernel))
                for (x, y) in blocks {
                    let centre = try #require(camera.project(SIMD3(Float(x) + 1 - 2000, 1500 - Float(y) - 1, 0), width: 400, height: 300))
                    var lit = false
                    for py in max(0, Int(centre.y) - 2)...min(299, Int(centre.y) + 2) {
                        for px in max(0, Int(centre.x) - 2)...min(399, Int(centre.x) + 2) where !Self.isBackground(image.pixel(x: px, y: py)) {
                            lit = true
                        }
                    }
                    #expect(lit, "\(kernel): the block at (\(x), \(y)) shows near pixel \(centre)")
                }
                var count = 0
                for y in 0..<300 { for x in 0..<400 where !Self.isBackground(image.pixel(x: x, y: y)) { count += 1 } }
                var litAt: [String] = []
                for y in 0..<300 { for x in 0..<400 where !Self.isBackground(image.pixel(x: x, y: y)) { litAt.append("\(x),\(y)") } }
                #expect(count >= 4 && count <= 4 * 9, "\(kernel): \(count) lit pixels for four blocks, at \(litAt)")
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
        #expect(LifeOverview.factor(pixelsPerCell: 0.001, width: 65536, height: 65536, bitsPerCell: 1, loopLimit: 65535) == 512)
        #expect(LifeOverview.factor(pixelsPerCell: 0.001, width: 8192, height: 8192, bitsPerCell: 8, loopLimit: 65535) == 64)
    }

    static func isBackground(_ p: (r: UInt8, g: UInt8, b: UInt8)) -> Bool { max(p.r, p.g, p.b) <= 12 }
}
