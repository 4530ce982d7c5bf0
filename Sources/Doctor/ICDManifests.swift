import Engine
import FoundationEssentials
import Glibc

/// Checks the Vulkan drivers the loader would find: each manifest, and whether its library loads.
struct ICDManifests {
    var environment: [String: String]
    /// "" here; a fabricated tree in tests.
    var root = ""

    var manifests: DriverManifests { DriverManifests(environment: environment, root: root) }

    /// The manifests whose driver library's file name contains `name`.
    func manifests(namingLibrary name: String) -> [String] {
        manifests.manifests().filter { $0.libraryName?.contains(name) == true }.map(\.path)
    }

    func findings() -> [Finding] {
        let source = manifests.source
        let found = manifests.manifests()
        guard !found.isEmpty else {
            return [
                Finding(
                    "icd", .error, "no Vulkan driver manifests (ICDs) found in \(source)",
                    fix:
                        """
                        apt-get install mesa-vulkan-drivers; for NVIDIA in a container, \
                        NVIDIA_DRIVER_CAPABILITIES must include graphics
                        """
                )
            ]
        }
        var findings = found.map { manifest in
            let path = manifest.path
            guard FileManager.default.isReadableFile(atPath: path) else {
                return Finding(
                    "icd", .error, "\(path) (from \(source)) does not exist or cannot be read",
                    fix: "fix \(source == "the standard folders" ? "its permissions" : source)")
            }
            guard let library = manifest.library else {
                return Finding("icd", .error, "\(path) is not a valid ICD manifest (no ICD.library_path)")
            }
            // A name with a slash but not absolute is relative to the manifest's folder.
            let resolved =
                library.contains("/") && !library.hasPrefix("/")
                ? URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(library).path : library
            guard let handle = dlopen(resolved, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
                return Finding(
                    "icd", .error, "\(path): its driver \(library) cannot be loaded: \(reason)",
                    fix:
                        """
                        reinstall the driver package, or for NVIDIA check the container toolkit mounted the \
                        driver libraries
                        """
                )
            }
            dlclose(handle)
            return Finding("icd", .ok, "\(path) → \(library) loads")
        }
        for shared in DriverManifests.sharedLibraries(found) {
            findings.append(
                Finding(
                    "icd", .warning,
                    """
                    \(shared.manifests.count) manifests name one driver, \(shared.library): \
                    \(shared.manifests.joined(separator: ", ")); the loader lists its devices once for each, and \
                    CapitalEngine shows them once
                    """,
                    fix:
                        """
                        remove all but one of them (in an NVIDIA image: its own copy, since the container toolkit \
                        mounts one)
                        """
                ))
        }
        return findings
    }
}
