// Feeds arbitrary bytes to everything that reads what a user or a file supplies: RLE
// patterns, .npy state, field and grid files, Life rules, kernel names and shapes, device selectors, sweep
// files, and the kernel shapes a tuning cache or checkpoint hands to `problems(on:particleCount:)`. The
// rule for each: a clear error or a value that survives a round trip, never a trap.
//
// Built by scripts/fuzz.sh with libFuzzer (`-D FUZZING`), it searches for inputs that trap.
// Built plainly, it replays the files given as arguments (a crash input, a corpus), which is
// how the tests and a developer check a fix.

import Engine
import FoundationEssentials
import Glibc
import Simulation

/// One input: the first byte picks the reader, the rest is its input.
func exercise(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    let input = Array(bytes.dropFirst())
    let text = String(decoding: input, as: UTF8.self)
    // The readers added later take the top selectors, so older corpus files keep their reader.
    if selector >= 0xF0 {
        exerciseSweep(text)
        return
    }
    switch selector % 8 {
    case 0: exerciseRLE(text)
    case 1: exerciseNPY(input)
    case 2: exerciseRule(text)
    case 3: exerciseLifeKernel(text)
    case 4: _ = try? DeviceSelector(parsing: text)
    case 5: (try? NBodyKernel(parsing: text)).map { exerciseShape($0, particleCount: 4096) }
    case 6: exerciseShapeFields(input)
    default: exercisePlacement(input)
    }
}

func fail(_ what: String) -> Never { fatalError("round trip changed \(what)") }

/// A sweep file: an error naming where it is, or tasks that each have an index and an id.
func exerciseSweep(_ text: String) {
    guard let plan = try? SweepPlan(json: text) else { return }
    for task in plan.tasks.prefix(100) {
        guard (try? plan.task(index: task.index, environment: [:])) == task, !task.id.isEmpty else { fail("a task") }
        _ = task.summary
    }
}

func exerciseRLE(_ text: String) {
    guard let pattern = try? RLEFile.parse(text) else { return }
    // Two-state patterns without a rule write as b/o, so only states 0 and 1 survive that.
    // Headers may declare up to 2^30 cells; writing and rereading those takes seconds, and
    // the round trip is the same at any size.
    guard pattern.grid.cells.count <= 1 << 20, pattern.rule != nil || pattern.grid.cells.allSatisfy({ $0 <= 1 }) else {
        return
    }
    let written = RLEFile.write(pattern.grid, rule: pattern.rule ?? .conway)
    guard let reread = try? RLEFile.parse(written), reread.grid == pattern.grid else { fail("RLE pattern") }
}

/// Where `NPYFile.read`, `readField` and `readGrid` find the input: they read files their own way
/// (header first, data into place), and must agree with the decoders on every input.
let npyFile = FileManager.default.temporaryDirectory.appendingPathComponent("parser-fuzzer-\(getpid()).npy")

/// The input as a state, as a Gray-Scott field and as a Life grid: the file readers agree with
/// the decoders, and what is read survives being written and read again.
func exerciseNPY(_ bytes: [UInt8]) {
    guard (try? Data(bytes).write(to: npyFile)) != nil else { fatalError("cannot write \(npyFile.path)") }
    func sameBits<T>(_ values: @escaping (T) -> [Float]) -> (T, T) -> Bool {
        { a, b in values(a).elementsEqual(values(b)) { $0.bitPattern == $1.bitPattern } }
    }
    checkNPY(bytes, decode: NPYFile.decode, read: NPYFile.read, encode: NPYFile.encode, same: sameBits(\.values))
    checkNPY(
        bytes, decode: NPYFile.decodeField, read: NPYFile.readField, encode: NPYFile.encode, same: sameBits(\.values))
    checkNPY(bytes, decode: NPYFile.decodeGrid, read: NPYFile.readGrid, encode: NPYFile.encode, same: ==)
}

func checkNPY<T>(
    _ bytes: [UInt8], decode: (Data) throws(NPYError.Problem) -> T, read: (URL) throws -> T,
    encode: (T) -> Data, same: (T, T) -> Bool
) {
    let decoded = Result { () throws(NPYError.Problem) in try decode(Data(bytes)) }
    let read = Result { try read(npyFile) }
    switch (decoded, read) {
    case (.success(let a), .success(let b)) where same(a, b): break
    case (.failure(let problem), .failure(let error)) where (error as? NPYError)?.problem == problem.text: break
    default: fatalError("the .npy file reader and decoder disagree: \(decoded) against \(read)")
    }
    guard let value = try? decoded.get() else { return }
    guard let reread = try? decode(encode(value)), same(reread, value) else { fail(".npy \(T.self)") }
}

func exerciseLifeKernel(_ text: String) {
    guard let kernel = LifeKernel(parsing: text) else { return }
    guard LifeKernel(parsing: kernel.description) == kernel else { fail("Life kernel \(kernel)") }
}

