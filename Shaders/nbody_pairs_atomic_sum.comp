#version 450
#extension GL_GOOGLE_include_directive : require
// The second pass of the GPU pair-once N-body step (nbody_pairs_atomic.comp): integrates each
// body's summed acceleration and clears the sum for the next step's atomic adds.

layout(local_size_x_id = 0) in;

#include "nbody_state.glsl"
#include "nbody_float_sums.glsl"

void main() {
    const uint i = gl_GlobalInvocationID.x;
    if (i >= params.count) return;
    integrate(i, takeFloatSum(i));
}
