import Engine

/// Which N-body kernel a run uses, and why: the tuned one, the device's default, or, resuming
/// on the device, driver and shaders a checkpoint was computed with, the kernel the run started
/// with, so that it goes on bit for bit whatever the tuning cache says now.
public struct NBodyKernelChoice {
    /// The kernel to run; nil for the device's default.
    public var configuration: NBodyKernel?
    /// Where it comes from, for the start line: "the device's default", "tuned, from FILE".
    public var source: String
    /// What the user should know about the choice (a resume that cannot be bit for bit).
    public var notes: [String]

    /// - Parameters:
    ///   - tuned: the tuning cache's kernel for this device and size, if any.
    ///   - tuningSource: where `tuned` comes from ("tuned, from FILE").
    ///   - origin: the checkpoint being resumed, if any.
    public init(
        device: PhysicalDeviceDescription, particleCount: Int, tuned: NBodyKernel?,
        tuningSource: String, resuming origin: Checkpoint.ComputedBy?
    ) {
        configuration = tuned
        source = tuned == nil ? "the device's default" : tuningSource
        notes = []
        guard let origin else { return }
        guard origin.ranOn(device) else {
            notes.append(
                "note: the checkpoint was computed on \(origin.device) (driver \(origin.driverVersion)) "
                    + "or with other shaders; resumed here, the run agrees with an uninterrupted one "
                    + "to rounding, not bit for bit"
            )
            return
        }
        let chosen = tuned ?? .recommended(for: device, particleCount: particleCount)
        guard origin.kernel != chosen else { return }
        let problems = origin.kernel.problems(on: device, particleCount: particleCount)
        guard problems.isEmpty else {
            notes.append(
                "warning: the kernel the run started with (\(origin.kernel)) cannot run here: "
                    + "\(problems.joined(separator: "; ")); resumed with another, the run agrees "
                    + "with an uninterrupted one to rounding, not bit for bit"
            )
            return
        }
        notes.append(
            "resuming with the kernel the run started with, not "
                + "\(tuned == nil ? "the default" : "the tuned one") (\(chosen)), so that it goes on bit for bit")
        configuration = origin.kernel
        source = "the checkpoint's"
    }
}
