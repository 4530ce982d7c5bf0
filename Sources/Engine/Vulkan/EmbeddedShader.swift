import FoundationEssentials
import Glibc

/// A SPIR-V module compiled from `Shaders/` by the build and carried inside the binary.
///
/// The build's `ShaderCompilerPlugin` generates one static member per shader, so a shader
/// edit always reaches the program that runs it.
public struct EmbeddedShader: Sendable {
    public let name: String
    /// The GLSL file it was compiled from, relative to `Shaders/`.
    public let sourceFile: String
    private let base64: String

    package init(name: String, sourceFile: String, base64: String) {
        self.name = name
        self.sourceFile = sourceFile
        self.base64 = base64
    }

    /// The SPIR-V words.
    public var words: [UInt32] {
        guard let data = Data(base64Encoded: base64), data.count % 4 == 0 else {
            preconditionFailure("embedded shader \(name) is not valid base64 SPIR-V")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
    }

    /// The SPIR-V as bytes, for tools such as `spirv-val`.
    public var bytes: Data { Data(base64Encoded: base64) ?? Data() }

    /// Every shader the build embedded.
    public static var allShaders: [EmbeddedShader] { all }

    /// Identifies this build's shaders (FNV-1a of all SPIR-V), so tuning results of other
    /// shader code are not reused.
    public static let buildID: String = fnv1a(all.flatMap { $0.bytes })
}
