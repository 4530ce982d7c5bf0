import ArgumentParser

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
}
