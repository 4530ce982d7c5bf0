import Engine
import FoundationEssentials
import Testing

/// The Gray-Scott workload on lavapipe against its float64 CPU reference.
@Suite(.serialized) struct GrayScottTests {
    let context: ComputeContext
    let log = ValidationLog()

    init() throws {
        context = try ComputeContext(instanceOptions: InstanceOptions(validation: true), validationLog: log)
    }

    /// Sizes off the workgroup (64 columns, strips of 16 rows) and a field of one row, whose
    /// neighbours all wrap round.
    @Test(arguments: [(70, 45), (16, 16), (33, 1), (1, 1)])
    func theGPUFollowsTheReference(width: Int, height: Int) throws {
        let start = GrayScottField.seeded(width: width, height: height, seed: 7)
        let parameters = GrayScottParameters(feed: 0.04, kill: 0.06, diffusionU: 0.9, diffusionV: 0.4, dt: 1.1)
        let workload = try GrayScottWorkload(device: context.device, field: start, parameters: parameters)
        try workload.advance(steps: 30)
        let gpu = try workload.download()
        let reference = GrayScottReference.advance(start, parameters: parameters, steps: 30)
        let comparison = FieldComparison(gpu, reference: reference)
        #expect(comparison.maxError < 1e-5, "\(comparison)")
        // Something happened: the start is far from the result.
        #expect(FieldComparison(start, reference: reference).maxError > 1e-3 || width * height == 1)
        #expect(log.count == 0, "\(log.messages)")
    }

    /// Other kernel shapes (`bench gray-scott --rows --columns`): strips of one row, strips that
    /// leave the last part-filled, strips longer than the field, whose last row wraps to the
    /// first; blocks of one cell to 16, on widths that divide by 4 (blocks of 4, 8 and 16 read
    /// in fours), by 2 alone (even blocks read in pairs) and by neither, and fields narrower
    /// than a block, whose neighbours and units wrap within it.
    @Test(arguments: [
        (1, 1), (3, 1), (7, 2), (64, 1), (GrayScottKernel.rowRange.upperBound, 1), (16, 3), (16, 4), (5, 8),
        (16, 16), (1, 16),
    ])
    func everyKernelShapeFollowsTheReference(rows: Int, columns: Int) throws {
        let kernel = GrayScottKernel(rows: rows, columns: columns)
        let parameters = GrayScottParameters(feed: 0.035, kill: 0.065)
        for (width, height) in [(72, 45), (70, 45), (71, 45), (4, 6), (2, 9), (3, 5), (1, 4)] {
            let start = GrayScottField.seeded(width: width, height: height, seed: 5)
            let workload = try GrayScottWorkload(
                device: context.device, field: start, parameters: parameters, kernel: kernel)
            #expect(workload.kernelDescription.contains("\(kernel)"))
            try workload.advance(steps: 25)
            let comparison = FieldComparison(
                try workload.download(), reference: GrayScottReference.advance(start, parameters: parameters, steps: 25)
            )
            #expect(comparison.maxError < 1e-5, "\(kernel), \(width)x\(height): \(comparison)")
        }
        #expect(log.count == 0, "\(log.messages)")
    }

    /// A cell's sums are the same, in the same order, whatever strip and block it is in: the
    /// shape is a speed, and runs with different ones (a resume among them) give the same bits.
    @Test(arguments: [100, 101])
    func theKernelShapeLeavesTheBitsAsTheyAre(width: Int) throws {
        let start = GrayScottField.seeded(width: width, height: 75, seed: 9)
        let shapes = [(1, 1), (7, 1), (16, 1), (64, 1), (16, 2), (16, 8), (3, 16), (16, 5), (5, 4)]
        let fields = try shapes.map { rows, columns in
            let workload = try GrayScottWorkload(
                device: context.device, field: start, parameters: .init(),
                kernel: GrayScottKernel(rows: rows, columns: columns))
            try workload.advance(steps: 40)
            return try workload.download()
        }
        #expect(fields.allSatisfy { $0 == fields[0] })
        #expect(fields[0] != start)
    }

