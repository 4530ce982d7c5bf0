#version 450
// Draws a Life grid's live and dying cells straight from the simulation's buffer (a byte per
// cell, four per word; or bit-packed, 32 per word) or from a zoomed-out overview of it. A cell
// of two pixels or more fills its square, less a pixel's gap on one side and one end once it
// is over four pixels, so neighbours stay apart; smaller cells are round, soft sprites that
// add up where they overlap, which keeps the density look of a grid seen whole.
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
    // Squares only: the gap at a cell's low edges, in cells (0: none).
    float gap;
    // A bit-packed Generations grid: the dying counter's planes after the live plane, each
    // planeWords words (a dying cell's state minus one, bit-sliced); 0 otherwise.
    uint dyingPlanes;
    uint planeWords;
} view;

// 0: sprites within their cell. 1: sprites wider than half a cell (zoomed out to about a pixel
// a cell), so that a pixel sums the four nearest cells' sprites rather than its own cell's.
// 2: filled squares. 3: an overview's blocks (life_cells_overview.comp): their shares of live
// and dying cells, interpolated between the four nearest, a smooth density field where
// sprites of about a pixel would beat against the pixel grid. Variants rather than a branch:
// CPU drivers run both sides of a branch.
layout(constant_id = 0) const uint STYLE = 0;

layout(location = 0) out vec4 result;

uint stateOf(uint x, uint y) {
    const uint inWord = x & ((1u << view.cellsPerWordLog2) - 1u);
    const uint index = y * view.wordsPerRow + (x >> view.cellsPerWordLog2);
    const uint state = (word[index] >> (view.bitsPerCell * inWord)) & ((1u << view.bitsPerCell) - 1u);
    if (view.dyingPlanes == 0u) return state;
    uint counter = 0u;
    for (uint i = 0u; i < view.dyingPlanes; ++i) {
        counter |= ((word[(i + 1u) * view.planeWords + index] >> inWord) & 1u) << i;
    }
    return state == 1u ? 1u : (counter == 0u ? 0u : counter + 1u);
}

// Live cells bright; dying ones (Generations) a ramp from orange, just died, down to a dull
// red that still shows on the background.
vec3 colourOf(uint state) {
    if (state == 1u) return vec3(0.6, 0.95, 1.0);
    const float age = view.states > 3u ? float(state - 2u) / float(view.states - 3u) : 0.0;
    return mix(vec3(1.0, 0.62, 0.18), vec3(0.5, 0.1, 0.07), age);
}

// An overview block's colour from the brightness of its live and dying cells (fifteenths of
// the square roots of their shares, life_cells_overview.comp), half again so that a lone still
// life in a block of many cells shows against empty ones, and busy regions against quiet ones.
vec3 densityColourOf(uint block) {
    return (1.5 / 15.0) * (colourOf(1u) * float(block & 15u) + colourOf(2u) * float(block >> 4u));
}

// Whether cell k lies on the grid; reads then use cell 0 otherwise rather than branch around
// the read: CPU drivers pay for a read under a condition whether taken or not.
bool onGrid(vec2 k) {
    return all(greaterThanEqual(k, vec2(0.0))) && all(lessThan(k, vec2(view.width, view.height)));
}

// What cell k's sprite adds to a pixel at cell coordinates `at`.
vec3 sprite(vec2 at, vec2 k) {
    const vec2 offset = (at - k - 0.5) / view.halfSprite;
    const float r2 = dot(offset, offset);
    const bool inside = r2 <= 1.0 && onGrid(k);
    const uint state = stateOf(inside ? uint(k.x) : 0u, inside ? uint(k.y) : 0u);
    if (!inside || state == 0u) return vec3(0.0);
    // Brightest at the centre, blended additively: where sprites overlap, the sums show the
    // density of a grid seen whole. Twice as bright as a square at the centre: a sprite of a
    // pixel or so lights its pixels at about half its peak, and a whole grid would look dim.
    return colourOf(state) * (2.0 * (1.0 - r2));
}

void main() {
    const vec2 at = view.origin + gl_FragCoord.xy * view.cellsPerPixel;
    vec3 sum;
    if (STYLE == 2u) {
        // The cell under the pixel, unless the pixel is in its gap.
        const vec2 k = floor(at);
        const bool inside = onGrid(k) && all(greaterThanEqual(at - k, vec2(view.gap)));
        const uint state = stateOf(inside ? uint(k.x) : 0u, inside ? uint(k.y) : 0u);
        sum = inside && state != 0u ? colourOf(state) : vec3(0.0);
    } else if (STYLE == 3u) {
        const vec2 k = floor(at - 0.5), f = at - 0.5 - k;
        vec3 corner[4];
        for (uint i = 0u; i < 4u; ++i) {
            const vec2 c = k + vec2(i & 1u, i >> 1u);
            const bool inside = onGrid(c);
            const uint block = stateOf(inside ? uint(c.x) : 0u, inside ? uint(c.y) : 0u);
            corner[i] = inside ? densityColourOf(block) : vec3(0.0);
        }
        sum = mix(mix(corner[0], corner[1], f.x), mix(corner[2], corner[3], f.x), f.y);
    } else if (STYLE == 0u) {
        // The cells whose sprite covers this pixel: centre k + 0.5 within halfSprite of it on
        // both axes. Sprites are 0.85 of a cell, or a little wider than cells under a pixel
        // and a half: so the cell under the pixel, or up to the two nearest on each axis.
        sum = sprite(at, floor(at));
    } else {
        const vec2 k = floor(at - 0.5);
        sum = sprite(at, k) + sprite(at, k + vec2(1.0, 0.0)) + sprite(at, k + vec2(0.0, 1.0)) + sprite(at, k + vec2(1.0));
    }
    result = vec4(sum, 1.0);
}
