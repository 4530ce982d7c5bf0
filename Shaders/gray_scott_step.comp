#version 450
// Steps of the Gray-Scott reaction-diffusion model on a torus, explicit Euler: two chemicals
// per cell, u fed in and v feeding on it (u + 2v -> 3v), each diffusing at its own rate. The
// Laplacian is the 3x3 stencil of weights 0.2 at the sides and 0.05 at the corners (minus 1
// at the centre), which stays stable at a time step of 1 with diffusion rates up to 1.
// GrayScottReference computes the same sums, in the same order, in float64.
//
// Each invocation walks down a strip of ROWS cells of one column with three rows of its
// three columns in registers, so a cell reads three values rather than nine: on CPU drivers,
// where each read is a gather across the SIMD lanes, that is most of the cost.

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint ROWS = 8;

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
    const uint first = gl_GlobalInvocationID.y * ROWS;
    if (x >= p.width || first >= p.height) return;
    const uint left = x == 0u ? p.width - 1u : x - 1u;
    const uint right = x + 1u == p.width ? 0u : x + 1u;
    uint above = (first == 0u ? p.height - 1u : first - 1u) * p.width;
    uint row = first * p.width;
    vec2 upLeft = src[above + left], up = src[above + x], upRight = src[above + right];
    vec2 hereLeft = src[row + left], here = src[row + x], hereRight = src[row + right];
    const uint last = min(first + ROWS, p.height);
    for (uint y = first; y < last; ++y) {
        const uint below = (y + 1u == p.height ? 0u : y + 1u) * p.width;
        const vec2 downLeft = src[below + left], down = src[below + x], downRight = src[below + right];
        const vec2 sides = (hereLeft + hereRight) + (up + down);
        const vec2 corners = (upLeft + upRight) + (downLeft + downRight);
        const vec2 laplacian = 0.2 * sides + 0.05 * corners - here;
        const float reaction = here.x * here.y * here.y;
        const float du = p.diffusionU * laplacian.x - reaction + p.feed * (1.0 - here.x);
        const float dv = p.diffusionV * laplacian.y + reaction - (p.feed + p.kill) * here.y;
        dst[y * p.width + x] = here + p.dt * vec2(du, dv);
        upLeft = hereLeft; up = here; upRight = hereRight;
        hereLeft = downLeft; here = down; hereRight = downRight;
    }
}
