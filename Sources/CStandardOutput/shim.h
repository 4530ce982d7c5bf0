#ifndef CAPITALENGINE_CSTANDARDOUTPUT_SHIM_H
#define CAPITALENGINE_CSTANDARDOUTPUT_SHIM_H
// The C library's stdout stream is a mutable global that Swift 6 will not touch; whether
// everything printed reached its file is asked here.
#include <stdio.h>

// Flushes stdout; non-zero when that, or any earlier write to it, failed.
static inline int capitalengine_standard_output_failed(void) {
    return fflush(stdout) != 0 || ferror(stdout) != 0;
}
#endif
