// Per-body accelerations summed in 64-bit fixed point by nbody_pairs_fixed.comp and read back
// by nbody_pairs_fixed_sum.comp: three integers a body, each a multiple of params.sumUnit,
// component c of body i at c * count + i (as in nbody_float_sums.glsl: 32 lanes adding one
// component for neighbouring bodies touch 256 contiguous bytes, not 768).
//
// The host picks params.sumScale (= 1 / sumUnit), a power of two, so that the largest
// acceleration the softening allows, sum of |m| * 2 / (3 sqrt(3) eps²), stays below 2^61: no
// partial sum can overflow, with room for the rounding of its float terms. Scaling by a power
// of two is exact; each share is then rounded to the nearest unit (not truncated, which would
// bias every share toward zero and let the errors of a body's many adds pile up one way), in
// the same way however the shares are ordered. Includers enable
// GL_EXT_shader_explicit_arithmetic_types_int64 and GL_EXT_shader_atomic_int64.
layout(std430, set = 0, binding = 2) buffer FixedSums { int64_t fixedSums[]; };

void addFixedSum(uint i, vec3 sum) {
    const i64vec3 units = i64vec3(roundEven(sum * params.sumScale));
    atomicAdd(fixedSums[i], units.x);
    atomicAdd(fixedSums[params.count + i], units.y);
    atomicAdd(fixedSums[2 * params.count + i], units.z);
}

// Body i's summed acceleration, its sum cleared for the next step.
vec3 takeFixedSum(uint i) {
    const i64vec3 units = i64vec3(fixedSums[i], fixedSums[params.count + i], fixedSums[2 * params.count + i]);
    fixedSums[i] = 0;
    fixedSums[params.count + i] = 0;
    fixedSums[2 * params.count + i] = 0;
    return vec3(units) * params.sumUnit;
}
