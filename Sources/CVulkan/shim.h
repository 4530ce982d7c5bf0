#ifndef CAPITALENGINE_CVULKAN_SHIM_H
#define CAPITALENGINE_CVULKAN_SHIM_H
// Compute-only builds include no window-system platform: on V3DV, surface
// extensions make the driver open the display node.
#include <vulkan/vulkan.h>

// VK_KHR_xlib_surface's and VK_KHR_wayland_surface's create structures and calls, laid out as
// vulkan_xlib.h and vulkan_wayland.h declare them, with the window systems' handles as opaque
// pointers (an X11 Window is an unsigned long): the engine makes a window's surface without
// the window systems' headers.
typedef struct CEXlibSurfaceCreateInfo {
    VkStructureType sType;
    const void *pNext;
    VkFlags flags;
    void *dpy;
    unsigned long window;
} CEXlibSurfaceCreateInfo;

typedef VkResult (*CEPFNCreateXlibSurface)(VkInstance instance, const CEXlibSurfaceCreateInfo *info,
                                           const VkAllocationCallbacks *allocator, VkSurfaceKHR *surface);

typedef struct CEWaylandSurfaceCreateInfo {
    VkStructureType sType;
    const void *pNext;
    VkFlags flags;
    void *display;
    void *surface;
} CEWaylandSurfaceCreateInfo;

typedef VkResult (*CEPFNCreateWaylandSurface)(VkInstance instance, const CEWaylandSurfaceCreateInfo *info,
                                              const VkAllocationCallbacks *allocator, VkSurfaceKHR *surface);

#define CE_VK_STRUCTURE_TYPE_XLIB_SURFACE_CREATE_INFO_KHR 1000004000
#define CE_VK_STRUCTURE_TYPE_WAYLAND_SURFACE_CREATE_INFO_KHR 1000006000

#endif
