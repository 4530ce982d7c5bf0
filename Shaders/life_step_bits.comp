#version 450
#extension GL_GOOGLE_include_directive : require
// One generation of a two-state Life-like rule on a bit-packed grid (32 cells per word, row
// stride ceil(width / 32) words, padding bits zero). Each invocation produces a column of
// ROWS words, keeping three rows of neighbours in registers as it walks down, so each word is
// read from memory about once per generation: the memory-bandwidth-bound design.

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

// Row y's word at wordX with its west and east neighbour masks (bit k: the cell left/right
// of cell k), wrapping around the torus or reading dead cells beyond a bounded grid's edges.
void loadRow(int y, uint wordX, out uint west, out uint mid, out uint east) {
    if (BOUNDED && (y < 0 || y >= int(grid.height))) {
        west = 0u; mid = 0u; east = 0u;
        return;
    }
    const uint row = uint((y + int(grid.height)) % int(grid.height));
    const uint base = row * stride();
    mid = src[base + wordX];
    uint westBit;
    if (wordX > 0u) westBit = src[base + wordX - 1u] >> 31;
    else westBit = BOUNDED ? 0u : (src[base + stride() - 1u] >> lastBit()) & 1u;
    west = (mid << 1) | westBit;
    // In the last word the cell after the last one is padding (zero), so the wrapped-in cell
    // goes to the last cell's lane rather than lane 31.
    if (wordX + 1u < stride()) east = (mid >> 1) | (src[base + wordX + 1u] << 31);
    else east = (mid >> 1) | (BOUNDED ? 0u : (src[base] & 1u) << lastBit());
}

void main() {
    const uint wordX = gl_GlobalInvocationID.x;
    const uint firstRow = gl_GlobalInvocationID.y * ROWS;
    if (wordX >= stride() || firstRow >= grid.height) return;
    // Lanes beyond the last cell stay zero, as the neighbour reads above rely on.
    const uint keep = wordX + 1u < stride() ? 0xFFFFFFFFu : (0xFFFFFFFFu >> (31u - lastBit()));
    uint aw, a, ae, w, m, e, bw, b, be;
    loadRow(int(firstRow) - 1, wordX, aw, a, ae);
    loadRow(int(firstRow), wordX, w, m, e);
    for (uint r = 0u; r < ROWS; ++r) {
        const uint y = firstRow + r;
        if (y >= grid.height) break;
        loadRow(int(y) + 1, wordX, bw, b, be);
        dst[y * stride() + wordX] = nextWord(aw, a, ae, w, m, e, bw, b, be) & keep;
        aw = w; a = m; ae = e;
        w = bw; m = b; e = be;
    }
}
