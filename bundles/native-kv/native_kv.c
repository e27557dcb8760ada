/*
 * native-kv: keyvalue:store/store@0.1.0 (wit/store.wit) in C, through
 * Warden's native ABI (docs/native-abi.md). The same interface, caps,
 * configuration and error messages as the TypeScript bundle in
 * bundles/keyvalue, over a store of its own:
 *
 * - The store is one append-only log file, store.kvlog in the bundle's data
 *   folder: an 8-byte header, then one record per set or delete (op byte,
 *   u32 key length, u32 value length, key, value, u32 FNV-1a checksum, all
 *   little-endian). A set or delete that returned ok has been fdatasync'ed.
 * - Every process keeps the whole table in memory, sorted by key bytes
 *   (code-point order), and replays what other processes appended before
 *   each operation. flock serializes writers across processes (a reader
 *   takes a shared lock); a mutex serializes threads.
 * - When an append would take the file past max_store_bytes, the live
 *   entries are written to a new file that replaces the log (compaction);
 *   if even they do not fit, the write fails with "Store is full".
 * - A record cut short by a crash (or with a bad checksum) ends the replay;
 *   the next writer cuts the file back to the last whole record.
 *
 * One store per process: the library's state is global, so Warden loads a
 * native library once per process (see docs/native-abi.md).
 */
#define WARDEN_NATIVE_IMPLEMENTATION
#include "../../src/bundles/warden_native.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

WARDEN_DEFINE_TAKE(keyvalue_store_take)

#define STORE_FILE "store.kvlog"
#define HEADER "WKVLOG1\n"
#define HEADER_SIZE 8
/* op, key length, value length, checksum */
#define RECORD_OVERHEAD (1 + 4 + 4 + 4)
#define OP_SET 'S'
#define OP_DELETE 'D'

/* ---- growable buffers and messages ---- */

typedef struct {
  uint8_t *bytes;
  size_t length, capacity;
} buf_t;

static int buf_reserve(buf_t *b, size_t n) {
  if (b->length + n <= b->capacity) return 0;
  uint32_t cap = b->capacity ? b->capacity : 256;
  while (cap < b->length + n) cap *= 2;
  uint8_t *grown = realloc(b->bytes, cap);
  if (grown == NULL) return -1;
  b->bytes = grown;
  b->capacity = cap;
  return 0;
}

static void buf_put(buf_t *b, const void *bytes, size_t n) {
  if (n == 0 || buf_reserve(b, n) != 0) return;
  memcpy(b->bytes + b->length, bytes, n);
  b->length += n;
}

static void buf_u32(buf_t *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                   (uint8_t)(v >> 24)};
  buf_put(b, le, 4);
}

static void buf_printf(buf_t *b, const char *format, ...) {
  char text[512];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (n > 0) buf_put(b, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* Appends `s` quoted as JavaScript's JSON.stringify quotes it. */
static void buf_json(buf_t *b, const uint8_t *s, uint32_t n) {
  buf_put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    const char *escape = NULL;
    switch (c) {
    case '"': escape = "\\\""; break;
    case '\\': escape = "\\\\"; break;
    case '\b': escape = "\\b"; break;
    case '\f': escape = "\\f"; break;
    case '\n': escape = "\\n"; break;
    case '\r': escape = "\\r"; break;
    case '\t': escape = "\\t"; break;
    }
    if (escape != NULL) {
      buf_put(b, escape, strlen(escape));
    } else if (c < 0x20) {
      buf_printf(b, "\\u%04x", c);
    } else {
      buf_put(b, &c, 1);
    }
  }
  buf_put(b, "\"", 1);
}

/* Returns `b` as the function's value with `status`, and frees it. */
static int32_t buf_out(buf_t *b, int32_t status, uint8_t *out, uint32_t cap,
                       uint32_t *out_len) {
  int32_t r = warden_out(status, b->bytes, b->length, out, cap, out_len);
  free(b->bytes);
  *b = (buf_t){0};
  return r;
}

static uint32_t read_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint32_t fnv1a(uint32_t hash, const uint8_t *bytes, uint32_t n) {
  for (size_t i = 0; i < n; i++) hash = (hash ^ bytes[i]) * 16777619u;
  return hash;
}

/* ---- configuration (the caps of bundles/keyvalue) ---- */

static uint64_t max_key_bytes = 1024;
static uint64_t max_value_bytes = 1024 * 1024;
static uint64_t max_list_keys = 1000;
static uint64_t max_store_bytes = 256 * 1024 * 1024;

/* ---- the in-memory table, sorted by key bytes ---- */

typedef struct {
  uint8_t *key;
  size_t key_len;
  uint8_t *value;
  size_t value_len;
} entry_t;

static entry_t *entries;
static size_t entry_count, entry_capacity;
/* The bytes the live entries' records take: what a compacted log holds. */
static uint64_t live_bytes;

static int key_compare(const uint8_t *a, uint32_t a_len, const uint8_t *b,
                       uint32_t b_len) {
  int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
  if (c != 0) return c;
  return a_len < b_len ? -1 : a_len > b_len;
}

/* The index of the first entry whose key is >= `key`. */
static size_t lower_bound(const uint8_t *key, uint32_t n) {
  size_t low = 0, high = entry_count;
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    if (key_compare(entries[mid].key, entries[mid].key_len, key, n) < 0)
      low = mid + 1;
    else
      high = mid;
  }
  return low;
}

