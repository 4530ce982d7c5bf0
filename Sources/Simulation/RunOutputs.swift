/// The files a run leaves, written independently of each other: one that cannot be written
/// (a full disk under the PNG) does not cost the others (the state), and every failure is
/// named.
public struct RunOutputs {
    public struct Failure: Error, CustomStringConvertible {
        /// The option that asked for the output: "--png".
        public var name: String
        public var error: any Error
        public var description: String { "\(name): \(error)" }
        /// The failure as a command reports it.
        public var problem: String { "\(description); not written" }
    }

    private var writers: [(name: String, write: () throws -> Void)] = []

    public init() {}

    /// Adds an output to write, named by the option that asked for it.
    public mutating func add(_ name: String, _ write: @escaping () throws -> Void) {
        writers.append((name, write))
    }

    /// Runs `write`, naming what fails after `name`: for outputs written along a run.
    public static func named(_ name: String, _ write: () throws -> Void) throws {
        do { try write() } catch { throw Failure(name: name, error: error) }
    }

    /// Writes every output, in the order added, whatever fails.
    /// - Returns: the ones that failed.
    public func writeAll() -> [Failure] {
        writers.compactMap { name, write in
            do {
                try write()
                return nil
            } catch {
                return Failure(name: name, error: error)
            }
        }
    }
}
