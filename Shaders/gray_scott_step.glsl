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
// (COLUMNS + 2) / COLUMNS values rather than nine: on CPU drivers, where each access is a loop
// over the SIMD lanes, accesses are most of the cost. With WIDE_ACCESS (the width and COLUMNS
// multiples of UNIT, which the host checks) the block's cells are read and written UNIT at a
// time: 2 (vec4s), or 4 (u64vec4s of their bits) in the GRAY_SCOTT_QUADS build.

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint ROWS = 16;
layout(constant_id = 1) const uint COLUMNS = 1;
layout(constant_id = 2) const bool WIDE_ACCESS = false;

// The same two buffers seen as cells and as units of cells; WIDE_ACCESS decides which is used
// for the block's own cells, its neighbours being read a cell at a time.
layout(std430, set = 0, binding = 0) readonly buffer Source { vec2 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { vec2 dst[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint height;
    float feed;
    float kill;
    float diffusionU;
    float diffusionV;
    float dt;
} p;

// The cells of a strip's row and its two neighbours.
const uint SPAN = COLUMNS + 2u;

#ifdef GRAY_SCOTT_QUADS
layout(std430, set = 0, binding = 0) readonly buffer SourceUnits { u64vec4 srcUnits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DestinationUnits { u64vec4 dstUnits[]; };
const uint UNIT = WIDE_ACCESS ? 4u : 1u;

vec2 cellOf(uint64_t bits) { return uintBitsToFloat(unpackUint2x32(bits)); }
uint64_t bitsOf(vec2 cell) { return packUint2x32(floatBitsToUint(cell)); }

void loadWide(uint unit, inout vec2 cells[SPAN], uint at) {
    const u64vec4 four = srcUnits[unit];
    cells[at] = cellOf(four.x);
    cells[at + 1u] = cellOf(four.y);
    cells[at + 2u] = cellOf(four.z);
    cells[at + 3u] = cellOf(four.w);
}

void storeWide(uint unit, vec2 cells[COLUMNS], uint at) {
    dstUnits[unit] =
        u64vec4(bitsOf(cells[at]), bitsOf(cells[at + 1u]), bitsOf(cells[at + 2u]), bitsOf(cells[at + 3u]));
}
#else
layout(std430, set = 0, binding = 0) readonly buffer SourceUnits { vec4 srcUnits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DestinationUnits { vec4 dstUnits[]; };
const uint UNIT = WIDE_ACCESS ? 2u : 1u;

void loadWide(uint unit, inout vec2 cells[SPAN], uint at) {
    const vec4 two = srcUnits[unit];
    cells[at] = two.xy;
    cells[at + 1u] = two.zw;
}

void storeWide(uint unit, vec2 cells[COLUMNS], uint at) { dstUnits[unit] = vec4(cells[at], cells[at + 1u]); }
#endif

// Unit `unit` of the field into cells[at...].
void loadUnit(uint unit, inout vec2 cells[SPAN], uint at) {
    if (WIDE_ACCESS) {
        loadWide(unit, cells, at);
    } else {
        cells[at] = src[unit];
    }
}

// cells[at...] into unit `unit` of the field.
void storeUnit(uint unit, vec2 cells[COLUMNS], uint at) {
    if (WIDE_ACCESS) {
        storeWide(unit, cells, at);
    } else {
        dst[unit] = cells[at];
    }
}

// Units across the block.
const uint UNITS = COLUMNS / UNIT;

// The row whose first cell is `row`: its neighbours at cells `left` and `right` of it, the
// block's units at units `units` of it.
void loadRow(uint row, uint left, uint right, uint units[UNITS], out vec2 cells[SPAN]) {
    cells[0] = src[row + left];
    for (uint k = 0u; k < UNITS; ++k) loadUnit(row / UNIT + units[k], cells, 1u + k * UNIT);
    cells[SPAN - 1u] = src[row + right];
}

void main() {
    const uint x0 = gl_GlobalInvocationID.x * COLUMNS;
    const uint first = gl_GlobalInvocationID.y * ROWS;
    if (x0 >= p.width || first >= p.height) return;
    // Round the torus: the cells (or units) past a narrow field's right edge are read and
    // computed, never stored.
    const uint left = (x0 + p.width - 1u) % p.width;
    const uint right = (x0 + COLUMNS) % p.width;
    const uint rowUnits = p.width / UNIT;
    uint units[UNITS];
    for (uint k = 0u; k < UNITS; ++k) units[k] = (x0 / UNIT + k) % rowUnits;
    vec2 up[SPAN], here[SPAN], down[SPAN], next[COLUMNS];
    loadRow((first == 0u ? p.height - 1u : first - 1u) * p.width, left, right, units, up);
    loadRow(first * p.width, left, right, units, here);
    const uint last = min(first + ROWS, p.height);
    for (uint y = first; y < last; ++y) {
        loadRow((y + 1u == p.height ? 0u : y + 1u) * p.width, left, right, units, down);
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
        for (uint k = 0u; k < UNITS; ++k) {
            if (x0 + k * UNIT < p.width) storeUnit((y * p.width + x0) / UNIT + k, next, k * UNIT);
        }
        for (uint j = 0u; j < SPAN; ++j) {
            up[j] = here[j];
            here[j] = down[j];
        }
    }
}
