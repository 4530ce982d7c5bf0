import Engine

extension KernelTuner.Trial {
    /// "[3/40] 64,1,0: 2.00e+09 interactions/s (verified, error 1.0e-06)", `label` first.
    public func line(index: Int, total: Int, label: String = "") -> String {
        "\(label)[\(index)/\(total)] \(configuration): \(outcome)"
    }

    /// How the trial went: its rate and error, or why it was rejected.
    public var outcome: String {
        rejection.map { "REJECTED: \($0)" }
            ?? "\(scientific(interactionsPerSecond ?? 0)) interactions/s (verified, error "
            + "\(scientific(error ?? 0, digits: 2)))"
    }
}

extension LifeKernelTuner.Trial {
    /// "[3/12] wide: 3.00e+09 cell updates/s (verified bit-exact)".
    public func line(index: Int, total: Int) -> String { "[\(index)/\(total)] \(kernel): \(outcome)" }

    /// How the trial went: its rate, or why it was rejected.
    public var outcome: String {
        rejection.map { "REJECTED: \($0)" }
            ?? "\(scientific(cellUpdatesPerSecond ?? 0)) cell updates/s (verified bit-exact)"
    }
}

extension GrayScottStripTuner.Trial {
    /// "[3/12] strips of 64: 1.80e+08 cell updates/s (verified, error 2.4e-08)".
    public func line(index: Int, total: Int) -> String { "[\(index)/\(total)] strips of \(rows): \(outcome)" }

    /// How the trial went: its rate and error, or why it was rejected.
    public var outcome: String {
        rejection.map { "REJECTED: \($0)" }
            ?? "\(scientific(cellUpdatesPerSecond ?? 0)) cell updates/s (verified, error "
            + "\(scientific(error ?? 0, digits: 2)))"
    }
}

extension GrayScottStripTuner {
    /// What the final round of interleaved runs found, a line each.
    public static func finalRoundLines(_ finalists: [Trial]) -> [String] {
        ["final round, \(finalists.count) strips in interleaved runs:"]
            + finalists.map { trial in
                "  strips of \(trial.rows): "
                    + (trial.confirmedCellUpdatesPerSecond.map { "\(scientific($0)) cell updates/s" } ?? "failed")
                    + " (first pass \(scientific(trial.cellUpdatesPerSecond ?? 0)))"
            }
    }
}

extension KernelTuner {
    /// What the final round of interleaved runs found, a line each; `label` starts every line.
    public static func finalRoundLines(_ finalists: [Trial], label: String = "") -> [String] {
        guard !finalists.isEmpty else {
            return [
                "\(label)no final round: re-timing the fastest shapes would overrun the budget at this N; the "
                    + "first pass decides"
            ]
        }
        return ["\(label)final round, \(finalists.count) shapes in interleaved runs:"]
            + finalists.map { trial in
                "\(label)  \(trial.configuration): "
                    + (trial.confirmedInteractionsPerSecond.map { "\(scientific($0)) interactions/s" } ?? "failed")
                    + " (first pass \(scientific(trial.interactionsPerSecond ?? 0)))"
            }
    }
}

/// What `tune nbody` found, as text or JSON.
public struct NBodyTuningReport: CommandReport {
    public var device: String
    public var particles: Int
    public var winner: NBodyKernel
    public var cache: String
    public var trials: [KernelTuner.Trial]
    /// The signal that ended the search early; absent when the budget did.
    public var stoppedBy: String?
    private var winnerRate: Double?

    private enum CodingKeys: String, CodingKey {
        case device, particles, winner, cache, trials, stoppedBy
    }

    public init(
        device: String, particles: Int, winner: KernelTuner.Trial, cache: String, trials: [KernelTuner.Trial],
        stoppedBy: String?
    ) {
        self.device = device
        self.particles = particles
        self.winner = winner.configuration
        winnerRate = winner.measuredInteractionsPerSecond
        self.cache = cache
        self.trials = trials
        self.stoppedBy = stoppedBy
    }

