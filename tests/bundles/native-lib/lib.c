/*
 * The test library of Warden's native ABI (tests/bundles/native-lib): one
 * function per way a value crosses, for src/bundles/native_bundle_test.ts.
 * Symbols follow the default naming for warden:native-test/types.
 */
#define WARDEN_NATIVE_IMPLEMENTATION
#include "../../../src/bundles/warden_native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(name) warden_native_test_types_##name

WARDEN_DEFINE_TAKE(warden_native_test_take)

/* ---- a growable byte buffer for encoded values ---- */

typedef struct {
  uint8_t *bytes;
  size_t length, capacity;
} buf_t;

static void buf_put(buf_t *b, const void *bytes, size_t n) {
  if (b->length + n > b->capacity) {
    uint32_t cap = b->capacity ? b->capacity * 2 : 64;
    while (cap < b->length + n) cap *= 2;
    b->bytes = realloc(b->bytes, cap);
    b->capacity = cap;
  }
  memcpy(b->bytes + b->length, bytes, n);
  b->length += n;
}

static void buf_u32(buf_t *b, uint32_t v) {
  uint8_t le[4] = {v, v >> 8, v >> 16, v >> 24};
  buf_put(b, le, 4);
}

static void buf_u64(buf_t *b, uint64_t v) {
  buf_u32(b, (uint32_t)v);
  buf_u32(b, (uint32_t)(v >> 32));
}

static void buf_string(buf_t *b, const uint8_t *s, uint32_t n) {
  buf_u32(b, (uint32_t)n);
  buf_put(b, s, n);
}

static int32_t buf_out(buf_t *b, int32_t status, uint8_t *out, uint32_t cap,
                       uint32_t *out_len) {
  int32_t r = warden_out(status, b->bytes, b->length, out, cap, out_len);
  free(b->bytes);
  return r;
}

