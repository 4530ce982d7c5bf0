import FoundationEssentials
import Glibc

/// The Vulkan drivers the loader would find: ICD manifest files and their libraries.
struct ICDManifests {
    var environment: [String: String]

    /// Manifests named by VK_DRIVER_FILES / VK_ICD_FILENAMES (which replace the search), else
    /// those in the loader's standard folders.
    func manifestPaths() -> (paths: [String], source: String) {
        for variable in ["VK_DRIVER_FILES", "VK_ICD_FILENAMES"] {
            if let value = environment[variable], !value.isEmpty {
                let paths = value.split(separator: ":").map(String.init).flatMap(expand)
                return (paths, variable)
            }
        }
        var folders = ["/etc/vulkan/icd.d", "/usr/local/etc/vulkan/icd.d"]
        let dataDirs = (environment["XDG_DATA_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/share:/usr/share")
            .split(separator: ":").map(String.init)
        folders += dataDirs.map { $0 + "/vulkan/icd.d" }
        var seen = Set<String>()
        let paths = folders.flatMap(expand).filter { seen.insert($0).inserted }
        return (paths, "the standard folders")
    }

    /// A folder stands for the .json files in it.
    private func expand(_ path: String) -> [String] {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return environment["VK_DRIVER_FILES"] != nil || environment["VK_ICD_FILENAMES"] != nil ? [path] : []
        }
        guard isDirectory else { return [path] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.filter { $0.hasSuffix(".json") }.sorted().map { path + "/" + $0 }
    }

    /// The driver library a manifest names (`ICD.library_path`), nil when it is not one.
    static func library(inManifest data: Data) -> String? {
        struct Manifest: Decodable {
            struct Driver: Decodable { var library_path: String }
            var ICD: Driver
        }
        return (try? JSONDecoder().decode(Manifest.self, from: data))?.ICD.library_path
    }

    /// The manifests whose driver library's file name contains `name`.
    func manifests(namingLibrary name: String) -> [String] {
        manifestPaths().paths.filter { path in
            guard let data = FileManager.default.contents(atPath: path), let library = Self.library(inManifest: data) else { return false }
            return library.split(separator: "/").last?.contains(name) == true
        }
    }

    func findings() -> [Finding] {
        let (paths, source) = manifestPaths()
        guard !paths.isEmpty else {
            return [Finding("icd", .error, "no Vulkan driver manifests (ICDs) found in \(source)",
                            fix: "apt-get install mesa-vulkan-drivers; for NVIDIA in a container, NVIDIA_DRIVER_CAPABILITIES must include graphics")]
        }
        return paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                return Finding("icd", .error, "\(path) (from \(source)) does not exist or cannot be read",
                               fix: "fix \(source == "the standard folders" ? "its permissions" : source)")
            }
            guard let library = Self.library(inManifest: data) else {
                return Finding("icd", .error, "\(path) is not a valid ICD manifest (no ICD.library_path)")
            }
            // A name with a slash but not absolute is relative to the manifest's folder.
            let resolved = library.contains("/") && !library.hasPrefix("/")
                ? URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(library).path : library
            guard let handle = dlopen(resolved, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
                return Finding("icd", .error, "\(path): its driver \(library) cannot be loaded: \(reason)",
                               fix: "reinstall the driver package, or for NVIDIA check the container toolkit mounted the driver libraries")
            }
            dlclose(handle)
            return Finding("icd", .ok, "\(path) → \(library) loads")
        }
    }
}
