// The parts of libwayland-client and libxkbcommon that a Wayland window uses, loaded at run
// time (ce_wayland_load): the binary then runs where neither library is installed, and only a
// Wayland window needs them. The structures are those of wayland-util.h, whose layout is part
// of libwayland's stable ABI; the functions are called through the wrappers below.
#ifndef CAPITALENGINE_CWAYLAND_H
#define CAPITALENGINE_CWAYLAND_H

#include <stdint.h>

struct wl_display;
struct wl_proxy;
struct wl_object;
struct wl_array;
struct wl_interface;

struct wl_message {
    const char *name;
    const char *signature;
    const struct wl_interface **types;
};

struct wl_interface {
    const char *name;
    int version;
    int method_count;
    const struct wl_message *methods;
    int event_count;
    const struct wl_message *events;
};

typedef int32_t wl_fixed_t;

union wl_argument {
    int32_t i;
    uint32_t u;
    wl_fixed_t f;
    const char *s;
    struct wl_object *o;
    uint32_t n;
    struct wl_array *a;
    int32_t h;
};

typedef int (*ce_wl_dispatcher)(const void *implementation, void *proxy, uint32_t opcode,
                                const struct wl_message *message, union wl_argument *arguments);

/// Loads libwayland-client.so.0; 0 when it is not there (then ce_wayland_error says why).
int ce_wayland_load(void);
const char *ce_wayland_error(void);

struct wl_display *ce_wl_display_connect(const char *name);
void ce_wl_display_disconnect(struct wl_display *display);
int ce_wl_display_roundtrip(struct wl_display *display);
int ce_wl_display_dispatch_pending(struct wl_display *display);
int ce_wl_display_flush(struct wl_display *display);
int ce_wl_display_get_fd(struct wl_display *display);
int ce_wl_display_get_error(struct wl_display *display);
int ce_wl_display_prepare_read(struct wl_display *display);
int ce_wl_display_read_events(struct wl_display *display);
void ce_wl_display_cancel_read(struct wl_display *display);

struct wl_proxy *ce_wl_proxy_marshal_array_flags(struct wl_proxy *proxy, uint32_t opcode,
                                                 const struct wl_interface *interface, uint32_t version,
                                                 uint32_t flags, union wl_argument *arguments);
int ce_wl_proxy_add_dispatcher(struct wl_proxy *proxy, ce_wl_dispatcher dispatcher, const void *implementation,
                               void *data);
uint32_t ce_wl_proxy_get_version(struct wl_proxy *proxy);
void *ce_wl_proxy_get_user_data(struct wl_proxy *proxy);
void ce_wl_proxy_destroy(struct wl_proxy *proxy);
/// One of the core protocol's interfaces, which libwayland-client exports (`wl_compositor_interface`).
const struct wl_interface *ce_wl_core_interface(const char *symbol);

/// Loads libxkbcommon.so.0; 0 when it is not there.
int ce_xkb_load(void);
/// A keymap's state, from the text of a keymap in XKB's format (what a wl_keyboard sends).
void *ce_xkb_state_from_keymap(const char *text);
void ce_xkb_state_free(void *state);
void ce_xkb_state_update_mask(void *state, uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group);
/// The keysym of an XKB keycode (an evdev keycode + 8) in this state.
uint32_t ce_xkb_state_key_get_one_sym(void *state, uint32_t keycode);


#endif
