#version 450
// Draws a Life grid's live and dying cells as round, soft sprites (the particles' look), each
// pixel summing the sprites that cover it, straight from the simulation's buffer (a byte per
// cell, four per word; or bit-packed, 32 per word) or from a zoomed-out overview of it.
//
// Why per pixel rather than a point per cell: a frame then costs about the same whatever the
// grid's size, and on CPU drivers, whose vertex stage runs on one thread, a million points
// took a third of a second a frame where a screenful of pixels spreads over every thread.

layout(std430, set = 0, binding = 0) readonly buffer Cells { uint word[]; };

layout(push_constant) uniform View {
    // A pixel's cell coordinates, seen from straight above: origin + pixel * cellsPerPixel,
    // cell (i, j) covering [i, i + 1) x [j, j + 1), rows going down as pixels do.
    vec2 origin;
    float cellsPerPixel;
    // Half a sprite's side, in cells.
    float halfSprite;
    // The grid's width and height, and the number of states.
    uint width;
    uint height;
    uint states;
    // 8 (bytes kernel, overviews) or 1 (bit-packed kernels); log2 of the cells per word, so
    // that finding a cell's word takes shifts: CPU drivers divide each lane on its own.
    uint bitsPerCell;
    uint cellsPerWordLog2;
    uint wordsPerRow;
} view;

// Whether sprites are wider than half a cell (zoomed out to about a pixel a cell), so that a
// pixel sums the four nearest cells' sprites rather than its own cell's.
layout(constant_id = 0) const bool SPREAD = false;

layout(location = 0) out vec4 result;

uint stateOf(uint x, uint y) {
    const uint inWord = x & ((1u << view.cellsPerWordLog2) - 1u);
    return (word[y * view.wordsPerRow + (x >> view.cellsPerWordLog2)] >> (view.bitsPerCell * inWord)) & ((1u << view.bitsPerCell) - 1u);
}

// What cell k's sprite adds to a pixel at cell coordinates `at`.
vec3 sprite(vec2 at, vec2 k) {
    const vec2 offset = (at - k - 0.5) / view.halfSprite;
    const float r2 = dot(offset, offset);
    // Off the grid, or outside the round sprite: nothing. Read cell 0 then rather than branch
    // around the read: CPU drivers pay for a read under a condition whether taken or not.
    const bool inside = r2 <= 1.0 && all(greaterThanEqual(k, vec2(0.0))) && all(lessThan(k, vec2(view.width, view.height)));
    const uint state = stateOf(inside ? uint(k.x) : 0u, inside ? uint(k.y) : 0u);
    if (!inside || state == 0u) return vec3(0.0);
    // Live cells bright; dying ones (Generations) fade from orange to deep red with age.
    const float age = view.states > 2u ? float(state - 1u) / float(view.states - 1u) : 0.0;
    const vec3 colour = state == 1u ? vec3(0.55, 0.9, 1.0) : mix(vec3(1.0, 0.55, 0.15), vec3(0.35, 0.05, 0.05), age);
    // The particles' sprite: brightest at the centre, 0.6 at most, blended additively.
    return colour * (1.0 - r2) * 0.6;
}

void main() {
    const vec2 at = view.origin + gl_FragCoord.xy * view.cellsPerPixel;
    // The cells whose sprite covers this pixel: centre k + 0.5 within halfSprite of it on both
    // axes, the square a point sprite of that size covers. Sprites are 0.85 of a cell, or a
    // little wider than cells under a pixel and a half: so the cell under the pixel, or up
    // to the two nearest on each axis.
    vec3 sum;
    if (!SPREAD) {
        sum = sprite(at, floor(at));
    } else {
        const vec2 k = floor(at - 0.5);
        sum = sprite(at, k) + sprite(at, k + vec2(1.0, 0.0)) + sprite(at, k + vec2(0.0, 1.0)) + sprite(at, k + vec2(1.0));
    }
    result = vec4(sum, 1.0);
}
