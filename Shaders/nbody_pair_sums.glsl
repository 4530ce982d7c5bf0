// The partial accelerations nbody_pairs.comp hands to nbody_pairs_sum.comp: per body, slot 0
// holds its own block's sum and slot o (1 <= o <= blocks / 2) the share its block received
// from the block o places before it, at slot * padded + body. Three floats each, not a vec4:
// the buffer grows as N² and lavapipe allows 128 MiB.
layout(std430, set = 0, binding = 2) buffer PairSums { float pairSums[]; };

void storePairSum(uint index, vec3 sum) {
    pairSums[3 * index] = sum.x;
    pairSums[3 * index + 1] = sum.y;
    pairSums[3 * index + 2] = sum.z;
}

vec3 loadPairSum(uint index) {
    return vec3(pairSums[3 * index], pairSums[3 * index + 1], pairSums[3 * index + 2]);
}
