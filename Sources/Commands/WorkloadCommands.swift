import ArgumentParser

/// The workloads the command line offers, each with its own command under `run`, `verify`,
/// `bench` and `tune`: a workload added here reaches every one of them, and its options are
/// its own, so another workload's cannot be given. The first is each command's default.
enum WorkloadCommands {
    static let run: [ParsableCommand.Type] = [RunNBodyCommand.self, RunLifeCommand.self, RunGrayScottCommand.self]
    static let verify: [ParsableCommand.Type] = [
        VerifyNBodyCommand.self, VerifyLifeCommand.self, VerifyGrayScottCommand.self,
    ]
    static let bench: [ParsableCommand.Type] = [
        BenchNBodyCommand.self, BenchLifeCommand.self, BenchGrayScottCommand.self,
    ]
    static let tune: [ParsableCommand.Type] = [TuneNBodyCommand.self, TuneLifeCommand.self, TuneGrayScottCommand.self]

    /// The workloads' names, as `--workload NAME` spells them.
    static var names: [String] { run.map { $0.configuration.commandName ?? "" } }

    /// `run --workload life ...` as `run life ...`: the spelling of earlier versions, still
    /// accepted. Only the word after the program's name is a command that takes a workload.
    static func rewritingWorkloadOption(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, ["run", "verify", "bench", "tune"].contains(command) else {
            return arguments
        }
        var rest = Array(arguments.dropFirst())
        var workload: String?
        if let index = rest.firstIndex(of: "--workload"), index + 1 < rest.count {
            workload = rest[index + 1]
            rest.removeSubrange(index...index + 1)
        } else if let index = rest.firstIndex(where: { $0.hasPrefix("--workload=") }) {
            workload = String(rest[index].dropFirst("--workload=".count))
            rest.remove(at: index)
        }
        guard let workload else { return arguments }
        return [command, workload] + rest
    }
}
