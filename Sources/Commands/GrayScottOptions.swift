import ArgumentParser
import Engine
import FoundationEssentials
import Simulation

/// The Gray-Scott model's rates, shared by `run`, `verify` and `bench gray-scott`. Stored as
/// given, as `PhysicsOptions` are, so that a resumed run, whose checkpoint brings its own
/// rates, can refuse them.
struct GrayScottOptions: ParsableArguments {
    // Unconditional parsing takes "-1" as the value, so that a negative number meets the
    // range check and its message instead of "missing value".
    @Option(
        name: .customLong("feed"), parsing: .unconditional,
        help: ArgumentHelp("Feed rate of u (default: 0.055).", valueName: "F"))
    var givenFeed: Float?

    @Option(
        name: .customLong("kill"), parsing: .unconditional,
        help: ArgumentHelp("Kill rate of v, removed at F + k (default: 0.062).", valueName: "k"))
    var givenKill: Float?

    @Option(
        name: .customLong("diffusion-u"), parsing: .unconditional,
        help: ArgumentHelp("Diffusion rate of u (default: 1).", valueName: "Du"))
    var givenDiffusionU: Float?

    @Option(
        name: .customLong("diffusion-v"), parsing: .unconditional,
        help: ArgumentHelp("Diffusion rate of v (default: 0.5).", valueName: "Dv"))
    var givenDiffusionV: Float?

    @Option(
        name: .customLong("dt"), parsing: .unconditional,
        help: ArgumentHelp("Time step; dt times the larger diffusion rate at most 1.25 (default: 1).", valueName: "dt"))
    var givenDt: Float?

    var parameters: GrayScottParameters {
        let defaults = GrayScottParameters()
        return GrayScottParameters(
            feed: givenFeed ?? defaults.feed, kill: givenKill ?? defaults.kill,
            diffusionU: givenDiffusionU ?? defaults.diffusionU, diffusionV: givenDiffusionV ?? defaults.diffusionV,
            dt: givenDt ?? defaults.dt)
    }

    /// The options given on the command line.
    var givenNames: [String] {
        [
            givenFeed.map { _ in "--feed" }, givenKill.map { _ in "--kill" },
            givenDiffusionU.map { _ in "--diffusion-u" }, givenDiffusionV.map { _ in "--diffusion-v" },
            givenDt.map { _ in "--dt" },
        ].compactMap { $0 }
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

    /// The options given on the command line.
    var givenNames: [String] {
        [givenSeed.map { _ in "--seed" }, initFile.map { _ in "--init" }].compactMap { $0 }
    }

    /// The start: the --init file, else spots on a field of `size`.
    func origin(size: GridSize) -> GrayScottRun.Origin {
        initFile.map { .file(URL(fileURLWithPath: $0)) }
            ?? .seeded(width: size.width, height: size.height, seed: givenSeed ?? 1)
    }
}

/// The kernel's shape, for `run` and `verify gray-scott`; `bench gray-scott --rows --columns`
/// measures several.
struct GrayScottKernelOptions: ParsableArguments {
    @Option(
        name: .customLong("rows"), parsing: .unconditional,
        help: ArgumentHelp(
            """
            Rows each invocation steps down its strip, 1 to \(GrayScottKernel.rowRange.upperBound): a speed only \
            (each cell's sums stay the same). Default: \(GrayScottKernel.defaultRows) (`run` takes the tuned kernel's \
            where there is one).
            """,
            valueName: "R"))
    var givenRows: Int?

    @Option(
        name: .customLong("columns"), parsing: .unconditional,
        help: ArgumentHelp(
            """
            Adjacent cells each invocation steps in a row, 1 to \(GrayScottKernel.columnRange.upperBound): a speed \
            only. Default: 8 on CPU drivers, 1 on GPUs (`run` takes the tuned kernel's where `tune gray-scott` \
            stored one for this device and size).
            """,
            valueName: "C"))
    var givenColumns: Int?

    func validate() throws {
        try checkKernelParts(rows: givenRows.map { [$0] } ?? [], columns: givenColumns.map { [$0] } ?? [])
    }

    /// The shape given, its missing part from `device`'s default; nil where none was given.
    func kernel(for device: PhysicalDeviceDescription) -> GrayScottKernel? {
        GrayScottKernel.given(rows: givenRows, columns: givenColumns, for: device)
    }
}

/// Refuses rows or columns the Gray-Scott kernel does not take.
func checkKernelParts(rows: [Int], columns: [Int]) throws {
    for r in rows where !GrayScottKernel.rowRange.contains(r) {
        throw ValidationError("--rows must be between 1 and \(GrayScottKernel.rowRange.upperBound), got \(r)")
    }
    for c in columns where !GrayScottKernel.columnRange.contains(c) {
        throw ValidationError("--columns must be between 1 and \(GrayScottKernel.columnRange.upperBound), got \(c)")
    }
}
