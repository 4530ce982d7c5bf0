#ifndef CAPITALENGINE_CX11_SHIM_H
#define CAPITALENGINE_CX11_SHIM_H
// Xlib plus Vulkan's Xlib surface extension. Kept apart from CVulkan so compute-only code
// never sees a window-system platform.
#include <vulkan/vulkan_core.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <vulkan/vulkan_xlib.h>
#endif
