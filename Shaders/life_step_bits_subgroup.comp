#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
// The bit-packed one-generation kernel taking neighbour words from subgroup shuffles.
#define SUBGROUP_NEIGHBOURS 1
#include "life_step_bits.glsl"
