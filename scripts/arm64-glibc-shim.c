// Linked into every cross-built arm64 binary. Debian trixie's Swift runtime was compiled
// against glibc 2.38, which redirects strtol & co. to their C23 forms and has strlcpy and
// strlcat; Debian bookworm and Raspberry Pi OS have glibc 2.36. These few definitions on top
// of bookworm's own functions let the static Swift runtime run there, so that the binary needs
// no glibc newer than 2.36.
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// C23's strto* differ from C11's only in reading a "0b"/"0B" prefix for base 0 and 2.
static const char *binary_digits(const char *s, int base) {
    if (base != 0 && base != 2) return NULL;
    while (isspace((unsigned char)*s)) s++;
    if (*s == '+' || *s == '-') s++;
    if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B') && (s[2] == '0' || s[2] == '1')) return s + 2;
    return NULL;
}

#define C23_STRTO(name, type, c11)                                                   \
    type name(const char *restrict s, char **restrict end, int base) {               \
        const char *digits = binary_digits(s, base);                                 \
        if (!digits) return c11(s, end, base);                                       \
        type value = c11(digits, end, 2);                                            \
        const char *p = s;                                                           \
        while (isspace((unsigned char)*p)) p++;                                      \
        return *p == '-' ? (type)(0 - value) : value;                                \
    }

C23_STRTO(__isoc23_strtol, long, strtol)
C23_STRTO(__isoc23_strtoll, long long, strtoll)
C23_STRTO(__isoc23_strtoul, unsigned long, strtoul)
C23_STRTO(__isoc23_strtoull, unsigned long long, strtoull)

int __isoc23_sscanf(const char *restrict s, const char *restrict format, ...) {
    va_list arguments;
    va_start(arguments, format);
    int count = vsscanf(s, format, arguments);
    va_end(arguments);
    return count;
}

size_t strlcpy(char *restrict destination, const char *restrict source, size_t size) {
    size_t length = strlen(source);
    if (size > 0) {
        size_t copied = length < size - 1 ? length : size - 1;
        memcpy(destination, source, copied);
        destination[copied] = '\0';
    }
    return length;
}

size_t strlcat(char *restrict destination, const char *restrict source, size_t size) {
    size_t used = strnlen(destination, size);
    if (used == size) return size + strlen(source);
    return used + strlcpy(destination + used, source, size - used);
}

// libstdc++ 13 headers reference this to make sure iostreams are set up; bookworm's
// libstdc++ 12 sets them up from its own static constructors.
void _ZSt21ios_base_library_initv(void) {}
