import FoundationEssentials
import Glibc
import Synchronization

/// The NVIDIA container toolkit often mounts NVIDIA's driver libraries but no Vulkan manifest
/// naming them (nvidia-container-toolkit #16, #767, #811), and Vulkan then sees no NVIDIA GPU.
/// When no manifest names NVIDIA's driver but its library loads, CapitalEngine supplies one
/// through VK_ADD_DRIVER_FILES before its first instance. A manifest the loader would find is
/// never duplicated, and a driver list the user gave (VK_DRIVER_FILES, VK_ICD_FILENAMES) is
/// left alone.
public enum NVIDIADriverFallback {
    /// The libraries NVIDIA's manifests name: GLX for desktops, EGL for headless packagings.
    public static let libraries = ["libGLX_nvidia.so.0", "libEGL_nvidia.so.0"]

    public enum Decision: Sendable, Equatable {
        /// A manifest already names NVIDIA's driver.
        case present(manifest: String)
        /// The user's VK_DRIVER_FILES / VK_ICD_FILENAMES replace the search.
        case chosenByUser(variable: String)
        /// No NVIDIA driver library loads here: nothing to supply.
        case noDriver
        /// Supply a manifest naming this library.
        case supply(library: String)
    }

    /// Whether a library's file name is one of NVIDIA's driver (any version suffix).
    public static func isDriver(libraryName name: String) -> Bool {
        libraries.contains { name.hasPrefix($0.prefix { $0 != "." } + ".so") }
    }

    /// VK_ADD_DRIVER_FILES with `manifest` added to what it held.
    public static func driverFiles(adding manifest: String, to existing: String?) -> String {
        existing.flatMap { $0.isEmpty ? nil : $0 + ":" + manifest } ?? manifest
    }

    public static func decide(manifests: DriverManifests, loads: (String) -> Bool) -> Decision {
        if let named = manifests.manifests().first(where: { $0.libraryName.map(isDriver(libraryName:)) == true }) {
            return .present(manifest: named.path)
        }
        if let variable = manifests.replacingVariable { return .chosenByUser(variable: variable) }
        return libraries.first(where: loads).map { .supply(library: $0) } ?? .noDriver
    }

    /// Whether the dynamic linker can load `library` by that name.
    public static func loads(_ library: String) -> Bool {
        guard let handle = dlopen(library, RTLD_LAZY | RTLD_LOCAL) else { return false }
        dlclose(handle)
        return true
    }

    /// A manifest naming `library`, as NVIDIA's own reads.
    public static func manifest(naming library: String) -> String {
        #"{"file_format_version": "1.0.1", "ICD": {"library_path": "\#(library)", "api_version": "1.3.0"}}"# + "\n"
    }

    /// The fallback this process applied: the manifest written and the library it names.
    public struct Applied: Sendable, Equatable, CustomStringConvertible {
        public var manifest: String
        public var library: String

        public init(manifest: String, library: String) {
            self.manifest = manifest
            self.library = library
        }

        public var description: String {
            """
            no Vulkan driver manifest names NVIDIA's driver (the container toolkit mounted none); CapitalEngine \
            supplied \(manifest) for \(library)
            """
        }
    }

    private struct State {
        var decided = false
        var applied: Applied?
    }
    private static let state = Mutex(State())

    /// What ``applyOnce(environment:)`` did in this process; nil when it supplied nothing.
    public static var applied: Applied? { state.withLock { $0.applied } }

    /// Decides once per process, before the first instance, and when a manifest is needed
    /// writes it to a private file (removed when the process exits) and adds it to
    /// VK_ADD_DRIVER_FILES, which the loader reads at each instance's creation.
    /// - Parameter environment: the process's, where the loader reads its variables.
    public static func applyOnce(environment: [String: String]) {
        state.withLock { state in
            guard !state.decided else { return }
            state.decided = true
            guard case .supply(let library) = decide(manifests: DriverManifests(environment: environment), loads: loads)
            else { return }
            let directory = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            var template = Array("\(directory)/capitalengine-nvidia_icd-XXXXXX.json".utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 5) }
            guard descriptor >= 0 else { return }
            let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let bytes = Array(manifest(naming: library).utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            guard written == bytes.count else {
                unlink(path)
                return
            }
            setenv("VK_ADD_DRIVER_FILES", driverFiles(adding: path, to: environment["VK_ADD_DRIVER_FILES"]), 1)
            state.applied = Applied(manifest: path, library: library)
            supplied.withLock { $0 = path }
            atexit { supplied.withLock { path in if let path { unlink(path) } } }
        }
    }
}

/// The supplied manifest's path, for the exit handler (which can capture nothing).
private let supplied = Mutex<String?>(nil)
