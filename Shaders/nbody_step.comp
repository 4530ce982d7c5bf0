#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
// The N-body step for every device; each invocation reads its j-bodies itself.
#include "nbody_step.glsl"