static entry_t *find(const uint8_t *key, uint32_t n) {
  size_t i = lower_bound(key, n);
  if (i < entry_count && entries[i].key_len == n &&
      memcmp(entries[i].key, key, n) == 0)
    return &entries[i];
  return NULL;
}

static void table_clear(void) {
  for (size_t i = 0; i < entry_count; i++) free(entries[i].key);
  free(entries);
  entries = NULL;
  entry_count = entry_capacity = 0;
  live_bytes = 0;
}

/* Sets a key in memory; -1 when memory runs out. */
static int table_set(const uint8_t *key, uint32_t key_len, const uint8_t *value,
                     uint32_t value_len) {
  uint8_t *copy = malloc(key_len + value_len + 1);
  if (copy == NULL) return -1;
  memcpy(copy, key, key_len);
  if (value_len > 0) memcpy(copy + key_len, value, value_len);
  size_t i = lower_bound(key, key_len);
  if (i < entry_count && entries[i].key_len == key_len &&
      memcmp(entries[i].key, key, key_len) == 0) {
    live_bytes -= RECORD_OVERHEAD + entries[i].key_len + entries[i].value_len;
    free(entries[i].key);
  } else {
    if (entry_count == entry_capacity) {
      uint32_t cap = entry_capacity ? entry_capacity * 2 : 64;
      entry_t *grown = realloc(entries, cap * sizeof *entries);
      if (grown == NULL) {
        free(copy);
        return -1;
      }
      entries = grown;
      entry_capacity = cap;
    }
    memmove(&entries[i + 1], &entries[i], (entry_count - i) * sizeof *entries);
    entry_count++;
  }
  entries[i] = (entry_t){copy, key_len, copy + key_len, value_len};
  live_bytes += RECORD_OVERHEAD + key_len + value_len;
  return 0;
}

static void table_delete(const uint8_t *key, uint32_t key_len) {
  entry_t *e = find(key, key_len);
  if (e == NULL) return;
  size_t i = (size_t)(e - entries);
  live_bytes -= RECORD_OVERHEAD + e->key_len + e->value_len;
  free(e->key);
  memmove(&entries[i], &entries[i + 1], (entry_count - i - 1) * sizeof *entries);
  entry_count--;
}

/* ---- the log file ---- */

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static char store_path[PATH_MAX];
static int fd = -1;
/* The inode the table was replayed from, and how far. */
static ino_t store_inode;
static dev_t store_device;
static uint64_t replayed;
/* Where the last whole record ends (less than the size after a crash). */
static uint64_t good_end;

/* Sets `message` to "Store failed: <errno text>". */
static void store_failed(buf_t *message) {
  buf_printf(message, "Store failed: %s", strerror(errno));
}

static void store_full(buf_t *message) {
  buf_printf(message,
             "Store is full: it may not grow past %llu bytes, or the disk is "
             "full (delete keys, or raise max_store_bytes in the bundle's "
             "configuration)",
             (unsigned long long)max_store_bytes);
}

static int read_fully(int file, uint8_t *into, size_t n, off_t at) {
  while (n > 0) {
    ssize_t r = pread(file, into, n, at);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = EIO;
      return -1;
    }
    into += r;
    n -= (size_t)r;
    at += r;
  }
  return 0;
}

static int write_fully(int file, const uint8_t *bytes, uint32_t n, off_t at) {
  while (n > 0) {
    ssize_t w = pwrite(file, bytes, n, at);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    bytes += w;
    n -= (size_t)w;
    at += w;
  }
  return 0;
}

/*
 * Applies the records from `replayed` to `size`, stopping at a record that
 * is cut short or fails its checksum. -1 (errno set) when reading fails.
 */
