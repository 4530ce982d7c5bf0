#version 450
// Draws each particle as a point sprite straight from the simulation's storage buffer:
// vertex i reads particle i, so no vertex buffer and no copy are needed.

layout(std430, set = 0, binding = 0) readonly buffer Particles { vec4 particle[]; };

layout(push_constant) uniform Camera {
    mat4 viewProjection;
    float pointSize;
    // Speed that maps to the hottest colour.
    float speedScale;
} camera;

layout(location = 0) out vec3 colour;

// Cool blue at rest, through white, to orange when fast.
vec3 speedColour(float t) {
    const vec3 slow = vec3(0.25, 0.45, 1.0);
    const vec3 middle = vec3(0.95, 0.95, 1.0);
    const vec3 fast = vec3(1.0, 0.55, 0.15);
    return t < 0.5 ? mix(slow, middle, t * 2.0) : mix(middle, fast, t * 2.0 - 1.0);
}

void main() {
    const vec4 position = particle[2 * gl_VertexIndex];
    const vec3 velocity = particle[2 * gl_VertexIndex + 1].xyz;
    gl_Position = camera.viewProjection * vec4(position.xyz, 1.0);
    gl_PointSize = camera.pointSize;
    colour = speedColour(clamp(length(velocity) / camera.speedScale, 0.0, 1.0));
}
