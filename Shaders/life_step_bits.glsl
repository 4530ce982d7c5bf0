// One generation of a Life-like rule on a bit-packed grid (32 cells per word, row stride
// ceil(width / 32) words, padding bits zero), or of a Generations rule on its bit planes
// (life_bits_rule.glsl). Each invocation produces a column of
// ROWS words, keeping three rows of neighbours in registers as it walks down, so each word is
// read from memory about once per generation: the memory-bandwidth-bound design.
//
// Included by life_step_bits.comp and, with SUBGROUP_NEIGHBOURS defined,
// life_step_bits_subgroup.comp: there an invocation takes its left and right words from its
// neighbours in the subgroup (shuffles) instead of reading them again from memory.

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint ROWS = 4u;
// Dead cells beyond the edges instead of wrapping around.
layout(constant_id = 3) const bool BOUNDED = false;

#include "life_bits_rule.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { uint dst[]; };

layout(push_constant) uniform Grid {
    uint width;
    uint height;
} grid;

uint stride() { return (grid.width + 31u) / 32u; }
uint lastBit() { return (grid.width - 1u) & 31u; }

#ifdef SUBGROUP_NEIGHBOURS
// Whether the subgroup lane below / above this one holds the word to the left / right in the
// same rows. Checked rather than assumed: how invocations map to lanes is the driver's choice.
bool leftInSubgroup;
bool rightInSubgroup;
#endif

// Row y's word at wordX with its west and east neighbour masks (bit k: the cell left/right
// of cell k), wrapping around the torus or reading dead cells beyond a bounded grid's edges.
// Every invocation calls this in uniform control flow (the subgroup variant shuffles);
// invocations past the last word (inGrid false) read nothing.
void loadRow(int y, uint wordX, bool inGrid, out uint west, out uint mid, out uint east) {
    const bool outside = BOUNDED && (y < 0 || y >= int(grid.height));
    // y is at most one row outside the grid; a compare is far cheaper than a division, which
    // CPU drivers cannot vectorise.
    const uint row = uint(y < 0 ? y + int(grid.height) : (y >= int(grid.height) ? y - int(grid.height) : y));
    const uint base = row * stride();
    mid = inGrid && !outside ? src[base + wordX] : 0u;
#ifdef SUBGROUP_NEIGHBOURS
    const uint fromLeft = subgroupShuffleUp(mid, 1u);
    const uint fromRight = subgroupShuffleDown(mid, 1u);
#endif
    if (!inGrid || outside) {
        west = 0u; east = 0u;
        return;
    }
    uint westBit;
    if (wordX > 0u) {
#ifdef SUBGROUP_NEIGHBOURS
        westBit = (leftInSubgroup ? fromLeft : src[base + wordX - 1u]) >> 31;
#else
        westBit = src[base + wordX - 1u] >> 31;
#endif
    } else {
        westBit = BOUNDED ? 0u : (src[base + stride() - 1u] >> lastBit()) & 1u;
    }
    if (BROKEN_HALO && wordX > 0u) westBit = 0u;
    west = (mid << 1) | westBit;
    // In the last word the cell after the last one is padding (zero), so the wrapped-in cell
    // goes to the last cell's lane rather than lane 31.
    if (BROKEN_HALO && wordX + 1u < stride()) {
        east = mid >> 1;
    } else if (wordX + 1u < stride()) {
#ifdef SUBGROUP_NEIGHBOURS
        east = (mid >> 1) | ((rightInSubgroup ? fromRight : src[base + wordX + 1u]) << 31);
#else
        east = (mid >> 1) | (src[base + wordX + 1u] << 31);
#endif
    } else {
        east = (mid >> 1) | (BOUNDED ? 0u : (src[base] & 1u) << lastBit());
    }
}

void main() {
    const uint wordX = gl_GlobalInvocationID.x;
    const uint firstRow = gl_GlobalInvocationID.y * ROWS;
    // No early return: the subgroup variant needs every lane at every shuffle.
    const bool inGrid = wordX < stride() && firstRow < grid.height;
#ifdef SUBGROUP_NEIGHBOURS
    const uint me = gl_LocalInvocationID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    leftInSubgroup = gl_SubgroupInvocationID > 0u && gl_LocalInvocationID.x > 0u
        && subgroupShuffleUp(me, 1u) == me - 1u;
    rightInSubgroup = gl_SubgroupInvocationID + 1u < gl_SubgroupSize && gl_LocalInvocationID.x + 1u < gl_WorkGroupSize.x
        && subgroupShuffleDown(me, 1u) == me + 1u;
#endif
    // Lanes beyond the last cell stay zero, as the neighbour reads above rely on.
    const uint keep = wordX + 1u < stride() ? 0xFFFFFFFFu : (0xFFFFFFFFu >> (31u - lastBit()));
    uint aw, a, ae, w, m, e, bw, b, be;
    loadRow(int(firstRow) - 1, wordX, inGrid, aw, a, ae);
    loadRow(int(firstRow), wordX, inGrid, w, m, e);
    for (uint r = 0u; r < ROWS; ++r) {
        const uint y = firstRow + r;
        loadRow(int(y) + 1, wordX, inGrid, bw, b, be);
        if (inGrid && y < grid.height) {
            const uint index = y * stride() + wordX;
            if (DYING_PLANES == 0u) {
                dst[index] = nextWord(aw, a, ae, w, m, e, bw, b, be) & keep;
            } else {
                // The planes follow one another, each the size of the live one.
                const uint plane = stride() * grid.height;
                uint counter[MAX_DYING_PLANES];
                for (uint i = 0u; i < DYING_PLANES; ++i) counter[i] = src[(i + 1u) * plane + index];
                dst[index] = nextGenerationsWordOf(aw, a, ae, w, m, e, bw, b, be, counter) & keep;
                for (uint i = 0u; i < DYING_PLANES; ++i) dst[(i + 1u) * plane + index] = counter[i];
            }
        }
        aw = w; a = m; ae = e;
        w = bw; m = b; e = be;
    }
}
