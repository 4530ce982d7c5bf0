// swift-tools-version:6.0
import PackageDescription

// scripts/fuzz.sh sets this to libFuzzer's library without a main (libclang_rt.fuzzer_no_main):
// Engine and ParserFuzzer are then built with libFuzzer's coverage and AddressSanitizer, and
// ParserFuzzer's main starts libFuzzer. Unset, the build is plain.
let fuzzerLibrary = Context.environment["CAPITALENGINE_FUZZER_LIBRARY"]
let fuzzing = fuzzerLibrary != nil
let fuzzerFlags: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []

let package = Package(
    name: "CapitalEngine",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "CapitalEngine", targets: ["CapitalEngine"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Simulation", targets: ["Simulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // The system Vulkan loader; headers come from the distribution, never vendored.
        .systemLibrary(
            name: "CVulkan",
            pkgConfig: "vulkan",
            providers: [.apt(["libvulkan-dev"])]
        ),
        // Xlib, for the X11 window; the engine makes its Vulkan surface from plain handles, so
        // no code includes a window-system platform's Vulkan header.
        .systemLibrary(name: "CX11", pkgConfig: "x11", providers: [.apt(["libx11-dev"])]),
        // The system zlib, for PNG output.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libdrm, to match /dev/dri nodes to Vulkan devices.
        .systemLibrary(name: "CDRM", pkgConfig: "libdrm", providers: [.apt(["libdrm-dev"])]),
        // Whether what was printed reached standard output: the C library's stream.
        .systemLibrary(name: "CStandardOutput"),
        // Turns a SPIR-V module into Swift source so shaders travel inside the binary.
        .executableTarget(name: "ShaderEmbedder"),
        // Compiles Shaders/*.comp with glslc on every build, so an edited shader is never stale.
        .plugin(
            name: "ShaderCompilerPlugin",
            capability: .buildTool(),
            dependencies: ["ShaderEmbedder"]
        ),
        .target(
            name: "Engine",
            dependencies: ["CVulkan", "CDRM"],
            swiftSettings: fuzzerFlags,
            plugins: ["ShaderCompilerPlugin"]
        ),
        // Runs above the Vulkan layer: the Workload protocol, the run loop, benchmarks,
        // verification and the tuning store; what every command and sweep drives.
        .target(name: "Simulation", dependencies: ["Engine"], swiftSettings: fuzzerFlags),
        // libwayland-client and libxkbcommon, loaded when a Wayland window opens.
        .target(name: "CWayland", linkerSettings: [.linkedLibrary("dl")]),
        .executableTarget(name: "WaylandProtocolGenerator"),
        // Describes xdg-shell to libwayland from wayland-protocols' XML on every build.
        .plugin(
            name: "WaylandProtocolPlugin",
            capability: .buildTool(),
            dependencies: ["WaylandProtocolGenerator"]
        ),
        // Drawing and windows; its shaders are Shaders/Present/.
        .target(
            name: "Present",
            dependencies: ["Engine", "Simulation", "CX11", "CZlib", "CWayland"],
            plugins: ["ShaderCompilerPlugin", "WaylandProtocolPlugin"]
        ),
        // Diagnoses what usually breaks GPU setups and containers.
        .target(name: "Doctor", dependencies: ["Engine", "Simulation", "Present"]),
        // The commands and their options: parsing, and the calls into the library. A function
        // of arguments, environment and output, so tests run it in their own process.
        .target(
            name: "Commands",
            dependencies: [
                "Engine", "Simulation", "Present", "Doctor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The process around the commands: signals, standard output's fate, the exit status.
        .executableTarget(name: "CapitalEngine", dependencies: ["Commands", "Engine", "CStandardOutput"]),
        // Arbitrary bytes into every reader of user input: libFuzzer's target under
        // scripts/fuzz.sh, a replayer of saved inputs otherwise.
        .executableTarget(
            name: "ParserFuzzer",
            dependencies: ["Engine", "Simulation"],
            swiftSettings: fuzzing ? fuzzerFlags + [.define("FUZZING"), .unsafeFlags(["-parse-as-library"])] : [],
            linkerSettings: fuzzerLibrary.map { [.unsafeFlags(["-sanitize=address", $0, "-lstdc++"])] } ?? []
        ),
        // What the tests share: running programs with deadlines on every wait.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Engine", "TestSupport"]),
        .testTarget(
            name: "PresentTests", dependencies: ["Present", "Simulation", "Engine", "CX11", "CZlib", "TestSupport"]),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "Simulation", "Engine", "TestSupport"]),
        .testTarget(name: "CommandsTests", dependencies: ["Commands", "Engine", "Present", "TestSupport"]),
        .testTarget(name: "CapitalEngineTests", dependencies: ["Engine", "Present", "CX11", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
