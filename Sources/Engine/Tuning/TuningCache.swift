import FoundationEssentials
import Glibc

/// Tuned kernel shapes, per device UUID + driver version + shader build + problem-size class,
/// kept in a JSON file (XDG cache directory by default).
///
/// A corrupt or foreign file is ignored with a warning, never a crash; writes are atomic.
public struct TuningCache {
    public struct Key: Hashable, Codable, Sendable {
        public var deviceUUID: String
        public var driverVersion: String
        public var shaderBuild: String
        public var sizeClass: String
        /// lavapipe's subgroup follows the vector width a process chose (`LavapipeVectorWidth`),
        /// and shapes tuned for one width cannot run at the other; nil in older files.
        public var subgroupSize: UInt32?

        public init(device: PhysicalDeviceDescription, particleCount: Int) {
            deviceUUID = device.uuid
            driverVersion = device.driverIdentity
            shaderBuild = EmbeddedShader.buildID
            sizeClass = TuningCache.sizeClass(particleCount)
            subgroupSize = device.limits.subgroupSize
        }

        /// Life kernels: per rule family (two-state or Generations) and grid size within a
        /// factor of four in cells.
        public init(device: PhysicalDeviceDescription, lifeCells: Int, rule: LifeRule) {
            self.init(device: device, particleCount: 0)
            sizeClass =
                "life \(rule.states == 2 ? "two-state" : "generations") cells"
                + TuningCache.sizeClass(lifeCells).dropFirst(1)
        }

        /// Gray-Scott kernel shapes: per field size within a factor of four in cells (the
        /// rates do not change the work).
        public init(device: PhysicalDeviceDescription, grayScottCells: Int) {
            self.init(device: device, particleCount: 0)
            sizeClass = "gray-scott cells" + TuningCache.sizeClass(grayScottCells).dropFirst(1)
        }
    }

    /// One tuned winner: an N-body shape (with its interactions/s), a Life kernel or a
    /// Gray-Scott kernel shape (with its cell updates/s, in the same field).
    struct Entry: Codable {
        var key: Key
        var configuration: NBodyKernel?
        var lifeKernel: String?
        var grayScottRows: Int?
        var grayScottColumns: Int?
        var interactionsPerSecond: Double
        var device: String
        var tuned: Date

        init(
            key: Key, configuration: NBodyKernel? = nil, lifeKernel: String? = nil,
            grayScottKernel: GrayScottKernel? = nil, interactionsPerSecond: Double, device: String, tuned: Date
        ) {
            self.key = key
            self.configuration = configuration
            self.lifeKernel = lifeKernel
            grayScottRows = grayScottKernel?.rows
            grayScottColumns = grayScottKernel?.columns
            self.interactionsPerSecond = interactionsPerSecond
            self.device = device
            self.tuned = tuned
        }

        /// Why the stored shape names no kernel, where it does not; never stored.
        var unreadableShape: String?

        private enum CodingKeys: String, CodingKey {
            case key, configuration, lifeKernel, grayScottRows, grayScottColumns, interactionsPerSecond, device, tuned
        }

