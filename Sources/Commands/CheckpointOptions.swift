import ArgumentParser
import Engine
import FoundationEssentials
import Simulation

/// Where a run writes its resumable checkpoints, and how often; `--resume` reads them.
struct CheckpointOptions: ParsableArguments {
    @Option(
        name: .customLong("checkpoint"),
        help: ArgumentHelp(
            """
            Write a resumable checkpoint here (FILE.npy plus FILE.npy.json): every --checkpoint-every steps, at \
            the end, and when stopped by a signal.
            """,
            valueName: "file.npy"))
    var file: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "With --checkpoint: steps between checkpoints (0: only at the end or on a signal).", valueName: "K"))
    var checkpointEvery: Int = 0

    func validate() throws {
        if let file {
            // Both halves of a checkpoint, or the run ends with an orphan .npy.
            try checkWritableOutput(file, option: "--checkpoint")
            try checkWritableFile(Checkpoint.metadataURL(for: URL(fileURLWithPath: file)).path, option: "--checkpoint")
        }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be zero or more") }
        if checkpointEvery > 0 && file == nil {
            throw ValidationError("--checkpoint-every needs --checkpoint FILE.npy")
        }
    }

    /// Has `session` write checkpoints, with `write` (the step, the state, the file), every
    /// --checkpoint-every steps and at the end or on a signal.
    func add<W: Workload>(
        to session: RunSession<W>, _ write: @escaping (_ step: Int, _ state: W.State, _ url: URL) throws -> Void
    ) {
        guard let file else { return }
        let url = URL(fileURLWithPath: file)
        if checkpointEvery > 0 {
            session.addCheckpoints(every: checkpointEvery, named: "--checkpoint") { try write($0, $1, url) }
        }
        session.addOutput("--checkpoint") { try write($1, $0, url) }
    }

    /// What a run that fails part way still writes, for the message: `--output` where one is
    /// given, and the checkpoint.
    func kept(besides output: String?) -> [String] {
        [output.map { _ in "--output" }, file.map { _ in "--checkpoint" }].compactMap { $0 }
    }

    /// The summary's lines for `--output` and the checkpoint, where given, for
    /// `RunReport.writtenLines`; `unit` is what the workload calls a step.
    func written<W>(
        _ report: RunReport<W>, besides output: String?, unit: String = "step"
    ) -> [(name: String, line: String)] {
        [
            output.map { ("--output", "output: \($0)") },
            file.map { ("--checkpoint", "checkpoint: \($0) (\(unit) \(report.summary.stepsReached))") },
        ].compactMap { $0 }
    }
}
