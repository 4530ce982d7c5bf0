#ifndef CAPITALENGINE_CVULKAN_SHIM_H
#define CAPITALENGINE_CVULKAN_SHIM_H
// Compute-only builds include no window-system platform: on V3DV, surface
// extensions make the driver open the display node.
#include <vulkan/vulkan.h>
#endif
