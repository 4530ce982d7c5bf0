#version 450
#extension GL_GOOGLE_include_directive : require
// The same step as nbody_step.glsl with several invocations cooperating on one body
// (GPU Gems 3, ch. 31): for small N there are too few bodies to fill a GPU one per
// invocation, so SPLIT invocations each sum every SPLIT-th j-body and the partial
// accelerations are added in shared memory.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint SPLIT = 4;
// Equal to the workgroup size: sizes the shared array of partial sums.
layout(constant_id = 2) const uint WIDTH = 64;
layout(constant_id = 3) const bool ZERO_SOFTENING = false;
layout(constant_id = 4) const bool QUOTIENT_FORCE = false;

#include "nbody_state.glsl"
#include "nbody_pull.glsl"

shared vec3 partial[WIDTH];

void main() {
    const uint lane = gl_LocalInvocationID.x;
    const uint part = lane % SPLIT;
    const uint i = gl_WorkGroupID.x * (WIDTH / SPLIT) + lane / SPLIT;
    const vec3 position = i < params.count ? src[2 * i].xyz : vec3(0.0);

    vec3 acceleration = vec3(0.0);
    for (uint j = part; j < params.count; j += SPLIT) {
        acceleration += pull(src[2 * j], position);
    }
    partial[lane] = acceleration;
    barrier();

    if (part == 0 && i < params.count) {
        vec3 total = vec3(0.0);
        for (uint k = 0; k < SPLIT; ++k) { total += partial[lane + k]; }
        integrate(i, total);
    }
}
