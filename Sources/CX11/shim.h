#ifndef CAPITALENGINE_CX11_SHIM_H
#define CAPITALENGINE_CX11_SHIM_H
// Xlib, for the X11 window; its Vulkan surface is the engine's (Surface.xlib), which takes
// the display and window as plain handles.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#endif
