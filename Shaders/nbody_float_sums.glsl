// Per-body accelerations summed by float atomic adds in nbody_pairs_atomic.comp and read back
// by nbody_pairs_atomic_sum.comp: component c of body i at c * count + i, so that the 32 lanes
// adding one component for 32 neighbouring bodies touch 128 contiguous bytes, not 384
// interleaved with the other components' (fewer sectors for the L2's atomic units).
layout(std430, set = 0, binding = 2) buffer FloatSums { float floatSums[]; };

// Body i's summed acceleration, its sum cleared for the next step.
vec3 takeFloatSum(uint i) {
    const vec3 sum = vec3(floatSums[i], floatSums[params.count + i], floatSums[2 * params.count + i]);
    floatSums[i] = 0.0;
    floatSums[params.count + i] = 0.0;
    floatSums[2 * params.count + i] = 0.0;
    return sum;
}
