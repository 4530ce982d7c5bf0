import Foundation
import Testing

@testable import Engine

/// What `devices` prints, from fabricated devices: the table marks the selected one and shows
/// each one's limits; the JSON holds the derived words a script would otherwise recompute.
@Suite struct DeviceListingTests {
    @Test func theTableMarksTheSelectedDeviceAndTheJSONCarriesItsWords() throws {
        let devices = [FabricatedDevices.lavapipe(index: 0), FabricatedDevices.nvidiaH100(index: 1)]
        let selected = try PhysicalDeviceSelector(selector: .automatic).select(from: devices)
        #expect(selected.index == 1, "the discrete GPU before the CPU driver")
        let listing = DeviceListing(
            loader: APIVersion(1, 3, 239), selector: .automatic, selected: selected, selectionError: nil,
            devices: devices, drm: [], driverNotes: ["a note"])
        let lines = listing.table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Vulkan loader 1.3.239; 2 device(s)")
        let rows = lines.filter { $0.hasPrefix("*") || $0.hasPrefix(" ") && $0.contains("llvmpipe") }
        #expect(rows.count == 2 && rows[1].hasPrefix("*") && rows[1].contains("H100"), "\(rows)")
        #expect(listing.table.contains("largest N-body run:"))
        #expect(listing.table.contains("DRM devices: none"))
        #expect(lines.last == "Selected: [1] \(selected.name)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try #require(
            try JSONSerialization.jsonObject(with: encoder.encode(listing)) as? [String: Any])
        #expect(json["selectedIndex"] as? Int == 1 && json["driverNotes"] as? [String] == ["a note"])
        let first = try #require((json["devices"] as? [[String: Any]])?.first)
        #expect(first["drmNode"] as? String != nil && first["largestParticleCount"] as? Int != nil)
        #expect(first["vendor"] as? String != nil)
    }
}
