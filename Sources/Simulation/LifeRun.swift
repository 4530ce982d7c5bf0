import Engine
import FoundationEssentials

/// A Life run put together from a description of it, for `run life` and a sweep's Life tasks
/// alike: the kernel chosen (given, else tuned, else the device's default), the grid checked
/// against the device before it is made, the starting grid, the workload, and a run session to
/// which the caller adds frames and outputs before it runs.
public final class LifeRun {
    public let setup: LifeRunSetup
    public let kernel: LifeKernel
    /// Where the kernel comes from, for the start line.
    public let kernelSource: String
    public let start: LifeGrid
    /// The generation the run starts at, counted from the original start (a resumed run's).
    public let firstStep: Int
    public let workload: LifeWorkload
    public let session: RunSession<LifeWorkload>
    public var loop: RunLoop<LifeWorkload> { session.loop }

    /// - Parameters:
    ///   - origin: where a pattern's top-left corner goes (nil: centred); `density` and `seed`
    ///     make a random start where `setup` has no pattern.
    ///   - given: the kernel asked for, if any, named in the start line by `givenSource`.
    ///   - tuned: the tuning cache's kernel for this device, rule and size, if any, and whence.
    ///   - steps: the run's total, counted from the original start.
    ///   - firstStep: the generation `setup`'s grid is at (a checkpoint's).
    public init(
        setup: LifeRunSetup, origin: (x: Int, y: Int)?, density: Double, seed: UInt64, steps: Int,
        firstStep: Int = 0, device: Device, given: LifeKernel?, givenSource: String, tuned: LifeKernel?,
        tuningSource: String
    ) throws {
        guard firstStep <= steps else {
            throw EngineError.invalidInput(
                "the checkpoint is at generation \(firstStep), beyond --steps \(steps) "
                    + "(--steps counts from the original start)")
        }
        self.setup = setup
        self.firstStep = firstStep
        let cells = setup.width * setup.height
        let tuned = given == nil ? tuned : nil
        kernel = given ?? tuned ?? .preferred(for: setup.rule, on: device.description, cells: cells)
        kernelSource = given != nil ? givenSource : tuned != nil ? tuningSource : "the device's default"
        try setup.checkFits(kernel: kernel, on: device.description)
        start = setup.startingGrid(origin: origin, density: density, seed: seed)
        workload = try LifeWorkload(
            device: device, grid: start, rule: setup.rule, bounded: setup.bounded, kernel: kernel)
        session = RunSession(
            RunLoop(workload: workload, firstStep: firstStep, totalSteps: steps, batchLimit: 100_000))
    }

    /// A checkpoint of `grid` at generation `step`, with the run's rule and topology (and the
    /// population record, where one is kept).
    public func checkpoint(at step: Int, _ grid: LifeGrid, populations: [[Int]]? = nil) -> LifeCheckpoint {
        LifeCheckpoint(step: step, rule: setup.rule, bounded: setup.bounded, grid: grid, populations: populations)
    }

    /// Ends the run, as settled, once the grid stops changing or repeats with period 2.
    /// - Throws: where this host cannot hold the copies of the grid the check compares.
    public func stopWhenStable() throws {
        if let problem = Self.stabilityCheckMemoryProblem(width: start.width, height: start.height) {
            throw EngineError.unsupported(problem)
        }
        try loop.stopOnceSettled(lookBack: StableStateDetector.lookBack, StableStateDetector.settled(_:generation:))
    }

    /// Grids a stability check holds at once, besides the run's own: the last three
    /// generations read back, the three of the last window found unsettled, and (as a run
    /// ends) the start, the final grid and those of a search.
    static let stabilityCheckCopies: UInt64 = 8

    /// Why this host cannot check a `width`×`height` grid for stability, or nil where it can.
    static func stabilityCheckMemoryProblem(
        width: Int, height: Int, memory: UInt64? = HostMemory.physicalBytes
    ) -> String? {
        let needed = UInt64(width) * UInt64(height) * (stabilityCheckCopies + 2)
        guard let memory, needed > memory else { return nil }
        return """
            --stop-when-stable compares grids on the host, a byte per cell, up to \(stabilityCheckCopies) of them \
            beside the run's two: a \(width)x\(height) grid needs \(needed >> 30) GiB of host memory; this machine \
            has \(memory >> 30) GiB
            """
    }

    /// Writes `grid` to `url` as RLE (with the rule, the grid's topology and `comment`) or, for a
    /// `.npy` name, as NumPy's uint8 (H, W), replacing the file whole.
    public func write(_ grid: LifeGrid, to url: URL, comment: String) throws {
        if url.pathExtension.lowercased() == "npy" {
            try AtomicFile.write(NPYFile.encode(grid), to: url)
            return
        }
        let topology = LifeTopology(width: grid.width, height: grid.height, bounded: setup.bounded)
        let text = RLEFile.write(grid, rule: setup.rule, topology: topology, comments: [comment])
        try AtomicFile.write(Data(text.utf8), to: url)
    }
}

extension LifeRun {
    /// What the run says as it starts: the device, the rule, grid and kernel.
    public func announcement() -> [String] {
        [
            "device: \(workload.device.description.heading(withType: true))",
            """
            Life \(setup.rule) on \(start.width)x\(start.height) \(setup.bounded ? "bounded" : "torus"), \
            \(loop.totalSteps) generations\(firstStep > 0 ? " (resumed at generation \(firstStep))" : ""), \
            \(workload.kernelDescription) kernel (\(kernelSource))
            """,
        ]
    }
}
