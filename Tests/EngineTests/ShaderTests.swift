import Foundation
import Testing

@testable import Engine

/// The specialization constants each N-body and Gray-Scott shader declares are those the engine's tables
/// say: the IDs and kinds (bool or uint) from the SPIR-V itself, the names from the GLSL.
@Test func specializationConstantsMatchTheShaders() throws {
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
            guard line.contains("constant_id"),
                let id = line.split(separator: "=").dropFirst().first
                    .flatMap({ UInt32($0.prefix { $0 != ")" }.trimmingCharacters(in: .whitespaces)) })
            else { continue }
            let declaration = line.split(separator: ")").last!.split(separator: " ")
            found[id] = declaration.count >= 3 ? String(declaration[2]) : nil
        }
        return found
    }
    for (shader, declared) in NBodyShaderConstants.byShader + GrayScottShaderConstants.byShader {
        let compiled = SPIRVReflection.specializationConstants(of: shader.words)
        #expect(
            compiled == Dictionary(uniqueKeysWithValues: declared.map { ($0.id, $0.isBool) }),
            "\(shader.name): the SPIR-V declares \(compiled.sorted { $0.key < $1.key })")
        let source = try names(in: shader.sourceFile)
        #expect(
            source == Dictionary(uniqueKeysWithValues: declared.map { ($0.id, $0.name) }),
            "\(shader.name): \(shader.sourceFile) declares \(source.sorted { $0.key < $1.key })")
    }
}