    public var lines: [String] {
        let baseline = trials.first { $0.rejection == nil }
        return [
            "winner: \(winner): \(scientific(winnerRate ?? 0)) interactions/s"
                + (baseline.map { " (default: \(scientific($0.measuredInteractionsPerSecond ?? 0)))" } ?? ""),
            "tried: \(trials.count), rejected: \(trials.filter { $0.rejection != nil }.count)",
            "cache: \(cache)",
        ]
    }
}

/// What `tune life` found, as text or JSON.
public struct LifeTuningReport: CommandReport {
    public var device: String
    public var width: Int
    public var height: Int
    public var rule: String
    public var winner: String
    public var cache: String
    public var trials: [LifeKernelTuner.Trial]
    public var stoppedBy: String?
    private var winnerRate: Double

    private enum CodingKeys: String, CodingKey {
        case device, width, height, rule, winner, cache, trials, stoppedBy
    }

    public init(
        device: String, width: Int, height: Int, rule: LifeRule, winner: LifeKernel, rate: Double, cache: String,
        trials: [LifeKernelTuner.Trial], stoppedBy: String?
    ) {
        self.device = device
        self.width = width
        self.height = height
        self.rule = rule.description
        self.winner = winner.description
        winnerRate = rate
        self.cache = cache
        self.trials = trials
        self.stoppedBy = stoppedBy
    }

    public var lines: [String] {
        [
            "winner: \(winner): \(scientific(winnerRate)) cell updates/s"
                + (trials.first?.cellUpdatesPerSecond.map { " (default: \(scientific($0)))" } ?? ""),
            "tried: \(trials.count), rejected: \(trials.filter { $0.rejection != nil }.count)",
            "cache: \(cache)",
        ]
    }
}

/// What `tune gray-scott` found, as text or JSON.
public struct GrayScottTuningReport: CommandReport {
    public var device: String
    public var width: Int
    public var height: Int
    /// The winning strip length.
    public var rows: Int
    public var cache: String
    public var trials: [GrayScottStripTuner.Trial]
    public var stoppedBy: String?
    private var winnerRate: Double

    private enum CodingKeys: String, CodingKey {
        case device, width, height, rows, cache, trials, stoppedBy
    }

    public init(
        device: String, width: Int, height: Int, rows: Int, rate: Double, cache: String,
        trials: [GrayScottStripTuner.Trial], stoppedBy: String?
    ) {
        self.device = device
        self.width = width
        self.height = height
        self.rows = rows
        winnerRate = rate
        self.cache = cache
        self.trials = trials
        self.stoppedBy = stoppedBy
    }

    public var lines: [String] {
        let baseline = trials.first { $0.rows == GrayScottWorkload.defaultRows && $0.rejection == nil }
        let baselineRate = baseline?.confirmedCellUpdatesPerSecond ?? baseline?.cellUpdatesPerSecond
        return [
            "winner: strips of \(rows): \(scientific(winnerRate)) cell updates/s"
                + (baselineRate.map { " (default: \(scientific($0)))" } ?? ""),
            "tried: \(trials.count), rejected: \(trials.filter { $0.rejection != nil }.count)",
            "cache: \(cache)",
        ]
    }

    /// What `tune gray-scott` says as it starts.
    public static func startLine(device: PhysicalDeviceDescription, width: Int, height: Int, budget: Double) -> String {
        "tuning Gray-Scott for [\(device.index)] \(device.name), \(width)x\(height), budget \(fixed(budget, 0)) s"
    }
}

extension NBodyTuningReport {
    /// What `tune nbody` says as it starts.
    public static func startLine(device: PhysicalDeviceDescription, particles: Int, budget: Double) -> String {
        "tuning for [\(device.index)] \(device.name), N=\(particles), budget \(fixed(budget, 0)) s"
    }
}

extension LifeTuningReport {
    /// What `tune life` says as it starts.
    public static func startLine(
        rule: LifeRule, device: PhysicalDeviceDescription, width: Int, height: Int, budget: Double
    ) -> String {
        "tuning Life \(rule) for [\(device.index)] \(device.name), \(width)x\(height), budget \(fixed(budget, 0)) s"
    }
}

extension TuningStore {
    /// What a search a signal ended says: how far it got, and that its best is kept.
    public static func stoppedLine(by signal: String, tried: Int) -> String {
        "\(signal): the search stopped after \(tried) candidates; the fastest verified one is stored"
    }
}
