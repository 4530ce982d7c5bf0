#version 450
#extension GL_GOOGLE_include_directive : require
// The second pass of the pair-once N-body step (nbody_pairs.comp): adds up each body's
// partial accelerations and integrates.

layout(local_size_x_id = 0) in;
// nbody_pairs.comp's block: its workgroup size times its bodies per invocation.
layout(constant_id = 1) const uint BLOCK = 256;
// The other blocks' shares are forces, not accelerations (nbody_pairs.comp).
layout(constant_id = 2) const bool FORCE_SUMS = false;

#include "nbody_state.glsl"

#include "nbody_pair_sums.glsl"

void main() {
    const uint i = gl_GlobalInvocationID.x;
    if (i >= params.count) return;
    const uint blocks = (params.count + BLOCK - 1) / BLOCK;
    const uint padded = blocks * BLOCK;
    const uint reach = blocks / 2;
    const uint block = i / BLOCK;
    vec3 received = vec3(0.0);
    for (uint offset = 1; offset <= reach; ++offset) {
        // With an even number of blocks the opposite block's pairs came from the lower half only.
        if (2 * offset == blocks && block < reach) break;
        received += loadPairSum(offset * padded + i);
    }
    integrate(i, loadPairSum(i) + (FORCE_SUMS ? received / src[2 * i].w : received));
}