func exerciseRule(_ text: String) {
    guard let rule = try? LifeRule(parsing: text) else { return }
    guard let reread = try? LifeRule(parsing: rule.description), reread == rule else { fail("rule \(rule)") }
}

/// Devices at the corners of what `problems` must judge: a GPU, a CPU driver with a loop
/// limit, and V3DV's small limits.
let devices: [PhysicalDeviceDescription] = {
    func device(
        _ name: String, _ type: DeviceType, vendor: UInt32, invocations: UInt32, shared: UInt32, range: UInt32,
        subgroup: UInt32, atomics: Bool
    ) -> PhysicalDeviceDescription {
        PhysicalDeviceDescription(
            index: 0, name: name, type: type, vendorID: vendor, apiVersion: APIVersion(1, 3, 0),
            queueFamilies: [
                QueueFamilyDescription(
                    index: 0, queueCount: 1, supportsGraphics: true, supportsCompute: true, timestampValidBits: 64)
            ],
            memoryHeaps: [MemoryHeapDescription(size: 8 << 30, deviceLocal: true)],
            limits: ComputeLimits(
                maxComputeWorkGroupInvocations: invocations, maxComputeWorkGroupSize: [invocations, invocations, 64],
                maxComputeWorkGroupCount: [2_147_483_647, 65535, 65535], maxComputeSharedMemorySize: shared,
                maxStorageBufferRange: range, timestampPeriod: 1, subgroupSize: subgroup,
                subgroupShuffleRelativeInCompute: atomics, subgroupShuffleInCompute: atomics),
            supportsInt64: atomics, supportsBufferFloatAtomicAdd: atomics, supportsBufferInt64AtomicAdd: atomics)
    }
    return [
        device(
            "NVIDIA H100", .discrete, vendor: 0x10DE, invocations: 1024, shared: 49152, range: .max, subgroup: 32,
            atomics: true),
        device(
            "llvmpipe (LLVM 15.0.6, 256 bits)", .cpu, vendor: 0x10005, invocations: 1024, shared: 32768, range: 1 << 27,
            subgroup: 8, atomics: true),
        device(
            "V3D 7.1.7", .integrated, vendor: 0x14E4, invocations: 256, shared: 16384, range: 1 << 30, subgroup: 16,
            atomics: false),
    ]
}()

func exerciseShape(_ shape: NBodyKernel, particleCount: Int) {
    _ = shape.description
    for device in devices where shape.problems(on: device, particleCount: particleCount).isEmpty {
        _ = shape.workgroupCount(particleCount: particleCount)
        _ = shape.pairSumBytes(particleCount: particleCount)
    }
}

/// Reads `count` little-endian 64-bit integers, zero past the end.
func integers(_ bytes: [UInt8], count: Int) -> [Int] {
    (0..<count).map { field in
        (0..<8).reduce(0) { value, byte in
            let index = field * 8 + byte
            return value | (index < bytes.count ? Int(bytes[index]) << (8 * byte) : 0)
        }
    }
}

/// A shape as a hand-edited tuning cache or checkpoint may hold it: any integers at all.
func exerciseShapeFields(_ bytes: [UInt8]) {
    let fields = integers(bytes, count: 6)
    let flags = bytes.count > 48 ? bytes[48] : 0
    guard
        let shape = try? NBodyKernel(
            workgroupSize: fields[0], bodiesPerInvocation: fields[1], tileSize: fields[2],
            invocationsPerBody: fields[3],
            prefetchesTiles: flags & 1 != 0, force: flags & 2 != 0 ? .quotient : .reciprocalSquareRoot,
            eachPairOnce: flags & 4 != 0, addsSharesAtomically: flags & 8 != 0, tileUnroll: fields[4])
    else { return }
    // Particle counts reach problems() only once they are at least 1.
    exerciseShape(shape, particleCount: max(1, fields[5]))
}

/// A pattern placed at any position, as `--at X,Y` may ask.
func exercisePlacement(_ bytes: [UInt8]) {
    let fields = integers(bytes, count: 2)
    var grid = LifeGrid(width: 7, height: 5)
    grid.place(LifeGrid(width: 3, height: 2, cells: [1, 0, 1, 0, 1, 1]), atX: fields[0], y: fields[1])
    guard grid.population == 4 else { fail("a placed pattern's population") }
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzer(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The entry point: SwiftPM links an executable target's `main` to `<target>_main`, and here
    /// that hands control to libFuzzer.
    @_cdecl("ParserFuzzer_main")
    func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var argc = argc
        var argv = argv
        return runFuzzer(&argc, &argv) { data, size in
            exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
    }
#else
    /// Replays files, or directories of them (a libFuzzer corpus).
    @main
    enum ParserFuzzer {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                var isDirectory: Bool = false
                let files =
                    FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory
                    ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map {
                        path + "/" + $0
                    }
                    : [path]
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        writeToStandardError("\(file): cannot be read\n")
                        exit(1)
                    }
                    exercise([UInt8](data))
                }
            }
        }
    }
#endif
