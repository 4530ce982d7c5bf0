import Engine

/// Which N-body kernel a run uses, and why: the one asked for, else the tuned one, else the
/// device's default; or, resuming on the device, driver and shaders a checkpoint was computed
/// with and no kernel asked for, the kernel the run started with, so that it goes on bit for
/// bit whatever the tuning cache says now.
public struct NBodyKernelChoice {
    /// The kernel to run; nil for the device's default.
    public var configuration: NBodyKernel?
    /// Where it comes from, for the start line: "the device's default", "tuned, from FILE".
    public var source: String
    /// What the user should know about the choice (a resume that cannot be bit for bit).
    public var notes: [String]

    /// - Parameters:
    ///   - given: the kernel asked for, if any, named in the start line by `givenSource`.
    ///   - tuned: the tuning cache's kernel for this device and size, if any.
    ///   - tuningSource: where `tuned` comes from ("tuned, from FILE").
    ///   - origin: the checkpoint being resumed, if any.
    public init(
        device: PhysicalDeviceDescription, particleCount: Int, given: NBodyKernel?, givenSource: String,
        tuned: NBodyKernel?, tuningSource: String, resuming origin: Checkpoint.ComputedBy?
    ) {
        let tuned = given == nil ? tuned : nil
        configuration = given ?? tuned
        source = given != nil ? givenSource : tuned != nil ? tuningSource : "the device's default"
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
        let chosen = given ?? tuned ?? .recommended(for: device, particleCount: particleCount)
        guard origin.kernel != chosen else { return }
        if given != nil {
            // Asked for by name: the user's choice stands, and they learn what it costs.
            notes.append(
                "note: the run started with another kernel (\(origin.kernel)); resumed with \(givenSource)'s, "
                    + "it agrees with an uninterrupted run to rounding, not bit for bit"
            )
            return
        }
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
