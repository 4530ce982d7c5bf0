import Engine
import FoundationEssentials

extension GrayScottWorkload: Workload {
    public typealias State = GrayScottField

    public var workPerStep: Double { cellsPerStep }

    public static var stateCanBreak: Bool { true }

    public static func breakage(of state: GrayScottField) -> String? {
        state.firstNonFiniteCell.map { "the concentrations of cell (\($0.x), \($0.y)) are not finite" }
    }

    public func reference(
        from state: GrayScottField, steps: Int, progress: (@Sendable (Double) -> Void)?
    ) -> GrayScottField {
        GrayScottReference.advance(state, parameters: parameters, steps: steps, progress: progress)
    }

    public func discrepancy(of state: GrayScottField, from reference: GrayScottField) -> FieldComparison {
        FieldComparison(state, reference: reference)
    }
}

/// A Gray-Scott run put together from its description, for `run gray-scott`: the field checked
/// against the device before it is made, the start, the workload, and a run session to which
/// the caller adds outputs before it runs.
public final class GrayScottRun {
    /// Where the field starts.
    public enum Origin: Sendable {
        /// Spots placed by a seed on a `width` x `height` field (`GrayScottField.seeded`).
        case seeded(width: Int, height: Int, seed: UInt64)
        /// A field saved as `.npy` (`--output`): a run from it goes on as one that never stopped.
        case file(URL)
    }

    public let origin: Origin
    public let start: GrayScottField
    public let workload: GrayScottWorkload
    public let session: RunSession<GrayScottWorkload>
    public var loop: RunLoop<GrayScottWorkload> { session.loop }

    public init(from origin: Origin, parameters: GrayScottParameters, steps: Int, device: Device) throws {
        self.origin = origin
        start = try origin.field(on: device.description)
        workload = try GrayScottWorkload(device: device, field: start, parameters: parameters)
        session = RunSession(RunLoop(workload: workload, totalSteps: steps, batchLimit: 100_000))
    }

    /// What the run says as it starts: the device, the field and the rates.
    public var announcement: [String] {
        let p = workload.parameters
        let from =
            switch origin {
            case .seeded(_, _, let seed): "seed \(seed)"
            case .file(let url): "from \(url.path)"
            }
        return [
            "device: \(workload.device.description.heading(withType: true))",
            """
            Gray-Scott on a \(start.width)x\(start.height) torus (\(from)), \(loop.totalSteps) steps, feed \
            \(p.feed), kill \(p.kill), diffusion \(p.diffusionU) and \(p.diffusionV), dt \(p.dt)
            """,
        ]
    }
}

extension GrayScottRun.Origin {
    /// The starting field, its size checked against `device` before a seeded one is made (the
    /// workload checks the rates).
    public func field(on device: PhysicalDeviceDescription) throws -> GrayScottField {
        switch self {
        case .seeded(let width, let height, let seed):
            try GrayScottWorkload.checkSize(width: width, height: height, on: device)
            return GrayScottField.seeded(width: width, height: height, seed: seed)
        case .file(let url):
            return try NPYFile.readField(from: url)
        }
    }
}

extension RunReport where W == GrayScottWorkload {
    /// The summary of a Gray-Scott run: steps, the mean concentration of v in `final`, the rate.
    public func summaryLines(final: GrayScottField, stoppedBy: String?) -> [String] {
        var lines = stoppedLine(by: stoppedBy, unit: "steps")
        let done = summary.stepsReached
        lines.append("steps: \(done)")
        // A field that broke has no mean worth printing; the problem says where it broke.
        if case .broken = summary.ending {} else { lines.append("mean v: \(fixed(final.meanV, 5))") }
        lines.append("wall time: \(fixed(summary.wallSeconds, 3)) s")
        if summary.stepsRun > 0 {
            let rate = Double(final.width * final.height) * Double(summary.stepsRun) / summary.ratedSeconds
            lines.append(
                "cell updates/s: \(scientific(rate)) \(summary.gpuSeconds != nil ? "(GPU time)" : "(wall clock)")")
        }
        return lines
    }
}
