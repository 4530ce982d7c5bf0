import CZlib
import Engine
import FoundationEssentials
import Glibc

/// An 8-bit RGB image, written and read as PNG through the system zlib.
public struct PNGImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major RGB triples, top row first.
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "pixel data does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (rgb[i], rgb[i + 1], rgb[i + 2])
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file: IHDR (8-bit RGB), one zlib-compressed IDAT, IEND, each with its CRC.
    public func encoded() -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (width * 3 + 1))
        for row in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: rgb[row * width * 3..<(row + 1) * width * 3])
        }
        var compressedSize = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        // Level 3 rather than zlib's default 6: half the time, which was half of a --frames
        // run's, for files of about the same size.
        let status = compress2(&compressed, &compressedSize, raw, uLong(raw.count), 3)
        precondition(status == Z_OK, "zlib compress2 failed: \(status)")

        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // bit depth, RGB, deflate, filter 0, no interlace
        var file = Data(Self.signature)
        file.appendChunk("IHDR", header)
        file.appendChunk("IDAT", Data(compressed.prefix(Int(compressedSize))))
        file.appendChunk("IEND", Data())
        return file
    }

    /// Writes atomically: the file is complete or absent.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    /// Reads 8-bit RGB or RGBA PNGs (non-interlaced, any filter), checking every CRC.
    public static func decode(_ data: Data) throws -> PNGImage {
        let bytes = [UInt8](data)
        guard bytes.count > 8, Array(bytes[0..<8]) == signature else { throw PNGError("not a PNG file") }
        var offset = 8
        var width = 0, height = 0, channels = 0
        var idat = [UInt8]()
        while offset + 12 <= bytes.count {
            let length = Int(bytes.readBigEndian(at: offset))
            guard offset + 12 + length <= bytes.count else { throw PNGError("truncated chunk") }
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = Array(bytes[offset + 8..<offset + 8 + length])
            let storedCRC = bytes.readBigEndian(at: offset + 8 + length)
            let computed = bytes[offset + 4..<offset + 8 + length].withUnsafeBufferPointer {
                UInt32(crc32(0, $0.baseAddress, uInt($0.count)))
            }
            guard storedCRC == computed else { throw PNGError("bad CRC in \(type)") }
            switch type {
            case "IHDR":
                width = Int(body.readBigEndian(at: 0))
                height = Int(body.readBigEndian(at: 4))
                guard body[8] == 8, body[12] == 0 else { throw PNGError("only 8-bit non-interlaced PNGs are read") }
                switch body[9] {
                case 2: channels = 3
                case 6: channels = 4
                default: throw PNGError("colour type \(body[9]) is not read")
                }
            case "IDAT": idat += body
            case "IEND": break
            default: break
            }
            offset += 12 + length
        }
        guard width > 0, height > 0, channels > 0 else { throw PNGError("no IHDR") }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var rawSize = uLong(raw.count)
        guard uncompress(&raw, &rawSize, idat, uLong(idat.count)) == Z_OK, Int(rawSize) == raw.count else {
            throw PNGError("bad zlib stream")
        }
        var previous = [UInt8](repeating: 0, count: stride)
        var rgb = [UInt8]()
        rgb.reserveCapacity(width * height * 3)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            var line = Array(raw[row * (stride + 1) + 1..<(row + 1) * (stride + 1)])
            for i in 0..<stride {
                let a = i >= channels ? Int(line[i - channels]) : 0
                let b = Int(previous[i])
                let c = i >= channels ? Int(previous[i - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw PNGError("bad filter \(filter)")
                }
                line[i] = UInt8(truncatingIfNeeded: Int(line[i]) + predictor)
            }
            for x in 0..<width { rgb += line[x * channels..<x * channels + 3] }
            previous = line
        }
        return PNGImage(width: width, height: height, rgb: rgb)
    }
}

public struct PNGError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ])
    }

    fileprivate mutating func appendChunk(_ type: String, _ body: Data) {
        appendBigEndian(UInt32(body.count))
        let typeAndBody = Data(type.utf8) + body
        append(typeAndBody)
        let crc = typeAndBody.withUnsafeBytes { raw in
            crc32(0, raw.bindMemory(to: UInt8.self).baseAddress, uInt(raw.count))
        }
        appendBigEndian(UInt32(crc))
    }
}

extension [UInt8] {
    fileprivate func readBigEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }
}
