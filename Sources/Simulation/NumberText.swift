import Engine

/// `1.23e9`-style numbers for rates and errors, as every report prints them.
public func scientific(_ value: Double, digits: Int = 3) -> String {
    guard value.isFinite, value != 0 else { return "\(value)" }
    return cFormat("%.\(digits - 1)e", value)
}

/// `value` with `decimals` places after the point.
public func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    cFormat("%.\(decimals)f", value)
}