static int replay(uint64_t size) {
  if (size <= replayed) return 0;
  size_t n = (size_t)(size - replayed);
  uint8_t *bytes = malloc(n);
  if (bytes == NULL) return -1;
  if (read_fully(fd, bytes, n, (off_t)replayed) != 0) {
    free(bytes);
    return -1;
  }
  size_t at = 0;
  while (at + RECORD_OVERHEAD <= n) {
    uint8_t op = bytes[at];
    uint64_t key_len = read_u32(bytes + at + 1);
    uint64_t value_len = read_u32(bytes + at + 5);
    uint64_t total = RECORD_OVERHEAD + key_len + value_len;
    if ((op != OP_SET && op != OP_DELETE) || total > n - at) break;
    const uint8_t *key = bytes + at + 9;
    uint32_t sum = read_u32(bytes + at + total - 4);
    if (fnv1a(2166136261u, bytes + at, (size_t)total - 4) != sum) break;
    int failed = op == OP_SET
                     ? table_set(key, key_len, key + key_len, value_len)
                     : (table_delete(key, key_len), 0);
    if (failed) {
      free(bytes);
      errno = ENOMEM;
      return -1;
    }
    at += total;
  }
  free(bytes);
  replayed += at;
  good_end = replayed;
  return 0;
}

/* Opens the log at store_path and forgets the table. */
static int reopen(void) {
  if (fd >= 0) close(fd);
  table_clear();
  replayed = good_end = HEADER_SIZE;
  fd = open(store_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  store_inode = st.st_ino;
  store_device = st.st_dev;
  return 0;
}

/*
 * Locks the log (LOCK_SH or LOCK_EX) and brings the table up to date. A
 * log that another process replaced (by compacting) is reopened. Returns
 * -1 with errno set, or -2 when the file is not a store (message set).
 */
static int lock_store(int mode, buf_t *message) {
  for (;;) {
    if (flock(fd, mode) != 0) return -1;
    struct stat locked, current;
    if (fstat(fd, &locked) != 0) return -1;
    if (stat(store_path, &current) == 0 && current.st_ino == locked.st_ino &&
        current.st_dev == locked.st_dev) {
      if (locked.st_ino != store_inode || locked.st_dev != store_device) {
        store_inode = locked.st_ino;
        store_device = locked.st_dev;
      }
      uint64_t size = (uint64_t)locked.st_size;
      if (size < HEADER_SIZE) {
        /* New, or a header cut short by a crash: no records yet. */
        uint8_t start[HEADER_SIZE];
        if (size > 0 && (read_fully(fd, start, (size_t)size, 0) != 0 ||
                         memcmp(start, HEADER, (size_t)size) != 0)) {
          buf_printf(message,
                     "Store failed: \"%s\" is not a native-kv store (move it "
                     "away, or configure another path)",
                     store_path);
          return -2;
        }
        if (mode == LOCK_EX &&
            (ftruncate(fd, 0) != 0 ||
             write_fully(fd, (const uint8_t *)HEADER, HEADER_SIZE, 0) != 0 ||
             fdatasync(fd) != 0))
          return -1;
        return 0;
      }
      if (replayed == HEADER_SIZE && good_end == HEADER_SIZE) {
        uint8_t header[HEADER_SIZE];
        if (read_fully(fd, header, HEADER_SIZE, 0) != 0) return -1;
        if (memcmp(header, HEADER, HEADER_SIZE) != 0) {
          buf_printf(message,
                     "Store failed: \"%s\" is not a native-kv store (move it "
                     "away, or configure another path)",
                     store_path);
          return -2;
        }
      }
      if (size < replayed) {
        /* Cut back below what was replayed: replay from the start. */
        table_clear();
        replayed = good_end = HEADER_SIZE;
      }
      return replay(size);
    }
    /* Replaced by a compaction: open the new file and replay it all. */
    flock(fd, LOCK_UN);
    if (reopen() != 0) return -1;
  }
}

static void unlock_store(void) { flock(fd, LOCK_UN); }

/* Appends one record, durably. Returns -1 with errno set. */
static int append_record(uint8_t op, const uint8_t *key, uint32_t key_len,
                         const uint8_t *value, uint32_t value_len) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  /* Cut off a record a crashed writer left half written. */
  if ((uint64_t)st.st_size > good_end && ftruncate(fd, (off_t)good_end) != 0)
    return -1;
  buf_t record = {0};
  buf_put(&record, &op, 1);
  buf_u32(&record, (uint32_t)key_len);
  buf_u32(&record, (uint32_t)value_len);
  buf_put(&record, key, key_len);
  buf_put(&record, value, value_len);
  buf_u32(&record, fnv1a(2166136261u, record.bytes, record.length));
  size_t expected = RECORD_OVERHEAD + key_len + value_len;
  if (record.length != expected) {
    free(record.bytes);
    errno = ENOMEM;
    return -1;
  }
  int failed = write_fully(fd, record.bytes, record.length, (off_t)good_end) != 0 ||
               fdatasync(fd) != 0;
  free(record.bytes);
  if (failed) {
    int saved = errno;
    if (ftruncate(fd, (off_t)good_end) != 0) { /* keep the first error */ }
    errno = saved;
    return -1;
  }
  good_end += expected;
  replayed = good_end;
  return 0;
}

