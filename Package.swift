// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CapitalEngine",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "CapitalEngine", targets: ["CapitalEngine"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The system Vulkan loader; headers come from the distribution, never vendored.
        .systemLibrary(
            name: "CVulkan",
            pkgConfig: "vulkan",
            providers: [.apt(["libvulkan-dev"])]
        ),
        // Xlib and VK_KHR_xlib_surface, for the window; apart from CVulkan so compute-only
        // code never includes a window-system platform.
        .systemLibrary(name: "CX11", pkgConfig: "x11", providers: [.apt(["libx11-dev"])]),
        // The system zlib, for PNG output.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libdrm, to match /dev/dri nodes to Vulkan devices.
        .systemLibrary(name: "CDRM", pkgConfig: "libdrm", providers: [.apt(["libdrm-dev"])]),
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
            plugins: ["ShaderCompilerPlugin"]
        ),
        .target(
            name: "Present",
            dependencies: ["Engine", "CVulkan", "CX11", "CZlib"]
        ),
        // Diagnoses what usually breaks GPU setups and containers.
        .target(name: "Doctor", dependencies: ["Engine", "Present"]),
        .executableTarget(
            name: "CapitalEngine",
            dependencies: [
                "Engine",
                "Present",
                "Doctor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "PresentTests", dependencies: ["Present", "Engine", "CX11", "CZlib"]),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "Engine"]),
        .testTarget(name: "CapitalEngineTests", dependencies: ["Engine", "Present", "CX11"]),
    ],
    swiftLanguageModes: [.v6]
)
