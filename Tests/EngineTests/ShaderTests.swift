import Foundation
import Testing
@testable import Engine

@Suite("Shaders")
struct ShaderTests {
    static let shaderDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Shaders")

    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func everyEmbeddedModulePassesSpirvVal() throws {
        #expect(!EmbeddedShader.all.isEmpty)
        for shader in EmbeddedShader.all {
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
        for shader in EmbeddedShader.all {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(shader.name)-\(getpid())-rem.spv")
            try shader.bytes.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try run("spirv-dis", [file.path])
            #expect(result.status == 0, "\(shader.sourceFile): \(result.output)")
            #expect(result.output.contains("OpFunction"), "\(shader.sourceFile): no disassembly")
            #expect(!result.output.contains("OpSMod") && !result.output.contains("OpSRem"), "\(shader.sourceFile) takes a signed remainder")
        }
    }

    /// The build compiles Shaders/ on every change; this catches a build that did not (a
    /// newly added shader before SwiftPM re-planned, or a stale build folder).
    @Test func embeddedShadersMatchSources() throws {
        let sources = try FileManager.default.contentsOfDirectory(atPath: Self.shaderDirectory.path)
            .filter { $0.hasSuffix(".comp") || $0.hasSuffix(".vert") || $0.hasSuffix(".frag") }.sorted()
        #expect(sources == EmbeddedShader.all.map(\.sourceFile).sorted(),
                "Shaders/ and the embedded modules differ: touch Package.swift and rebuild")
        for shader in EmbeddedShader.all {
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("fresh-\(shader.name)-\(getpid()).spv")
            defer { try? FileManager.default.removeItem(at: output) }
            let result = try run("glslc", ["--target-env=vulkan1.1", "-O", "-Werror", "-o", output.path,
                                           Self.shaderDirectory.appendingPathComponent(shader.sourceFile).path])
            #expect(result.status == 0, "\(result.output)")
            #expect(try Data(contentsOf: output) == shader.bytes, "\(shader.sourceFile) is stale in the build")
        }
    }
}

/// The specialization constants each N-body shader declares are those the engine's tables
/// say: the IDs and kinds (bool or uint) from the SPIR-V itself, the names from the GLSL.
@Test func nbodySpecializationConstantsMatchTheShaders() throws {
    let shaders = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shaders")
    /// `constant_id` to name in a GLSL file and the files it includes.
    func names(in file: String) throws -> [UInt32: String] {
        let text = try String(contentsOf: shaders.appendingPathComponent(file), encoding: .utf8)
        var found: [UInt32: String] = text.contains("local_size_x_id = 0") ? [0: "local_size_x"] : [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#include \""), let included = line.split(separator: "\"").dropFirst().first {
                found.merge(try names(in: String(included))) { $1 }
            }
            guard line.contains("constant_id"), let id = line.split(separator: "=").dropFirst().first
                .flatMap({ UInt32($0.prefix { $0 != ")" }.trimmingCharacters(in: .whitespaces)) }) else { continue }
            let declaration = line.split(separator: ")").last!.split(separator: " ")
            found[id] = declaration.count >= 3 ? String(declaration[2]) : nil
        }
        return found
    }
    for (shader, declared) in NBodyShaderConstants.byShader {
        let compiled = SPIRVReflection.specializationConstants(of: shader.words)
        #expect(compiled == Dictionary(uniqueKeysWithValues: declared.map { ($0.id, $0.isBool) }),
                "\(shader.name): the SPIR-V declares \(compiled.sorted { $0.key < $1.key })")
        let source = try names(in: shader.sourceFile)
        #expect(source == Dictionary(uniqueKeysWithValues: declared.map { ($0.id, $0.name) }),
                "\(shader.name): \(shader.sourceFile) declares \(source.sorted { $0.key < $1.key })")
    }
}
