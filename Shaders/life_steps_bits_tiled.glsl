// Several generations of a two-state Life-like rule per dispatch (temporal blocking) on the
// bit-packed grid of life_step_bits.glsl. A workgroup loads a tile plus a halo (one word of
// 32 cells on each side, HALO rows above and below) into shared memory once, advances it
// `generations` times there, the valid region shrinking by a cell per generation, and writes
// back the centre: global memory is touched once per `generations` generations.
//
// Included by life_steps_bits_tiled.comp and, with SUBGROUP_NEIGHBOURS defined,
// life_steps_bits_tiled_subgroup.comp, which takes each word's left and right neighbours
// from the adjacent subgroup lanes instead of shared memory.
//
// The tile lives in the "virtual" plane of life_bits_virtual.glsl, so tiles that straddle the
// seam or a partial last word need no special cases once loaded.

layout(local_size_x_id = 0, local_size_y_id = 1) in;
// Tile width in words including the two halo words: the workgroup's x size.
layout(constant_id = 0) const uint TILE_WORDS = 32u;
layout(constant_id = 2) const uint TILE_ROWS = 64u;
// Halo rows above and below: the most generations one dispatch may run (at most 32).
layout(constant_id = 3) const uint HALO = 8u;
layout(constant_id = 4) const bool BOUNDED = false;

#include "life_bits_rule.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { uint dst[]; };

layout(push_constant) uniform Grid {
    uint width;
    uint height;
    // Generations this dispatch runs, 1...HALO.
    uint generations;
} grid;

shared uint cells[2u * TILE_ROWS * TILE_WORDS];

uint stride() { return (grid.width + 31u) / 32u; }

#include "life_bits_virtual.glsl"

uint at(uint side, uint row, uint column) { return cells[(side * TILE_ROWS + row) * TILE_WORDS + column]; }

// A tile row's word with its west and east neighbour masks; beyond the tile's sides, dead
// cells (only the halo words see them, and the damage spreads a cell per generation).
#ifdef SUBGROUP_NEIGHBOURS
// Whether the lane below / above this one holds the column to the left / right in the same
// rows; checked, not assumed. Only such lanes run the same rows in the same iterations.
bool leftInSubgroup;
bool rightInSubgroup;
#endif

void neighbours(uint side, uint row, uint column, out uint west, out uint mid, out uint east) {
    mid = at(side, row, column);
#ifdef SUBGROUP_NEIGHBOURS
    const uint fromLeft = subgroupShuffleUp(mid, 1u);
    const uint fromRight = subgroupShuffleDown(mid, 1u);
    const uint left = column > 0u ? (leftInSubgroup ? fromLeft : at(side, row, column - 1u)) : 0u;
    const uint right = column + 1u < TILE_WORDS ? (rightInSubgroup ? fromRight : at(side, row, column + 1u)) : 0u;
#else
    const uint left = column > 0u ? at(side, row, column - 1u) : 0u;
    const uint right = column + 1u < TILE_WORDS ? at(side, row, column + 1u) : 0u;
#endif
    west = (mid << 1) | (left >> 31);
    east = (mid >> 1) | (right << 31);
}

void main() {
    const uint tx = gl_LocalInvocationID.x;
    const uint centreWords = TILE_WORDS - 2u;
    const uint centreRows = TILE_ROWS - 2u * HALO;
    const int firstX = (int(gl_WorkGroupID.x * centreWords) - 1) * 32 + int(tx) * 32;
    const int firstRow = int(gl_WorkGroupID.y * centreRows) - int(HALO);
#ifdef SUBGROUP_NEIGHBOURS
    const uint me = gl_LocalInvocationID.y * gl_WorkGroupSize.x + tx;
    leftInSubgroup = gl_SubgroupInvocationID > 0u && tx > 0u && subgroupShuffleUp(me, 1u) == me - 1u;
    rightInSubgroup = gl_SubgroupInvocationID + 1u < gl_SubgroupSize && tx + 1u < gl_WorkGroupSize.x
        && subgroupShuffleDown(me, 1u) == me + 1u;
#endif

    // Cells outside a bounded grid must stay dead while the tile evolves.
    uint columnMask = 0xFFFFFFFFu;
    if (BOUNDED) {
        columnMask = 0u;
        for (int k = 0; k < 32; ++k) {
            if (firstX + k >= 0 && firstX + k < int(grid.width)) columnMask |= 1u << uint(k);
        }
    }

    for (uint ty = gl_LocalInvocationID.y; ty < TILE_ROWS; ty += gl_WorkGroupSize.y) {
        cells[ty * TILE_WORDS + tx] = loadVirtual(firstX, firstRow + int(ty));
    }
    barrier();

    // Each invocation owns a run of consecutive rows and walks down it with three rows of
    // neighbours in registers: three shared-memory reads per word produced, not nine.
    const uint rowsPerInvocation = TILE_ROWS / gl_WorkGroupSize.y;
    const uint ownFirst = gl_LocalInvocationID.y * rowsPerInvocation;
    for (uint g = 0u; g < grid.generations; ++g) {
        const uint current = g & 1u;
        // Rows valid after this generation: the band shrinks by one row at each end.
        const uint first = max(ownFirst, g + 1u);
        const uint end = min(ownFirst + rowsPerInvocation, TILE_ROWS - g - 1u);
        if (first < end) {
            uint aw, a, ae, w, m, e;
            neighbours(current, first - 1u, tx, aw, a, ae);
            neighbours(current, first, tx, w, m, e);
            for (uint ty = first; ty < end; ++ty) {
                uint bw, b, be;
                neighbours(current, ty + 1u, tx, bw, b, be);
                uint next = nextWord(aw, a, ae, w, m, e, bw, b, be);
                if (BOUNDED) {
                    const int y = firstRow + int(ty);
                    next &= (y >= 0 && y < int(grid.height)) ? columnMask : 0u;
                }
                cells[((1u - current) * TILE_ROWS + ty) * TILE_WORDS + tx] = next;
                aw = w; a = m; ae = e;
                w = bw; m = b; e = be;
            }
        }
        barrier();
    }

    // The centre is exact after up to HALO generations; the rest of the tile is scratch.
    if (tx == 0u || tx + 1u >= TILE_WORDS) return;
    const uint wordX = gl_WorkGroupID.x * centreWords + tx - 1u;
    if (wordX >= stride()) return;
    const uint lastBit = (grid.width - 1u) & 31u;
    const uint keep = wordX + 1u < stride() ? 0xFFFFFFFFu : (0xFFFFFFFFu >> (31u - lastBit));
    const uint final = grid.generations & 1u;
    for (uint ty = HALO + gl_LocalInvocationID.y; ty < HALO + centreRows; ty += gl_WorkGroupSize.y) {
        const int y = firstRow + int(ty);
        if (y >= int(grid.height)) break;
        dst[uint(y) * stride() + wordX] = at(final, ty, tx) & keep;
    }
}
