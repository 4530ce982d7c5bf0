#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The host's memory, for refusing work that cannot fit before allocating it.
public enum HostMemory {
    /// Physical memory in bytes; nil where the system does not say.
    public static var physicalBytes: UInt64? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return nil }
        return UInt64(pages) * UInt64(pageSize)
    }

    /// What this process may allocate: the physical memory, or less under `ulimit -v`.
    public static var budgetBytes: UInt64? {
        var addressSpace: UInt64?
        #if canImport(Glibc)
            var limit = rlimit()
            if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max {
                addressSpace = UInt64(limit.rlim_cur)
            }
        #endif
        switch (physicalBytes, addressSpace) {
        case let (physical?, space?): return min(physical, space)
        case let (physical, space): return physical ?? space
        }
    }
}
