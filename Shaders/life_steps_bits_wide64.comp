#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// Two generations a dispatch of the wide bit-packed kernel for CPU drivers, 64 cells a word:
// the grid's 32-bit words in pairs, for rows of an even number of them.
#define LIFE_WORD uint64_t
#define LIFE_WORD4 u64vec4
#define LIFE_WORD_BITS 64u
#include "life_steps_bits_wide.glsl"
