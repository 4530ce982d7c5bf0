// The first pass of the pair-once N-body step on GPUs: each unordered pair of bodies is
// evaluated once and its force applied to both (Newton's third law), half the arithmetic of
// the ordinary kernel, whose instruction issue bounds it on GPUs. The includer defines how a
// share reaches memory, `addPairSum(uint body, vec3 share)`, as an atomic add into one sum per
// body: nbody_pairs_fixed.comp in 64-bit fixed point, nbody_pairs_atomic.comp in floats. Each
// has a second pass that integrates the sums and clears them for the next step.
//
// Bodies fall into blocks of WIDTH * BODIES, one subgroup's: each invocation holds BODIES of
// them. A block is paired with itself (its inner pairs, the ordinary way: offset 0) and with
// the next blocks / 2 blocks round the circle (with an even number of blocks the block opposite
// only from the lower half), so every block has the same work; those pairings are cut into runs
// of SPAN, one per workgroup (one subgroup), so that there are enough workgroups to fill a GPU
// even for few blocks. The inner pairs cost about what a pairing with another block does, so
// runs of equal length take about equal time.
//
// Within a pair of blocks, the other block goes by in tiles of WIDTH bodies, one per
// invocation; after each round every invocation hands its tile body, and the share of force
// that body has received so far, to the invocation before it. After WIDTH rounds every tile
// body has met every body of the block and is back where it started, and its share goes to
// memory. Unlike nbody_pairs.comp's butterfly, that costs seven shuffles per round for BODIES
// pairs in every invocation, and no memory of N².

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BODIES = 1;
layout(constant_id = 3) const bool ZERO_SOFTENING = false;
layout(constant_id = 8) const bool QUOTIENT_FORCE = false;
// Pairings per workgroup.
layout(constant_id = 11) const uint SPAN = 1;

#include "nbody_state.glsl"
#include "nbody_pull.glsl"

void addPairSum(uint i, vec3 sum);

void main() {
    const uint width = gl_WorkGroupSize.x;
    const uint lane = gl_LocalInvocationID.x;
    const uint next = (lane + 1) % width;
    const uint blockSize = width * BODIES;
    const uint blocks = (params.count + blockSize - 1) / blockSize;
    const uint reach = blocks / 2;
    const uint pairings = reach + 1;
    const uint runs = (pairings + SPAN - 1) / SPAN;
    const uint block = gl_WorkGroupID.x / runs;
    const uint run = gl_WorkGroupID.x % runs;
    const uint first = block * blockSize + lane;

    vec4 body[BODIES];
    vec3 acceleration[BODIES];
    [[unroll]] for (uint b = 0; b < BODIES; ++b) {
        const uint i = first + b * width;
        // Padding bodies are massless, so their pairs give the other body nothing.
        body[b] = i < params.count ? src[2 * i] : vec4(0.0);
        acceleration[b] = vec3(0.0);
    }

    const uint end = min(pairings, (run + 1) * SPAN);
    for (uint offset = run * SPAN; offset < end; ++offset) {
        if (offset == 0) {
            // Pairs inside the block: each body sums its own pulls.
            const uint ownEnd = min(params.count, (block + 1) * blockSize);
            for (uint j = block * blockSize; j < ownEnd; ++j) {
                const vec4 other = src[2 * j];
                [[unroll]] for (uint b = 0; b < BODIES; ++b) { acceleration[b] += pull(other, body[b].xyz); }
            }
            continue;
        }
        if (2 * offset == blocks && block >= reach) break;
        const uint other = block + offset < blocks ? block + offset : block + offset - blocks;
        for (uint tile = 0; tile < BODIES; ++tile) {
            const uint j = other * blockSize + tile * width + lane;
            vec4 traveller = j < params.count ? src[2 * j] : vec4(0.0);
            vec3 received = vec3(0.0);
            for (uint round = 0; round < width; ++round) {
                [[unroll]] for (uint b = 0; b < BODIES; ++b) {
                    const vec3 d = traveller.xyz - body[b].xyz;
                    const float q = massOverCube(1.0, distanceSquared(d));
                    acceleration[b] += d * (traveller.w * q);
                    received -= d * (body[b].w * q);
                }
                traveller = subgroupShuffle(traveller, next);
                received = subgroupShuffle(received, next);
            }
            if (j < params.count) addPairSum(j, received);
        }
    }

    [[unroll]] for (uint b = 0; b < BODIES; ++b) {
        const uint i = first + b * width;
        if (i < params.count) addPairSum(i, acceleration[b]);
    }
}
