import Foundation
import TestSupport
import Testing

@testable import Engine

@Suite("NumPy files (.npy): states, fields and grids")
struct NPYFileTests {
    /// A directory for the test's files, removed when the test ends.
    let scratch = ScratchDirectory("npy-tests")
    var directory: URL { scratch.url }

    let sample = InitialModel.galaxies.generate(count: 37, seed: 9)

    /// A hand-built file: magic, version, header padded as NumPy does, then `payload`.
    func image(header: String, version: (UInt8, UInt8) = (1, 0), payload: Data? = nil) -> Data {
        let lengthBytes = version.0 == 1 ? 2 : 4
        var text = header
        let unpadded = 8 + lengthBytes + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(NPYFile.magic + [version.0, version.1])
        let count = text.utf8.count
        data.append(contentsOf: (0..<lengthBytes).map { UInt8((count >> (8 * $0)) & 0xFF) })
        data.append(Data(text.utf8))
        if let payload { data.append(payload) } else { sample.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    func problem(_ data: Data) -> String? {
        do {
            _ = try NPYFile.decode(data)
            return nil
        } catch {
            return error.text
        }
    }

    @Test func roundTripThroughAFile() throws {
        let url = directory.appendingPathComponent("state.npy")
        try NPYFile.write(sample, to: url)
        #expect(try NPYFile.read(from: url) == sample)
        // The data starts on a 64-byte boundary, as NumPy writes it.
        let bytes = try Data(contentsOf: url)
        #expect((bytes.count - sample.count * 32) % 64 == 0)
        // Nothing but the file itself is left in the directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["state.npy"])
    }

    @Test func version2HeadersAreRead() throws {
        let data = image(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (37, 8), }", version: (2, 0))
        #expect(try NPYFile.decode(data) == sample)
    }

    @Test func headerSpellingsNumPyMayUse() throws {
        let data = image(header: "{\"shape\": (37,8), \"fortran_order\": False, \"descr\": \"<f4\"}")
        #expect(try NPYFile.decode(data) == sample)
    }

    @Test(
        "malformed files are rejected with a clear reason",
        arguments: [
            ("bad magic", "is not a NumPy .npy file"),
            ("version 3", "versions 1.0 and 2.0 are supported"),
            ("float64", "dtype '<f8'"),
            ("big endian", "big-endian"),
            ("fortran", "Fortran order"),
            ("shape (N, 7)", "expected (N, 8)"),
            ("shape (N,)", "expected (N, 8)"),
            ("no particles", "holds no particles"),
            ("truncated data", "is truncated"),
            ("truncated header", "truncated inside its header"),
            ("trailing bytes", "unexpected data after the array"),
            ("NaN", "non-finite value (NaN or Inf) in particle 2, field vy"),
            ("Inf", "non-finite value (NaN or Inf) in particle 0, field x"),
            ("negative mass", "negative mass"),
            ("not a dict", "not a dict"),
        ])
    func malformed(kind: String, expected: String) throws {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (37, 8), }"
        let good = image(header: header)
        var data: Data
        switch kind {
        case "bad magic":
            data = good
            data[1] = 0x4D
        case "version 3":
            data = good
            data[6] = 3
        case "float64": data = image(header: header.replacingOccurrences(of: "<f4", with: "<f8"))
        case "big endian": data = image(header: header.replacingOccurrences(of: "<f4", with: ">f4"))
        case "fortran": data = image(header: header.replacingOccurrences(of: "False", with: "True"))
        case "shape (N, 7)": data = image(header: header.replacingOccurrences(of: "(37, 8)", with: "(37, 7)"))
        case "shape (N,)": data = image(header: header.replacingOccurrences(of: "(37, 8)", with: "(296,)"))
        case "no particles":
            data = image(header: header.replacingOccurrences(of: "(37, 8)", with: "(0, 8)"), payload: Data())
        case "truncated data": data = good.prefix(good.count - 5)
        case "truncated header": data = good.prefix(40)
        case "trailing bytes": data = good + Data([0, 0, 0, 0])
        case "NaN", "Inf", "negative mass":
            var values = sample.values
            if kind == "NaN" { values[2 * 8 + 5] = .nan }
            if kind == "Inf" { values[0] = -.infinity }
            if kind == "negative mass" { values[3] = -1 }
            data = image(header: header, payload: values.withUnsafeBytes { Data($0) })
        case "not a dict": data = image(header: "['descr', '<f4']")
        default: fatalError(kind)
        }
        let message = try #require(problem(data), "\(kind) was accepted")
        #expect(message.contains(expected), "\(kind): \(message)")
    }

    @Test func missingFilesAndPathsAreNamedInErrors() throws {
        let missing = directory.appendingPathComponent("missing.npy")
        do {
            _ = try NPYFile.read(from: missing)
            Issue.record("read of a missing file succeeded")
        } catch let error as NPYError {
            #expect(error.path == missing.path)
            #expect(error.description.contains("cannot be read"))
        }
        let nowhere = directory.appendingPathComponent("no/such/dir/out.npy")
        #expect(throws: FileError.self) { try NPYFile.write(sample, to: nowhere) }
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporaryFiles() throws {
        let url = directory.appendingPathComponent("keep.npy")
        try NPYFile.write(sample, to: url)
        // A directory in the way makes the rename fail after the data was written.
        let blocked = directory.appendingPathComponent("blocked.npy")
        try FileManager.default.createDirectory(
            at: blocked.appendingPathComponent("child"), withIntermediateDirectories: true)
        #expect(throws: FileError.self) { try NPYFile.write(sample, to: blocked) }
        #expect(try NPYFile.read(from: url) == sample)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["blocked.npy", "keep.npy"])
    }

    /// NumPy itself reads what we write and writes what we read.
    @Test(.enabled(if: NPYFileTests.numpyAvailable)) func interoperatesWithNumPy() throws {
        let ours = directory.appendingPathComponent("ours.npy")
        let theirs = directory.appendingPathComponent("theirs.npy")
        try NPYFile.write(sample, to: ours)
        let script = """
            import numpy as np, sys
            a = np.load(sys.argv[1])
            assert a.dtype == np.dtype('<f4') and a.shape == (37, 8), (a.dtype, a.shape)
            np.save(sys.argv[2], np.ascontiguousarray(a[:, :] * 2))
            print(repr(float(a[5, 3])))
            """
        let result = try ChildProcess.run(command: "python3", ["-c", script, ours.path, theirs.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Float(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == sample.mass(5))
        let doubled = try NPYFile.read(from: theirs)
        #expect(doubled.values == sample.values.map { $0 * 2 })
    }

    /// A field of 5 x 3 cells, its values all different.
    let field = GrayScottField(width: 5, height: 3, values: (0..<30).map { Float($0) / 32 })

    @Test func aFieldRoundTripsThroughAFileAndIsToldFromAState() throws {
        let url = directory.appendingPathComponent("field.npy")
        try NPYFile.write(field, to: url)
        #expect(try NPYFile.readField(from: url) == field)
        #expect(try NPYFile.decodeField(NPYFile.encode(field)) == field)
        // Each reader names the other's file, and the command that takes it.
        do {
            _ = try NPYFile.read(from: url)
            Issue.record("a field was read as a state")
        } catch let error as NPYError {
            #expect(error.problem.contains("expected (N, 8)") && error.problem.contains("run gray-scott --init"))
        }
        #expect(
            throws: NPYError.Problem(
                "has shape (37, 8); expected (H, W, 2): u and v per cell (an N-body state: run --init)")
        ) {
            try NPYFile.decodeField(NPYFile.encode(sample))
        }
    }

    @Test(
        "malformed fields are rejected with a clear reason",
        arguments: [
            ("(3, 5, 3)", "expected (H, W, 2)"), ("(30,)", "expected (H, W, 2)"), ("(0, 5, 2)", "holds no cells"),
            ("(3, 0, 2)", "holds no cells"), ("(4, 5, 2)", "is truncated: shape (4, 5, 2) needs 160 bytes"),
            ("(3, 5, 1)", "expected (H, W, 2)"),
        ])
    func malformedField(shape: String, expected: String) throws {
        let data = image(
            header: "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }",
            payload: shape.hasPrefix("(0") || shape.hasPrefix("(3, 0")
                ? Data() : field.values.withUnsafeBytes { Data($0) })
        #expect(throws: NPYError.Problem.self) { try NPYFile.decodeField(data) }
        do { _ = try NPYFile.decodeField(data) } catch {
            #expect(error.text.contains(expected), "\(shape): \(error.text)")
        }
    }

    @Test func aFieldThatIsNotFiniteNamesTheCell() throws {
        var values = field.values
        values[2 * (1 * 5 + 3) + 1] = .infinity
        let data = NPYFile.encode(GrayScottField(width: 5, height: 3, values: values))
        #expect(throws: NPYError.Problem("contains a non-finite value (NaN or Inf) in cell (3, 1)")) {
            try NPYFile.decodeField(data)
        }
    }

    /// A field NumPy writes (its own header, its own padding) is read cell for cell.
    @Test(.enabled(if: NPYFileTests.numpyAvailable)) func readsAFieldNumPyWrites() throws {
        let theirs = directory.appendingPathComponent("field.npy")
        let script = """
            import numpy as np, sys
            a = np.zeros((3, 5, 2), dtype='<f4')
            a[..., 0] = np.arange(15).reshape(3, 5) / 16
            a[2, 4, 1] = 0.75
            np.save(sys.argv[1], a)
            """
        let result = try ChildProcess.run(command: "python3", ["-c", script, theirs.path])
        #expect(result.status == 0, "\(result.stderr)")
        let read = try NPYFile.readField(from: theirs)
        #expect(read.width == 5 && read.height == 3)
        #expect(read.values[2 * 7] == 7 / 16 && read.values[2 * 14 + 1] == 0.75)
    }

    /// A Generations grid of 4 x 3 cells, states 0 to 2.
    let grid = LifeGrid(width: 4, height: 3, cells: [0, 1, 2, 0, 1, 0, 0, 2, 2, 2, 1, 0])

    @Test func aGridRoundTripsAndIsToldFromStatesAndFields() throws {
        let url = directory.appendingPathComponent("grid.npy")
        try AtomicFile.write(NPYFile.encode(grid), to: url)
        #expect(try NPYFile.readGrid(from: url) == grid)
        #expect(try NPYFile.decodeGrid(NPYFile.encode(grid)) == grid)
        // Each reader names the command that takes the others' files.
        #expect(
            throws: NPYError(
                path: url.path,
                problem: "holds dtype '|u1'; CapitalEngine needs little-endian float32 ('<f4') "
                    + "(a Life grid: run life --init)")
        ) { try NPYFile.read(from: url) }
        #expect(throws: NPYError.Problem.self) { try NPYFile.decodeField(NPYFile.encode(grid)) }
        #expect(
            throws: NPYError.Problem(
                "holds dtype '<f4'; a Life grid is uint8 ('|u1') or bool ('|b1'): convert with "
                    + "array.astype(numpy.uint8) (a Gray-Scott field: run gray-scott --init)")
        ) { try NPYFile.decodeGrid(NPYFile.encode(field)) }
        #expect(throws: NPYError.Problem.self) { try NPYFile.decodeGrid(NPYFile.encode(sample)) }
    }

