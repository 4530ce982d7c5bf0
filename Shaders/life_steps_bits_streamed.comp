#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
// Several generations of a two-state Life-like rule per dispatch on the bit-packed grid of
// life_step_bits.glsl, held in registers and passed between lanes by subgroup shuffles, with
// no shared memory and no barrier: for GPUs.
//
// A subgroup owns a vertical strip of words, one word a lane: the middle lanes are written,
// the outer lane on each side is halo, whose cells go wrong a cell a generation from the
// strip's edge inward, so one 32-cell halo word covers up to 32 generations. The strip streams
// down a run of rows. Each generation is a level that keeps a window of three rows' horizontal
// three-cell sums; the cells from the words beside come from the neighbouring lanes. The
// levels form a skewed pipeline: level k takes the row level k - 1 finished one step earlier,
// so the levels of one step do not wait on each other. The grid is read once and written once
// per dispatch; the only work done twice is the halo lanes' and 3K rows of warm-up per run.
//
// Nothing depends on the subgroup's size (8 lanes on lavapipe, 16 on V3DV and Intel, 32 on
// NVIDIA, 64 on AMD): the strip's width is read in the shader, and each subgroup takes strips
// in turn until the row is covered, however many the dispatch assumed.

layout(local_size_x_id = 0) in;
// Rows a strip writes per run.
layout(constant_id = 1) const uint RUN_ROWS = 128u;
// Generations per dispatch: the pipeline's levels (at most 32: one halo word).
layout(constant_id = 2) const uint LEVELS = 8u;
// Dead cells beyond the edges instead of wrapping around.
layout(constant_id = 3) const bool BOUNDED = false;

#include "life_bits_rule.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Source { uint src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { uint dst[]; };

layout(push_constant) uniform Grid {
    uint width;
    uint height;
    // Generations this dispatch runs, 1...LEVELS: levels beyond pass their rows on unchanged.
    uint generations;
    // Workgroups of the whole dispatch across the row, whether or not it comes in pieces.
    uint groupsAcross;
} grid;

uint stride() { return (grid.width + 31u) / 32u; }

#include "life_bits_virtual.glsl"

// Which cells of the virtual word at cell x lie in a bounded grid.
uint columnMask(int x) {
    if (!BOUNDED) return 0xFFFFFFFFu;
    const int lo = clamp(-x, 0, 32), hi = clamp(int(grid.width) - x, 0, 32);
    if (hi <= lo) return 0u;
    const uint below = hi == 32 ? 0xFFFFFFFFu : (1u << uint(hi)) - 1u;
    return below & ~((1u << uint(lo)) - 1u);
}

// One strip's run: words strip * (lanes - 2) - 1 on, rows run * RUN_ROWS on. Every lane of the
// subgroup calls it with the same strip and run (the shuffles need them all).
void advanceStrip(uint strip, uint run, uint lane, uint lanes) {
    const int word = int(strip * (lanes - 2u)) - 1 + int(lane);
    const int x = 32 * word;
    const bool written = lane > 0u && lane + 1u < lanes && word < int(stride());
    const uint lastBit = (grid.width - 1u) & 31u;
    const uint inside = columnMask(x);
    const uint keep = inside & (word + 1 < int(stride()) ? 0xFFFFFFFFu : (0xFFFFFFFFu >> (31u - lastBit)));
    const int r0 = int(run * RUN_ROWS);
    const uint rows = min(RUN_ROWS, grid.height - run * RUN_ROWS);
    // Per level: the sums of the row above and the middle row, the middle row itself, and
    // what the level finished last step (the next level's input this step).
    uint aboveLow[LEVELS], aboveHigh[LEVELS], midLow[LEVELS], midHigh[LEVELS], mid[LEVELS], finished[LEVELS];
    for (uint k = 0u; k < LEVELS; ++k) {
        aboveLow[k] = 0u; aboveHigh[k] = 0u; midLow[k] = 0u; midHigh[k] = 0u; mid[k] = 0u; finished[k] = 0u;
    }
    // Level k finishes row r0 - LEVELS + t - 1 - 2k at step t: the last level's first row
    // to write, r0, at step 3 LEVELS - 1. Rows read past r0 + rows + LEVELS serve no row written.
    for (uint t = 0u; t < rows + 3u * LEVELS - 1u; ++t) {
        const int read = r0 - int(LEVELS) + int(t);
        const uint fresh = t < rows + 2u * LEVELS ? loadVirtual(x, read) : 0u;
        // Last level first, so each level takes what the one before finished last step.
        for (uint j = 0u; j < LEVELS; ++j) {
            const uint k = LEVELS - 1u - j;
            const uint cells = k == 0u ? fresh : finished[k == 0u ? 0u : k - 1u];
            const uint left = subgroupShuffleUp(cells, 1u);
            const uint right = subgroupShuffleDown(cells, 1u);
            const uint westBit = lane > 0u && !BROKEN_HALO ? left >> 31 : 0u;
            const uint eastBit = lane + 1u < lanes && !BROKEN_HALO ? right << 31 : 0u;
            uint belowLow, belowHigh;
            fullAdd((cells << 1) | westBit, cells, (cells >> 1) | eastBit, belowLow, belowHigh);
            uint next = mid[k];
            if (k < grid.generations) {
                next = nextWordFromSums(aboveLow[k], aboveHigh[k], midLow[k], midHigh[k], belowLow, belowHigh,
                                        mid[k], true) & inside;
                const int row = read - 1 - 2 * int(k);
                if (BOUNDED && (row < 0 || row >= int(grid.height))) next = 0u;
            }
            aboveLow[k] = midLow[k]; aboveHigh[k] = midHigh[k];
            midLow[k] = belowLow; midHigh[k] = belowHigh; mid[k] = cells;
            finished[k] = next;
        }
        if (t + 1u >= 3u * LEVELS && written) {
            const uint y = uint(r0) + t + 1u - 3u * LEVELS;
            dst[y * stride() + uint(word)] = finished[LEVELS - 1u] & keep;
        }
    }
}

void main() {
    const uint runs = (grid.height + RUN_ROWS - 1u) / RUN_ROWS;
    if (gl_WorkGroupID.y >= runs) return;
    const uint lanes = gl_SubgroupSize;
    const uint strips = (stride() + lanes - 3u) / (lanes - 2u);
    for (uint strip = gl_WorkGroupID.x * gl_NumSubgroups + gl_SubgroupID; strip < strips;
         strip += grid.groupsAcross * gl_NumSubgroups) {
        advanceStrip(strip, gl_WorkGroupID.y, gl_SubgroupInvocationID, lanes);
    }
}
