#version 450
// One step of the Gray-Scott reaction-diffusion model on a torus, explicit Euler: two
// chemicals per cell, u fed in and v feeding on it (u + 2v -> 3v), each diffusing at its own
// rate. The Laplacian is the 3x3 stencil of weights 0.2 at the sides and 0.05 at the corners
// (minus 1 at the centre), which stays stable at a time step of 1 with diffusion rates up to 1.
// GrayScottReference computes the same sums, in the same order, in float64.

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, set = 0, binding = 0) readonly buffer Source { vec2 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Destination { vec2 dst[]; };

layout(push_constant) uniform Parameters {
    uint width;
    uint height;
    float feed;
    float kill;
    float diffusionU;
    float diffusionV;
    float dt;
} p;

void main() {
    const uint x = gl_GlobalInvocationID.x;
    const uint y = gl_GlobalInvocationID.y;
    if (x >= p.width || y >= p.height) return;
    const uint left = x == 0u ? p.width - 1u : x - 1u;
    const uint right = x + 1u == p.width ? 0u : x + 1u;
    const uint up = (y == 0u ? p.height - 1u : y - 1u) * p.width;
    const uint down = (y + 1u == p.height ? 0u : y + 1u) * p.width;
    const uint row = y * p.width;
    const vec2 here = src[row + x];
    const vec2 sides = (src[row + left] + src[row + right]) + (src[up + x] + src[down + x]);
    const vec2 corners = (src[up + left] + src[up + right]) + (src[down + left] + src[down + right]);
    const vec2 laplacian = 0.2 * sides + 0.05 * corners - here;
    const float reaction = here.x * here.y * here.y;
    const float du = p.diffusionU * laplacian.x - reaction + p.feed * (1.0 - here.x);
    const float dv = p.diffusionV * laplacian.y + reaction - (p.feed + p.kill) * here.y;
    dst[row + x] = here + p.dt * vec2(du, dv);
}
