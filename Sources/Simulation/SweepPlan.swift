import Engine
import FoundationEssentials

/// A sweep: one workload run over the Cartesian product of parameter axes, plus any extra
/// points, numbered from 0 so that a scheduler's array index picks a task.
///
/// The file is JSON (no dependency beyond the toolchain's, and every scheduler's tooling reads
/// and writes it):
///
///     {
///       "workload": "nbody",
///       "axes": {"particles": [1024, 4096], "seed": {"from": 1, "to": 10}},
///       "fixed": {"steps": 200, "dt": 0.001},
///       "extra": [{"particles": 512, "seed": 99}]
///     }
///
/// Axes vary in the order of their names, the last name fastest, so the numbering does not
/// depend on how a tool ordered the object's keys.
public struct SweepPlan: Sendable {
    public let workload: SweepWorkload
    /// Each axis's name and values, in name order.
    public let axes: [(name: String, values: [SweepValue])]
    public let fixed: [String: SweepValue]
    public let extra: [[String: SweepValue]]
    /// Every task's parameters, in task order: the product, then the extra points.
    public let tasks: [SweepTask]
    /// The sweep file as it was read, which a results folder records.
    public let text: String

    /// Most tasks one sweep may hold: beyond it a typo in a range, not a plan.
    public static let taskLimit = 1_000_000

    /// Reads a sweep file's text.
    /// - Throws: ``SweepFileError`` naming the key, and its line where it can be found.
    public init(json text: String, file: String = "the sweep file") throws {
        let root: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                throw SweepFileError(file: file, line: 1, message: "must hold a JSON object")
            }
            root = object
        } catch let error as SweepFileError {
            throw error
        } catch {
            throw SweepFileError(file: file, line: nil, message: "is not valid JSON: \(Self.reason(error))")
        }
        func fail(_ key: String, _ message: String) -> SweepFileError {
            SweepFileError(file: file, line: Self.line(of: key, in: text), message: "\"\(key)\": \(message)")
        }
        for key in root.keys where !["workload", "axes", "fixed", "extra"].contains(key) {
            throw fail(key, "unknown key; a sweep has workload, axes, fixed and extra")
        }
        guard case .value(.string(let name))? = root["workload"] else {
            throw SweepFileError(file: file, line: nil, message: "needs \"workload\": \(SweepWorkload.names)")
        }
        guard let workload = SweepWorkload(rawValue: name) else {
            throw fail("workload", "'\(name)' is not a workload sweeps run; use \(SweepWorkload.names)")
        }
        self.workload = workload
        func parameters(_ value: JSONValue?, _ key: String) throws -> [String: SweepValue] {
            guard let value else { return [:] }
            guard case .object(let object) = value else { throw fail(key, "must be an object of parameters") }
            var result: [String: SweepValue] = [:]
            for (name, raw) in object {
                if let problem = workload.checkName(name) { throw fail(name, problem) }
                guard case .value(let parsed) = raw else { throw fail(name, "must be a number, a string or a boolean") }
                result[name] = parsed
            }
            return result
        }
        fixed = try parameters(root["fixed"], "fixed")
        guard case .object(let axisObject) = root["axes"] ?? .object([:]) else {
            throw fail("axes", "must be an object of parameter names and their values")
        }
        var axes: [(String, [SweepValue])] = []
        for name in axisObject.keys.sorted() {
            if let problem = workload.checkName(name) { throw fail(name, problem) }
            if fixed[name] != nil { throw fail(name, "is both an axis and fixed; give it once") }
            let values = try Self.axisValues(axisObject[name]!) { fail(name, $0) }
            guard !values.isEmpty else { throw fail(name, "has no values") }
            axes.append((name, values))
        }
        self.axes = axes
        guard case .array(let extraList) = root["extra"] ?? .array([]) else {
            throw fail("extra", "must be a list of objects of parameters")
        }
        extra = try extraList.map { try parameters($0, "extra") }
        // Saturating: axes whose product overflows are as refused as ones just over the limit.
        let product = axes.reduce(1) { count, axis in
            let (value, overflow) = count.multipliedReportingOverflow(by: axis.1.count)
            return overflow ? Int.max : value
        }
        guard product <= Self.taskLimit - extra.count else {
            throw SweepFileError(
                file: file, line: nil, message: "makes more than \(Self.taskLimit) tasks; is a range too wide?")
        }
        var tasks: [SweepTask] = []
        // Without axes the product is one task of the fixed values, unless extra points are given.
        let fromAxes = axes.isEmpty && !extra.isEmpty ? 0 : product
        let digits = String(max(fromAxes + extra.count - 1, 0)).count
        for index in 0..<fromAxes {
            var values = fixed
            var rest = index
            for (name, axisValues) in axes.reversed() {
                values[name] = axisValues[rest % axisValues.count]
                rest /= axisValues.count
            }
            tasks.append(SweepTask(index: tasks.count, digits: digits, parameters: values))
        }
        for point in extra {
            tasks.append(SweepTask(index: tasks.count, digits: digits, parameters: fixed.merging(point) { $1 }))
        }
        for task in tasks {
            if let problem = workload.problem(in: task.parameters) {
                throw SweepFileError(file: file, line: nil, message: "task \(task.index): \(problem)")
            }
        }
        self.tasks = tasks
        self.text = text
    }

    /// Reads the sweep file at `url`.
    public init(contentsOf url: URL) throws {
        // A sweep file is a few lines; far beyond that is no sweep file.
        let bytes = try InputFile.read(url.path, limit: 16 << 20)
        try self.init(json: String(decoding: bytes, as: UTF8.self), file: url.path)
    }

    /// A list, or an inclusive integer range `{"from": A, "to": B, "step": S}`.
    private static func axisValues(_ raw: JSONValue, fail: (String) -> SweepFileError) throws -> [SweepValue] {
        if case .array(let list) = raw {
            return try list.map { item in
                guard case .value(let value) = item else { throw fail("values must be numbers, strings or booleans") }
                return value
            }
        }
        guard case .object(let range) = raw else {
            throw fail("must be a list of values or a range {\"from\": A, \"to\": B, \"step\": S}")
        }
        for key in range.keys where !["from", "to", "step"].contains(key) {
            throw fail("a range has from, to and step, not \(key)")
        }
        guard case .value(.int(let from))? = range["from"], case .value(.int(let to))? = range["to"] else {
            throw fail("a range needs whole numbers \"from\" and \"to\"")
        }
        var step = 1
        if let raw = range["step"] {
            guard case .value(.int(let given)) = raw, given >= 1 else {
                throw fail("a range's step is a whole number of at least 1")
            }
            step = given
        }
        guard from <= to else { throw fail("a range's from (\(from)) is above its to (\(to))") }
        let (span, overflow) = to.subtractingReportingOverflow(from)
        guard !overflow && span / step < taskLimit else { throw fail("a range of more than \(taskLimit) values") }
        return stride(from: from, through: to, by: step).map { .int($0) }
    }

    /// The line of the first `"key"` in `text`, counted from 1.
    static func line(of key: String, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.firstIndex { $0.contains("\"\(key)\"") }.map { $0 + 1 }
    }

    /// A JSON parser's error in words, with its position where it gives one.
    private static func reason(_ error: any Error) -> String {
        guard case DecodingError.dataCorrupted(let context) = error else { return "\(error)" }
        return context.underlyingError.map { "\($0)" } ?? context.debugDescription
    }
}

