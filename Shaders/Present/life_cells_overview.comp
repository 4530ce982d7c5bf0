#version 450
// A coarse copy of a Life grid for drawing it zoomed out: overview cell (bx, by) stands for
// the FACTOR x FACTOR block of cells at (bx * FACTOR, by * FACTOR), and holds how bright its
// shares of cells alive (low four bits) and dying (high four) draw, so a grid seen whole keeps
// its density. Written a byte per cell, four per word, the layout
// life_cells_fragment.frag reads; read from either simulation layout.

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
    // A bit-packed Generations grid: its dying planes after the live one, each planeWords
    // words; 0 otherwise.
    uint dyingPlanes;
    uint planeWords;
} p;

// Which cells of word `index` (bit-packed) are dying: set in any dying plane.
uint dyingBits(uint index) {
    uint dying = 0u;
    for (uint i = 0u; i < p.dyingPlanes; ++i) dying |= word[(i + 1u) * p.planeWords + index];
    return dying;
}

// How bright a share of a block's cells draws: 0 for none, else 1 to 15, the square root of
// the share in fifteenths (so sparse regions still show against empty ones), never 0 for one
// cell of many. Whole numbers throughout, so the CPU's reference agrees exactly.
uint level(uint count, uint cells) {
    return count == 0u ? 0u : max(1u, uint(sqrt(float(225u * count / cells))));
}

uint blockValue(uint bx, uint by) {
    const uint x0 = bx * p.factor, x1 = min(p.width, x0 + p.factor);
    const uint y0 = by * p.factor, y1 = min(p.height, y0 + p.factor);
    const uint cells = (x1 - x0) * (y1 - y0);
    if (p.bitsPerCell == 1u) {
        // Whole words at a time: count the block's bits of every row.
        const uint stride = (p.width + 31u) / 32u;
        uint live = 0u, dying = 0u;
        for (uint y = y0; y < y1; ++y) {
            for (uint w = x0 / 32u; w <= (x1 - 1u) / 32u; ++w) {
                const uint lo = max(x0, w * 32u) - w * 32u;
                const uint hi = min(x1, w * 32u + 32u) - w * 32u;
                const uint mask = hi - lo == 32u ? 0xFFFFFFFFu : ((1u << (hi - lo)) - 1u) << lo;
                live += bitCount(word[y * stride + w] & mask);
                dying += bitCount(dyingBits(y * stride + w) & mask);
            }
        }
        return level(live, cells) | level(dying, cells) << 4u;
    }
    const uint stride = (p.width + 3u) / 4u;
    uint live = 0u, dying = 0u;
    for (uint y = y0; y < y1; ++y) {
        for (uint x = x0; x < x1; ++x) {
            const uint state = (word[y * stride + x / 4u] >> (8u * (x & 3u))) & 0xFFu;
            live += state == 1u ? 1u : 0u;
            dying += state >= 2u ? 1u : 0u;
        }
    }
    return level(live, cells) | level(dying, cells) << 4u;
}

void main() {
    const uint wordsPerRow = (p.overviewWidth + 3u) / 4u;
    const uint index = gl_GlobalInvocationID.x;
    if (index >= wordsPerRow * p.overviewHeight) return;
    const uint by = index / wordsPerRow;
    const uint firstBlock = (index % wordsPerRow) * 4u;
    uint result = 0u;
    if (p.bitsPerCell == 1u && p.factor <= 8u) {
        // The four blocks' cells lie in one grid word (4 x factor <= 32 bits, aligned): read
        // that word once a block row and count each block's bits in it, a read a row where
        // blockValue reads one a row for each block.
        const uint stride = (p.width + 31u) / 32u;
        const uint x0 = firstBlock * p.factor;
        const uint y0 = by * p.factor, y1 = min(p.height, y0 + p.factor);
        // Only cells inside the grid count.
        const uint valid = min(32u - x0 % 32u, p.width - x0);
        const uint inGrid = valid < 32u ? (1u << valid) - 1u : 0xFFFFFFFFu;
        const uint mask = (1u << p.factor) - 1u;
        uvec4 live = uvec4(0u), dying = uvec4(0u);
        for (uint y = y0; y < y1; ++y) {
            const uint index = y * stride + x0 / 32u;
            const uint bits = (word[index] >> (x0 % 32u)) & inGrid;
            live += uvec4(bitCount(bits & mask), bitCount((bits >> p.factor) & mask),
                bitCount((bits >> (2u * p.factor)) & mask), bitCount((bits >> (3u * p.factor)) & mask));
            if (p.dyingPlanes > 0u) {
                const uint old = (dyingBits(index) >> (x0 % 32u)) & inGrid;
                dying += uvec4(bitCount(old & mask), bitCount((old >> p.factor) & mask),
                    bitCount((old >> (2u * p.factor)) & mask), bitCount((old >> (3u * p.factor)) & mask));
            }
        }
        for (uint k = 0u; k < 4u; ++k) {
            const uint bx = firstBlock + k;
            if (bx >= p.overviewWidth) break;
            const uint cells = (min(p.width, (bx + 1u) * p.factor) - bx * p.factor) * (y1 - y0);
            result |= (level(live[k], cells) | level(dying[k], cells) << 4u) << (8u * k);
        }
        block[index] = result;
        return;
    }
    for (uint k = 0u; k < 4u; ++k) {
        if (firstBlock + k < p.overviewWidth) result |= blockValue(firstBlock + k, by) << (8u * k);
    }
    block[index] = result;
}
