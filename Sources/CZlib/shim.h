#ifndef CAPITALENGINE_CZLIB_SHIM_H
#define CAPITALENGINE_CZLIB_SHIM_H
#include <zlib.h>
#endif