/*
 * Writes the table as a new log and puts it in place of the old one.
 * Returns -1 with errno set (the old log stays).
 */
static int compact(void) {
  char temporary[PATH_MAX + 32];
  snprintf(temporary, sizeof temporary, "%s.%ld.compacting", store_path,
           (long)getpid());
  int out = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return -1;
  buf_t log = {0};
  buf_put(&log, HEADER, HEADER_SIZE);
  for (size_t i = 0; i < entry_count; i++) {
    size_t start = log.length;
    uint8_t op = OP_SET;
    buf_put(&log, &op, 1);
    buf_u32(&log, (uint32_t)entries[i].key_len);
    buf_u32(&log, (uint32_t)entries[i].value_len);
    buf_put(&log, entries[i].key, entries[i].key_len);
    buf_put(&log, entries[i].value, entries[i].value_len);
    buf_u32(&log, fnv1a(2166136261u, log.bytes + start, log.length - start));
  }
  int failed = log.length != HEADER_SIZE + live_bytes ||
               write_fully(out, log.bytes, log.length, 0) != 0 || fsync(out) != 0 ||
               rename(temporary, store_path) != 0;
  size_t length = log.length;
  free(log.bytes);
  if (failed) {
    int saved = errno;
    close(out);
    unlink(temporary);
    errno = saved;
    return -1;
  }
  /* Make the rename durable: sync the folder. */
  char folder[PATH_MAX];
  snprintf(folder, sizeof folder, "%s", store_path);
  char *slash = strrchr(folder, '/');
  if (slash != NULL) {
    *slash = 0;
    int dir = open(folder[0] ? folder : "/", O_RDONLY | O_CLOEXEC);
    if (dir >= 0) {
      fsync(dir);
      close(dir);
    }
  }
  /* Keep the lock on the old file until the new one is ours. */
  if (flock(out, LOCK_EX) != 0) {
    close(out);
    return -1;
  }
  flock(fd, LOCK_UN);
  close(fd);
  fd = out;
  struct stat st;
  fstat(fd, &st);
  store_inode = st.st_ino;
  store_device = st.st_dev;
  replayed = good_end = length;
  return 0;
}

/* ---- checks shared by the functions ---- */

static int check_key(size_t n, buf_t *message) {
  if (n == 0) {
    buf_printf(message, "Key is empty (use a key of 1 or more characters)");
    return -1;
  }
  if (n > max_key_bytes) {
    buf_printf(message,
               "Key is longer than %llu bytes, the store's limit (use a "
               "shorter key)",
               (unsigned long long)max_key_bytes);
    return -1;
  }
  return 0;
}

/* Runs a write under the exclusive lock: appends, or compacts when the
 * record would take the log past max_store_bytes. */
