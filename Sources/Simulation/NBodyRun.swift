import Engine
import FoundationEssentials

/// An N-body run put together from a description of it, for `run nbody` and a sweep's N-body
/// tasks alike: where it starts, the device's capacity checked before any state is made, the
/// kernel chosen (``NBodyKernelChoice``: given, else tuned, else the device's default; a resume
/// keeps its checkpoint's unless one is given), the workload, and a
/// run session to which the caller adds frames, checkpoints and outputs before it runs.
public final class NBodyRun {
    /// Where a run starts.
    public enum Origin {
        /// A built-in model of `particles` bodies made from `seed`.
        case model(InitialModel, particles: Int, seed: UInt64)
        /// A state file (.npy).
        case file(URL)
        /// A checkpoint, read, whose state and physics the run goes on with.
        case checkpoint(NBodyStart)
    }

    public let start: NBodyStart
    public let choice: NBodyKernelChoice
    public let workload: NBodyWorkload
    public let session: RunSession<NBodyWorkload>
    public var loop: RunLoop<NBodyWorkload> { session.loop }

    /// - Parameters:
    ///   - parameters: the physics of a fresh start; a checkpoint brings its own.
    ///   - steps: the run's total, counted from the original start.
    ///   - given: the kernel asked for, if any, named in the start line by `givenSource`.
    ///   - tuned: the tuned kernel for a number of bodies, if any; `tuningSource` says whence.
    public init(
        from origin: Origin, parameters: NBodyParameters, steps: Int, device: Device,
        given: NBodyKernel?, givenSource: String, tuned: (Int) -> NBodyKernel?, tuningSource: String
    ) throws {
        let description = device.description
        // Looked up once, when the number of bodies is known.
        let tunedKernel: NBodyKernel?
        switch origin {
        case .model(let model, let particles, let seed):
            tunedKernel = given == nil ? tuned(particles) : nil
            // A model too large for this device, or for the kernel, is refused before it is made.
            try NBodyCapacity.check(particleCount: particles, configuration: given ?? tunedKernel, on: description)
            let state = model.generate(count: particles, seed: seed, gravity: parameters.gravity)
            start = NBodyStart(state: state, parameters: parameters)
        case .file(let url):
            start = NBodyStart(state: try NPYFile.read(from: url), parameters: parameters)
            try NBodyCapacity.check(particleCount: start.state.count, configuration: given, on: description)
            tunedKernel = given == nil ? tuned(start.state.count) : nil
        case .checkpoint(let saved):
            start = saved
            try NBodyCapacity.check(particleCount: saved.state.count, configuration: given, on: description)
            tunedKernel = given == nil ? tuned(saved.state.count) : nil
        }
        choice = NBodyKernelChoice(
            device: description, particleCount: start.state.count, given: given, givenSource: givenSource,
            tuned: tunedKernel, tuningSource: tuningSource, resuming: start.origin)
        workload = try NBodyWorkload(
            device: device, state: start.state, parameters: start.parameters, configuration: choice.configuration)
        session = RunSession(
            RunLoop(workload: workload, firstStep: start.firstStep, totalSteps: steps, batchLimit: 10_000))
    }

    /// A checkpoint of `state` at `step` that says how it was computed, so that a resume on the
    /// same device and kernel goes on bit for bit.
    public func checkpoint(at step: Int, _ state: ParticleState) -> Checkpoint {
        Checkpoint(
            step: step, parameters: start.parameters, state: state,
            computedBy: Checkpoint.ComputedBy(
                device: workload.device.description, kernel: workload.configuration,
                bitReproducible: workload.isBitReproducible))
    }
}

extension NBodyRun {
    /// What the run says as it starts: where it resumes, how its kernel was chosen, the
    /// device, what it simulates with which kernel, and where reruns cannot give the same bits.
    /// - Parameters:
    ///   - origin: where the state came from, as the user gave it.
    ///   - resumedFrom: the checkpoint file a resumed run continues.
    public func announcement(origin: String, resumedFrom: String?) -> [String] {
        var lines = resumedFrom.map { ["resuming at step \(start.firstStep) of \(loop.totalSteps) from \($0)"] } ?? []
        lines += choice.notes
        lines.append("device: \(workload.device.description.heading(withType: true))")
        lines.append(
            """
            simulating \(start.state.count) particles (\(origin)), \(loop.totalSteps) steps, dt \
            \(workload.parameters.dt); kernel: \(workload.kernelDescription) (\(choice.source))
            """
        )
        if !workload.isBitReproducible {
            // Only a tuned shape gets here, on a device without 64-bit integer atomics or with
            // zero softening; every default kernel adds in a fixed order.
            lines.append(
                """
                note: this tuned kernel adds forces as float atomics, in an order that varies, so reruns (and a \
                resumed run against an uninterrupted one) agree to rounding, not bit for bit; --no-tune-cache \
                runs the default kernel, which is bit-reproducible
                """
            )
        }
        return lines
    }
}
