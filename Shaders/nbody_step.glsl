// One semi-implicit Euler step of all-pairs gravity: the body of nbody_step.comp and
// nbody_step_shuffled.comp, which differ in how the streaming loop reads its j-bodies.
//
// Each invocation owns BODIES bodies, strided by the workgroup size so that neighbouring
// invocations read neighbouring particles. On GPUs the j-bodies stream through a shared-memory
// tile, one global read per workgroup instead of one per invocation. CPU drivers (lavapipe)
// run faster reading them straight from the buffer (STREAM_FROM_GLOBAL): their shared memory
// is ordinary memory, read lane by lane, and the tile's barriers cost coroutine switches.
// Either way one read feeds BODIES interactions, which is what register blocking buys.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BODIES = 1;
layout(constant_id = 2) const uint TILE = 64;
layout(constant_id = 3) const bool ZERO_SOFTENING = false;
layout(constant_id = 4) const bool STREAM_FROM_GLOBAL = false;
// j-bodies per iteration of the streaming loop. lavapipe stops every loop of an invocation
// after 65535 iterations in all, silently; unrolling keeps large N below that.
layout(constant_id = 5) const uint J_UNROLL = 1;
// Read the next tile into registers while this one is used: two tiles of shared memory and one
// barrier per tile instead of two, so global-memory latency hides behind arithmetic. Pays when
// few workgroups share a GPU core (small N); STAGES = ceil(TILE / workgroup size).
layout(constant_id = 6) const bool PREFETCH = false;
layout(constant_id = 7) const uint STAGES = 1;
// The force's spelling (nbody_pull.glsl): m / (r2 * sqrt(r2)) instead of m * inversesqrt(r2)^3.
layout(constant_id = 8) const bool QUOTIENT_FORCE = false;
// j-bodies the streaming loop holds in registers during one pass over this invocation's
// bodies, so that each body's acceleration is loaded and stored once per group, not once per
// j-body: lavapipe spills the accelerations of 32 bodies, and a group of 4 ran 10-15% faster
// there. GPUs: 1. J_UNROLL is a multiple of it.
layout(constant_id = 9) const uint J_GROUP = 1;
// Tile bodies per iteration of the tile loop, written out; 1 leaves unrolling to the driver.
// On GPUs bound by instruction issue every iteration's counter, compare and branch cost slots
// the arithmetic could use. Divides TILE.
layout(constant_id = 10) const uint TILE_UNROLL = 1;

#include "nbody_state.glsl"
#include "nbody_pull.glsl"

shared vec4 tile[PREFETCH ? 2 * TILE : TILE];

// Adds the pull of `body` (xyz, mass) to each of this invocation's bodies. A macro, not a
// function: passing the arrays to a function made lavapipe copy them and run 20% slower.
#define INTERACT(body)                                                   \
    for (uint b = 0; b < BODIES; ++b) { acceleration[b] += pull(body, position[b]); }

// Interactions with the TILE bodies of shared memory from tile[at]. With TILE_UNROLL 1 the
// loop is the one every measured shape ran, left to the driver to unroll.
#define TILE_PASS(at)                                                                        \
    if (TILE_UNROLL == 1) {                                                                  \
        for (uint k = 0; k < TILE; ++k) {                                                    \
            const vec4 body = tile[(at) + k];                                                \
            INTERACT(body)                                                                   \
        }                                                                                    \
    } else {                                                                                 \
        for (uint k = 0; k < TILE; k += TILE_UNROLL) {                                       \
            [[unroll]] for (uint u = 0; u < TILE_UNROLL; ++u) {                              \
                const vec4 body = tile[(at) + k + u];                                        \
                INTERACT(body)                                                               \
            }                                                                                \
        }                                                                                    \
    }

void main() {
    const uint lane = gl_LocalInvocationID.x;
    const uint width = gl_WorkGroupSize.x;
    const uint first = gl_WorkGroupID.x * width * BODIES + lane;

    vec3 position[BODIES];
    vec3 acceleration[BODIES];
    for (uint b = 0; b < BODIES; ++b) {
        const uint i = first + b * width;
        position[b] = i < params.count ? src[2 * i].xyz : vec3(0.0);
        acceleration[b] = vec3(0.0);
    }

    if (STREAM_FROM_GLOBAL) {
        const uint whole = params.count - params.count % J_UNROLL;
        for (uint j = 0; j < whole; j += J_UNROLL) {
            [[unroll]] for (uint g = 0; g < J_UNROLL; g += J_GROUP) {
                vec4 group[J_GROUP];
#ifdef SHUFFLED_LOADS
                // lavapipe reads a storage buffer lane by lane even where all lanes read the same
                // body: one read for the whole group, passed round by shuffles, costs a quarter.
                const vec4 mine = src[2 * (j + g + gl_SubgroupInvocationID % J_GROUP)];
                [[unroll]] for (uint u = 0; u < J_GROUP; ++u) { group[u] = subgroupShuffle(mine, u); }
#else
                [[unroll]] for (uint u = 0; u < J_GROUP; ++u) { group[u] = src[2 * (j + g + u)]; }
#endif
                for (uint b = 0; b < BODIES; ++b) {
                    vec3 a = acceleration[b];
                    [[unroll]] for (uint u = 0; u < J_GROUP; ++u) { a += pull(group[u], position[b]); }
                    acceleration[b] = a;
                }
            }
        }
        for (uint j = whole; j < params.count; ++j) {
            const vec4 body = src[2 * j];
            INTERACT(body)
        }
    } else if (PREFETCH) {
        vec4 staged[STAGES];
        for (uint s = 0; s < STAGES; ++s) {
            const uint k = lane + s * width;
            staged[s] = k < TILE && k < params.count ? src[2 * k] : vec4(0.0);
        }
        // Tile t lives at base = (t % 2) * TILE. Writing tile t + 2 there cannot race with reads
        // of tile t: every invocation passed tile t + 1's barrier after it finished with tile t.
        for (uint start = 0, base = 0; start < params.count; start += TILE, base ^= TILE) {
            for (uint s = 0; s < STAGES; ++s) {
                const uint k = lane + s * width;
                if (k < TILE) tile[base + k] = staged[s];
            }
            barrier();
            for (uint s = 0; s < STAGES; ++s) {
                const uint k = lane + s * width;
                const uint j = start + TILE + k;
                staged[s] = k < TILE && j < params.count ? src[2 * j] : vec4(0.0);
            }
            TILE_PASS(base)
        }
    } else {
        for (uint start = 0; start < params.count; start += TILE) {
            for (uint k = lane; k < TILE; k += width) {
                const uint j = start + k;
                // Padding bodies have zero mass and so contribute nothing.
                tile[k] = j < params.count ? src[2 * j] : vec4(0.0);
            }
            barrier();
            TILE_PASS(0)
            barrier();
        }
    }

    for (uint b = 0; b < BODIES; ++b) {
        const uint i = first + b * width;
        if (i < params.count) {
            integrate(i, acceleration[b]);
        }
    }
}
