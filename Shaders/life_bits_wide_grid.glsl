// What the wide bit-packed Life kernels for CPU drivers share: life_step_bits_wide.glsl (one
// generation a dispatch) and life_steps_bits_wide.glsl (two). Their includer defines
// LIFE_WORD, LIFE_WORD4 and LIFE_WORD_BITS: the grid's 32-bit words singly or in pairs.

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint ROWS = 32u;
// Dead cells beyond the edges instead of wrapping around.
layout(constant_id = 3) const bool BOUNDED = false;
layout(constant_id = 4) const uint WORDS = 4u;

#include "life_bits_rule.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Source { LIFE_WORD src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { LIFE_WORD dst[]; };
layout(std430, set = 0, binding = 0) readonly buffer Source4 { LIFE_WORD4 src4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination4 { LIFE_WORD4 dst4[]; };

layout(push_constant) uniform Grid {
    uint width;
    uint height;
    // The generations this dispatch runs, 1 or 2 as the kernel does; main() makes an
    // all-ones mask of it that the compiler cannot fold.
    uint generations;
} grid;

const LIFE_WORD ZERO = LIFE_WORD(0u);
const LIFE_WORD ONE = LIFE_WORD(1u);
const LIFE_WORD ALL = ~ZERO;
const uint TOP = LIFE_WORD_BITS - 1u;

uint stride() { return (grid.width + TOP) / LIFE_WORD_BITS; }
uint lastBit() { return (grid.width - 1u) & TOP; }

// The three-cell horizontal sums of word `mid`, word `index` of its row, whose neighbour words
// are `left` and `right` (wrapped round the row as the grid is): bit k of low / high is the
// low / high bit of (cell left of k) + k + (cell right of k). Beyond a bounded grid's edges
// the neighbours are ignored; past the last cell of a torus row comes its first cell, in the
// lane after the last cell rather than the top lane (the rest of that word is padding, zero).
void wordSums(LIFE_WORD left, LIFE_WORD mid, LIFE_WORD right, uint index, out LIFE_WORD low, out LIFE_WORD high) {
    const LIFE_WORD westBit = index > 0u ? (BROKEN_HALO ? ZERO : left >> TOP)
                                         : (BOUNDED ? ZERO : (left >> lastBit()) & ONE);
    const LIFE_WORD eastBits = index + 1u < stride() ? (BROKEN_HALO ? ZERO : right << TOP)
                                                     : (BOUNDED ? ZERO : (right & ONE) << lastBit());
    const LIFE_WORD west = (mid << 1) | westBit;
    const LIFE_WORD east = (mid >> 1) | eastBits;
    fullAdd(west, mid, east, low, high);
}

// Lanes beyond the last cell of word `index` are zero in every generation, as the neighbour
// reads rely on.
LIFE_WORD keep(uint index) { return index + 1u < stride() ? ALL : ALL >> (TOP - lastBit()); }
