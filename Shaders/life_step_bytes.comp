#version 450
// One generation of a Life-like or Generations rule, one byte per cell, four cells per
// 32-bit word (row stride: ceil(width / 4) words): the kernel every rule runs on, and the one
// for Generations rules (the bit-packed kernels hold two states only).
//
// Each invocation produces one word: it reads the three words around it in each of three rows
// once, as a window of six cells' liveness per row (one either side), rather than fetching each
// of the 36 neighbour cells with its own wrap-around arithmetic.

layout(local_size_x_id = 0, local_size_y_id = 1) in;
// Dead cells beyond the edges instead of wrapping around.
layout(constant_id = 2) const bool BOUNDED = false;

layout(std430, set = 0, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { uint dst[]; };

layout(push_constant) uniform Rule {
    uint width;
    uint height;
    uint states;
    // Bit n set: a dead cell with n live neighbours is born / a live one survives.
    uint birthMask;
    uint survivalMask;
} rule;

uint stride() { return (rule.width + 3u) / 4u; }

// Bits 0-3: which of the word's four cells are alive (state 1), without a branch per byte.
uint liveCells(uint word) {
    const uint t = word ^ 0x01010101u;
    // High bit of each byte set where that byte of t is non-zero (exact, no borrows).
    const uint nonZero = (((t & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | t) & 0x80808080u;
    const uint one = ~nonZero & 0x80808080u;
    return ((one >> 7) & 1u) | ((one >> 14) & 2u) | ((one >> 21) & 4u) | ((one >> 28) & 8u);
}

bool cellIsLive(uint base, uint x) { return ((src[base + x / 4u] >> (8u * (x & 3u))) & 0xFFu) == 1u; }

// Liveness of a six-cell window of row y (at most one row outside the grid): bit i is cell
// 4 * wordX - 1 + i, wrapped on a torus, dead beyond a bounded grid. In the last word, the
// cell after the last one is the row's first (torus), whatever the padding.
uint liveWindow(int y, uint wordX) {
    const int height = int(rule.height);
    if (y < 0 || y >= height) {
        if (BOUNDED) return 0u;
        y = y < 0 ? y + height : y - height;
    }
    const uint base = uint(y) * stride();
    uint window = liveCells(src[base + wordX]) << 1;
    if (wordX > 0u) window |= liveCells(src[base + wordX - 1u]) >> 3;
    else if (!BOUNDED) window |= cellIsLive(base, rule.width - 1u) ? 1u : 0u;
    if (wordX + 1u < stride()) window |= (liveCells(src[base + wordX + 1u]) & 1u) << 5;
    else if (!BOUNDED) window |= (cellIsLive(base, 0u) ? 1u : 0u) << (rule.width - wordX * 4u + 1u);
    return window;
}

void main() {
    const uint wordX = gl_GlobalInvocationID.x;
    const uint y = gl_GlobalInvocationID.y;
    if (wordX >= stride() || y >= rule.height) return;
    const uint above = liveWindow(int(y) - 1, wordX);
    const uint here = liveWindow(int(y), wordX);
    const uint below = liveWindow(int(y) + 1, wordX);
    const uint word = src[y * stride() + wordX];
    uint result = 0u;
    for (uint k = 0u; k < 4u; ++k) {
        if (wordX * 4u + k >= rule.width) break;
        // Neighbours of cell k are window bits k, k + 1, k + 2 above and below, k and k + 2 here.
        const uint live = bitCount((above >> k) & 7u) + bitCount((below >> k) & 7u) + bitCount((here >> k) & 5u);
        const uint state = (word >> (8u * k)) & 0xFFu;
        uint next;
        if (state == 0u) {
            next = (rule.birthMask >> live) & 1u;
        } else if (state == 1u) {
            next = ((rule.survivalMask >> live) & 1u) != 0u ? 1u : (rule.states > 2u ? 2u : 0u);
        } else {
            next = state + 1u >= rule.states ? 0u : state + 1u;
        }
        result |= next << (8u * k);
    }
    dst[y * stride() + wordX] = result;
}
