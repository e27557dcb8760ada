/*
 * The library bench/native_bench.ts times: warden:bench/native through
 * Warden's native ABI (default symbol names), a scalar and a string call.
 */
#define WARDEN_NATIVE_IMPLEMENTATION
#include "../../src/bundles/warden_native.h"

WARDEN_DEFINE_TAKE(warden_bench_take)

WARDEN_EXPORT uint32_t warden_bench_native_add(uint32_t a, uint32_t b) {
  return a + b;
}

WARDEN_EXPORT int32_t warden_bench_native_echo(const uint8_t *s, uint32_t n,
                                               uint8_t *out, uint32_t cap,
                                               uint32_t *out_len) {
  return warden_out(WARDEN_OK, s, n, out, cap, out_len);
}
