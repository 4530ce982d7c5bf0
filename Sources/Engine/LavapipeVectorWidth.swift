import FoundationEssentials
import Glibc

/// The vector width lavapipe compiles shaders for. A process fixes it when it first loads the
/// driver, from Mesa's `LP_NATIVE_VECTOR_WIDTH`: 256 bits by default, even where the CPU has
/// 512-bit registers.
///
/// On an AMD EPYC VM (Zen 4, which runs 512-bit vectors at full clock) 512 bits ran the
/// pair-once N-body kernel faster, the more so at large N, where the wider block also keeps its
/// partial sums within lavapipe's buffers; but Life's bit kernels ran slower
/// (docs/history.md). So only the N-body workload asks, only
/// on such CPUs, never over the user's own setting, and (the caller's part) only where nothing
/// is drawn: lavapipe 22.3 crashed drawing at 512 bits with its shader cache disabled, and hung
/// in the container image.
public enum LavapipeVectorWidth {
    public static let variable = "LP_NATIVE_VECTOR_WIDTH"
    static let wide = 512

    /// Whether the CPU `/proc/cpuinfo` describes is one where 512 bits measured faster: AMD,
    /// with the AVX-512 subsets LLVM uses for 512-bit vectors. An Intel Xeon with AVX-512
    /// measured no faster (docs/history.md).
    public static func prefersWideVectors(cpuInfo: String) -> Bool {
        let lines = cpuInfo.split(separator: "\n")
        guard let vendor = lines.first(where: { $0.hasPrefix("vendor_id") }), vendor.hasSuffix("AuthenticAMD"),
            let flagLine = lines.first(where: { $0.hasPrefix("flags") })
        else { return false }
        let flags = Set(flagLine.split(separator: " ").map(String.init))
        return ["avx512f", "avx512vl", "avx512bw", "avx512dq"].allSatisfy(flags.contains)
    }

    /// Asks lavapipe for 512-bit vectors for the rest of this process where the CPU prefers
    /// them and `LP_NATIVE_VECTOR_WIDTH` is not set. Call it before the process first makes a
    /// Vulkan instance: later it changes nothing. Other drivers ignore the variable.
    /// - Returns: the width asked for, or nil where it asked for none.
    @discardableResult
    public static func preferWideVectorsForNBody(environment: [String: String]) -> Int? {
        guard environment[variable] == nil,
            let data = FileManager.default.contents(atPath: "/proc/cpuinfo"),
            prefersWideVectors(cpuInfo: String(decoding: data, as: UTF8.self))
        else { return nil }
        setenv(variable, String(wide), 0)
        return wide
    }
}
