import ArgumentParser
import Engine
import FoundationEssentials
import Simulation

/// Options of the Life workload's grid and rule, shared by `run life` and `verify life`.
///
/// `--size` and `--density` are stored as given (nil where not): a rule's grid suffix stands in
/// for a size not given, and a density given with a pattern is refused.
struct LifeOptions: ParsableArguments {
    @Option(
        name: .customLong("size"),
        help: ArgumentHelp(
            """
            Grid size (Life), 1 to 1048576 a side, as far as the device holds it (default: the grid a rule suffix \
            such as B3/S23:T72,48 names, else 256x256).
            """,
            valueName: "WxH"))
    var givenSize: GridSize?

    var density: Double { givenDensity ?? 0.3 }

    @Option(
        help: ArgumentHelp(
            """
            Rule (Life): B3/S23 (Conway), B36/S23, B2/S/C3 (Brian's Brain), Golly's 345/2/4, ...; Golly's grid \
            suffix :TW,H (torus) or :PW,H (bounded plane) gives the grid where --size does not. Default: the RLE \
            file's rule, else B3/S23.
            """,
            valueName: "rule"))
    var rule: String?

    @Flag(help: "Dead cells beyond the edges instead of a torus (Life).")
    var bounded = false

    @Option(
        name: .customLong("density"), parsing: .unconditional,
        help: ArgumentHelp(
            "Share of live cells in a random start (Life, without --init; default: 0.3).", valueName: "density"))
    var givenDensity: Double?

    @Option(
        help: ArgumentHelp(
            "Where the --init pattern's top-left corner goes (Life; default: centred).", valueName: "X,Y"))
    var at: String?

    @Flag(
        help: """
            Stop at the generation the grid stopped changing or began to repeat with period 2 (Life); in \
            a window, the grid stays shown until the window closes.
            """)
    var stopWhenStable = false

    @Option(
        help: ArgumentHelp(
            """
            Life kernel: bytes (a byte per cell), bits (32 cells per word, Generations rules in bit planes, an \
            invocation per column of words), wide (the same grid, several words of 64 bits per invocation: for CPU \
            drivers), tiled:K (bit-packed, K generations per dispatch in shared memory), streamed:K (K \
            generations per dispatch in registers, a subgroup per strip of words; both two-state rules). Default: \
            the one `tune life` stored for this device and size, else wide on CPU drivers, for two-state rules \
            bits on discrete GPUs from 8192² cells, tiled:16 on smaller grids there, tiled:8 on other GPUs, and \
            for Generations rules bits on GPUs. verify checks every kernel the rule can use unless one is given.
            """,
            valueName: "kernel"))
    var lifeKernel: LifeKernelArgument?

    func validate() throws {
        guard density >= 0 && density <= 1 else { throw ValidationError("--density must be between 0 and 1") }
        if let rule { do { _ = try LifeRuleSpecification(parsing: rule) } catch { throw ValidationError("\(error)") } }
        if let at, position(at) == nil { throw ValidationError("--at takes X,Y, got '\(at)'") }
    }

    /// Refuses options that the start (a pattern from `initFile`, else a random grid) ignores.
    func validateStart(initFile: String?) throws {
        if initFile == nil, at != nil {
            throw ValidationError("--at places the --init pattern; without --init the grid starts random")
        }
        if initFile != nil, givenDensity != nil {
            throw ValidationError("--density sets a random start; with --init the grid starts from the pattern")
        }
    }

    func position(_ text: String) -> (x: Int, y: Int)? {
        let parts = text.split(separator: ",").map { Int($0.trimmed) }
        guard parts.count == 2, let x = parts[0], let y = parts[1] else { return nil }
        return (x, y)
    }

    /// The pattern, rule and grid these options and `initFile` give (`LifeRunSetup`).
    func setup(initFile: String?) throws -> LifeRunSetup {
        try LifeRunSetup(
            patternFile: initFile, rule: rule.map { try LifeRuleSpecification(parsing: $0) },
            size: givenSize.map { ($0.width, $0.height) }, bounded: bounded)
    }

    /// Where --at puts the pattern; nil: centred.
    var origin: (x: Int, y: Int)? { at.flatMap(position) }

    /// The options given that set the grid, rule or start, which a checkpoint brings instead.
    var givenNames: [String] {
        [
            givenSize.map { _ in "--size" }, rule.map { _ in "--rule" }, bounded ? "--bounded" : nil,
            givenDensity.map { _ in "--density" }, at.map { _ in "--at" },
        ].compactMap { $0 }
    }
}

/// Where a Life run starts from: a pattern file, or a random grid of a seed.
struct LifeStartOptions: ParsableArguments {
    @Option(
        name: .customLong("seed"), parsing: .unconditional,
        help: ArgumentHelp(
            "Seed of the random grid; the same seed gives the same grid (default: 1).", valueName: "seed"))
    var givenSeed: UInt64?

    var seed: UInt64 { givenSeed ?? 1 }

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            """
            Start from an RLE pattern (Golly's and LifeWiki's format) or an .npy grid (uint8 or bool, shape \
            (H, W), as --output writes it; without --size it is the whole grid) instead of a random grid, so not \
            with --seed or --density.
            """,
            valueName: "file"))
    var initFile: String?

    /// The options given that choose the start, which a checkpoint brings instead.
    var givenNames: [String] { [givenSeed.map { _ in "--seed" }, initFile.map { _ in "--init" }].compactMap { $0 } }

    func validate() throws {
        if initFile != nil && givenSeed != nil {
            throw ValidationError(
                "--init gives the starting state; --seed chooses a random one instead; use one or the other")
        }
    }
}

/// `WxH` for a Life grid: any size from 1x1 up to what the device's buffers hold.
struct GridSize: SizeArgument, CustomStringConvertible {
    static let sides = 1...LifeGrid.largestSide
    var width: Int
    var height: Int

    var description: String { "\(width)x\(height)" }
}

/// `--life-kernel bytes|bits|tiled:K`.
struct LifeKernelArgument: ExpressibleByArgument {
    var kernel: LifeKernel

    init?(argument: String) {
        guard let kernel = LifeKernel(parsing: argument) else { return nil }
        self.kernel = kernel
    }

    static var defaultCompletionKind: CompletionKind { .list(["bytes", "bits", "wide", "tiled:8"]) }
}
