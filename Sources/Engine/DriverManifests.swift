import FoundationEssentials
import Glibc

/// One Vulkan driver manifest (an ICD's JSON file) and the driver library it names.
public struct DriverManifest: Sendable, Equatable {
    public var path: String
    /// `ICD.library_path` as written; nil when the file cannot be read or is no manifest.
    public var library: String?

    public init(path: String, library: String?) {
        self.path = path
        self.library = library
    }

    /// The library's file name: what says which driver it is, wherever it lies.
    public var libraryName: String? { library.map { $0.split(separator: "/").last.map(String.init) ?? $0 } }
}

/// The driver manifests the Vulkan loader reads, found the way it finds them on Linux: those
/// VK_DRIVER_FILES or VK_ICD_FILENAMES name, which replace the search, else those in its
/// standard folders; then those VK_ADD_DRIVER_FILES adds.
public struct DriverManifests: Sendable {
    public var environment: [String: String]
    /// Put before every folder searched: "" on a real system, a fabricated tree in tests.
    public var root: String

    public init(environment: [String: String], root: String = "") {
        self.environment = environment
        self.root = root
    }

    /// The variable whose list replaces the search, if one is set.
    public var replacingVariable: String? {
        ["VK_DRIVER_FILES", "VK_ICD_FILENAMES"].first { environment[$0].map { !$0.isEmpty } ?? false }
    }

    /// Where the manifests come from, in words.
    public var source: String { replacingVariable ?? "the standard folders" }

    public func paths() -> [String] {
        var paths: [String]
        if let variable = replacingVariable {
            paths = list(environment[variable]!).flatMap { expand($0, named: true) }
        } else {
            let home = environment["HOME"].map { [$0 + "/.local/share"] } ?? []
            let configDirs = nonEmpty("XDG_CONFIG_DIRS") ?? "/etc/xdg"
            let dataDirs = nonEmpty("XDG_DATA_DIRS") ?? "/usr/local/share:/usr/share"
            let dataHome = nonEmpty("XDG_DATA_HOME").map { [$0] } ?? home
            let folders = list(configDirs) + ["/usr/local/etc", "/etc"] + list(dataDirs) + dataHome
            paths = folders.flatMap { expand(root + $0 + "/vulkan/icd.d", named: false) }
        }
        if let added = nonEmpty("VK_ADD_DRIVER_FILES") { paths += list(added).flatMap { expand($0, named: true) } }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    public func manifests() -> [DriverManifest] {
        paths().map { path in
            DriverManifest(
                path: path, library: FileManager.default.contents(atPath: path).flatMap(Self.library(inManifest:)))
        }
    }

    /// Of `manifests`, those that name the same driver library as another: the loader then
    /// lists that driver's devices once for each (by design: KhronosGroup/Vulkan-Loader #493).
    public static func sharedLibraries(_ manifests: [DriverManifest]) -> [(library: String, manifests: [String])] {
        var byLibrary: [String: [String]] = [:], order: [String] = []
        for manifest in manifests {
            guard let name = manifest.libraryName else { continue }
            if byLibrary[name] == nil { order.append(name) }
            byLibrary[name, default: []].append(manifest.path)
        }
        return order.compactMap { name in byLibrary[name]!.count > 1 ? (name, byLibrary[name]!) : nil }
    }

    /// The driver library a manifest names (`ICD.library_path`), nil when it is not one.
    public static func library(inManifest data: Data) -> String? {
        struct Manifest: Decodable {
            struct Driver: Decodable {
                var libraryPath: String
                enum CodingKeys: String, CodingKey { case libraryPath = "library_path" }
            }
            var icd: Driver
            enum CodingKeys: String, CodingKey { case icd = "ICD" }
        }
        return (try? JSONDecoder().decode(Manifest.self, from: data))?.icd.libraryPath
    }

    private func nonEmpty(_ variable: String) -> String? {
        environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func list(_ value: String) -> [String] { value.split(separator: ":").map(String.init) }

    /// A folder stands for the .json files in it. A file a variable names is kept even when
    /// missing, so that it can be reported; a standard folder that is missing is just empty.
    private func expand(_ path: String, named: Bool) -> [String] {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return named ? [path] : []
        }
        guard isDirectory else { return [path] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.filter { $0.hasSuffix(".json") }.sorted().map { path + "/" + $0 }
    }
}
