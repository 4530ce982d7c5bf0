#version 450
// Steps of the Gray-Scott reaction-diffusion model on a torus, explicit Euler: two chemicals
// per cell, u fed in and v feeding on it (u + 2v -> 3v), each diffusing at its own rate. The
// Laplacian is the 3x3 stencil of weights 0.2 at the sides and 0.05 at the corners (minus 1
// at the centre), which stays stable at a time step of 1 with diffusion rates up to 1.
// GrayScottReference computes the same sums, in the same order, in float64; so does every
// kernel shape below, and `precise` keeps each driver from fusing or reordering them in one
// shape and not another, so that the shape is a speed only.
//
// Each invocation walks down a strip of ROWS rows of COLUMNS adjacent cells, with three rows
// of those cells and their two neighbours in registers, so that a cell reads
// (COLUMNS + 2) / COLUMNS values rather than nine: on CPU drivers, where each read is a loop
// over the SIMD lanes, reads are most of the cost. With PAIRS (an even width and COLUMNS,
// which the host checks) cells are read and written two at a time, as vec4s.

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint ROWS = 16;
layout(constant_id = 1) const uint COLUMNS = 1;
layout(constant_id = 2) const bool PAIRS = false;

// The same two buffers seen as cells and as pairs of cells; PAIRS decides which is used.
layout(std430, set = 0, binding = 0) readonly buffer Source { vec2 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { vec2 dst[]; };
layout(std430, set = 0, binding = 0) readonly buffer SourcePairs { vec4 srcPairs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DestinationPairs { vec4 dstPairs[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint height;
    float feed;
    float kill;
    float diffusionU;
    float diffusionV;
    float dt;
} p;

// The cells of a strip's row and its two neighbours; as pairs, the first and last hold one of
// their two cells.
const uint SPAN = COLUMNS + 2u;
const uint PAIR_SPAN = COLUMNS / 2u + 2u;

// The row starting at `row` (in cells, or in pairs) at the columns (or pairs) of `index`.
void loadRow(uint row, uint index[SPAN], out vec2 cells[SPAN]) {
    if (PAIRS) {
        cells[0] = srcPairs[row + index[0]].zw;
        for (uint k = 0u; k < COLUMNS / 2u; ++k) {
            const vec4 two = srcPairs[row + index[k + 1u]];
            cells[2u * k + 1u] = two.xy;
            cells[2u * k + 2u] = two.zw;
        }
        cells[SPAN - 1u] = srcPairs[row + index[PAIR_SPAN - 1u]].xy;
    } else {
        for (uint j = 0u; j < SPAN; ++j) cells[j] = src[row + index[j]];
    }
}

void main() {
    const uint x0 = gl_GlobalInvocationID.x * COLUMNS;
    const uint first = gl_GlobalInvocationID.y * ROWS;
    if (x0 >= p.width || first >= p.height) return;
    const uint unit = PAIRS ? 2u : 1u;
    const uint rowLength = p.width / unit;
    // From the column (or pair) left of the strip's first cell rightwards, round the torus;
    // those past a narrow field's right edge are read and computed, never stored.
    uint index[SPAN];
    for (uint j = 0u; j < SPAN; ++j) index[j] = (x0 / unit + rowLength - 1u + j) % rowLength;
    vec2 up[SPAN], here[SPAN], down[SPAN], next[COLUMNS];
    loadRow((first == 0u ? p.height - 1u : first - 1u) * rowLength, index, up);
    loadRow(first * rowLength, index, here);
    const uint last = min(first + ROWS, p.height);
    for (uint y = first; y < last; ++y) {
        loadRow((y + 1u == p.height ? 0u : y + 1u) * rowLength, index, down);
        for (uint i = 0u; i < COLUMNS; ++i) {
            const vec2 cell = here[i + 1u];
            precise const vec2 sides = (here[i] + here[i + 2u]) + (up[i + 1u] + down[i + 1u]);
            precise const vec2 corners = (up[i] + up[i + 2u]) + (down[i] + down[i + 2u]);
            precise const vec2 laplacian = 0.2 * sides + 0.05 * corners - cell;
            precise const float reaction = cell.x * cell.y * cell.y;
            precise const float du = p.diffusionU * laplacian.x - reaction + p.feed * (1.0 - cell.x);
            precise const float dv = p.diffusionV * laplacian.y + reaction - (p.feed + p.kill) * cell.y;
            precise const vec2 stepped = cell + p.dt * vec2(du, dv);
            next[i] = stepped;
        }
        if (PAIRS) {
            for (uint k = 0u; k < COLUMNS / 2u && x0 + 2u * k < p.width; ++k) {
                dstPairs[y * rowLength + x0 / 2u + k] = vec4(next[2u * k], next[2u * k + 1u]);
            }
        } else {
            for (uint i = 0u; i < COLUMNS && x0 + i < p.width; ++i) dst[y * p.width + x0 + i] = next[i];
        }
        for (uint j = 0u; j < SPAN; ++j) {
            up[j] = here[j];
            here[j] = down[j];
        }
    }
}
