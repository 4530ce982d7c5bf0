#version 450
// Colours each pixel by the concentration of v in the Gray-Scott cell under it, read straight
// from the simulation's storage buffer: dark blue through cyan to white, as GrayScottPicture
// draws it on the CPU. Pixels beyond the field keep the background.

layout(std430, set = 0, binding = 0) readonly buffer Field { vec2 cells[]; };

layout(push_constant) uniform View {
    // The cell coordinates of pixel (0, 0)'s corner: a pixel centre p is at origin + p * cellsPerPixel.
    vec2 origin;
    float cellsPerPixel;
    uint width;
    uint height;
} view;

layout(location = 0) out vec4 colour;

void main() {
    const vec2 at = floor(view.origin + gl_FragCoord.xy * view.cellsPerPixel);
    if (at.x < 0.0 || at.y < 0.0 || at.x >= float(view.width) || at.y >= float(view.height)) discard;
    const float v = cells[uint(at.y) * view.width + uint(at.x)].y;
    const float t = 2.0 * clamp(v / 0.35, 0.0, 1.0);
    const vec3 dark = vec3(8.0, 10.0, 30.0), cyan = vec3(0.0, 150.0, 200.0), white = vec3(255.0);
    const vec3 rgb = t < 1.0 ? mix(dark, cyan, t) : mix(cyan, white, t - 1.0);
    colour = vec4(rgb / 255.0, 1.0);
}
