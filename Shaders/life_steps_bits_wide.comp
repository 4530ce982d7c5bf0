#version 450
#extension GL_GOOGLE_include_directive : require
// Two generations a dispatch of the wide bit-packed kernel for CPU drivers, 32 cells a word.
#define LIFE_WORD uint
#define LIFE_WORD4 uvec4
#define LIFE_WORD_BITS 32u
#include "life_steps_bits_wide.glsl"
