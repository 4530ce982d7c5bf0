import Engine
import FoundationEssentials

/// Where an N-body run starts: a state with its physics at step 0, or a checkpoint it resumes
/// with the checkpoint's own physics.
public struct NBodyStart {
    public var state: ParticleState
    public var parameters: NBodyParameters
    /// The step the run starts at, counted from the original start.
    public var firstStep: Int
    /// How the resumed checkpoint was computed (device, driver, kernel); nil for a fresh start.
    public var origin: Checkpoint.ComputedBy?

    public init(state: ParticleState, parameters: NBodyParameters) {
        self.state = state
        self.parameters = parameters
        firstStep = 0
    }

    /// Resumes the checkpoint at `url` for a run of `totalSteps`, counted from the original start.
    /// - Throws: where the checkpoint cannot be read, or is already past `totalSteps`.
    public init(resuming url: URL, totalSteps: Int) throws {
        let saved = try Checkpoint.read(from: url)
        guard saved.step <= totalSteps else {
            throw EngineError.invalidInput(
                "the checkpoint is at step \(saved.step), beyond --steps \(totalSteps) "
                    + "(--steps counts from the original start)")
        }
        state = saved.state
        parameters = saved.parameters
        firstStep = saved.step
        origin = saved.computedBy
    }
}
