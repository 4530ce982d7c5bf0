import Foundation
import PackagePlugin

/// Compiles every GLSL shader (compute, vertex, fragment) of a target to SPIR-V and embeds the
/// modules in it as Swift source: the engine's are in the package's `Shaders/` folder, another
/// target's in `Shaders/<target name>/` (Present's drawing shaders).
///
/// Exists so that a shader edit can never silently run old code: the shaders are inputs of
/// the build, and SwiftPM reruns this step whenever any of them changes.
@main
struct ShaderCompilerPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let engine = target.name == "Engine"
        let shaderDirectory = context.package.directoryURL.appending(
            path: engine ? "Shaders" : "Shaders/\(target.name)")
        let entries = try FileManager.default.contentsOfDirectory(
            at: shaderDirectory, includingPropertiesForKeys: nil)
        let stages =
            entries
            .filter { ["comp", "vert", "frag"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        // Included files are inputs too: editing a header must rebuild its users.
        let headers = entries.filter { $0.pathExtension == "glsl" }
        guard !stages.isEmpty else { return [] }

        let glslc = try locateGlslc(context: context)
        let embedder = try context.tool(named: "ShaderEmbedder")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedShaders.swift")

        // The embedder lists the folder itself whenever the step runs. SwiftPM reruns this
        // plugin (and so notices an added shader) only when the manifest changes; the test
        // `embeddedShadersMatchSources` catches a build that missed one.
        // The engine's list is `EmbeddedShader.all`; another target's is named after it.
        let listName = engine ? "all" : target.name.prefix(1).lowercased() + target.name.dropFirst() + "Shaders"
        let arguments =
            [
                "--glslc", glslc.path(), "--output", output.path(), "--shader-directory", shaderDirectory.path(),
                "--list-name", listName,
            ] + (engine ? [] : ["--import", "Engine"])
        return [
            .buildCommand(
                displayName: "Compiling \(stages.count) GLSL shaders with glslc",
                executable: embedder.url,
                arguments: arguments,
                inputFiles: stages + headers,
                outputFiles: [output]
            )
        ]
    }

    private func locateGlslc(context: PluginContext) throws -> URL {
        if let tool = try? context.tool(named: "glslc") { return tool.url }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appending(path: "glslc")
            if FileManager.default.isExecutableFile(atPath: candidate.path()) { return candidate }
        }
        throw PluginError.glslcMissing
    }
}

enum PluginError: Error, CustomStringConvertible {
    case glslcMissing

    var description: String {
        "glslc was not found on PATH; it compiles Shaders/*.comp to SPIR-V. "
            + "Install it with: apt-get install glslc (Debian 12+, Ubuntu 23.04+)"
    }
}
