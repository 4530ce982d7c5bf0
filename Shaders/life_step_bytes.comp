#version 450
// One generation of a Life-like or Generations rule, one byte per cell, four cells per
// 32-bit word (row stride: ceil(width / 4) words). The straightforward kernel every rule
// runs on; the bit-packed two-state kernel is the fast path still to come.

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

uint cell(int x, int y) {
    if (BOUNDED) {
        if (x < 0 || y < 0 || x >= int(rule.width) || y >= int(rule.height)) return 0u;
    } else {
        x = (x + int(rule.width)) % int(rule.width);
        y = (y + int(rule.height)) % int(rule.height);
    }
    const uint word = src[uint(y) * stride() + uint(x) / 4u];
    return (word >> (8u * (uint(x) % 4u))) & 0xFFu;
}

void main() {
    const uint wordX = gl_GlobalInvocationID.x;
    const uint y = gl_GlobalInvocationID.y;
    if (wordX >= stride() || y >= rule.height) return;
    uint result = 0u;
    for (uint k = 0u; k < 4u; ++k) {
        const uint x = wordX * 4u + k;
        if (x >= rule.width) break;
        uint live = 0u;
        for (int dy = -1; dy <= 1; ++dy) {
            for (int dx = -1; dx <= 1; ++dx) {
                if (dx == 0 && dy == 0) continue;
                live += cell(int(x) + dx, int(y) + dy) == 1u ? 1u : 0u;
            }
        }
        const uint state = cell(int(x), int(y));
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
