#version 450
// A coarse copy of a Life grid for drawing it zoomed out: overview cell (bx, by) stands for
// the FACTOR x FACTOR block of cells at (bx * FACTOR, by * FACTOR), and is 1 when any cell in
// it is alive, else 2 when any is dying, else 0. Written a byte per cell, four per word, the
// layout life_cells_vertex.vert draws; read from either simulation layout.

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Cells { uint word[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Overview { uint block[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint height;
    // 1 (bit-packed) or 8 (a byte per cell).
    uint bitsPerCell;
    uint factor;
    uint overviewWidth;
    uint overviewHeight;
} p;

uint blockState(uint bx, uint by) {
    const uint x0 = bx * p.factor, x1 = min(p.width, x0 + p.factor);
    const uint y0 = by * p.factor, y1 = min(p.height, y0 + p.factor);
    if (p.bitsPerCell == 1u) {
        // Whole words at a time: OR the block's bits of every row.
        const uint stride = (p.width + 31u) / 32u;
        uint live = 0u;
        for (uint y = y0; y < y1; ++y) {
            for (uint w = x0 / 32u; w <= (x1 - 1u) / 32u; ++w) {
                const uint lo = max(x0, w * 32u) - w * 32u;
                const uint hi = min(x1, w * 32u + 32u) - w * 32u;
                const uint mask = hi - lo == 32u ? 0xFFFFFFFFu : ((1u << (hi - lo)) - 1u) << lo;
                live |= word[y * stride + w] & mask;
            }
            if (live != 0u) return 1u;
        }
        return 0u;
    }
    const uint stride = (p.width + 3u) / 4u;
    uint result = 0u;
    for (uint y = y0; y < y1; ++y) {
        for (uint x = x0; x < x1; ++x) {
            const uint state = (word[y * stride + x / 4u] >> (8u * (x & 3u))) & 0xFFu;
            if (state == 1u) return 1u;
            if (state >= 2u) result = 2u;
        }
    }
    return result;
}

void main() {
    const uint wordsPerRow = (p.overviewWidth + 3u) / 4u;
    const uint index = gl_GlobalInvocationID.x;
    if (index >= wordsPerRow * p.overviewHeight) return;
    const uint by = index / wordsPerRow;
    const uint firstBlock = (index % wordsPerRow) * 4u;
    uint result = 0u;
    if (p.bitsPerCell == 1u && p.factor <= 8u) {
        // The four blocks' cells lie in one grid word (4 x factor <= 32 bits, aligned): OR
        // that word down the block rows once and test each block's bits, a read a row where
        // blockState reads one a row for each block.
        const uint stride = (p.width + 31u) / 32u;
        const uint x0 = firstBlock * p.factor;
        const uint y0 = by * p.factor, y1 = min(p.height, y0 + p.factor);
        uint bits = 0u;
        for (uint y = y0; y < y1; ++y) bits |= word[y * stride + x0 / 32u];
        bits >>= x0 % 32u;
        // Only cells inside the grid count.
        const uint valid = min(32u - x0 % 32u, p.width - x0);
        if (valid < 32u) bits &= (1u << valid) - 1u;
        const uint mask = (1u << p.factor) - 1u;
        for (uint k = 0u; k < 4u; ++k) {
            if (((bits >> (k * p.factor)) & mask) != 0u) result |= 1u << (8u * k);
        }
        block[index] = result;
        return;
    }
    for (uint k = 0u; k < 4u; ++k) {
        if (firstBlock + k < p.overviewWidth) result |= blockState(firstBlock + k, by) << (8u * k);
    }
    block[index] = result;
}
