import CStandardOutput
import Commands
import Glibc

/// The process around the commands: its arguments, environment, signals and exit status.
@main
enum CapitalEngine {
    static func main() {
        // Past `ulimit -f` a write fails with EFBIG, reported like a full disk, instead of the
        // signal ending the process with no message.
        signal(SIGXFSZ, SIG_IGN)
        // An X server that goes away mid-run must end the run with its outputs written, not kill
        // it: xcb (Xlib's, and the driver's window system code) writes to the server's socket
        // without MSG_NOSIGNAL, so a write after the server died raised SIGPIPE, whereas ignored
        // it fails with EPIPE and the connection's loss is reported as any other.
        signal(SIGPIPE, SIG_IGN)
        // What could not be written to standard output (a full disk, a closed file) is a
        // failure, not a success with nothing to show: checked when the process exits.
        atexit {
            if capitalengine_standard_output_failed() != 0 {
                // A reader that stopped reading (`| head`) is no error: the process ends as
                // SIGPIPE would have ended it, silently, as a pipeline's commands do.
                if capitalengine_standard_output_reader_gone() != 0 {
                    signal(SIGPIPE, SIG_DFL)
                    raise(SIGPIPE)
                }
                let message = "error: standard output could not be written (\(String(cString: strerror(errno))))\n"
                _ = message.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
                _exit(1)
            }
        }
        exit(
            CommandLineTool.run(Array(CommandLine.arguments.dropFirst()), context: .process(stopRequests: StopSignal()))
        )
    }
}