static int32_t write_op(uint8_t op, const uint8_t *key, uint32_t key_len,
                        const uint8_t *value, uint32_t value_len, uint8_t *out,
                        uint32_t cap, uint32_t *out_len) {
  buf_t message = {0};
  int locked = lock_store(LOCK_EX, &message);
  if (locked != 0) {
    if (locked == -1) store_failed(&message);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  if (op == OP_DELETE && find(key, key_len) == NULL) {
    unlock_store();
    *out_len = 0;
    return WARDEN_OK;
  }
  uint64_t record = RECORD_OVERHEAD + key_len + value_len;
  if (good_end + record <= max_store_bytes) {
    if (append_record(op, key, key_len, value, value_len) != 0) {
      if (errno == ENOSPC || errno == EFBIG || errno == EDQUOT)
        store_full(&message);
      else
        store_failed(&message);
      unlock_store();
      return buf_out(&message, WARDEN_ERR, out, cap, out_len);
    }
    int failed = op == OP_SET ? table_set(key, key_len, value, value_len)
                              : (table_delete(key, key_len), 0);
    unlock_store();
    if (failed) {
      errno = ENOMEM;
      store_failed(&message);
      return buf_out(&message, WARDEN_ERR, out, cap, out_len);
    }
    *out_len = 0;
    return WARDEN_OK;
  }
  /* The log would grow too large: write only the live entries. */
  entry_t *old = find(key, key_len);
  uint64_t after = live_bytes - (old ? RECORD_OVERHEAD + old->key_len + old->value_len : 0) +
                   (op == OP_SET ? record : 0);
  if (HEADER_SIZE + after > max_store_bytes) {
    unlock_store();
    store_full(&message);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  int failed = op == OP_SET ? table_set(key, key_len, value, value_len)
                            : (table_delete(key, key_len), 0);
  if (failed != 0 || compact() != 0) {
    int saved = failed ? ENOMEM : errno;
    /* Memory and disk may differ now: read the log again. */
    if (reopen() == 0) {
      buf_t ignored = {0};
      if (lock_store(LOCK_SH, &ignored) == 0) unlock_store();
      free(ignored.bytes);
    }
    errno = saved;
    if (errno == ENOSPC || errno == EDQUOT) store_full(&message);
    else store_failed(&message);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  unlock_store();
  *out_len = 0;
  return WARDEN_OK;
}

/* ---- init: data folder and configuration ---- */

/* A tiny JSON reader: enough for the flat configuration object. */
typedef struct {
  const uint8_t *at, *end;
} json_t;

typedef enum { J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL, J_ARRAY, J_OBJECT, J_BAD } json_kind;

static void json_space(json_t *j) {
  while (j->at < j->end && (*j->at == ' ' || *j->at == '\n' || *j->at == '\t' || *j->at == '\r'))
    j->at++;
}

static int hex4(const uint8_t *p, uint32_t *v) {
  *v = 0;
  for (int i = 0; i < 4; i++) {
    uint8_t c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    *v = *v << 4 | (uint32_t)d;
  }
  return 0;
}

static void utf8_put(buf_t *b, uint32_t c) {
  uint8_t u[4];
  size_t n;
  if (c < 0x80) { u[0] = (uint8_t)c; n = 1; }
  else if (c < 0x800) { u[0] = (uint8_t)(0xC0 | c >> 6); u[1] = (uint8_t)(0x80 | (c & 63)); n = 2; }
  else if (c < 0x10000) { u[0] = (uint8_t)(0xE0 | c >> 12); u[1] = (uint8_t)(0x80 | (c >> 6 & 63)); u[2] = (uint8_t)(0x80 | (c & 63)); n = 3; }
  else { u[0] = (uint8_t)(0xF0 | c >> 18); u[1] = (uint8_t)(0x80 | (c >> 12 & 63)); u[2] = (uint8_t)(0x80 | (c >> 6 & 63)); u[3] = (uint8_t)(0x80 | (c & 63)); n = 4; }
  buf_put(b, u, n);
}

/* Reads a string (after its opening quote) into `into`. */
static int json_string(json_t *j, buf_t *into) {
  while (j->at < j->end && *j->at != '"') {
    uint8_t c = *j->at++;
    if (c != '\\') {
      buf_put(into, &c, 1);
      continue;
    }
    if (j->at >= j->end) return -1;
    uint8_t e = *j->at++;
    uint32_t code;
    switch (e) {
    case '"': case '\\': case '/': buf_put(into, &e, 1); break;
    case 'b': buf_put(into, "\b", 1); break;
    case 'f': buf_put(into, "\f", 1); break;
    case 'n': buf_put(into, "\n", 1); break;
    case 'r': buf_put(into, "\r", 1); break;
    case 't': buf_put(into, "\t", 1); break;
    case 'u':
      if (j->end - j->at < 4 || hex4(j->at, &code) != 0) return -1;
      j->at += 4;
      if (code >= 0xD800 && code <= 0xDBFF && j->end - j->at >= 6 && j->at[0] == '\\' &&
          j->at[1] == 'u') {
        uint32_t low;
        if (hex4(j->at + 2, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          j->at += 6;
        }
      }
      utf8_put(into, code);
      break;
    default:
      return -1;
    }
  }
  if (j->at >= j->end) return -1;
  j->at++;
  return 0;
}

/* Reads any value; a string's bytes go to `text`, a number's text too. */
static json_kind json_value(json_t *j, buf_t *text) {
  json_space(j);
  if (j->at >= j->end) return J_BAD;
  uint8_t c = *j->at;
  if (c == '"') {
    j->at++;
    return json_string(j, text) == 0 ? J_STRING : J_BAD;
  }
  if (c == '[' || c == '{') {
    int depth = 0;
    json_kind kind = c == '[' ? J_ARRAY : J_OBJECT;
    while (j->at < j->end) {
      uint8_t d = *j->at++;
      if (d == '"') {
        buf_t skip = {0};
        int bad = json_string(j, &skip);
        free(skip.bytes);
        if (bad) return J_BAD;
      } else if (d == '[' || d == '{') {
        depth++;
      } else if (d == ']' || d == '}') {
        if (--depth == 0) return kind;
      }
    }
    return J_BAD;
  }
  const char *words[] = {"true", "false", "null"};
  json_kind kinds[] = {J_TRUE, J_FALSE, J_NULL};
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(words[i]);
    if ((size_t)(j->end - j->at) >= n && memcmp(j->at, words[i], n) == 0) {
      j->at += n;
      return kinds[i];
    }
  }
  const uint8_t *start = j->at;
  while (j->at < j->end && strchr("+-0123456789.eE", *j->at) != NULL && *j->at != 0) j->at++;
  if (j->at == start) return J_BAD;
  buf_put(text, start, (size_t)(j->at - start));
  return J_NUMBER;
}

/* JavaScript's name for a value's type, as bundles/keyvalue writes it. */
static const char *type_name(json_kind kind) {
  switch (kind) {
  case J_STRING: return "a string";
  case J_NUMBER: return "a number";
  case J_TRUE: case J_FALSE: return "a boolean";
  case J_NULL: return "null";
  case J_ARRAY: return "an array";
  default: return "a table";
  }
}

/* A positive safe integer (1 to 2^53 - 1) written in decimal, or 0. */
static uint64_t positive_integer(const buf_t *text) {
  if (text->length == 0 || text->length > 16) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < text->length; i++) {
    uint8_t c = text->bytes[i];
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v <= 9007199254740991ull ? v : 0;
}

/* Resolves `path` against `dir` lexically; -1 when it leaves `dir`. */
static int resolve_in(const char *dir, const uint8_t *path, uint32_t n, char *into,
                      size_t size) {
  size_t dir_len = strlen(dir);
  while (dir_len > 0 && dir[dir_len - 1] == '/') dir_len--; /* "/" is "" */
  if (dir_len + 1 + n + 1 > size) return -1;
  memcpy(into, dir, dir_len);
  size_t length = dir_len;
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    while (i < n && path[i] != '/') i++;
    size_t part = i - start;
    if (i < n) i++;
    if (part == 0 || (part == 1 && path[start] == '.')) continue;
    if (part == 2 && path[start] == '.' && path[start + 1] == '.') {
      if (length <= dir_len) return -1;
      while (length > dir_len && into[length - 1] != '/') length--;
      if (length > dir_len) length--;
      continue;
    }
    into[length++] = '/';
    memcpy(into + length, path + start, part);
    length += part;
  }
  into[length] = 0;
  return length > dir_len ? 0 : -1;
}

static int mkdirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    int r = mkdir(path, 0755);
    *p = '/';
    if (r != 0 && errno != EEXIST) return -1;
  }
  return 0;
}

