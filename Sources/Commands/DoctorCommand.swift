import ArgumentParser
import Doctor
import FoundationEssentials
import Glibc

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Diagnose the Vulkan setup (drivers, /dev/dri, NVIDIA, displays) and say how to fix it.",
        discussion: """
            Checks the Vulkan loader; the ICD manifests it would load (VK_DRIVER_FILES and \
            VK_ICD_FILENAMES honoured) and whether their libraries load; /dev/dri nodes, whether \
            this user may open them and which group owns them, and which Vulkan device uses each; \
            NVIDIA container capabilities; DISPLAY, XAUTHORITY and the X socket; WAYLAND_DISPLAY, \
            XDG_RUNTIME_DIR and the Wayland socket (whose it is, whether a compositor answers, which); the validation \
            layer; and finally runs a short GPU-vs-CPU N-body check on every device.
            Exit status 0 when nothing is an error, 1 otherwise.
            """)

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Skip the GPU-vs-CPU check on each device.")
    var noVerify = false

    func run() throws {
        let diagnosis = SetupDoctor(environment: Console.environment, verify: !noVerify).diagnose()
        try printReport(diagnosis, json: json)
        if !diagnosis.works { throw ExitStatus.failure }
    }
}
