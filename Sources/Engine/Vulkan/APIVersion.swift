/// A packed Vulkan API version (`VK_MAKE_API_VERSION`), shown as `1.3.239`.
public struct APIVersion: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ major: UInt32, _ minor: UInt32, _ patch: UInt32 = 0) {
        rawValue = makeAPIVersion(major, minor, patch)
    }

    public var major: UInt32 { (rawValue >> 22) & 0x7F }
    public var minor: UInt32 { (rawValue >> 12) & 0x3FF }
    public var patch: UInt32 { rawValue & 0xFFF }

    /// The version with the patch level dropped, for comparisons of capability.
    public var withoutPatch: APIVersion { APIVersion(major, minor) }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        lhs.withoutPatch.rawValue == rhs.withoutPatch.rawValue
            ? lhs.patch < rhs.patch : lhs.withoutPatch.rawValue < rhs.withoutPatch.rawValue
    }

    // Named as Vulkan names its versions (VK_API_VERSION_1_0).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let v1_0 = APIVersion(1, 0)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let v1_1 = APIVersion(1, 1)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let v1_2 = APIVersion(1, 2)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let v1_3 = APIVersion(1, 3)

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 3 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad API version \(text)"))
        }
        self.init(parts[0], parts[1], parts[2])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