static int32_t config_error(buf_t *message, uint8_t *out, uint32_t cap, uint32_t *out_len) {
  return buf_out(message, WARDEN_ERR, out, cap, out_len);
}

WARDEN_EXPORT int32_t keyvalue_store_init(const uint8_t *dir, uint32_t dir_len,
                                          const uint8_t *config, uint32_t config_len,
                                          uint8_t *out, uint32_t cap, uint32_t *out_len) {
  pthread_mutex_lock(&mutex);
  buf_t message = {0};
  char data_dir[PATH_MAX];
  if (dir_len == 0 || dir_len >= sizeof data_dir) {
    pthread_mutex_unlock(&mutex);
    return WARDEN_ABI_BAD_INPUT;
  }
  memcpy(data_dir, dir, dir_len);
  data_dir[dir_len] = 0;
  uint64_t limits[4] = {1024, 1024 * 1024, 1000, 256 * 1024 * 1024};
  static const char *limit_keys[4] = {"max_key_bytes", "max_value_bytes",
                                      "max_list_keys", "max_store_bytes"};
  buf_t path = {0};
  int has_path = 0;
  json_t j = {config, config + config_len};
  json_space(&j);
  int ok = j.at < j.end && *j.at == '{';
  if (ok) j.at++;
  json_space(&j);
  if (ok && j.at < j.end && *j.at == '}') j.at++;
  else while (ok) {
    buf_t key = {0}, text = {0};
    json_space(&j);
    if (j.at >= j.end || *j.at != '"') { ok = 0; break; }
    j.at++;
    if (json_string(&j, &key) != 0) { ok = 0; break; }
    json_space(&j);
    if (j.at >= j.end || *j.at++ != ':') { ok = 0; break; }
    json_kind kind = json_value(&j, &text);
    if (kind == J_BAD) { ok = 0; break; }
    int known = 0;
    if (key.length == 4 && memcmp(key.bytes, "path", 4) == 0) {
      known = 1;
      if (kind != J_STRING) {
        buf_printf(&message, "Configuration key \"path\" must be a string, not %s", type_name(kind));
      } else {
        free(path.bytes);
        path = text;
        text = (buf_t){0};
        has_path = 1;
      }
    }
    for (int i = 0; i < 4 && !known; i++) {
      if (key.length != strlen(limit_keys[i]) || memcmp(key.bytes, limit_keys[i], key.length) != 0)
        continue;
      known = 1;
      if (kind != J_NUMBER) {
        buf_printf(&message, "Configuration key \"%s\" must be an integer, not %s", limit_keys[i], type_name(kind));
      } else if ((limits[i] = positive_integer(&text)) == 0) {
        buf_printf(&message, "Configuration key \"%s\" must be a positive integer, not ", limit_keys[i]);
        buf_put(&message, text.bytes, text.length);
      }
    }
    if (!known) {
      buf_printf(&message, "Unknown configuration key ");
      buf_json(&message, key.bytes, key.length);
      buf_printf(&message, " (known keys: path, max_key_bytes, max_value_bytes, max_list_keys, max_store_bytes)");
    }
    free(key.bytes);
    free(text.bytes);
    if (message.length > 0) break;
    json_space(&j);
    if (j.at < j.end && *j.at == ',') { j.at++; continue; }
    if (j.at < j.end && *j.at == '}') { j.at++; break; }
    ok = 0;
  }
  int32_t status = WARDEN_OK;
  if (message.length == 0 && !ok) {
    free(path.bytes);
    pthread_mutex_unlock(&mutex);
    return WARDEN_ABI_BAD_INPUT;
  }
  char file[PATH_MAX];
  if (message.length == 0) {
    if (!has_path) {
      if (resolve_in(data_dir, (const uint8_t *)STORE_FILE, strlen(STORE_FILE), file,
                     sizeof file) != 0)
        buf_printf(&message, "Store failed: the data folder's path is too long");
    } else if (path.length == 0) {
      buf_printf(&message, "Configuration key \"path\" is empty (name the store file, e.g. \"%s\")", STORE_FILE);
    } else if (memchr(path.bytes, 0, path.length) != NULL) {
      buf_printf(&message, "Configuration key \"path\" ");
      buf_json(&message, path.bytes, path.length);
      buf_printf(&message, " contains a NUL byte (name the store file, e.g. \"%s\")", STORE_FILE);
    } else if (path.bytes[0] == '/') {
      if (resolve_in("/", path.bytes + 1, path.length - 1, file, sizeof file) != 0) {
        buf_printf(&message, "Configuration key \"path\" ");
        buf_json(&message, path.bytes, path.length);
        buf_printf(&message, " names no file");
      }
    } else if (resolve_in(data_dir, path.bytes, path.length, file, sizeof file) != 0) {
      buf_printf(&message, "Configuration key \"path\" ");
      buf_json(&message, path.bytes, path.length);
      buf_printf(&message, " leaves the data folder \"%s\" (write a path inside it, or an absolute path)", data_dir);
    } else if (mkdirs(file) != 0) {
      store_failed(&message);
    }
  }
  free(path.bytes);
  if (message.length == 0) {
    max_key_bytes = limits[0];
    max_value_bytes = limits[1];
    max_list_keys = limits[2];
    max_store_bytes = limits[3];
    snprintf(store_path, sizeof store_path, "%s", file);
    if (reopen() != 0) {
      store_failed(&message);
    } else {
      /* Write the header of a new store, check an old one's, and replay it. */
      int locked = lock_store(LOCK_EX, &message);
      if (locked == -1) store_failed(&message);
      if (locked == 0) unlock_store();
    }
  }
  if (message.length > 0) status = config_error(&message, out, cap, out_len);
  else *out_len = 0;
  pthread_mutex_unlock(&mutex);
  return status;
}