static uint32_t rd_u32(const uint8_t *p) {
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t text(int32_t status, const char *s, uint8_t *out, uint32_t cap,
                    uint32_t *out_len) {
  return warden_out(status, s, strlen(s), out, cap, out_len);
}

/* ---- init: the data folder and the configuration ---- */

static char data_dir[4096];
static char greeting[256] = "Hi";

/* The string value of "key" in a flat JSON object, or NULL. */
static const char *json_string(const uint8_t *json, uint32_t n, const char *key,
                               size_t *len) {
  char pattern[64];
  size_t k = (size_t)snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  for (size_t i = 0; i + k <= n; i++) {
    if (memcmp(json + i, pattern, k) == 0) {
      const char *start = (const char *)json + i + k;
      const char *end = memchr(start, '"', n - i - k);
      if (end == NULL) return NULL;
      *len = (size_t)(end - start);
      return start;
    }
  }
  return NULL;
}

WARDEN_EXPORT int32_t warden_native_test_init(const uint8_t *dir, uint32_t dir_len,
                                              const uint8_t *config,
                                              uint32_t config_len, uint8_t *out,
                                              uint32_t out_cap, uint32_t *out_len) {
  size_t len;
  const char *fail = json_string(config, config_len, "fail", &len);
  if (fail != NULL) return warden_out(WARDEN_ERR, fail, len, out, out_cap, out_len);
  const char *g = json_string(config, config_len, "greeting", &len);
  if (g != NULL && len < sizeof greeting) {
    memcpy(greeting, g, len);
    greeting[len] = 0;
  }
  if (dir_len >= sizeof data_dir) return WARDEN_ABI_FAILED;
  memcpy(data_dir, dir, dir_len);
  data_dir[dir_len] = 0;
  *out_len = 0;
  return WARDEN_OK;
}

/* ---- scalars ---- */

WARDEN_EXPORT uint32_t P(add)(uint32_t a, uint32_t b) { return a + b; }
WARDEN_EXPORT uint64_t P(add_u64)(uint64_t a, uint64_t b) { return a + b; }
WARDEN_EXPORT int64_t P(negate)(int64_t x) { return (int64_t)(0 - (uint64_t)x); }
WARDEN_EXPORT float P(mul_f32)(float a, float b) { return a * b; }
WARDEN_EXPORT _Bool P(is_even)(uint32_t n) { return n % 2 == 0; }

WARDEN_EXPORT uint32_t P(next_char)(uint32_t c) {
  if (c == 0xD7FF) return 0xE000;
  if (c == 0x10FFFF) return 0;
  return c + 1;
}

WARDEN_EXPORT uint32_t P(next_color)(uint32_t c) { return (c + 1) % 3; }
WARDEN_EXPORT uint32_t P(invert)(uint32_t p) { return ~p & 7; }

/* ---- strings and bytes ---- */

WARDEN_EXPORT int32_t P(greet)(const uint8_t *name, uint32_t n, uint8_t *out,
                               uint32_t cap, uint32_t *out_len) {
  buf_t b = {0};
  buf_put(&b, greeting, strlen(greeting));
  buf_put(&b, ", ", 2);
  buf_put(&b, name, n);
  buf_put(&b, "!", 1);
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(data_dir)(uint8_t *out, uint32_t cap, uint32_t *out_len) {
  return text(WARDEN_OK, data_dir, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(reverse_bytes)(const uint8_t *bytes, uint32_t n,
                                       uint8_t *out, uint32_t cap,
                                       uint32_t *out_len) {
  uint8_t *r = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) r[i] = bytes[n - 1 - i];
  int32_t status = warden_out(WARDEN_OK, r, n, out, cap, out_len);
  free(r);
  return status;
}

WARDEN_EXPORT int32_t P(words)(const uint8_t *s, uint32_t n, uint8_t *out,
                               uint32_t cap, uint32_t *out_len) {
  buf_t items = {0};
  uint32_t count = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && s[i] == ' ') i++;
    size_t start = i;
    while (i < n && s[i] != ' ') i++;
    if (i > start) {
      buf_string(&items, s + start, i - start);
      count++;
    }
  }
  buf_t b = {0};
  buf_u32(&b, count);
  buf_put(&b, items.bytes, items.length);
  free(items.bytes);
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

/* ---- records, variants, options, results, tuples, lists ---- */

WARDEN_EXPORT int32_t P(translate)(const uint8_t *p, uint32_t n, int32_t dx,
                                   uint8_t *out, uint32_t cap, uint32_t *out_len) {
  if (n != 8) return WARDEN_ABI_BAD_INPUT;
  buf_t b = {0};
  buf_u32(&b, rd_u32(p) + (uint32_t)dx);
  buf_u32(&b, rd_u32(p + 4));
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

/* A scalar result is the C return value, so a malformed shape is NaN. */
WARDEN_EXPORT double P(area)(const uint8_t *s, uint32_t n) {
  if (n == 9 && s[0] == 0) {
    double r;
    memcpy(&r, s + 1, 8);
    return 3.0 * r * r;
  }
  if (n == 9 && s[0] == 1) {
    return (double)(int32_t)rd_u32(s + 1) * (double)(int32_t)rd_u32(s + 5);
  }
  return n == 1 && s[0] == 2 ? 0.0 : 0.0 / 0.0;
}

WARDEN_EXPORT int32_t P(find)(const uint8_t *xs, uint32_t n, const uint8_t *needle,
                              uint32_t needle_len, uint8_t *out, uint32_t cap,
                              uint32_t *out_len) {
  if (n < 4) return WARDEN_ABI_BAD_INPUT;
  uint32_t count = rd_u32(xs);
  size_t at = 4;
  for (uint32_t i = 0; i < count; i++) {
    if (at + 4 > n) return WARDEN_ABI_BAD_INPUT;
    uint32_t len = rd_u32(xs + at);
    at += 4;
    if (at + len > n) return WARDEN_ABI_BAD_INPUT;
    if (len == needle_len && memcmp(xs + at, needle, len) == 0) {
      uint8_t le[4] = {i, i >> 8, i >> 16, i >> 24};
      return warden_out(WARDEN_OK, le, 4, out, cap, out_len);
    }
    at += len;
  }
  *out_len = 0;
  return WARDEN_NONE;
}

WARDEN_EXPORT int32_t P(parse_u8)(const uint8_t *s, uint32_t n, uint8_t *out,
                                  uint32_t cap, uint32_t *out_len) {
  if (n == 0) return text(WARDEN_ERR, "empty string", out, cap, out_len);
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return text(WARDEN_ERR, "not a number", out, cap, out_len);
    v = v * 10 + (s[i] - '0');
    if (v > 255) return text(WARDEN_ERR, "out of range", out, cap, out_len);
  }
  uint8_t byte = (uint8_t)v;
  return warden_out(WARDEN_OK, &byte, 1, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(lookup)(const uint8_t *key, uint32_t n, uint8_t *out,
                                uint32_t cap, uint32_t *out_len) {
  if (n == 1 && key[0] == 'a') return text(WARDEN_OK, "1", out, cap, out_len);
  if (n == 4 && memcmp(key, "none", 4) == 0) {
    *out_len = 0;
    return WARDEN_NONE;
  }
  return text(WARDEN_ERR, "no such key", out, cap, out_len);
}

WARDEN_EXPORT int32_t P(nested)(uint8_t depth, uint8_t *out, uint32_t cap,
                                uint32_t *out_len) {
  if (depth == 0) {
    *out_len = 0;
    return WARDEN_NONE;
  }
  if (depth == 1) {
    uint8_t none = 0;
    return warden_out(WARDEN_OK, &none, 1, out, cap, out_len);
  }
  uint8_t some[5] = {1, depth, 0, 0, 0};
  return warden_out(WARDEN_OK, some, 5, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(swap)(const uint8_t *t, uint32_t n, uint8_t *out,
                              uint32_t cap, uint32_t *out_len) {
  if (n < 8) return WARDEN_ABI_BAD_INPUT;
  uint32_t len = rd_u32(t);
  if (4 + len + 4 != n) return WARDEN_ABI_BAD_INPUT;
  buf_t b = {0};
  buf_put(&b, t + 4 + len, 4);
  buf_string(&b, t + 4, len);
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(squares)(uint32_t n, uint8_t *out, uint32_t cap,
                                 uint32_t *out_len) {
  buf_t b = {0};
  buf_u32(&b, n);
  for (uint32_t i = 0; i < n; i++) buf_u32(&b, i * i);
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(repeat)(const uint8_t *s, uint32_t n, uint32_t times,
                                uint8_t *out, uint32_t cap, uint32_t *out_len) {
  buf_t b = {0};
  for (uint32_t i = 0; i < times; i++) buf_put(&b, s, n);
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t P(check)(_Bool ok, uint8_t *out, uint32_t cap,
                               uint32_t *out_len) {
  if (ok) {
    *out_len = 0;
    return WARDEN_OK;
  }
  return text(WARDEN_ERR, "not ok", out, cap, out_len);
}

/* ---- the counter resource: handles are indices + 1 into a table ---- */

#define MAX_COUNTERS 1024
static uint32_t counter_value[MAX_COUNTERS];
static _Bool counter_live[MAX_COUNTERS];

static uint64_t counter_new(uint32_t start) {
  for (int i = 0; i < MAX_COUNTERS; i++) {
    if (!counter_live[i]) {
      counter_live[i] = 1;
      counter_value[i] = start;
      return (uint64_t)i + 1;
    }
  }
  return 0;
}

static uint32_t *counter_at(uint64_t handle) {
  if (handle == 0 || handle > MAX_COUNTERS || !counter_live[handle - 1]) return NULL;
  return &counter_value[handle - 1];
}

WARDEN_EXPORT uint64_t P(counter_new)(uint32_t start) { return counter_new(start); }

WARDEN_EXPORT void P(counter_drop)(uint64_t handle) {
  if (counter_at(handle) != NULL) counter_live[handle - 1] = 0;
}

WARDEN_EXPORT uint32_t P(counter_increment)(uint64_t self) {
  uint32_t *v = counter_at(self);
  return v == NULL ? 0 : ++*v;
}

WARDEN_EXPORT int32_t P(counter_label)(uint64_t self, const uint8_t *prefix,
                                       uint32_t n, uint8_t *out, uint32_t cap,
                                       uint32_t *out_len) {
  uint32_t *v = counter_at(self);
  if (v == NULL) return WARDEN_ABI_BAD_HANDLE;
  char number[16];
  int len = snprintf(number, sizeof number, " %u", *v);
  buf_t b = {0};
  buf_put(&b, prefix, n);
  buf_put(&b, number, (size_t)len);
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT uint64_t P(counter_zero)(void) { return counter_new(0); }

WARDEN_EXPORT int32_t P(counter_open)(int64_t start, uint8_t *out, uint32_t cap,
                                      uint32_t *out_len) {
  if (start < 0) return text(WARDEN_ERR, "negative start", out, cap, out_len);
  buf_t b = {0};
  buf_u64(&b, counter_new((uint32_t)start));
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT uint32_t P(counter_merge)(uint64_t a, uint64_t b) {
  uint32_t *va = counter_at(a), *vb = counter_at(b);
  if (va == NULL || vb == NULL) return 0;
  uint32_t sum = *va + *vb;
  P(counter_drop)(a); /* `a` was handed over: the library drops it */
  return sum;
}

WARDEN_EXPORT uint32_t P(live_counters)(void) {
  uint32_t live = 0;
  for (int i = 0; i < MAX_COUNTERS; i++) live += counter_live[i];
  return live;
}

WARDEN_EXPORT int32_t P(counters)(uint32_t n, uint8_t *out, uint32_t cap,
                                  uint32_t *out_len) {
  buf_t b = {0};
  buf_u32(&b, n);
  for (uint32_t i = 0; i < n; i++) buf_u64(&b, counter_new(i));
  return buf_out(&b, WARDEN_OK, out, cap, out_len);
}

/* ---- ways to break the ABI ---- */

WARDEN_EXPORT int32_t P(broken)(uint32_t how, uint8_t *out, uint32_t cap,
                                uint32_t *out_len) {
  switch (how) {
  case 0: /* a negative status */
    return WARDEN_ABI_FAILED;
  case 1: /* a string that is not UTF-8 */
    return warden_out(WARDEN_OK, "\xff\xfe", 2, out, cap, out_len);
  case 2: /* a length past the buffer, without holding */
    *out_len = cap + 1;
    return WARDEN_OK;
  case 3: /* none, which result<string, string> does not have */
    *out_len = 0;
    return WARDEN_NONE;
  case 4: /* a status the ABI does not define */
    return 42;
  default: /* a held value past any sane cap */
    *out_len = UINT32_MAX;
    return WARDEN_HELD;
  }
}

WARDEN_EXPORT int32_t P(broken_list)(uint8_t *out, uint32_t cap, uint32_t *out_len) {
  static const uint8_t bytes[] = {1, 0, 0, 0, 1, 0, 0, 0, 'a', 0xEE};
  return warden_out(WARDEN_OK, bytes, sizeof bytes, out, cap, out_len);
}

WARDEN_EXPORT uint32_t P(broken_color)(void) { return 7; }
WARDEN_EXPORT uint64_t P(broken_handle)(void) { return 0; }