    @Test(
        "malformed grids are rejected with a clear reason",
        arguments: [
            ("'|u1'", "(3, 4, 1)", "expected (H, W)"), ("'|u1'", "(12,)", "expected (H, W)"),
            ("'|u1'", "(0, 4)", "holds no cells"), ("'|u1'", "(4, 4)", "is truncated: shape (4, 4) needs 16 bytes"),
            ("'<u2'", "(3, 2)", "holds dtype '<u2'; a Life grid is uint8"),
            ("'|i1'", "(3, 4)", "convert with array.astype(numpy.uint8)"),
        ])
    func malformedGrid(descr: String, shape: String, expected: String) throws {
        let data = image(
            header: "{'descr': \(descr), 'fortran_order': False, 'shape': \(shape), }",
            payload: shape.hasPrefix("(0") ? Data() : Data(grid.cells))
        do {
            _ = try NPYFile.decodeGrid(data)
            Issue.record("\(descr) \(shape) was read")
        } catch {
            #expect(error.text.contains(expected), "\(shape): \(error.text)")
        }
    }

    /// Grids NumPy writes, uint8 and bool, are read cell for cell.
    @Test(.enabled(if: NPYFileTests.numpyAvailable)) func readsGridsNumPyWrites() throws {
        let bytes = directory.appendingPathComponent("bytes.npy"), flags = directory.appendingPathComponent("bool.npy")
        let script = """
            import numpy as np, sys
            a = np.zeros((3, 5), dtype=np.uint8)
            a[1, 2] = 1
            a[2, 4] = 7
            np.save(sys.argv[1], a)
            np.save(sys.argv[2], a == 1)
            """
        let result = try ChildProcess.run(command: "python3", ["-c", script, bytes.path, flags.path])
        #expect(result.status == 0, "\(result.stderr)")
        var expected = LifeGrid(width: 5, height: 3)
        expected.cells[1 * 5 + 2] = 1
        expected.cells[2 * 5 + 4] = 7
        #expect(try NPYFile.readGrid(from: bytes) == expected)
        expected.cells[2 * 5 + 4] = 0
        #expect(try NPYFile.readGrid(from: flags) == expected)
    }