/* ---- keyvalue:store/store ---- */

/* Runs `body` with the mutex held; a store that is not open is an ABI failure. */
#define GUARDED(body)                            \
  do {                                           \
    pthread_mutex_lock(&mutex);                  \
    int32_t guarded_status = WARDEN_ABI_FAILED;  \
    if (fd >= 0) guarded_status = (body);        \
    pthread_mutex_unlock(&mutex);                \
    return guarded_status;                       \
  } while (0)

static int32_t get(const uint8_t *key, uint32_t n, uint8_t *out, uint32_t cap,
                   uint32_t *out_len) {
  buf_t message = {0};
  if (check_key(n, &message) != 0)
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  int locked = lock_store(LOCK_SH, &message);
  if (locked != 0) {
    if (locked == -1) store_failed(&message);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  entry_t *e = find(key, n);
  int32_t status;
  if (e == NULL) {
    *out_len = 0;
    status = WARDEN_NONE;
  } else {
    status = warden_out(WARDEN_OK, e->value, e->value_len, out, cap, out_len);
  }
  unlock_store();
  return status;
}

WARDEN_EXPORT int32_t keyvalue_store_store_get(const uint8_t *key, uint32_t n,
                                               uint8_t *out, uint32_t cap,
                                               uint32_t *out_len) {
  GUARDED(get(key, n, out, cap, out_len));
}

static int32_t set(const uint8_t *key, uint32_t key_len, const uint8_t *value,
                   uint32_t value_len, uint8_t *out, uint32_t cap, uint32_t *out_len) {
  buf_t message = {0};
  if (check_key(key_len, &message) != 0)
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  if (value_len > max_value_bytes) {
    buf_printf(&message, "Value for key ");
    buf_json(&message, key, key_len);
    buf_printf(&message,
               " is larger than %llu bytes, the store's limit (store a smaller value)",
               (unsigned long long)max_value_bytes);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  return write_op(OP_SET, key, key_len, value, value_len, out, cap, out_len);
}

WARDEN_EXPORT int32_t keyvalue_store_store_set(const uint8_t *key, uint32_t key_len,
                                               const uint8_t *value, uint32_t value_len,
                                               uint8_t *out, uint32_t cap,
                                               uint32_t *out_len) {
  GUARDED(set(key, key_len, value, value_len, out, cap, out_len));
}

static int32_t delete_key(const uint8_t *key, uint32_t n, uint8_t *out, uint32_t cap,
                          uint32_t *out_len) {
  buf_t message = {0};
  if (check_key(n, &message) != 0)
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  return write_op(OP_DELETE, key, n, NULL, 0, out, cap, out_len);
}

WARDEN_EXPORT int32_t keyvalue_store_store_delete(const uint8_t *key, uint32_t n,
                                                  uint8_t *out, uint32_t cap,
                                                  uint32_t *out_len) {
  GUARDED(delete_key(key, n, out, cap, out_len));
}

static int32_t list_keys(const uint8_t *prefix, uint32_t n, uint8_t *out,
                         uint32_t cap, uint32_t *out_len) {
  buf_t list = {0};
  /* A prefix longer than any key matches nothing. */
  if (n > max_key_bytes) {
    buf_u32(&list, 0);
    return buf_out(&list, WARDEN_OK, out, cap, out_len);
  }
  buf_t message = {0};
  int locked = lock_store(LOCK_SH, &message);
  if (locked != 0) {
    if (locked == -1) store_failed(&message);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  size_t first = lower_bound(prefix, n), count = 0;
  while (first + count < entry_count && count <= max_list_keys) {
    entry_t *e = &entries[first + count];
    if (e->key_len < n || memcmp(e->key, prefix, n) != 0) break;
    count++;
  }
  if (count > max_list_keys) {
    unlock_store();
    buf_printf(&message, "More than %llu keys start with ",
               (unsigned long long)max_list_keys);
    buf_json(&message, prefix, n);
    buf_printf(&message, ", the most one listing returns (use a longer prefix)");
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  buf_u32(&list, (uint32_t)count);
  for (size_t i = 0; i < count; i++) {
    entry_t *e = &entries[first + i];
    buf_u32(&list, (uint32_t)e->key_len);
    buf_put(&list, e->key, e->key_len);
  }
  unlock_store();
  return buf_out(&list, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t keyvalue_store_store_list_keys(const uint8_t *prefix, uint32_t n,
                                                     uint8_t *out, uint32_t cap,
                                                     uint32_t *out_len) {
  GUARDED(list_keys(prefix, n, out, cap, out_len));
}
