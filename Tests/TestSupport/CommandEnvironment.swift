import Foundation

/// The environment a test runs a command in, in its own process or as the binary: this
/// process's, without what would change what the command does unasked (a display, a chosen
/// device, validation) and with a tuning cache of its own, since one left by someone's `tune`
/// must not change the shapes tests see; then `changes`.
public func commandEnvironment(_ changes: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for name in ["DISPLAY", "WAYLAND_DISPLAY", "CAPITALENGINE_DEVICE", "CAPITALENGINE_VALIDATE"] {
        environment[name] = nil
    }
    environment["CAPITALENGINE_TUNE_CACHE"] =
        FileManager.default.temporaryDirectory.appendingPathComponent("no-tuning-\(UUID().uuidString).json").path
    return environment.merging(changes) { $1 }
}
