// How strongly body j pulls body i: acceleration_i += d * pull(m_j, r2), where d = x_j - x_i
// and r2 = |d|^2 + eps^2, so pull = m_j / r2^(3/2). Shared by both N-body kernels; the includer
// declares ZERO_SOFTENING and QUOTIENT_FORCE.
//
// Two spellings of the same value, chosen per device by a specialization constant:
// - m * inversesqrt(r2)^3: GPUs have a reciprocal-square-root instruction, so this is one
//   special-function operation and three multiplies.
// - m / (r2 * sqrt(r2)): lavapipe has no such instruction; it builds inversesqrt from a square
//   root and a division anyway, so this spelling drops two multiplies (lavapipe at N = 16384,
//   15 interleaved runs: median 3.0e9 interactions/s against 2.5e9).
float pull(float mass, float r2) {
    float s;
    if (QUOTIENT_FORCE) {
        s = mass / (r2 * sqrt(r2));
    } else {
        const float inv = inversesqrt(r2);
        s = mass * inv * inv * inv;
    }
    // With zero softening the j == i term is 0/0; only then is the guard worth its instructions.
    return ZERO_SOFTENING && !(r2 > 0.0) ? 0.0 : s;
}
