// The "virtual" plane of the kernels that run several generations per dispatch on the
// bit-packed grid: cell X of virtual row Y is grid cell (X mod width, Y mod height) on a
// torus, or dead outside the grid when bounded, so that a block of words straddling the seam
// or a partial last word needs no special cases once loaded. The includer declares `src`,
// `grid` (width, height), stride() and BOUNDED.

// value mod period, without the division in the common case: CPU drivers cannot vectorise
// an integer division, and every loaded row asks. GLSL leaves % undefined for negative
// operands: NVIDIA's driver wrapped the halo above row 0 and left of column 0 to wrong
// rows and columns (unless the size was a power of two). So negative values are reflected
// and the remainder is taken in unsigned arithmetic (a test keeps signed remainders out of
// every shader).
int wrap(int value, int period) {
    if (value >= 0 && value < period) return value;
    if (value >= 0) return int(uint(value) % uint(period));
    return period - 1 - int(uint(-value - 1) % uint(period));
}

// Cells c ... c + n - 1 of a row (1 <= n <= 32, all within the grid) in the low bits.
uint contiguous(uint base, uint c, uint n) {
    const uint shift = c & 31u;
    uint word = src[base + c / 32u] >> shift;
    if (shift + n > 32u) word |= src[base + c / 32u + 1u] << (32u - shift);
    return n == 32u ? word : word & ((1u << n) - 1u);
}

// The 32 cells of the virtual plane starting at cell x of row y.
uint loadVirtual(int x, int y) {
    if (BOUNDED && (y < 0 || y >= int(grid.height))) return 0u;
    const int width = int(grid.width);
    // Words more than one past the grid only ever influence the halo: leave them dead.
    if (x >= 32 * int(stride()) + 32) return 0u;
    const uint base = uint(wrap(y, int(grid.height))) * stride();
    if (x >= 0 && x + 32 <= width) return src[base + uint(x) / 32u];
    if (BOUNDED) {
        if (x >= width || x + 32 <= 0) return 0u;
        if (x < 0) return contiguous(base, 0u, uint(min(32 + x, width))) << uint(-x);
        return contiguous(base, uint(x), uint(width - x));
    }
    if (width >= 32) {
        // Crosses the seam once: the end of the row, then its start.
        const uint c = uint(wrap(x, width));
        const uint n = min(32u, uint(width) - c);
        uint word = contiguous(base, c, n);
        if (n < 32u) word |= contiguous(base, 0u, 32u - n) << n;
        return word;
    }
    // A grid narrower than a word wraps several times within it.
    uint word = 0u;
    for (int k = 0; k < 32; ++k) {
        const uint c = uint(wrap(x + k, width));
        word |= ((src[base + c / 32u] >> (c & 31u)) & 1u) << uint(k);
    }
    return word;
}
