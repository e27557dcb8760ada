/*
 * warden:gate-test/store@0.1.0 (the interface of src/gate/_testing.ts) as a
 * native library, so src/bundles/native_jco_test.ts can drive native
 * resources, options, enums and lists through real jco glue and the gate.
 * It behaves like the TypeScript host of src/gate/gate_jco_test.ts. The
 * test builds it into a temporary bundle with the fixture's WIT.
 */
#define WARDEN_NATIVE_IMPLEMENTATION
#include "../../../src/bundles/warden_native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(name) warden_gate_test_store_##name

WARDEN_DEFINE_TAKE(warden_gate_test_take)

#define MAX_BUCKETS 256
static char *bucket_name[MAX_BUCKETS];
static size_t bucket_length[MAX_BUCKETS];
static uint32_t dropped;

static uint64_t bucket_new(const char *prefix, const uint8_t *name, uint32_t n) {
  size_t p = strlen(prefix);
  for (int i = 0; i < MAX_BUCKETS; i++) {
    if (bucket_name[i] != NULL) continue;
    bucket_name[i] = malloc(p + n + 1);
    memcpy(bucket_name[i], prefix, p);
    memcpy(bucket_name[i] + p, name, n);
    bucket_length[i] = p + n;
    return (uint64_t)i + 1;
  }
  return 0;
}

static int known(uint64_t handle) {
  return handle >= 1 && handle <= MAX_BUCKETS && bucket_name[handle - 1] != NULL;
}

static int32_t handle_out(uint64_t handle, uint8_t *out, uint32_t cap, uint32_t *out_len) {
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = (uint8_t)(handle >> (8 * i));
  return warden_out(WARDEN_OK, le, 8, out, cap, out_len);
}

WARDEN_EXPORT uint64_t P(bucket_new)(const uint8_t *name, uint32_t n) {
  return bucket_new("", name, n);
}

WARDEN_EXPORT void P(bucket_drop)(uint64_t handle) {
  if (!known(handle)) return;
  free(bucket_name[handle - 1]);
  bucket_name[handle - 1] = NULL;
  dropped++;
}

/* result<u32, error>: the key's length, or not-found (case 0) for "missing". */
WARDEN_EXPORT int32_t P(bucket_get)(uint64_t self, const uint8_t *key, uint32_t n,
                                    uint8_t *out, uint32_t cap, uint32_t *out_len) {
  if (!known(self)) return WARDEN_ABI_BAD_HANDLE;
  if (n == 7 && memcmp(key, "missing", 7) == 0) {
    uint8_t not_found = 0;
    return warden_out(WARDEN_ERR, &not_found, 1, out, cap, out_len);
  }
  uint8_t le[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
  return warden_out(WARDEN_OK, le, 4, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(bucket_name)(uint64_t self, uint8_t *out, uint32_t cap,
                                     uint32_t *out_len) {
  if (!known(self)) return WARDEN_ABI_BAD_HANDLE;
  return warden_out(WARDEN_OK, bucket_name[self - 1], bucket_length[self - 1], out,
                    cap, out_len);
}

WARDEN_EXPORT uint64_t P(bucket_open)(const uint8_t *name, uint32_t n) {
  return bucket_new("opened:", name, n);
}

/* option<bucket>: none for "none", else a new bucket "found:NAME". */
WARDEN_EXPORT int32_t P(lookup)(const uint8_t *name, uint32_t n, uint8_t *out,
                                uint32_t cap, uint32_t *out_len) {
  if (n == 4 && memcmp(name, "none", 4) == 0) {
    *out_len = 0;
    return WARDEN_NONE;
  }
  return handle_out(bucket_new("found:", name, n), out, cap, out_len);
}

/* The length of the buckets' names joined by ",". */
WARDEN_EXPORT uint32_t P(count)(const uint8_t *list, uint32_t n) {
  if (n < 4) return 0;
  uint32_t count = list[0] | list[1] << 8 | list[2] << 16 | (uint32_t)list[3] << 24;
  if (n != 4 + (size_t)count * 8) return 0;
  uint32_t total = count > 0 ? count - 1 : 0;
  for (uint32_t i = 0; i < count; i++) {
    uint64_t h = 0;
    for (int b = 0; b < 8; b++) h |= (uint64_t)list[4 + i * 8 + b] << (8 * b);
    if (known(h)) total += (uint32_t)bucket_length[h - 1];
  }
  return total;
}

WARDEN_EXPORT int32_t P(put)(const uint8_t *key, uint32_t key_len, const uint8_t *value,
                             uint32_t value_len, uint8_t *out, uint32_t cap,
                             uint32_t *out_len) {
  (void)key, (void)key_len, (void)value, (void)value_len, (void)cap, (void)out;
  *out_len = 0;
  return WARDEN_OK;
}

WARDEN_EXPORT int32_t P(send)(const uint8_t *target, uint32_t target_len,
                              const uint8_t *body, uint32_t body_len, uint8_t *out,
                              uint32_t cap, uint32_t *out_len) {
  (void)target, (void)target_len, (void)body, (void)body_len, (void)cap, (void)out;
  *out_len = 0;
  return WARDEN_OK;
}

WARDEN_EXPORT void P(notify)(const uint8_t *to, uint32_t to_len, const uint8_t *body,
                             uint32_t body_len) {
  (void)to, (void)to_len, (void)body, (void)body_len;
}

WARDEN_EXPORT uint32_t P(tick)(uint32_t x) { return x + 1; }

/* Not part of the WIT: how many buckets were dropped, for the test. */
WARDEN_EXPORT uint32_t native_store_dropped(void) { return dropped; }
