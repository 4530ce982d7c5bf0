#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
// The N-body step whose streaming loop reads a group of j-bodies once per subgroup and passes
// them round by shuffles: for devices with subgroup shuffles in compute shaders and subgroups
// at least as wide as the group (lavapipe).
#define SHUFFLED_LOADS 1
#include "nbody_step.glsl"
