// The acceleration that `body` (xyz, mass) gives a body at `at`, divided by G:
// d * m / (|d|² + eps²)^(3/2) with d = body.xyz - at. Shared by both N-body kernels; the includer
// declares ZERO_SOFTENING, QUOTIENT_FORCE and the push constants `params`. massOverCube and
// distanceSquared serve nbody_pairs.comp, which applies one such term to two bodies.
//
// r2 is spelled as nested multiply-adds, not dot(d, d) + eps², so that a GPU compiler may
// contract it into three fused multiply-adds instead of a dot product and a separate add.
//
// m / r³ has two spellings, chosen per device by a specialization constant:
// - m * inversesqrt(r2)^3: GPUs have a reciprocal-square-root instruction, so this is one
//   special-function operation and three multiplies.
// - m / (r2 * sqrt(r2)): lavapipe has no such instruction; it builds inversesqrt from a square
//   root and a division anyway, so this spelling drops two multiplies (lavapipe at N = 16384,
//   alternating runs: median 3.2e9 interactions/s against 2.7e9).
// m / r³ with r² = |d|² + eps² given, in the spelling QUOTIENT_FORCE picks; 0 where r² is 0,
// which only zero softening allows (the j == i term, 0/0 otherwise).
float massOverCube(float m, float r2) {
    float s;
    if (QUOTIENT_FORCE) {
        s = m / (r2 * sqrt(r2));
    } else {
        const float inv = inversesqrt(r2);
        s = m * inv * inv * inv;
    }
    // Only with zero softening is the guard worth its instructions.
    return ZERO_SOFTENING && !(r2 > 0.0) ? 0.0 : s;
}

float distanceSquared(vec3 d) { return d.x * d.x + (d.y * d.y + (d.z * d.z + params.softening2)); }

vec3 pull(vec4 body, vec3 at) {
    const vec3 d = body.xyz - at;
    return d * massOverCube(body.w, distanceSquared(d));
}
