#version 450
// Draws each live or dying cell of a Life grid as a point sprite, straight from the
// simulation's buffer (a byte per cell, four per word; or bit-packed, 32 per word): vertex i
// is cell i.

layout(std430, set = 0, binding = 0) readonly buffer Cells { uint word[]; };

layout(push_constant) uniform Camera {
    mat4 viewProjection;
    float pointSize;
    // Grid width and height, as floats, and the number of states.
    float width;
    float height;
    float states;
    // 8 (bytes kernel) or 1 (bit-packed kernels).
    float bitsPerCell;
} camera;

layout(location = 0) out vec3 colour;

void main() {
    const uint w = uint(camera.width);
    const uint x = uint(gl_VertexIndex) % w;
    const uint y = uint(gl_VertexIndex) / w;
    const uint bits = uint(camera.bitsPerCell);
    const uint perWord = 32u / bits;
    const uint stride = (w + perWord - 1u) / perWord;
    const uint state = (word[y * stride + x / perWord] >> (bits * (x % perWord))) & ((1u << bits) - 1u);
    if (state == 0u) {
        // Dead: outside the clip volume, so nothing is drawn.
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        gl_PointSize = 1.0;
        colour = vec3(0.0);
        return;
    }
    // The grid lies in the z = 0 plane, one unit per cell, centred on the origin, y down.
    const vec2 cell = vec2(float(x) - camera.width * 0.5 + 0.5, camera.height * 0.5 - float(y) - 0.5);
    gl_Position = camera.viewProjection * vec4(cell, 0.0, 1.0);
    gl_PointSize = camera.pointSize;
    // Live cells bright; dying ones (Generations) fade from orange to deep red with age.
    const float age = camera.states > 2.0 ? float(state - 1u) / (camera.states - 1.0) : 0.0;
    colour = state == 1u ? vec3(0.55, 0.9, 1.0) : mix(vec3(1.0, 0.55, 0.15), vec3(0.35, 0.05, 0.05), age);
}
