#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
// The first pass of the N-body step on CPU drivers: each unordered pair of bodies is
// evaluated once and its force applied to both (Newton's third law), which halves the
// square roots and divisions that bound lavapipe. nbody_pairs_sum.comp adds up the partial
// accelerations this pass leaves in `pairSums` (nbody_pair_sums.glsl) and integrates.
//
// Bodies fall into blocks of WIDTH * BODIES, one per workgroup, and a workgroup is one
// subgroup. A workgroup takes every pair inside its block the ordinary way (i-side only), and
// pairs its block with the next blocks / 2 blocks round the circle, so that every workgroup
// does the same work; with an even number of blocks the block opposite is paired from the
// lower half only. For a pair of blocks the i-side sums stay in registers; the j-side sums
// are added across the subgroup by shuffles and stored to slot `offset` of j, so that every
// slot has exactly one writer and the sum pass needs no atomics.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BODIES = 1;
// log2 of the workgroup size. The butterfly's loop counts levels, not lanes: a loop whose
// counter doubles is not unrolled, and then neither is the loop round it, whose array of
// j-side sums then lives in memory, lane by lane (4x slower).
layout(constant_id = 2) const uint WIDTH_LOG2 = 3;
layout(constant_id = 3) const bool ZERO_SOFTENING = false;
layout(constant_id = 8) const bool QUOTIENT_FORCE = false;
// j-bodies read per iteration, once per subgroup and passed round by shuffles.
layout(constant_id = 9) const uint J_GROUP = 4;
// Sum forces m_i m_j d / r³ across blocks, one product for both bodies of a pair, and divide
// by the mass at the end: 8 multiplies a pair instead of 12. Needs every mass positive, and
// not so far from 1 that the products leave float range.
layout(constant_id = 10) const bool FORCE_SUMS = false;

#include "nbody_state.glsl"
#include "nbody_pull.glsl"
#include "nbody_pair_sums.glsl"

// Reads a group of J_GROUP bodies from `first` on into `group`, one read per subgroup; past the
// end, massless bodies. A macro, not a function: lavapipe copies arrays passed to functions.
#define READ_GROUP(group, first)                                                              \
    {                                                                                         \
        const uint mineIndex = (first) + gl_SubgroupInvocationID % J_GROUP;                   \
        const vec4 mine = mineIndex < params.count ? src[2 * mineIndex] : vec4(0.0);          \
        [[unroll]] for (uint u = 0; u < J_GROUP; ++u) { group[u] = subgroupShuffle(mine, u); } \
    }

void main() {
    const uint width = gl_WorkGroupSize.x;
    const uint lane = gl_LocalInvocationID.x;
    const uint blockSize = width * BODIES;
    const uint blocks = (params.count + blockSize - 1) / blockSize;
    const uint padded = blocks * blockSize;
    const uint block = gl_WorkGroupID.x;
    const uint first = block * blockSize + lane;

    vec4 body[BODIES];
    vec3 acceleration[BODIES];
    for (uint b = 0; b < BODIES; ++b) {
        const uint i = first + b * width;
        // Padding bodies are massless, so their pairs give the other body nothing.
        body[b] = i < params.count ? src[2 * i] : vec4(0.0);
        acceleration[b] = vec3(0.0);
    }

    const uint reach = blocks / 2;
    for (uint offset = 1; offset <= reach; ++offset) {
        if (2 * offset == blocks && block >= reach) break;
        const uint other = block + offset < blocks ? block + offset : block + offset - blocks;
        const uint end = min(params.count, (other + 1) * blockSize);
        for (uint j = other * blockSize; j < end; j += J_GROUP) {
            vec4 group[J_GROUP];
            READ_GROUP(group, j)
            vec3 received[J_GROUP];
            [[unroll]] for (uint u = 0; u < J_GROUP; ++u) { received[u] = vec3(0.0); }
            for (uint b = 0; b < BODIES; ++b) {
                vec3 a = acceleration[b];
                [[unroll]] for (uint u = 0; u < J_GROUP; ++u) {
                    const vec3 d = group[u].xyz - body[b].xyz;
                    const float r2 = distanceSquared(d);
                    if (FORCE_SUMS) {
                        const vec3 f = d * massOverCube(group[u].w * body[b].w, r2);
                        a += f;
                        received[u] -= f;
                    } else {
                        const float q = massOverCube(1.0, r2);
                        a += d * (group[u].w * q);
                        received[u] -= d * (body[b].w * q);
                    }
                }
                acceleration[b] = a;
            }
            // Sum each j-body's share over the subgroup (butterfly), then lane u stores body u's.
            vec3 mine = vec3(0.0);
            [[unroll]] for (uint u = 0; u < J_GROUP; ++u) {
                vec3 total = received[u];
                [[unroll]] for (uint level = 0; level < WIDTH_LOG2; ++level) { total += subgroupShuffleXor(total, 1u << level); }
                if (lane == u) mine = total;
            }
            if (lane < J_GROUP) storePairSum(offset * padded + j + lane, mine);
        }
    }

    // The sums so far are forces: make them accelerations before the own block's pulls join.
    if (FORCE_SUMS) {
        for (uint b = 0; b < BODIES; ++b) { acceleration[b] /= body[b].w; }
    }

    // Pairs inside the block: each body sums its own pulls.
    const uint ownEnd = min(params.count, (block + 1) * blockSize);
    for (uint j = block * blockSize; j < ownEnd; j += J_GROUP) {
        vec4 group[J_GROUP];
        READ_GROUP(group, j)
        for (uint b = 0; b < BODIES; ++b) {
            vec3 a = acceleration[b];
            [[unroll]] for (uint u = 0; u < J_GROUP; ++u) { a += pull(group[u], body[b].xyz); }
            acceleration[b] = a;
        }
    }

    for (uint b = 0; b < BODIES; ++b) { storePairSum(first + b * width, acceleration[b]); }
}
