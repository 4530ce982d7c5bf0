#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
#extension GL_KHR_shader_subgroup_shuffle : require
// The GPU pair-once N-body kernel (nbody_pairs_atomic.glsl) adding its shares in 64-bit fixed
// point (nbody_fixed_sums.glsl). Integer addition does not depend on order, so the result is
// the same whichever workgroup adds first: reruns and resumed runs agree bit for bit, as with
// every other kernel. nbody_pairs_fixed_sum.comp integrates the sums.

#include "nbody_pairs_atomic.glsl"
#include "nbody_fixed_sums.glsl"

void addPairSum(uint i, vec3 sum) { addFixedSum(i, sum); }
