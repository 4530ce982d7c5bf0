#version 450
#extension GL_GOOGLE_include_directive : require
// The Gray-Scott step, a block's cells read and written two at a time (vec4s).
#include "gray_scott_step.glsl"
