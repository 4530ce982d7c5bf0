import ArgumentParser
import Engine
import FoundationEssentials
import Simulation

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

/// Where a Gray-Scott field starts: spots placed by a seed on a field of --size, or a field
/// saved by --output (`bench` takes its seed with its other options).
struct GrayScottStartOptions: ParsableArguments {
    @Option(
        name: .customLong("seed"), parsing: .unconditional,
        help: ArgumentHelp(
            "Seed of the spots the patterns grow from; the same seed gives the same field (default: 1).",
            valueName: "seed"))
    var givenSeed: UInt64?

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            """
            Start from a field saved by --output (float32 .npy, shape (H, W, 2): u and v per cell) instead of \
            seeded spots, so not with --seed or --size; with the same rates the run goes on as if it had not \
            stopped.
            """,
            valueName: "file.npy"))
    var initFile: String?

    func validate() throws {
        if initFile != nil && givenSeed != nil {
            throw ValidationError("--init gives the starting field; --seed places spots instead; use one or the other")
        }
    }

    /// Refuses a --size given with --init, whose file sets the size.
    func check(size: GridSize?) throws {
        if initFile != nil && size != nil {
            throw ValidationError("--init's field has its own size; drop --size")
        }
    }

    /// The start: the --init file, else spots on a field of `size`.
    func origin(size: GridSize) -> GrayScottRun.Origin {
        initFile.map { .file(URL(fileURLWithPath: $0)) }
            ?? .seeded(width: size.width, height: size.height, seed: givenSeed ?? 1)
    }
}
