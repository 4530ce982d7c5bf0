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
            let drm = DRMDevices.enumerate()
            let devices = try instance.physicalDevices(drmDevices: drm).map(\.description)
            let notes = driverNotes(instance)
            printDriverNotes(notes)
            let selector = try deviceOptions.selector
            var selected: PhysicalDeviceDescription?
            var selectionError: Error?
            do {
                selected = try PhysicalDeviceSelector(selector: selector).select(from: devices)
            } catch {
                selectionError = error
            }
            let listing = DeviceListing(
                loader: Instance.loaderVersion(), selector: selector, selected: selected,
                selectionError: selectionError, devices: devices, drm: drm, driverNotes: notes)
            if json { try printJSON(listing) } else { print(listing.table) }
            if let selectionError { throw selectionError }
        }
    }
}
