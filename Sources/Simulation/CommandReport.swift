/// What a command reports at its end, as text (`lines`) or, with `--json`, encoded: the
/// command line prints one or the other, and tests read either.
public protocol CommandReport: Encodable {
    var lines: [String] { get }
}