    @Test func aKernelShapeOutOfRangeIsRefused() throws {
        let field = GrayScottField.seeded(width: 8, height: 8, seed: 1)
        for rows in [0, -1, GrayScottKernel.rowRange.upperBound + 1] {
            #expect {
                try GrayScottWorkload(
                    device: context.device, field: field, parameters: .init(), kernel: GrayScottKernel(rows: rows))
            } throws: { "\($0)".contains("a strip of \(rows) rows: it must be 1 to 1024") }
        }
        for columns in [0, 17] {
            #expect {
                try GrayScottWorkload(
                    device: context.device, field: field, parameters: .init(),
                    kernel: GrayScottKernel(columns: columns))
            } throws: { "\($0)".contains("\(columns) cells a row: it must be 1 to 16") }
        }
    }

    /// CPU drivers default to wide blocks, GPUs to a cell an invocation; parts given keep the
    /// rest of the default.
    @Test func theDefaultShapeIsTheDevices() {
        let device = context.device.description
        #expect(GrayScottKernel.defaultKernel(for: device) == GrayScottKernel(rows: 16, columns: 8))
        #expect(GrayScottKernel.given(rows: 4, columns: nil, for: device) == GrayScottKernel(rows: 4, columns: 8))
        #expect(GrayScottKernel.given(rows: nil, columns: 2, for: device) == GrayScottKernel(rows: 16, columns: 2))
        #expect(GrayScottKernel.given(rows: nil, columns: nil, for: device) == nil)
        #expect(GrayScottKernel.given(rows: [], columns: [], for: device) == nil)
        #expect(
            GrayScottKernel.given(rows: [4, 8], columns: [], for: device)
                == [GrayScottKernel(rows: 4, columns: 8), GrayScottKernel(rows: 8, columns: 8)])
        #expect(
            GrayScottKernel.given(rows: [], columns: [1, 2], for: device)
                == [GrayScottKernel(rows: 16, columns: 1), GrayScottKernel(rows: 16, columns: 2)])
        var gpu = device
        gpu.type = .discrete
        #expect(GrayScottKernel.defaultKernel(for: gpu) == GrayScottKernel(rows: 16, columns: 1))
    }

    /// A block's own cells are read and written four at a time where the device has 64-bit
    /// integers and the block and the width divide by 4, else two at a time where they divide by
    /// 2, else one at a time.
    @Test func theBlockIsAccessedInTheWidestUnitThatFits() {
        let device = context.device.description
        #expect(device.supportsInt64)
        var withoutInt64 = device
        withoutInt64.supportsInt64 = false
        for (columns, width, unit, unitWithoutInt64) in [
            (8, 100, 4, 2), (16, 4, 4, 2), (8, 70, 2, 2), (4, 102, 2, 2), (12, 8, 4, 2), (6, 100, 2, 2),
            (8, 101, 1, 1), (1, 100, 1, 1), (5, 100, 1, 1),
        ] {
            let kernel = GrayScottKernel(columns: columns)
            #expect(kernel.accessUnit(width: width, device: device) == unit, "\(columns) columns, width \(width)")
            #expect(kernel.accessUnit(width: width, device: withoutInt64) == unitWithoutInt64)
        }
    }

    @Test func aSeededFieldIsReproducibleAndHoldsSpots() {
        let a = GrayScottField.seeded(width: 64, height: 40, seed: 3)
        #expect(a == GrayScottField.seeded(width: 64, height: 40, seed: 3))
        #expect(a != GrayScottField.seeded(width: 64, height: 40, seed: 4))
        #expect(a.meanV > 0 && a.meanV < 0.25)
        #expect(a.values.allSatisfy { (0...1).contains($0) })
    }

    @Test func ratesThatCannotRunAreRefusedWithTheReason() {
        for (parameters, reason) in [
            (GrayScottParameters(feed: 1.5), "--feed must be between 0 and 1"),
            (GrayScottParameters(kill: .nan), "--kill must be between 0 and 1"),
            (GrayScottParameters(diffusionV: -1), "--diffusion-v must be zero or more"),
            (GrayScottParameters(dt: 0), "--dt must be a positive finite number"),
            (GrayScottParameters(dt: 2), "the diffusion blows up"),
        ] {
            #expect(throws: EngineError.self) { try parameters.validate() }
            do { try parameters.validate() } catch { #expect("\(error)".contains(reason), "\(error)") }
        }
        #expect(throws: Never.self) { try GrayScottParameters(diffusionU: 1.25, dt: 1).validate() }
    }

    @Test func aFieldBeyondTheDeviceIsRefusedBeforeItIsMade() {
        let problem = GrayScottWorkload.sizeProblem(width: 1 << 20, height: 1 << 20, device: context.device.description)
        #expect(problem?.contains("maxStorageBufferRange") == true, "\(problem ?? "")")
        #expect(GrayScottWorkload.sizeProblem(width: 512, height: 512, device: context.device.description) == nil)
    }

    @Test func theFieldIsWrittenAsNumPyFloat32OfShapeHW2() throws {
        let field = GrayScottField.seeded(width: 5, height: 3, seed: 1)
        let data = NPYFile.encode(field)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (3, 5, 2)"), "\(header)")
        #expect((10 + headerLength) % 64 == 0)
        let floats = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == field.values)
    }
}
