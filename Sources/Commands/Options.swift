import ArgumentParser
import Engine
import FoundationEssentials
import Glibc

/// Where the device comes from and whether the run is validated; shared by every command.
struct DeviceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            """
            Device to use: index, part of the name, vendor (nvidia, amd, intel, videocore, lavapipe) or type \
            (discrete, integrated, virtual, cpu). Default: CAPITALENGINE_DEVICE, else automatic.
            """,
            valueName: "selector"))
    var device: String?

    @Flag(
        name: .customLong("validate"),
        help:
            """
            Run under VK_LAYER_KHRONOS_validation with synchronization validation; any message fails the run \
            (also CAPITALENGINE_VALIDATE=1).
            """
    )
    var validation = false

    var selector: DeviceSelector {
        get throws {
            let environment = Console.environment["CAPITALENGINE_DEVICE"]
            guard let text = device ?? environment.flatMap({ $0.isEmpty ? nil : $0 }) else { return .automatic }
            return try DeviceSelector(parsing: text)
        }
    }

    var validationEnabled: Bool {
        if validation { return true }
        let value = Console.environment["CAPITALENGINE_VALIDATE"] ?? ""
        return !["", "0", "false", "no", "off"].contains(value.lowercased())
    }

    func validate() throws {
        if let device {
            do { _ = try DeviceSelector(parsing: device) } catch { throw ValidationError("\(error)") }
        }
    }
}

/// The physics every N-body command shares.
///
/// The options are stored as given (nil where not) and read through their defaults, so that
/// a resumed run, whose checkpoint brings its own physics, can refuse them (`givenNames`)
/// instead of ignoring them.
struct PhysicsOptions: ParsableArguments {
    // Unconditional parsing takes "-1" as the value, so that a negative number meets the
    // range check and its message instead of "missing value".
    @Option(
        name: .customLong("dt"), parsing: .unconditional,
        help: ArgumentHelp("Time step (default: 0.001).", valueName: "dt"))
    var givenDt: Float?

    @Option(
        name: .customLong("softening"), parsing: .unconditional,
        help: ArgumentHelp(
            "Plummer softening length eps (default: 0.01; 0 allowed, coincident bodies then exert no force).",
            valueName: "softening"))
    var givenSoftening: Float?

    @Option(
        name: .customLong("gravity"), parsing: .unconditional,
        help: ArgumentHelp("Gravitational constant G (default: 1).", valueName: "G"))
    var givenGravity: Float?

    var dt: Float { givenDt ?? 0.001 }
    var softening: Float { givenSoftening ?? 0.01 }
    var gravity: Float { givenGravity ?? 1 }

    /// The options given on the command line.
    var givenNames: [String] {
        [givenDt.map { _ in "--dt" }, givenSoftening.map { _ in "--softening" }, givenGravity.map { _ in "--gravity" }]
            .compactMap { $0 }
    }

    var parameters: NBodyParameters { NBodyParameters(dt: dt, softening: softening, gravity: gravity) }

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError("\(error)") }
    }
}

/// Where the initial state comes from. `--particles` and `--model` are stored as given, as in
/// `PhysicsOptions`.
struct InitialStateOptions: ParsableArguments {
    @Option(
        name: .customLong("particles"), parsing: .unconditional,
        help: ArgumentHelp(
            """
            Number of particles (default: 4096): any N >= 1 up to what the device holds, which `devices` shows as \
            its largest N-body run.
            """,
            valueName: "particles"))
    var givenParticles: Int?

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp("Initial model: plummer (default), cube or galaxies.", valueName: "model"))
    var givenModel: InitialModel?

    var particles: Int { givenParticles ?? 4096 }
    var model: InitialModel { givenModel ?? .plummer }

    /// The N-body-only options given on the command line (`--seed` and `--init` serve Life too).
    var givenNBodyNames: [String] {
        [givenParticles.map { _ in "--particles" }, givenModel.map { _ in "--model" }].compactMap { $0 }
    }

    @Option(
        name: .customLong("seed"), parsing: .unconditional,
        help: ArgumentHelp(
            "Seed of the initial model; the same seed gives the same state (default: 1).", valueName: "seed"))
    var givenSeed: UInt64?

    var seed: UInt64 { givenSeed ?? 1 }

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            """
            Start from a state file (.npy, float32, shape (N, 8): x y z m vx vy vz w) instead of a built-in \
            model, so not with --particles, --model or --seed.
            """,
            valueName: "file.npy"))
    var initFile: String?

    func validate() throws {
        guard particles >= 1 else { throw ValidationError("--particles must be at least 1, got \(particles)") }
        guard particles <= 1 << 31 else {
            throw ValidationError("--particles must be at most \(1 << 31), got \(particles)")
        }
        if let problem = NBodyCapacity.hostMemoryProblem(particleCount: particles) {
            throw ValidationError("--particles: \(problem)")
        }
        // A file's state would silently override them.
        let modelOptions = givenNBodyNames + [givenSeed.map { _ in "--seed" }].compactMap { $0 }
        if initFile != nil && !modelOptions.isEmpty {
            throw ValidationError(
                """
                --init gives the starting state; \(modelOptions.joined(separator: ", ")) \
                choose\(modelOptions.count == 1 ? "s" : "") a built-in one instead; use one or the other
                """
            )
        }
    }

    func makeState(gravity: Float) throws -> ParticleState {
        if let initFile { return try NPYFile.read(from: URL(fileURLWithPath: initFile)) }
        return model.generate(count: particles, seed: seed, gravity: gravity)
    }

    var origin: String {
        initFile ?? "\(model.rawValue) model, seed \(seed)"
    }
}

extension InitialModel: ExpressibleByArgument {}

/// `--kernel W,B,T[,S]` (`NBodyKernel(parsing:)`), read with a reason when it names no kernel.
func parseKernelShape(_ argument: String) throws -> NBodyKernel {
    do { return try NBodyKernel(parsing: argument) } catch { throw ValidationError("\(error)") }
}

/// Checks that an output path can be written before any work is done, so a long run does
/// not fail at its very end.
func checkWritableOutput(_ path: String, option: String) throws {
    let url = URL(fileURLWithPath: path)
    guard url.pathExtension.lowercased() == "npy" else {
        throw ValidationError("\(option) must name a .npy file, got '\(path)'")
    }
    try checkWritableFile(path, option: option)
}
