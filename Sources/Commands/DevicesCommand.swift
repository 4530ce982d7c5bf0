import ArgumentParser
import Engine
import FoundationEssentials
import Glibc

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the Vulkan devices found and the one that would be selected.",
        discussion: "The selected device is marked with '*'; --device and CAPITALENGINE_DEVICE change the choice.")

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try withEngine(deviceOptions) { log in
            let instance = try Instance(options: instanceOptions(validation: log != nil), validationLog: log)
            let listing = try DeviceListing(
                instance: instance, selector: deviceOptions.selector, driverNotes: driverNotes)
            printDriverNotes(listing.driverNotes)
            if json { try printJSON(listing) } else { Console.print(listing.table) }
            if let failure = listing.selectionFailure { throw failure }
        }
    }
}
