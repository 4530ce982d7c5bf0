/// A state that is float32 values throughout (an N-body state, a Gray-Scott field): what lets
/// two runs' states be compared bit for bit, whatever the workload.
public protocol FloatValues {
    var values: [Float] { get }
}

extension FloatValues {
    /// How many values differ from `other`'s, bit for bit (a NaN equals only the same NaN).
    public func valuesDiffering(from other: Self) -> Int {
        precondition(values.count == other.values.count, "states of different sizes")
        return zip(values, other.values).filter { $0.bitPattern != $1.bitPattern }.count
    }
}