    static var numpyAvailable: Bool {
        (try? ChildProcess.run(command: "python3", ["-c", "import numpy"], standardError: .discard))?.status == 0
    }
}

@Suite("Initial models")
struct InitialModelTests {
    @Test(arguments: InitialModel.allCases)
    func modelsAreDeterministicAndCentred(model: InitialModel) {
        let a = model.generate(count: 1000, seed: 42)
        #expect(a == model.generate(count: 1000, seed: 42))
        #expect(a != model.generate(count: 1000, seed: 43))
        #expect(a.firstNonFiniteValue == nil)
        let total = (0..<a.count).reduce(0.0) { $0 + Double(a.mass($1)) }
        #expect(abs(total - 1) < 1e-5)
        let diagnostics = NBodyDiagnostics(a, parameters: NBodyParameters())
        #expect((diagnostics.momentum * diagnostics.momentum).sum().squareRoot() < 1e-6)
        #expect(model.generate(count: 1, seed: 1).count == 1)
    }

    @Test func plummerSphereStartsInVirialEquilibrium() {
        let state = InitialModel.plummer.generate(count: 4000, seed: 5)
        let d = NBodyDiagnostics(state, parameters: NBodyParameters(softening: 0))
        // Hénon units: E = -1/4 and 2K / |U| = 1, up to sampling noise.
        #expect(abs(d.totalEnergy + 0.25) < 0.03, "E = \(d.totalEnergy)")
        #expect(abs(2 * d.kineticEnergy / abs(d.potentialEnergy) - 1) < 0.1)
    }

    @Test func velocitiesScaleWithTheGravitationalConstant() {
        let unit = InitialModel.plummer.generate(count: 10, seed: 1, gravity: 1)
        let strong = InitialModel.plummer.generate(count: 10, seed: 1, gravity: 4)
        #expect(strong.position(3) == unit.position(3))
        #expect(abs(strong.velocity(3).x - 2 * unit.velocity(3).x) < 1e-6)
    }
}
