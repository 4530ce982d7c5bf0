// Per-body accelerations summed in 64-bit units point by nbody_pairs_fixed.comp and read back
// by nbody_pairs_fixed_sum.comp: three integers a body, each a multiple of params.sumUnit.
//
// The host picks params.sumScale (= 1 / sumUnit), a power of two, so that the largest
// acceleration the softening allows, sum of |m| * 2 / (3 sqrt(3) eps²), stays below 2^61: no
// partial sum can overflow, with room for the rounding of its float terms. Scaling by a power
// of two is exact; each share is then rounded to the nearest unit (not truncated, which would
// bias every share toward zero and let the errors of a body's many adds pile up one way), in
// the same way however the shares are ordered. Includers enable GL_EXT_shader_explicit_arithmetic_types_int64 and
// GL_EXT_shader_atomic_int64.
layout(std430, set = 0, binding = 2) buffer FixedSums { int64_t fixedSums[]; };

void addFixedSum(uint i, vec3 sum) {
    const i64vec3 units = i64vec3(roundEven(sum * params.sumScale));
    atomicAdd(fixedSums[3 * i], units.x);
    atomicAdd(fixedSums[3 * i + 1], units.y);
    atomicAdd(fixedSums[3 * i + 2], units.z);
}

// Body i's summed acceleration, its sum cleared for the next step.
vec3 takeFixedSum(uint i) {
    const i64vec3 units = i64vec3(fixedSums[3 * i], fixedSums[3 * i + 1], fixedSums[3 * i + 2]);
    fixedSums[3 * i] = 0;
    fixedSums[3 * i + 1] = 0;
    fixedSums[3 * i + 2] = 0;
    return vec3(units) * params.sumUnit;
}
