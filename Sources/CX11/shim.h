#ifndef CAPITALENGINE_CX11_SHIM_H
#define CAPITALENGINE_CX11_SHIM_H
// Xlib plus Vulkan's Xlib surface extension. Kept apart from CVulkan so compute-only code
// never sees a window-system platform.
// Vulkan's core declarations come in through CVulkan's own header, which Clang turns into an
// import of that module: a textual include of vulkan_core.h would make CX11 a second owner of
// every Vulkan enumerator, and Swift 6.0 then sees them only where CX11 is imported.
#include "../CVulkan/shim.h"
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <vulkan/vulkan_xlib.h>
#endif
