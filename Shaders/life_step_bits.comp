#version 450
#extension GL_GOOGLE_include_directive : require
// The bit-packed one-generation kernel, reading every neighbour word from memory: for
// devices without subgroup shuffles in compute shaders.
#include "life_step_bits.glsl"
