// Loads libwayland-client and libxkbcommon at run time: see CWayland.h.
#include "CWayland.h"

#include <dlfcn.h>
#include <stddef.h>

static void *wayland;
static const char *wayland_problem = "libwayland-client.so.0 was not loaded";

static struct wl_display *(*p_display_connect)(const char *);
static void (*p_display_disconnect)(struct wl_display *);
static int (*p_display_roundtrip)(struct wl_display *);
static int (*p_display_dispatch_pending)(struct wl_display *);
static int (*p_display_flush)(struct wl_display *);
static int (*p_display_get_fd)(struct wl_display *);
static int (*p_display_get_error)(struct wl_display *);
static int (*p_display_prepare_read)(struct wl_display *);
static int (*p_display_read_events)(struct wl_display *);
static void (*p_display_cancel_read)(struct wl_display *);
static struct wl_proxy *(*p_proxy_marshal_array_flags)(struct wl_proxy *, uint32_t, const struct wl_interface *,
                                                       uint32_t, uint32_t, union wl_argument *);
static int (*p_proxy_add_dispatcher)(struct wl_proxy *, ce_wl_dispatcher, const void *, void *);
static uint32_t (*p_proxy_get_version)(struct wl_proxy *);
static void *(*p_proxy_get_user_data)(struct wl_proxy *);
static void (*p_proxy_destroy)(struct wl_proxy *);

#define LOAD(library, pointer, name)                                                                             \
    if (!(*(void **)&pointer = dlsym(library, name))) {                                                          \
        wayland_problem = "libwayland-client.so.0 lacks " name " (libwayland 1.20 or later is needed)";          \
        return 0;                                                                                                \
    }

int ce_wayland_load(void) {
    if (wayland) return 1;
    void *library = dlopen("libwayland-client.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        wayland_problem = "libwayland-client.so.0 is not installed (Debian and Ubuntu: libwayland-client0)";
        return 0;
    }
    LOAD(library, p_display_connect, "wl_display_connect")
    LOAD(library, p_display_disconnect, "wl_display_disconnect")
    LOAD(library, p_display_roundtrip, "wl_display_roundtrip")
    LOAD(library, p_display_dispatch_pending, "wl_display_dispatch_pending")
    LOAD(library, p_display_flush, "wl_display_flush")
    LOAD(library, p_display_get_fd, "wl_display_get_fd")
    LOAD(library, p_display_get_error, "wl_display_get_error")
    LOAD(library, p_display_prepare_read, "wl_display_prepare_read")
    LOAD(library, p_display_read_events, "wl_display_read_events")
    LOAD(library, p_display_cancel_read, "wl_display_cancel_read")
    LOAD(library, p_proxy_marshal_array_flags, "wl_proxy_marshal_array_flags")
    LOAD(library, p_proxy_add_dispatcher, "wl_proxy_add_dispatcher")
    LOAD(library, p_proxy_get_version, "wl_proxy_get_version")
    LOAD(library, p_proxy_get_user_data, "wl_proxy_get_user_data")
    LOAD(library, p_proxy_destroy, "wl_proxy_destroy")
    wayland = library;
    return 1;
}

const char *ce_wayland_error(void) { return wayland_problem; }

struct wl_display *ce_wl_display_connect(const char *name) { return p_display_connect(name); }
void ce_wl_display_disconnect(struct wl_display *display) { p_display_disconnect(display); }
int ce_wl_display_roundtrip(struct wl_display *display) { return p_display_roundtrip(display); }
int ce_wl_display_dispatch_pending(struct wl_display *display) { return p_display_dispatch_pending(display); }
int ce_wl_display_flush(struct wl_display *display) { return p_display_flush(display); }
int ce_wl_display_get_fd(struct wl_display *display) { return p_display_get_fd(display); }
int ce_wl_display_get_error(struct wl_display *display) { return p_display_get_error(display); }
int ce_wl_display_prepare_read(struct wl_display *display) { return p_display_prepare_read(display); }
int ce_wl_display_read_events(struct wl_display *display) { return p_display_read_events(display); }
void ce_wl_display_cancel_read(struct wl_display *display) { p_display_cancel_read(display); }

struct wl_proxy *ce_wl_proxy_marshal_array_flags(struct wl_proxy *proxy, uint32_t opcode,
                                                 const struct wl_interface *interface, uint32_t version,
                                                 uint32_t flags, union wl_argument *arguments) {
    return p_proxy_marshal_array_flags(proxy, opcode, interface, version, flags, arguments);
}

int ce_wl_proxy_add_dispatcher(struct wl_proxy *proxy, ce_wl_dispatcher dispatcher, const void *implementation,
                               void *data) {
    return p_proxy_add_dispatcher(proxy, dispatcher, implementation, data);
}

uint32_t ce_wl_proxy_get_version(struct wl_proxy *proxy) { return p_proxy_get_version(proxy); }
void *ce_wl_proxy_get_user_data(struct wl_proxy *proxy) { return p_proxy_get_user_data(proxy); }
void ce_wl_proxy_destroy(struct wl_proxy *proxy) { p_proxy_destroy(proxy); }

const struct wl_interface *ce_wl_core_interface(const char *symbol) {
    return wayland ? (const struct wl_interface *)dlsym(wayland, symbol) : NULL;
}

// libxkbcommon: a context, a keymap from text, and its state.
static void *xkb;
static void *(*p_context_new)(int);
static void (*p_context_unref)(void *);
static void *(*p_keymap_new_from_string)(void *, const char *, int, int);
static void (*p_keymap_unref)(void *);
static void *(*p_state_new)(void *);
static void (*p_state_unref)(void *);
static int (*p_state_update_mask)(void *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
static uint32_t (*p_state_key_get_one_sym)(void *, uint32_t);

#define LOAD_XKB(pointer, name)                                                                                  \
    if (!(*(void **)&pointer = dlsym(library, name))) return 0;

int ce_xkb_load(void) {
    if (xkb) return 1;
    void *library = dlopen("libxkbcommon.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) return 0;
    LOAD_XKB(p_context_new, "xkb_context_new")
    LOAD_XKB(p_context_unref, "xkb_context_unref")
    LOAD_XKB(p_keymap_new_from_string, "xkb_keymap_new_from_string")
    LOAD_XKB(p_keymap_unref, "xkb_keymap_unref")
    LOAD_XKB(p_state_new, "xkb_state_new")
    LOAD_XKB(p_state_unref, "xkb_state_unref")
    LOAD_XKB(p_state_update_mask, "xkb_state_update_mask")
    LOAD_XKB(p_state_key_get_one_sym, "xkb_state_key_get_one_sym")
    xkb = library;
    return 1;
}

void *ce_xkb_state_from_keymap(const char *text) {
    if (!xkb) return NULL;
    void *context = p_context_new(0);
    if (!context) return NULL;
    // XKB_KEYMAP_FORMAT_TEXT_V1 = 1, no compile flags.
    void *keymap = p_keymap_new_from_string(context, text, 1, 0);
    p_context_unref(context);
    if (!keymap) return NULL;
    void *state = p_state_new(keymap);
    p_keymap_unref(keymap);
    return state;
}

void ce_xkb_state_free(void *state) {
    if (state) p_state_unref(state);
}

void ce_xkb_state_update_mask(void *state, uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group) {
    p_state_update_mask(state, depressed, latched, locked, 0, 0, group);
}

uint32_t ce_xkb_state_key_get_one_sym(void *state, uint32_t keycode) {
    return p_state_key_get_one_sym(state, keycode);
}
