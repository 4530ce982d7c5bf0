#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_shader_atomic_float : require
// The GPU pair-once N-body kernel (nbody_pairs_atomic.glsl) adding its shares as floats, for
// devices without 64-bit integer atomics or runs without softening, which have no bound to
// scale a fixed-point sum by. Float atomics make the order of additions, so the last bits of
// the result, vary from run to run. nbody_pairs_atomic_sum.comp integrates the sums.

#include "nbody_pairs_atomic.glsl"
#include "nbody_float_sums.glsl"

void addPairSum(uint i, vec3 sum) {
    atomicAdd(floatSums[i], sum.x);
    atomicAdd(floatSums[params.count + i], sum.y);
    atomicAdd(floatSums[2 * params.count + i], sum.z);
}
