#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
// The temporally blocked bit-packed kernel, side neighbours from subgroup shuffles.
#define SUBGROUP_NEIGHBOURS 1
#include "life_steps_bits_tiled.glsl"
