import Engine
import FoundationEssentials

/// The workloads a sweep runs, and the parameters each of its tasks takes: the names of the
/// `run` command's options, camel-cased (`checkpointEvery`).
public enum SweepWorkload: String, Sendable, Codable, CaseIterable {
    case nbody, life
    case grayScott = "gray-scott"

    /// Each parameter and its default, in words, for `sweep --help` and errors.
    public var parameters: [(name: String, meaning: String)] {
        switch self {
        case .nbody:
            [
                ("particles", "bodies (default 4096)"), ("model", "plummer, cube or galaxies (default plummer)"),
                ("seed", "seed of the model (default 1)"), ("steps", "steps (default 1000)"),
                ("dt", "time step (default 0.001)"), ("softening", "softening length (default 0.01)"),
                ("gravity", "G (default 1)"), ("kernel", "kernel shape W,B,T as for run (default: the device's)"),
                ("checkpointEvery", "steps between checkpoints a killed task resumes from (default: a tenth)"),
                ("png", "true: a picture of the final state, picture.png (default false)"),
            ]
        case .life:
            [
                ("size", "grid WxH (default 256x256)"), ("rule", "rule (default B3/S23)"),
                ("seed", "seed of the random grid (default 1)"), ("density", "share of live cells (default 0.3)"),
                ("steps", "generations (default 1000)"), ("bounded", "dead cells beyond the edges (default false)"),
                ("stopWhenStable", "true: end once the grid stops changing or repeats with period 2 (default false)"),
                ("kernel", "Life kernel as for run (default: the one tuned for the device, else the device's)"),
                ("checkpointEvery", "generations between checkpoints a killed task resumes from (default: a tenth)"),
                ("png", "true: a picture of the final grid, picture.png (default false)"),
            ]
        case .grayScott:
            [
                ("size", "field WxH (default 256x256)"), ("seed", "seed of the spots (default 1)"),
                ("steps", "steps (default 5000)"), ("feed", "feed rate (default 0.055)"),
                ("kill", "kill rate (default 0.062)"), ("diffusionU", "diffusion rate of u (default 1)"),
                ("diffusionV", "diffusion rate of v (default 0.5)"), ("dt", "time step (default 1)"),
                ("rows", "rows of each invocation's strip, a speed only (default: the tuned kernel's, else 16)"),
                ("columns", "cells of each strip's rows, a speed only (default: the tuned kernel's, else 8 or 1)"),
                ("checkpointEvery", "steps between checkpoints a killed task resumes from (default: a tenth)"),
                ("png", "true: a picture of the final field, picture.png (default false)"),
            ]
        }
    }

