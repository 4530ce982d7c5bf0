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

/// A Gray-Scott run put together from its description, for `run gray-scott` and a sweep's
/// Gray-Scott tasks: the field checked against the device before it is made, the start, the
/// workload, and a run session to which the caller adds checkpoints and outputs before it runs.
public final class GrayScottRun {
    /// Where the field starts.
    public enum Origin: Sendable {
        /// Spots placed by a seed on a `width` x `height` field (`GrayScottField.seeded`).
        case seeded(width: Int, height: Int, seed: UInt64)
        /// A field saved as `.npy` (`--output`): a run from it goes on as one that never stopped.
        case file(URL)
        /// A checkpoint, read, whose field, step and rates the run goes on with.
        case checkpoint(GrayScottCheckpoint)
    }

    public let origin: Origin
    public let start: GrayScottField
    /// The step the run starts at, counted from the original start.
    public let firstStep: Int
    public let workload: GrayScottWorkload
    /// Where the kernel's shape comes from: "the default", "given", "tuned, from FILE".
    public let kernelSource: String
    public let session: RunSession<GrayScottWorkload>
    public var loop: RunLoop<GrayScottWorkload> { session.loop }

    /// - Parameters:
    ///   - parameters: the rates of a fresh start; a checkpoint brings its own.
    ///   - steps: the run's total, counted from the original start.
    ///   - kernel: the kernel's shape asked for, named in the start line by `givenSource`; else
    ///     the one `tuned` gives for the field's size (from `tuningSource`), else the device's
    ///     default. The shape leaves the bits as they are.
    public init(
        from origin: Origin, parameters: GrayScottParameters, steps: Int, device: Device,
        kernel: GrayScottKernel? = nil, givenSource: String = "given",
        tuned: (_ width: Int, _ height: Int) -> GrayScottKernel? = { _, _ in nil }, tuningSource: String = ""
    ) throws {
        self.origin = origin
        var rates = parameters
        if case .checkpoint(let saved) = origin {
            guard saved.step <= steps else {
                throw EngineError.invalidInput(
                    "the checkpoint is at step \(saved.step), beyond --steps \(steps) "
                        + "(--steps counts from the original start)")
            }
            rates = saved.parameters
        }
        start = try origin.field(on: device.description)
        firstStep = origin.firstStep
        let tunedKernel = kernel == nil ? tuned(start.width, start.height) : nil
        kernelSource = kernel != nil ? givenSource : tunedKernel != nil ? tuningSource : "the default"
        workload = try GrayScottWorkload(
            device: device, field: start, parameters: rates, kernel: kernel ?? tunedKernel)
        session = RunSession(
            RunLoop(workload: workload, firstStep: firstStep, totalSteps: steps, batchLimit: 100_000))
    }

    /// A checkpoint of `field` at `step` that names the device computing it, so that a resume
    /// knows whether it goes on bit for bit.
    public func checkpoint(at step: Int, _ field: GrayScottField) -> GrayScottCheckpoint {
        GrayScottCheckpoint(
            step: step, parameters: workload.parameters, field: field,
            computedOn: CheckpointDevice(workload.device.description))
    }

    /// What the run says as it starts: the device, the field and the rates, and, resuming a
    /// checkpoint computed elsewhere, that the bits will differ from an uninterrupted run's.
    public var announcement: [String] {
        let p = workload.parameters
        let from =
            switch origin {
            case .seeded(_, _, let seed): "seed \(seed)"
            case .file(let url): "from \(url.path)"
            case .checkpoint(let saved): "resumed at step \(saved.step)"
            }
        var lines = [
            "device: \(workload.device.description.heading(withType: true))",
            """
            Gray-Scott on a \(start.width)x\(start.height) torus (\(from)), \(loop.totalSteps) steps, feed \
            \(p.feed), kill \(p.kill), diffusion \(p.diffusionU) and \(p.diffusionV), dt \(p.dt); kernel: \
            \(workload.kernelDescription) (\(kernelSource))
            """,
        ]
        if case .checkpoint(let saved) = origin, !saved.computedOn.isSame(as: workload.device.description) {
            lines.append(
                """
                note: the checkpoint was computed on \(saved.computedOn.device) with another driver, shader build or \
                subgroup size; the run goes on, but its bits will differ from an uninterrupted run's
                """)
        }
        return lines
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
        case .checkpoint(let saved):
            return saved.field
        }
    }

    /// The step it starts at, counted from the original start.
    var firstStep: Int {
        if case .checkpoint(let saved) = self { saved.step } else { 0 }
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
