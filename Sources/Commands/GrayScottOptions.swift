import ArgumentParser
import Engine

/// The Gray-Scott model's rates, shared by `run`, `verify` and `bench gray-scott`.
struct GrayScottOptions: ParsableArguments {
    // Unconditional parsing takes "-1" as the value, so that a negative number meets the
    // range check and its message instead of "missing value".
    @Option(parsing: .unconditional, help: ArgumentHelp("Feed rate of u.", valueName: "F"))
    var feed: Float = 0.055

    @Option(parsing: .unconditional, help: ArgumentHelp("Kill rate of v (removed at F + k).", valueName: "k"))
    var kill: Float = 0.062

    @Option(parsing: .unconditional, help: ArgumentHelp("Diffusion rate of u.", valueName: "Du"))
    var diffusionU: Float = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Diffusion rate of v.", valueName: "Dv"))
    var diffusionV: Float = 0.5

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Time step; dt times the larger diffusion rate at most 1.25.", valueName: "dt"))
    var dt: Float = 1

    var parameters: GrayScottParameters {
        GrayScottParameters(feed: feed, kill: kill, diffusionU: diffusionU, diffusionV: diffusionV, dt: dt)
    }

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError("\(error)") }
    }
}

/// Where a Gray-Scott field starts: spots placed by a seed (`bench` takes its seed with its
/// other options).
struct GrayScottStartOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seed of the spots the patterns grow from; the same seed gives the same field.", valueName: "seed"))
    var seed: UInt64 = 1
}