        /// A shape no kernel has (written by hand, or by a build with other kernels) is read
        /// as none, with the reason: the cache drops that entry, and the size is tuned again.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(Key.self, forKey: .key)
            do {
                configuration = try c.decodeIfPresent(NBodyKernel.self, forKey: .configuration)
            } catch DecodingError.dataCorrupted(let context) {
                unreadableShape = context.debugDescription
            }
            lifeKernel = try c.decodeIfPresent(String.self, forKey: .lifeKernel)
            grayScottRows = try c.decodeIfPresent(Int.self, forKey: .grayScottRows)
            grayScottColumns = try c.decodeIfPresent(Int.self, forKey: .grayScottColumns)
            interactionsPerSecond = try c.decode(Double.self, forKey: .interactionsPerSecond)
            device = try c.decode(String.self, forKey: .device)
            tuned = try c.decode(Date.self, forKey: .tuned)
        }
    }

    struct File: Codable {
        var format = "capitalengine-tuning-1"
        var entries: [Entry]
    }

    public let url: URL
    private var entries: [Key: Entry] = [:]
    /// Why the file on disk, or an entry of it, was not used, if it was not.
    public private(set) var warning: String?
    /// Whether something other than a tuning cache is at `url`.
    private var holdsSomethingElse = false

    /// Sizes within a factor of four tune alike: 1024..4095 share a class, and so on.
    static func sizeClass(_ n: Int) -> String {
        var bucket = 1
        while bucket * 4 <= n { bucket *= 4 }
        return "N>=\(bucket)"
    }

    /// The default location: `$CAPITALENGINE_TUNE_CACHE`, else `$XDG_CACHE_HOME` (or
    /// `~/.cache`) `/capitalengine/tuning.json`.
    public static func defaultURL(environment: [String: String]) -> URL {
        if let path = environment["CAPITALENGINE_TUNE_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path) + "/.cache")
        return URL(fileURLWithPath: base).appendingPathComponent("capitalengine/tuning.json")
    }

    public init(url: URL) {
        self.url = url
        var isDirectory: Bool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory {
            warning = "\(url.path) is a directory, not a CapitalEngine tuning cache; ignoring it"
            holdsSomethingElse = true
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let file = try? decoder.decode(File.self, from: data), file.format == "capitalengine-tuning-1" else {
            warning = "\(url.path) is not a CapitalEngine tuning cache; ignoring it"
            holdsSomethingElse = true
            return
        }
        for entry in file.entries {
            if let reason = entry.unreadableShape {
                warning =
                    "\(url.path): ignoring the tuned shape for \(entry.key.sizeClass) on \(entry.device): \(reason)"
                continue
            }
            entries[entry.key] = entry
        }
    }

    public func lookup(_ key: Key) -> NBodyKernel? { entries[key]?.configuration }

    /// The size classes tuned for `device` as it is now (its driver, this build's shaders, its
    /// subgroup size), by workload and then size: "N>=1024", "N>=16384", "life two-state
    /// cells>=1048576", ...
    public func tunedSizeClasses(for device: PhysicalDeviceDescription) -> [String] {
        let probe = Key(device: device, particleCount: 0)
        func order(_ sizeClass: String) -> (String, Int) {
            let parts = sizeClass.components(separatedBy: ">=")
            return (parts[0], parts.count == 2 ? Int(parts[1]) ?? 0 : 0)
        }
        return entries.keys.filter {
            $0.deviceUUID == probe.deviceUUID && $0.driverVersion == probe.driverVersion
                && $0.shaderBuild == probe.shaderBuild && $0.subgroupSize == probe.subgroupSize
        }.map(\.sizeClass).sorted { order($0) < order($1) }
    }

    public func lookupLifeKernel(_ key: Key) -> LifeKernel? {
        entries[key]?.lifeKernel.flatMap(LifeKernel.init(parsing:))
    }

    /// The tuned kernel shape, where it is one a workload takes. An entry with rows alone was
    /// tuned before blocks of columns existed, against a slower default: it is passed over, so
    /// that the default runs until the size is tuned again.
    public func lookupGrayScottKernel(_ key: Key) -> GrayScottKernel? {
        guard let entry = entries[key], let rows = entry.grayScottRows, let columns = entry.grayScottColumns else {
            return nil
        }
        let kernel = GrayScottKernel(rows: rows, columns: columns)
        return kernel.problem == nil ? kernel : nil
    }

    public mutating func store(_ configuration: NBodyKernel, rate: Double, for key: Key, device: String) throws {
        try store(
            Entry(key: key, configuration: configuration, interactionsPerSecond: rate, device: device, tuned: Date()))
    }

    public mutating func store(lifeKernel: LifeKernel, rate: Double, for key: Key, device: String) throws {
        try store(
            Entry(
                key: key, lifeKernel: lifeKernel.description, interactionsPerSecond: rate, device: device, tuned: Date()
            ))
    }

    public mutating func store(grayScottKernel: GrayScottKernel, rate: Double, for key: Key, device: String) throws {
        try store(
            Entry(
                key: key, grayScottKernel: grayScottKernel, interactionsPerSecond: rate, device: device, tuned: Date()))
    }

    /// Why `url` cannot hold a tuning cache, when something else is already there: a directory,
    /// a device or other special file, or a file that is no tuning cache (an `.npy`, say). Such
    /// a file is never replaced. Nil when it is a tuning cache or nothing is there.
    public static func occupant(at url: URL) -> String? {
        specialFile(at: url) ?? (TuningCache(url: url).holdsSomethingElse ? notACache : nil)
    }

    private static let notACache = "is not a CapitalEngine tuning cache, and is left as it is"

    /// A directory, device node or other file that is not a regular one, in words.
    private static func specialFile(at url: URL) -> String? {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return "is a directory"
        case S_IFREG, S_IFLNK: break
        default: return "is not a regular file"
        }
        if stat(url.path, &status) == 0, status.st_mode & S_IFMT != S_IFREG { return "is not a regular file" }
        return nil
    }

    private mutating func store(_ entry: Entry) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Two tuning sessions may finish together (tune for two sizes in two terminals). Under
        // a lock on the directory, start from what the file holds now, not from what it held
        // when this cache was read, so that neither session's winner is lost.
        let lock = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if lock >= 0 { _ = flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        // Whatever else is there (``occupant(at:)``) is never replaced.
        if let special = Self.specialFile(at: url) { throw FileError(path: url.path, problem: special) }
        let current = TuningCache(url: url)
        guard !current.holdsSomethingElse else { throw FileError(path: url.path, problem: Self.notACache) }
        entries = current.entries
        entries[entry.key] = entry
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(
            File(entries: entries.values.sorted { $0.device + $0.key.sizeClass < $1.device + $1.key.sizeClass }))
        try AtomicFile.write(data, to: url)
        warning = nil
    }
}
