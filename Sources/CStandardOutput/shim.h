#ifndef CAPITALENGINE_CSTANDARDOUTPUT_SHIM_H
#define CAPITALENGINE_CSTANDARDOUTPUT_SHIM_H
// The C library's stdout stream is a mutable global that Swift 6 will not touch; whether
// everything printed reached its file is asked here.
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

// Flushes stdout; non-zero when that, or any earlier write to it, failed.
static inline int capitalengine_standard_output_failed(void) {
    return fflush(stdout) != 0 || ferror(stdout) != 0;
}
// Non-zero when standard output is a pipe or socket whose reader has gone (`| head`): poll
// reports an error on the writing end.
static inline int capitalengine_standard_output_reader_gone(void) {
    struct pollfd descriptor = {.fd = STDOUT_FILENO, .events = POLLOUT, .revents = 0};
    return poll(&descriptor, 1, 0) == 1 && (descriptor.revents & POLLERR) != 0;
}
#endif