/// Any JSON value, read with the toolchain's own decoder.
indirect enum JSONValue: Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case value(SweepValue)
    case null

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var result: [String: JSONValue] = [:]
            for key in object.allKeys { result[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
            self = .object(result)
        } else if var list = try? decoder.unkeyedContainer() {
            var result: [JSONValue] = []
            while !list.isAtEnd { result.append(try list.decode(JSONValue.self)) }
            self = .array(result)
        } else if try decoder.singleValueContainer().decodeNil() {
            self = .null
        } else {
            self = .value(try SweepValue(from: decoder))
        }
    }
}

/// A sweep file's problem, with where it is.
public struct SweepFileError: Error, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String { "\(file)\(line.map { ", line \($0)" } ?? ""): \(message)" }
}

/// One task of a sweep: its number and parameters.
public struct SweepTask: Sendable, Equatable {
    public let index: Int
    /// The task's folder name: its index, zero-padded to the sweep's widest (`0042`).
    public let id: String
    public let parameters: [String: SweepValue]

    init(index: Int, digits: Int, parameters: [String: SweepValue]) {
        self.index = index
        let number = String(index)
        id = String(repeating: "0", count: max(0, digits - number.count)) + number
        self.parameters = parameters
    }

    /// The parameters as `name=value` words, in name order.
    public var summary: String {
        parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
    }
}

/// A parameter's value in a sweep file.
public enum SweepValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): value
        case .bool(let value): "\(value)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}

extension SweepPlan {
    /// The variables a task's index is read from, first set first: ours, then Slurm's job
    /// arrays, then Kubernetes' indexed Jobs. Swarm templates only variables, so ours is there
    /// for it.
    public static let indexVariables = ["CAPITALENGINE_TASK_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]

    /// The task that `index`, or else the first of ``indexVariables`` set in `environment`,
    /// names.
    /// - Throws: where none is given, one is not a whole number, or it is beyond the tasks.
    public func task(index given: Int?, environment: [String: String]) throws -> SweepTask {
        var index = given
        var source = "--index"
        if index == nil {
            for name in Self.indexVariables {
                guard let text = environment[name], !text.isEmpty else { continue }
                guard let value = Int(text.trimmed) else {
                    throw EngineError.invalidInput("\(name)=\(text) is not a task index (a whole number)")
                }
                (index, source) = (value, name)
                break
            }
        }
        guard let index else {
            throw EngineError.invalidInput(
                "no task index: give --index N, or set one of \(Self.indexVariables.joined(separator: ", "))")
        }
        guard tasks.indices.contains(index) else {
            throw EngineError.invalidInput(
                "\(source) gives task \(index); this sweep's tasks are 0 to \(tasks.count - 1)")
        }
        return tasks[index]
    }
}
