import ArgumentParser
import Engine
import FoundationEssentials
import Glibc
import Simulation

/// Exit codes beyond ArgumentParser's 0 (success) and 64 (usage).
enum ExitStatus {
    static let failure = ExitCode(1)
    static let verificationFailed = ExitCode(2)
    static let validationMessages = ExitCode(3)
}

/// Fails the command with `problems`, each an error line, where there are any.
func fail(_ problems: [String]) throws {
    for problem in problems { Console.error(problem) }
    if !problems.isEmpty { throw ExitStatus.failure }
}

/// Runs `body` with the engine set up as the options ask, and turns every failure into a
/// message and an exit code.
///
/// The validation log is judged only after `body` has returned and every Vulkan object it
/// made has been destroyed, so messages raised at teardown (leaks, for one) fail the run too.
func withEngine(_ options: DeviceOptions, _ body: (ValidationLog?) throws -> Void) throws {
    let log = options.validationEnabled ? Console.validationLog() : nil
    do {
        try body(log)
    } catch let exit as ExitCode {
        throw exit
    } catch let error as ValidationError {
        throw error
    } catch {
        Console.error("\(error)")
        // A broken ICD manifest is, depending on the loader's version, an instance that fails
        // (reported as out of host memory, among others) or one with no devices.
        if let vulkan = error as? VulkanError, vulkan.call == "vkCreateInstance" {
            Console.note("the Vulkan loader could not start; \(doctorChecks)")
        } else if let engine = error as? EngineError, engine == .noDevices {
            Console.note(doctorChecks)
        }
        throw ExitStatus.failure
    }
    if let log, log.count > 0 {
        Console.error("the validation layer reported \(log.count) message(s); see above")
        throw ExitStatus.validationMessages
    }
}

private let doctorChecks =
    "`CapitalEngine doctor` checks the loader, the ICD manifests (VK_ICD_FILENAMES, VK_DRIVER_FILES) and the drivers"

/// The device the options choose. With `wideVectors` (N-body), a context that draws nothing
/// asks lavapipe for its widest vectors first where they measured faster
/// (`LavapipeVectorWidth`). Drawing stays at Mesa's width: lavapipe crashed drawing at 512 bits
/// with its shader cache disabled and hung in the container image, and a drawn run is paced by
/// its frames anyway.
func makeContext(
    _ options: DeviceOptions, log: ValidationLog?, graphics: Bool = false, wideVectors: Bool = false
) throws -> ComputeContext {
    if wideVectors && !graphics {
        LavapipeVectorWidth.preferWideVectorsForNBody(environment: Console.environment)
    }
    let context = try ComputeContext(
        selector: options.selector, instanceOptions: instanceOptions(validation: log != nil),
        validationLog: log, graphics: graphics)
    printDriverNotes(driverNotes(context.instance))
    return context
}

/// What the engine did about the drivers, for the user to know: a manifest it supplied for
/// NVIDIA's driver, a device the loader listed more than once.
func driverNotes(_ instance: Instance) -> [String] {
    [
        NVIDIADriverFallback.applied?.description,
        DuplicateDevices.note(
            instance.duplicateDevices, manifests: DriverManifests(environment: Console.environment)),
    ]
    .compactMap { $0 }
}

/// What the process's environment says about the Vulkan setup, read here at the edge so
/// that the engine takes values: the manifest NVIDIA's driver needs where none is installed
/// (`NVIDIADriverFallback`, before the first instance), and the threads `LP_NUM_THREADS`
/// gives lavapipe.
func instanceOptions(validation: Bool, extensions: [String] = []) -> InstanceOptions {
    let environment = Console.environment
    NVIDIADriverFallback.applyOnce(environment: environment)
    let threads = environment["LP_NUM_THREADS"].flatMap { Int($0) }.map { max($0, 1) }
    return InstanceOptions(validation: validation, extensions: extensions, cpuDriverThreads: threads)
}

func printDriverNotes(_ notes: [String]) {
    for note in notes { Console.note("note: \(note)") }
}

/// Prints `report` as JSON (`printJSON`) or as its lines.
func printReport(_ report: some CommandReport, json: Bool) throws {
    if json { try printJSON(report) } else { for line in report.lines { Console.print(line) } }
}

/// Prints `value` as indented JSON with sorted keys, the form every `--json` uses.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    Console.print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
