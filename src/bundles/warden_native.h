/*
 * warden_native.h: the status codes and the out-buffer helpers of Warden's
 * native ABI for host bundles (docs/native-abi.md).
 *
 * Include it from the library's C files. In exactly one of them, first
 * define WARDEN_NATIVE_IMPLEMENTATION and then define the take hook:
 *
 *     #define WARDEN_NATIVE_IMPLEMENTATION
 *     #include "warden_native.h"
 *     WARDEN_DEFINE_TAKE(keyvalue_store_take)
 *
 * A status-returning function then ends with
 *
 *     return warden_out(WARDEN_OK, bytes, length, out, out_cap, out_len);
 *
 * which copies the value into the host's buffer when it fits, and otherwise
 * holds it (for this thread) and returns WARDEN_HELD, so the host fetches
 * it with the take hook instead of calling the function again.
 */
#ifndef WARDEN_NATIVE_H
#define WARDEN_NATIVE_H

#include <stddef.h>
#include <stdint.h>

/* Outcomes (the status a function returns). */
#define WARDEN_OK 0   /* ok, or some: the value is in the out buffer */
#define WARDEN_NONE 1 /* none */
#define WARDEN_ERR 2  /* err: the error value is in the out buffer */
#define WARDEN_HELD 3 /* too large: *out_len is its size; fetch it with take */

/* ABI errors: the call traps the calling component. */
#define WARDEN_ABI_FAILED (-1)       /* the library failed in a way the WIT cannot say */
#define WARDEN_ABI_BAD_INPUT (-2)    /* an encoded argument is malformed */
#define WARDEN_ABI_BAD_HANDLE (-3)   /* a resource handle the library does not know */
#define WARDEN_ABI_TOO_SMALL (-4)    /* take: the buffer is smaller than the held value */
#define WARDEN_ABI_NOTHING_HELD (-5) /* take: no value is held */

#if defined(_WIN32)
#define WARDEN_EXPORT __declspec(dllexport)
#else
#define WARDEN_EXPORT __attribute__((visibility("default")))
#endif

/*
 * Writes a function's value: copies `length` bytes into `out` when they fit
 * `out_cap` and returns `status`; otherwise keeps a copy for the take hook
 * and returns WARDEN_HELD. Either way *out_len is `length`. Returns
 * WARDEN_ABI_FAILED when memory for the copy runs out, or when `length`
 * does not fit a uint32_t (no WIT value can be that large).
 */
int32_t warden_out(int32_t status, const void *bytes, size_t length,
                   uint8_t *out, uint32_t out_cap, uint32_t *out_len);

/*
 * The take hook's body: copies the held value into `out` and releases it,
 * returning the status it was held with; WARDEN_ABI_TOO_SMALL (releasing
 * it) when `out_cap` is smaller; WARDEN_ABI_NOTHING_HELD when none is held.
 */
int32_t warden_take(uint8_t *out, uint32_t out_cap, uint32_t *out_len);

/* Defines the library's exported take hook under `name`. */
#define WARDEN_DEFINE_TAKE(name)                                             \
  WARDEN_EXPORT int32_t name(uint8_t *out, uint32_t out_cap,                 \
                             uint32_t *out_len) {                            \
    return warden_take(out, out_cap, out_len);                               \
  }

#ifdef WARDEN_NATIVE_IMPLEMENTATION
#include <stdlib.h>
#include <string.h>

/* The value one call could not hand over: one per thread, since each
 * thread (a Deno worker) calls the library on its own. */
static _Thread_local uint8_t *warden_held_bytes;
static _Thread_local size_t warden_held_length;
static _Thread_local int32_t warden_held_status;
static _Thread_local int warden_holding;

static void warden_release(void) {
  free(warden_held_bytes);
  warden_held_bytes = NULL;
  warden_held_length = 0;
  warden_holding = 0;
}

int32_t warden_out(int32_t status, const void *bytes, size_t length,
                   uint8_t *out, uint32_t out_cap, uint32_t *out_len) {
  if (length > UINT32_MAX) return WARDEN_ABI_FAILED;
  *out_len = (uint32_t)length;
  if (length <= out_cap) {
    if (length > 0) memcpy(out, bytes, length);
    return status;
  }
  warden_release();
  warden_held_bytes = malloc(length);
  if (warden_held_bytes == NULL) return WARDEN_ABI_FAILED;
  memcpy(warden_held_bytes, bytes, length);
  warden_held_length = length;
  warden_held_status = status;
  warden_holding = 1;
  return WARDEN_HELD;
}

int32_t warden_take(uint8_t *out, uint32_t out_cap, uint32_t *out_len) {
  if (!warden_holding) return WARDEN_ABI_NOTHING_HELD;
  if (out_cap < warden_held_length) {
    warden_release();
    return WARDEN_ABI_TOO_SMALL;
  }
  memcpy(out, warden_held_bytes, warden_held_length);
  *out_len = (uint32_t)warden_held_length;
  int32_t status = warden_held_status;
  warden_release();
  return status;
}
#endif /* WARDEN_NATIVE_IMPLEMENTATION */

#endif /* WARDEN_NATIVE_H */