    /// Every workload's parameters with their meaning and default, a line each under the
    /// workload's name, for `sweep --help`.
    public static var parameterList: String {
        allCases.map { workload in
            "\(workload.rawValue):\n"
                + workload.parameters.map { "  \($0.name): \($0.meaning)" }.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The workloads' names, as a sweep file spells them: "nbody, life or gray-scott".
    static var names: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Why `name` is no parameter of this workload; nil when it is one.
    func checkName(_ name: String) -> String? {
        guard !parameters.contains(where: { $0.name == name }) else { return nil }
        return "no parameter of \(rawValue); it takes \(parameters.map(\.name).joined(separator: ", "))"
    }

    /// Why a task's parameters cannot run (a value of the wrong kind or out of range); nil when
    /// they can. Whether the device holds the task is the task's own business when it runs.
    func problem(in parameters: [String: SweepValue]) -> String? {
        do {
            switch self {
            case .nbody: _ = try NBodyTaskParameters(parameters)
            case .life: _ = try LifeTaskParameters(parameters)
            case .grayScott: _ = try GrayScottTaskParameters(parameters)
            }
            _ = try TaskParameterReader(parameters).bool("png", default: false)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

extension SweepTask {
    /// Whether the task asks for a picture of its final state.
    public var wantsPicture: Bool { parameters["png"] == .bool(true) }
}

/// Reads typed values out of a task's parameters, naming the parameter when one is wrong.
struct TaskParameterReader {
    let values: [String: SweepValue]

    init(_ values: [String: SweepValue]) { self.values = values }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let given = values[name] else { return value }
        guard case .int(let number) = given, range.contains(number) else {
            throw EngineError.invalidInput(
                "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got \(given)")
        }
        return number
    }

    func number(_ name: String, default value: Double) throws -> Double {
        switch values[name] {
        case nil: return value
        case .int(let number)?: return Double(number)
        case .double(let number)?: return number
        case let other?: throw EngineError.invalidInput("\(name) must be a number, got \(other)")
        }
    }

    func string(_ name: String) throws -> String? {
        switch values[name] {
        case nil: return nil
        case .string(let text)?: return text
        case let other?: throw EngineError.invalidInput("\(name) must be a string, got \(other)")
        }
    }

    func bool(_ name: String, default value: Bool) throws -> Bool {
        switch values[name] {
        case nil: return value
        case .bool(let flag)?: return flag
        case let other?: throw EngineError.invalidInput("\(name) must be true or false, got \(other)")
        }
    }
}

/// An N-body task's parameters, checked.
struct NBodyTaskParameters {
    var particles: Int
    var model: InitialModel
    var seed: UInt64
    var steps: Int
    var physics: NBodyParameters
    var kernel: NBodyKernel?
    var checkpointEvery: Int

    init(_ values: [String: SweepValue]) throws {
        let read = TaskParameterReader(values)
        particles = try read.int("particles", default: 4096, in: 1...(1 << 31))
        let modelName = try read.string("model") ?? InitialModel.plummer.rawValue
        guard let model = InitialModel(rawValue: modelName) else {
            let names = InitialModel.allCases.map(\.rawValue).joined(separator: ", ")
            throw EngineError.invalidInput("model must be one of \(names), got \(modelName)")
        }
        self.model = model
        seed = UInt64(try read.int("seed", default: 1, in: 0...Int.max))
        steps = try read.int("steps", default: 1000, in: 0...1_000_000_000)
        physics = NBodyParameters(
            dt: Float(try read.number("dt", default: 0.001)),
            softening: Float(try read.number("softening", default: 0.01)),
            gravity: Float(try read.number("gravity", default: 1)))
        try physics.validate()
        kernel = try read.string("kernel").map { try NBodyKernel(parsing: $0) }
        checkpointEvery = try read.int("checkpointEvery", default: max(1, steps / 10), in: 0...1_000_000_000)
    }
}

/// `size`: WxH, each side 1 to 1048576.
func readSize(_ read: TaskParameterReader, default value: String) throws -> (width: Int, height: Int) {
    let size = try read.string("size") ?? value
    let sides = size.lowercased().split(separator: "x").map { Int($0) }
    guard sides.count == 2, let width = sides[0], let height = sides[1], (1...LifeGrid.largestSide).contains(width),
        (1...LifeGrid.largestSide).contains(height)
    else { throw EngineError.invalidInput("size must be WxH, each 1 to \(LifeGrid.largestSide), got \(size)") }
    return (width, height)
}

/// A Gray-Scott task's parameters, checked.
struct GrayScottTaskParameters {
    var width: Int
    var height: Int
    var seed: UInt64
    var steps: Int
    var rates: GrayScottParameters
    /// The kernel shape asked for, in part or whole; neither for the tuned one, else the default.
    var rows: Int?
    var columns: Int?
    var checkpointEvery: Int

    init(_ values: [String: SweepValue]) throws {
        let read = TaskParameterReader(values)
        (width, height) = try readSize(read, default: "256x256")
        seed = UInt64(try read.int("seed", default: 1, in: 0...Int.max))
        steps = try read.int("steps", default: 5000, in: 0...1_000_000_000)
        let defaults = GrayScottParameters()
        rates = GrayScottParameters(
            feed: Float(try read.number("feed", default: Double(defaults.feed))),
            kill: Float(try read.number("kill", default: Double(defaults.kill))),
            diffusionU: Float(try read.number("diffusionU", default: Double(defaults.diffusionU))),
            diffusionV: Float(try read.number("diffusionV", default: Double(defaults.diffusionV))),
            dt: Float(try read.number("dt", default: Double(defaults.dt))))
        try rates.validate(spelling: .key)
        rows = try values["rows"].map { _ in try read.int("rows", default: 0, in: GrayScottKernel.rowRange) }
        columns = try values["columns"].map { _ in
            try read.int("columns", default: 0, in: GrayScottKernel.columnRange)
        }
        checkpointEvery = try read.int("checkpointEvery", default: max(1, steps / 10), in: 0...1_000_000_000)
    }
}

/// A Life task's parameters, checked.
struct LifeTaskParameters {
    var width: Int
    var height: Int
    var rule: LifeRuleSpecification
    var seed: UInt64
    var density: Double
    var steps: Int
    var bounded: Bool
    var stopWhenStable: Bool
    var kernel: LifeKernel?
    var checkpointEvery: Int

    init(_ values: [String: SweepValue]) throws {
        let read = TaskParameterReader(values)
        (width, height) = try readSize(read, default: "256x256")
        rule = try LifeRuleSpecification(parsing: try read.string("rule") ?? "B3/S23")
        seed = UInt64(try read.int("seed", default: 1, in: 0...Int.max))
        density = try read.number("density", default: 0.3)
        guard (0...1).contains(density) else {
            throw EngineError.invalidInput("density must be 0 to 1, got \(density)")
        }
        steps = try read.int("steps", default: 1000, in: 0...1_000_000_000)
        bounded = try read.bool("bounded", default: false)
        stopWhenStable = try read.bool("stopWhenStable", default: false)
        checkpointEvery = try read.int("checkpointEvery", default: max(1, steps / 10), in: 0...1_000_000_000)
        kernel = try read.string("kernel").map { text in
            guard let kernel = LifeKernel(parsing: text) else {
                throw EngineError.invalidInput("kernel must be bytes, bits, wide, tiled:K or streamed:K, got \(text)")
            }
            return kernel
        }
    }
}
