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

extension GrayScottKernelTuner.Trial {
    /// "[3/12] a strip of 64 rows of 8 cells: 1.80e+08 cell updates/s (verified, error 2.4e-08)".
    public func line(index: Int, total: Int) -> String { "[\(index)/\(total)] \(kernel): \(outcome)" }

    /// How the trial went: its rate and error, or why it was rejected.
    public var outcome: String {
        rejection.map { "REJECTED: \($0)" }
            ?? "\(scientific(cellUpdatesPerSecond ?? 0)) cell updates/s (verified, error "
            + "\(scientific(error ?? 0, digits: 2)))"
    }
}

/// What a tuner's final round found, a line each (`label` first): each finalist's median of the
/// interleaved runs beside its first pass; no finalists, where re-timing them would have
/// overrun the budget.
func finalRoundLines(
    _ finalists: [(name: String, confirmed: Double?, firstPass: Double?)], kind: String, unit: String,
    label: String = ""
) -> [String] {
    guard !finalists.isEmpty else {
        return [
            "\(label)no final round: re-timing the fastest \(kind) would overrun the budget at this size; the "
                + "first pass decides"
        ]
    }
    return ["\(label)final round, \(finalists.count) \(kind) in interleaved runs:"]
        + finalists.map { finalist in
            "\(label)  \(finalist.name): " + (finalist.confirmed.map { "\(scientific($0)) \(unit)" } ?? "failed")
                + " (first pass \(scientific(finalist.firstPass ?? 0)))"
        }
}

extension KernelTuner {
    /// What the final round found, a line each; `label` starts every line.
    public static func finalRoundLines(_ finalists: [Trial], label: String = "") -> [String] {
        Simulation.finalRoundLines(
            finalists.map { ("\($0.configuration)", $0.confirmedInteractionsPerSecond, $0.interactionsPerSecond) },
            kind: "shapes", unit: "interactions/s", label: label)
    }
}

extension LifeKernelTuner {
    /// What the final round found, a line each.
    public static func finalRoundLines(_ finalists: [Trial]) -> [String] {
        Simulation.finalRoundLines(
            finalists.map { ($0.kernel, $0.confirmedCellUpdatesPerSecond, $0.cellUpdatesPerSecond) },
            kind: "kernels", unit: "cell updates/s")
    }
}

extension GrayScottKernelTuner {
    /// What the final round found, a line each.
    public static func finalRoundLines(_ finalists: [Trial]) -> [String] {
        Simulation.finalRoundLines(
            finalists.map { ("\($0.kernel)", $0.confirmedCellUpdatesPerSecond, $0.cellUpdatesPerSecond) },
            kind: "shapes", unit: "cell updates/s")
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
    /// The device's untuned shape, whose rate the text gives beside the winner's.
    private var defaultKernel: NBodyKernel

    private enum CodingKeys: String, CodingKey {
        case device, particles, winner, cache, trials, stoppedBy
    }

    public init(
        device: PhysicalDeviceDescription, particles: Int, winner: KernelTuner.Trial, cache: String,
        trials: [KernelTuner.Trial], stoppedBy: String?
    ) {
        self.device = device.name
        self.particles = particles
        self.winner = winner.configuration
        winnerRate = winner.measuredInteractionsPerSecond
        defaultKernel = .recommended(for: device, particleCount: particles)
        self.cache = cache
        self.trials = trials
        self.stoppedBy = stoppedBy
    }

    public var lines: [String] {
        let baseline = trials.first { $0.configuration == defaultKernel && $0.rejection == nil }
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
                + (trials.first?.measuredCellUpdatesPerSecond.map { " (default: \(scientific($0)))" } ?? ""),
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
    /// The winning shape: rows a strip, cells a row.
    public var rows: Int
    public var columns: Int
    public var cache: String
    public var trials: [GrayScottKernelTuner.Trial]
    public var stoppedBy: String?
    private var winnerRate: Double
    /// The device's untuned shape, whose rate the text gives beside the winner's.
    private var defaultKernel: GrayScottKernel

    private enum CodingKeys: String, CodingKey {
        case device, width, height, rows, columns, cache, trials, stoppedBy
    }

    public init(
        device: PhysicalDeviceDescription, width: Int, height: Int, kernel: GrayScottKernel, rate: Double,
        cache: String, trials: [GrayScottKernelTuner.Trial], stoppedBy: String?
    ) {
        self.device = device.name
        self.width = width
        self.height = height
        rows = kernel.rows
        columns = kernel.columns
        defaultKernel = .defaultKernel(for: device)
        winnerRate = rate
        self.cache = cache
        self.trials = trials
        self.stoppedBy = stoppedBy
    }

    public var lines: [String] {
        let baselineRate = trials.first { $0.kernel == defaultKernel && $0.rejection == nil }?
            .measuredCellUpdatesPerSecond
        return [
            "winner: \(GrayScottKernel(rows: rows, columns: columns)): \(scientific(winnerRate)) cell updates/s"
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
