import Engine
import Foundation
import TestSupport
import Testing

@testable import Present

@Suite("Shaders")
struct ShaderTests {
    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Each target's shaders and the folder they are compiled from. Checked here, in the one
    /// test target that sees both the engine's and Present's.
    static let collections: [(folder: String, modules: [EmbeddedShader])] = [
        ("Shaders", EmbeddedShader.all), ("Shaders/Present", EmbeddedShader.presentShaders),
    ]
    static var every: [EmbeddedShader] { collections.flatMap(\.modules) }

    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(command: tool, arguments, standardError: .intoStandardOutput)
        return (result.status, result.stdout)
    }

    @Test func everyEmbeddedModulePassesSpirvVal() throws {
        #expect(!EmbeddedShader.all.isEmpty && !EmbeddedShader.presentShaders.isEmpty)
        for shader in Self.every {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(shader.name)-\(getpid()).spv")
            try shader.bytes.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            // Vulkan 1.1 is the oldest environment we target (V3DV offers 1.2).
            let result = try run("spirv-val", ["--target-env", "vulkan1.1", file.path])
            #expect(result.status == 0, "\(shader.sourceFile): \(result.output)")
        }
    }

    /// GLSL leaves `%` undefined for negative operands, and drivers differ: NVIDIA's gave
    /// wrong torus neighbours where lavapipe's were right, so no test here could see it. No
    /// module may contain a signed remainder; shaders take remainders of unsigned values.
    @Test func noModuleTakesASignedRemainder() throws {
        for shader in Self.every {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "\(shader.name)-\(getpid())-rem.spv")
            try shader.bytes.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try run("spirv-dis", [file.path])
            #expect(result.status == 0, "\(shader.sourceFile): \(result.output)")
            #expect(result.output.contains("OpFunction"), "\(shader.sourceFile): no disassembly")
            #expect(
                !result.output.contains("OpSMod") && !result.output.contains("OpSRem"),
                "\(shader.sourceFile) takes a signed remainder")
        }
    }

    /// The build compiles Shaders/ on every change; this catches a build that did not (a
    /// newly added shader before SwiftPM re-planned, or a stale build folder).
    @Test(arguments: 0..<collections.count) func embeddedShadersMatchSources(collection: Int) throws {
        let (folder, modules) = Self.collections[collection]
        let directory = Self.packageDirectory.appendingPathComponent(folder)
        let sources = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".comp") || $0.hasSuffix(".vert") || $0.hasSuffix(".frag") }.sorted()
        #expect(
            sources == modules.map(\.sourceFile).sorted(),
            "\(folder)/ and the embedded modules differ: touch Package.swift and rebuild")
        for shader in modules {
            let output = FileManager.default.temporaryDirectory.appendingPathComponent(
                "fresh-\(shader.name)-\(getpid()).spv")
            defer { try? FileManager.default.removeItem(at: output) }
            let result = try run(
                "glslc",
                [
                    "--target-env=vulkan1.1", "-O", "-Werror", "-o", output.path,
                    directory.appendingPathComponent(shader.sourceFile).path,
                ])
            #expect(result.status == 0, "\(result.output)")
            #expect(try Data(contentsOf: output) == shader.bytes, "\(shader.sourceFile) is stale in the build")
        }
    }
}
