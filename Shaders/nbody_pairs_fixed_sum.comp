#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
// The second pass of the GPU pair-once N-body step in fixed point (nbody_pairs_fixed.comp):
// integrates each body's summed acceleration and clears the sum for the next step's adds.

layout(local_size_x_id = 0) in;

#include "nbody_state.glsl"
#include "nbody_fixed_sums.glsl"

void main() {
    const uint i = gl_GlobalInvocationID.x;
    if (i >= params.count) return;
    integrate(i, takeFixedSum(i));
}
