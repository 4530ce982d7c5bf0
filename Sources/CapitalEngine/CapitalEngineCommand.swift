import ArgumentParser
import CStandardOutput
import Glibc

@main
struct CapitalEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CapitalEngine",
        abstract:
            "Run GPU compute simulations with Vulkan on NVIDIA, AMD, Intel, Raspberry Pi or CPU (lavapipe) drivers.",
        discussion: """
            Devices are chosen automatically (discrete > integrated > virtual > CPU) or with \
            --device / CAPITALENGINE_DEVICE: an index from `devices`, part of the name, a vendor \
            (nvidia, amd, intel, videocore, lavapipe) or a type (discrete, integrated, virtual, cpu).

            --validate or CAPITALENGINE_VALIDATE=1 runs under the Khronos validation layer with \
            synchronization validation; any message it reports fails the run.

            EXIT CODES
              0   success
              1   runtime failure: no usable device, a Vulkan error, an unreadable or invalid file
              2   verify: the GPU result differs from the CPU reference beyond the tolerance
              3   the validation layer reported warnings or errors
              64  usage error: unknown command, bad option or option value
            """,
        version: "0.1.0",
        subcommands: [
            DevicesCommand.self, RunCommand.self, BenchCommand.self, VerifyCommand.self, TuneCommand.self,
            SweepCommand.self, DoctorCommand.self,
        ],
        defaultSubcommand: nil
    )

    static func main() {
        // Past `ulimit -f` a write fails with EFBIG, reported like a full disk, instead of the
        // signal ending the process with no message.
        signal(SIGXFSZ, SIG_IGN)
        // What could not be written to standard output (a full disk, a closed file) is a
        // failure, not a success with nothing to show: checked when the process exits.
        atexit {
            if capitalengine_standard_output_failed() != 0 {
                let message = "error: standard output could not be written (\(String(cString: strerror(errno))))\n"
                _ = message.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
                _exit(1)
            }
        }
        main(WorkloadCommands.rewritingWorkloadOption(Array(CommandLine.arguments.dropFirst())))
    }
}
