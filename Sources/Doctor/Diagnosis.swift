import Simulation

/// One finding of `doctor`: what was checked, how it stands, and how to fix it.
public struct Finding: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Comparable {
        case ok, info, warning, error

        var rank: Int { ["ok": 0, "info": 1, "warning": 2, "error": 3][rawValue]! }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var check: String
    public var status: Status
    public var detail: String
    public var fix: String?

    public init(_ check: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

/// Everything `doctor` found; the setup works when nothing is an error.
public struct Diagnosis: Sendable, Codable, Equatable {
    public var findings: [Finding]
    public var works: Bool { !findings.contains { $0.status == .error } }

    public init(findings: [Finding]) {
        self.findings = findings
    }
}

extension Diagnosis: CommandReport {
    private enum ReportKeys: String, CodingKey {
        case works, findings
    }

    /// `doctor --json`: the verdict and the findings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ReportKeys.self)
        try container.encode(works, forKey: .works)
        try container.encode(findings, forKey: .findings)
    }

    /// A line a finding, with its fix below it where it is not fine, and the verdict.
    public var lines: [String] {
        findings.flatMap { finding in
            let mark =
                switch finding.status {
                case .ok: "ok     "
                case .info: "info   "
                case .warning: "WARNING"
                case .error: "ERROR  "
                }
            return ["\(mark) \(finding.check): \(finding.detail)"]
                + (finding.fix.map { finding.status >= .info ? ["        fix: \($0)"] : [] } ?? [])
        } + [works ? "\nThe setup works." : "\nThe setup has problems; see ERROR lines above."]
    }
}
