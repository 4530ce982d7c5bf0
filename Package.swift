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
            dependencies: ["CVulkan"],
            plugins: ["ShaderCompilerPlugin"]
        ),
        .executableTarget(
            name: "CapitalEngine",
            dependencies: [
                "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "CapitalEngineTests", dependencies: ["Engine"]),
    ],
    swiftLanguageModes: [.v6]
)
