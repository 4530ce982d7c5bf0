// The particle buffers and push constants every N-body shader shares, and the integration
// step that ends each of them.
//
// A particle is two vec4: (x, y, z, m) and (vx, vy, vz, w). Positions are read from `src` and
// written to `dst` (ping-pong), so every body of a step sees the same old positions whatever
// the order in which workgroups run.
layout(std430, set = 0, binding = 0) readonly buffer Source { vec4 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { vec4 dst[]; };

layout(push_constant) uniform Parameters {
    uint count;
    float dt;
    float softening2;
    float gravity;
    // The fixed-point scale of the pair-once sums and its inverse (nbody_fixed_sums.glsl);
    // other passes leave them unread.
    float sumScale;
    float sumUnit;
} params;

// One semi-implicit Euler step of body i, whose acceleration divided by G is `acceleration`.
void integrate(uint i, vec3 acceleration) {
    const vec4 p = src[2 * i];
    const vec4 v = src[2 * i + 1];
    const vec3 velocity = v.xyz + acceleration * (params.gravity * params.dt);
    dst[2 * i] = vec4(p.xyz + velocity * params.dt, p.w);
    dst[2 * i + 1] = vec4(velocity, v.w);
}
