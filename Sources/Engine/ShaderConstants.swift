/// A specialization constant a shader declares: its name in the GLSL source and its
/// `constant_id` (for `local_size_x_id`, the workgroup's width, the name `local_size_x`).
/// The tables below declare each shader's once; a test reads the SPIR-V of every shader
/// they name (`SPIRVReflection`) and fails on any difference, so that a constant cannot be
/// set under an ID the shader gives another.
public struct ShaderConstant: Sendable, Hashable {
    public let name: String
    public let id: UInt32
    /// A `bool` constant rather than a `uint`.
    public let isBool: Bool

    init(_ name: String, _ id: UInt32, bool: Bool = false) {
        self.name = name
        self.id = id
        isBool = bool
    }
}

extension SpecializationConstant {
    public static func uint(_ constant: ShaderConstant, _ value: Int) -> Self {
        precondition(!constant.isBool, "\(constant.name) is a bool")
        precondition(value >= 0 && value <= Int(UInt32.max), "\(constant.name) = \(value) does not fit a uint")
        return .uint(constant.id, UInt32(value))
    }

    public static func bool(_ constant: ShaderConstant, _ value: Bool) -> Self {
        precondition(constant.isBool, "\(constant.name) is a uint")
        return .bool(constant.id, value)
    }
}

/// The specialization constants of the N-body shaders, per shader family.
enum NBodyShaderConstants {
    static let workgroupWidth = ShaderConstant("local_size_x", 0)

    /// `nbody_step.glsl`: `nbody_step.comp` and `nbody_step_shuffled.comp`.
    enum Step {
        static let bodies = ShaderConstant("BODIES", 1)
        static let tile = ShaderConstant("TILE", 2)
        static let zeroSoftening = ShaderConstant("ZERO_SOFTENING", 3, bool: true)
        static let streamFromGlobal = ShaderConstant("STREAM_FROM_GLOBAL", 4, bool: true)
        static let jUnroll = ShaderConstant("J_UNROLL", 5)
        static let prefetch = ShaderConstant("PREFETCH", 6, bool: true)
        static let stages = ShaderConstant("STAGES", 7)
        static let quotientForce = ShaderConstant("QUOTIENT_FORCE", 8, bool: true)
        static let jGroup = ShaderConstant("J_GROUP", 9)
        static let tileUnroll = ShaderConstant("TILE_UNROLL", 10)
        static let all = [
            workgroupWidth, bodies, tile, zeroSoftening, streamFromGlobal, jUnroll, prefetch, stages,
            quotientForce, jGroup, tileUnroll,
        ]
    }

    /// `nbody_step_split.comp`.
    enum Split {
        static let split = ShaderConstant("SPLIT", 1)
        static let width = ShaderConstant("WIDTH", 2)
        static let zeroSoftening = ShaderConstant("ZERO_SOFTENING", 3, bool: true)
        static let quotientForce = ShaderConstant("QUOTIENT_FORCE", 4, bool: true)
        static let all = [workgroupWidth, split, width, zeroSoftening, quotientForce]
    }

    /// `nbody_pairs.comp`.
    enum Pairs {
        static let bodies = ShaderConstant("BODIES", 1)
        static let widthLog2 = ShaderConstant("WIDTH_LOG2", 2)
        static let zeroSoftening = ShaderConstant("ZERO_SOFTENING", 3, bool: true)
        static let quotientForce = ShaderConstant("QUOTIENT_FORCE", 8, bool: true)
        static let jGroup = ShaderConstant("J_GROUP", 9)
        static let forceSums = ShaderConstant("FORCE_SUMS", 10, bool: true)
        static let all = [workgroupWidth, bodies, widthLog2, zeroSoftening, quotientForce, jGroup, forceSums]
    }

    /// `nbody_pairs_sum.comp`.
    enum PairsSum {
        static let block = ShaderConstant("BLOCK", 1)
        static let forceSums = ShaderConstant("FORCE_SUMS", 2, bool: true)
        static let all = [workgroupWidth, block, forceSums]
    }

    /// `nbody_pairs_atomic.glsl`: `nbody_pairs_atomic.comp` and `nbody_pairs_fixed.comp`.
    enum AtomicPairs {
        static let bodies = ShaderConstant("BODIES", 1)
        static let zeroSoftening = ShaderConstant("ZERO_SOFTENING", 3, bool: true)
        static let quotientForce = ShaderConstant("QUOTIENT_FORCE", 8, bool: true)
        static let span = ShaderConstant("SPAN", 11)
        static let all = [workgroupWidth, bodies, zeroSoftening, quotientForce, span]
    }

    /// `nbody_pairs_atomic_sum.comp` and `nbody_pairs_fixed_sum.comp`.
    static let atomicSum = [workgroupWidth]

    /// Every N-body shader and the constants it declares.
    static let byShader: [(EmbeddedShader, [ShaderConstant])] = [
        (.nbodyStep, Step.all), (.nbodyStepShuffled, Step.all), (.nbodyStepSplit, Split.all),
        (.nbodyPairs, Pairs.all), (.nbodyPairsSum, PairsSum.all),
        (.nbodyPairsAtomic, AtomicPairs.all), (.nbodyPairsFixed, AtomicPairs.all),
        (.nbodyPairsAtomicSum, atomicSum), (.nbodyPairsFixedSum, atomicSum),
    ]
}

/// The specialization constants of `gray_scott_step.glsl`: `gray_scott_step.comp` and
/// `gray_scott_step_wide64.comp`.
enum GrayScottShaderConstants {
    static let rows = ShaderConstant("ROWS", 0)
    static let columns = ShaderConstant("COLUMNS", 1)
    static let wideAccess = ShaderConstant("WIDE_ACCESS", 2, bool: true)
    static let all = [rows, columns, wideAccess]
    static let byShader: [(EmbeddedShader, [ShaderConstant])] = [
        (.grayScottStep, all), (.grayScottStepWide64, all),
    ]
}

/// What a SPIR-V module says about itself, read from its words.
public enum SPIRVReflection {
    /// The module's specialization constants, by `constant_id`: whether each is a bool.
    /// (The embedded modules are optimized, which drops their names; a test reads those from
    /// the GLSL sources.)
    public static func specializationConstants(of words: [UInt32]) -> [UInt32: Bool] {
        var specIDs: [UInt32: UInt32] = [:]
        var kinds: [UInt32: Bool] = [:]
        var index = 5
        while index < words.count {
            let count = Int(words[index] >> 16), opcode = words[index] & 0xFFFF
            guard count >= 1, index + count <= words.count else { break }
            let operands = Array(words[index + 1..<index + count])
            switch opcode {
            case 71 where operands.count >= 3 && operands[1] == 1:  // OpDecorate <target> SpecId <id>
                specIDs[operands[0]] = operands[2]
            case 48, 49:  // OpSpecConstantTrue, OpSpecConstantFalse <type> <result>
                if operands.count >= 2 { kinds[operands[1]] = true }
            case 50:  // OpSpecConstant <type> <result> <value>
                if operands.count >= 2 { kinds[operands[1]] = false }
            default:
                break
            }
            index += count
        }
        return Dictionary(uniqueKeysWithValues: specIDs.map { target, id in (id, kinds[target] ?? false) })
    }
}
