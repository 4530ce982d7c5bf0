#version 450
#extension GL_GOOGLE_include_directive : require
// Several generations of a two-state Life-like rule per dispatch (temporal blocking) on the
// bit-packed grid of life_step_bits.comp. A workgroup loads a tile plus a halo (one word of
// 32 cells on each side, HALO rows above and below) into shared memory once, advances it
// `generations` times there, the valid region shrinking by a cell per generation, and writes
// back the centre: global memory is touched once per `generations` generations.
//
// The tile lives in a "virtual" plane where cell X is grid cell X mod width (torus) or dead
// outside [0, width) (bounded), so tiles that straddle the seam or a partial last word need
// no special cases once loaded.

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

int wrap(int value, int period) { return ((value % period) + period) % period; }

// The 32 cells of the virtual plane starting at cell x of row y.
uint loadVirtual(int x, int y) {
    if (BOUNDED && (y < 0 || y >= int(grid.height))) return 0u;
    const uint base = uint(wrap(y, int(grid.height))) * stride();
    if (x >= 0 && x + 32 <= int(grid.width)) return src[base + uint(x) / 32u];
    // Straddles an edge or the partial last word: gather cell by cell (edge tiles only).
    uint word = 0u;
    for (int k = 0; k < 32; ++k) {
        int c = x + k;
        if (BOUNDED) {
            if (c < 0 || c >= int(grid.width)) continue;
        } else {
            c = wrap(c, int(grid.width));
        }
        word |= ((src[base + uint(c) / 32u] >> (uint(c) & 31u)) & 1u) << uint(k);
    }
    return word;
}

uint at(uint side, uint row, uint column) { return cells[(side * TILE_ROWS + row) * TILE_WORDS + column]; }

void main() {
    const uint tx = gl_LocalInvocationID.x;
    const uint centreWords = TILE_WORDS - 2u;
    const uint centreRows = TILE_ROWS - 2u * HALO;
    const int firstX = (int(gl_WorkGroupID.x * centreWords) - 1) * 32 + int(tx) * 32;
    const int firstRow = int(gl_WorkGroupID.y * centreRows) - int(HALO);

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

    for (uint g = 0u; g < grid.generations; ++g) {
        const uint current = g & 1u;
        // Rows valid after this generation: the band shrinks by one row at each end.
        for (uint ty = g + 1u + gl_LocalInvocationID.y; ty + g + 1u < TILE_ROWS; ty += gl_WorkGroupSize.y) {
            uint row[9];
            for (uint dy = 0u; dy < 3u; ++dy) {
                const uint r = ty + dy - 1u;
                const uint left = tx > 0u ? at(current, r, tx - 1u) : 0u;
                const uint mid = at(current, r, tx);
                const uint right = tx + 1u < TILE_WORDS ? at(current, r, tx + 1u) : 0u;
                row[3u * dy] = (mid << 1) | (left >> 31);
                row[3u * dy + 1u] = mid;
                row[3u * dy + 2u] = (mid >> 1) | (right << 31);
            }
            uint next = nextWord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]);
            if (BOUNDED) {
                const int y = firstRow + int(ty);
                next &= (y >= 0 && y < int(grid.height)) ? columnMask : 0u;
            }
            cells[((1u - current) * TILE_ROWS + ty) * TILE_WORDS + tx] = next;
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
