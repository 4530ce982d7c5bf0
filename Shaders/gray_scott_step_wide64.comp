#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The Gray-Scott step, a block's cells read and written four at a time (u64vec4s of their
// bits), for devices with 64-bit integers: on CPU drivers each access is a loop over the SIMD
// lanes, whatever its width, so the fewer the better.
#define GRAY_SCOTT_QUADS
#include "gray_scott_step.glsl"
