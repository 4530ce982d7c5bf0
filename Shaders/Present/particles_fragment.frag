#version 450
// A round, soft-edged sprite; blending is additive, so dense regions glow.

layout(location = 0) in vec3 colour;
layout(location = 0) out vec4 result;

void main() {
    const vec2 offset = gl_PointCoord * 2.0 - 1.0;
    const float r2 = dot(offset, offset);
    if (r2 > 1.0) discard;
    const float intensity = 1.0 - r2;
    result = vec4(colour * intensity * 0.6, 1.0);
}
