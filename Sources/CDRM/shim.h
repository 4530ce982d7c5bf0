#ifndef CAPITALENGINE_CDRM_SHIM_H
#define CAPITALENGINE_CDRM_SHIM_H
// libdrm: enumerates the DRM devices (/dev/dri/card*, renderD*) this process can see.
#include <xf86drm.h>
#endif
