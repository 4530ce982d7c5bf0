import ArgumentParser
import Engine
import FoundationEssentials
import Glibc

/// Where the device comes from and whether the run is validated; shared by every command.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Device to use: index, part of the name, vendor (nvidia, amd, intel, videocore, lavapipe) or type (discrete, integrated, virtual, cpu). Default: CAPITALENGINE_DEVICE, else automatic.",
        valueName: "selector"))
    var device: String?

    @Flag(name: .customLong("validate"), help: "Run under VK_LAYER_KHRONOS_validation with synchronization validation; any message fails the run (also CAPITALENGINE_VALIDATE=1).")
    var validation = false

    var selector: DeviceSelector {
        get throws {
            let environment = ProcessInfo.processInfo.environment["CAPITALENGINE_DEVICE"]
            guard let text = device ?? environment.flatMap({ $0.isEmpty ? nil : $0 }) else { return .automatic }
            return try DeviceSelector(parsing: text)
        }
    }

    var validationEnabled: Bool {
        if validation { return true }
        let value = ProcessInfo.processInfo.environment["CAPITALENGINE_VALIDATE"] ?? ""
        return !["", "0", "false", "no", "off"].contains(value.lowercased())
    }

    func validate() throws {
        if let device {
            do { _ = try DeviceSelector(parsing: device) } catch { throw ValidationError("\(error)") }
        }
    }
}

/// The physics every N-body command shares.
struct PhysicsOptions: ParsableArguments {
    // Unconditional parsing takes "-1" as the value, so that a negative number meets the
    // range check and its message instead of "missing value".
    @Option(parsing: .unconditional, help: "Time step.")
    var dt: Float = 0.001

    @Option(parsing: .unconditional, help: "Plummer softening length eps (0 allowed; coincident bodies then exert no force).")
    var softening: Float = 0.01

    @Option(parsing: .unconditional, help: "Gravitational constant G.")
    var gravity: Float = 1

    var parameters: NBodyParameters { NBodyParameters(dt: dt, softening: softening, gravity: gravity) }

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError("\(error)") }
    }
}

/// Where the initial state comes from.
struct InitialStateOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Number of particles (any N >= 1).")
    var particles: Int = 4096

    @Option(help: ArgumentHelp("Initial model: plummer, cube or galaxies.", valueName: "model"))
    var model: InitialModel = .plummer

    @Option(parsing: .unconditional, help: "Seed of the initial model; the same seed gives the same state.")
    var seed: UInt64 = 1

    @Option(name: .customLong("init"), help: ArgumentHelp("Start from a state file (.npy, float32, shape (N, 8): x y z m vx vy vz w); overrides --particles and --model.", valueName: "file.npy"))
    var initFile: String?

    func validate() throws {
        guard particles >= 1 else { throw ValidationError("--particles must be at least 1, got \(particles)") }
        guard particles <= 1 << 28 else { throw ValidationError("--particles must be at most \(1 << 28), got \(particles)") }
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

/// Checks that an output path can be written before any work is done, so a long run does
/// not fail at its very end.
func checkWritableOutput(_ path: String, option: String) throws {
    let url = URL(fileURLWithPath: path)
    guard url.pathExtension.lowercased() == "npy" else {
        throw ValidationError("\(option) must name a .npy file, got '\(path)'")
    }
    try checkWritableDirectory(of: path, option: option)
}
