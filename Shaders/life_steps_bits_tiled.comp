#version 450
#extension GL_GOOGLE_include_directive : require
// The temporally blocked bit-packed kernel, side neighbours from shared memory: for devices
// without subgroup shuffles in compute shaders.
#include "life_steps_bits_tiled.glsl"
