/*
 * duckdb_shim: warden:duckdb/duckdb@0.1.0 (wit/duckdb.wit) over libduckdb's
 * C API, through Warden's native ABI (docs/native-abi.md).
 *
 * - A connection handle names a slot of a fixed table (MAX_CONNECTIONS) and
 *   carries the slot's generation, so a dropped handle is never mistaken for
 *   a newer one. Each connection has a database of its own.
 * - SQL runs as a prepared statement with the guest's values bound to its
 *   parameters; nothing the guest sends is ever pasted into SQL text.
 * - Every database is opened with enable_external_access = false, so SQL
 *   cannot read or write files other than the database (read_csv, COPY,
 *   ATTACH) nor install or load extensions.
 * - A query's rows stream from DuckDB chunk by chunk into the encoding,
 *   which is refused whole (and the query stopped) as soon as it passes
 *   MAX_ROWS rows or MAX_RESULT_BYTES bytes.
 * - One mutex serializes every call (a Deno worker is another thread).
 *
 * libduckdb ships no header in the npm package, so the few declarations
 * used are written here, as in duckdb.h of DuckDB 1.x.
 */
#define WARDEN_NATIVE_IMPLEMENTATION
#include "../../src/bundles/warden_native.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

WARDEN_DEFINE_TAKE(warden_duckdb_take)

/* ---- the part of duckdb.h the shim uses ---- */

typedef uint64_t idx_t;
typedef enum { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;
typedef struct _duckdb_database { void *internal_ptr; } *duckdb_database;
typedef struct _duckdb_connection { void *internal_ptr; } *duckdb_connection;
typedef struct _duckdb_prepared_statement {
  void *internal_ptr;
} *duckdb_prepared_statement;
typedef struct _duckdb_config { void *internal_ptr; } *duckdb_config;
typedef struct {
  idx_t deprecated_column_count;
  idx_t deprecated_row_count;
  idx_t deprecated_rows_changed;
  void *deprecated_columns;
  char *deprecated_error_message;
  void *internal_data;
} duckdb_result;
typedef struct _duckdb_data_chunk { void *internal_ptr; } *duckdb_data_chunk;
typedef struct _duckdb_vector { void *internal_ptr; } *duckdb_vector;
/* A VARCHAR or BLOB cell: up to 12 bytes inline, else a pointer. */
typedef struct {
  union {
    struct {
      uint32_t length;
      char prefix[4];
      char *ptr;
    } pointer;
    struct {
      uint32_t length;
      char inlined[12];
    } inlined;
  } value;
} duckdb_string_t;

enum {
  DUCKDB_TYPE_BOOLEAN = 1,
  DUCKDB_TYPE_TINYINT = 2,
  DUCKDB_TYPE_SMALLINT = 3,
  DUCKDB_TYPE_INTEGER = 4,
  DUCKDB_TYPE_BIGINT = 5,
  DUCKDB_TYPE_UTINYINT = 6,
  DUCKDB_TYPE_USMALLINT = 7,
  DUCKDB_TYPE_UINTEGER = 8,
  DUCKDB_TYPE_UBIGINT = 9,
  DUCKDB_TYPE_FLOAT = 10,
  DUCKDB_TYPE_DOUBLE = 11,
  DUCKDB_TYPE_VARCHAR = 17,
  DUCKDB_TYPE_BLOB = 18,
};

duckdb_state duckdb_create_config(duckdb_config *out_config);
duckdb_state duckdb_set_config(duckdb_config config, const char *name,
                               const char *option);
void duckdb_destroy_config(duckdb_config *config);
duckdb_state duckdb_open_ext(const char *path, duckdb_database *out_database,
                             duckdb_config config, char **out_error);
void duckdb_close(duckdb_database *database);
duckdb_state duckdb_connect(duckdb_database database,
                            duckdb_connection *out_connection);
void duckdb_disconnect(duckdb_connection *connection);
void duckdb_free(void *ptr);

duckdb_state duckdb_prepare(duckdb_connection connection, const char *query,
                            duckdb_prepared_statement *out_prepared_statement);
void duckdb_destroy_prepare(duckdb_prepared_statement *prepared_statement);
const char *duckdb_prepare_error(duckdb_prepared_statement prepared_statement);
idx_t duckdb_nparams(duckdb_prepared_statement prepared_statement);
duckdb_state duckdb_bind_null(duckdb_prepared_statement s, idx_t i);
duckdb_state duckdb_bind_boolean(duckdb_prepared_statement s, idx_t i, bool v);
duckdb_state duckdb_bind_int64(duckdb_prepared_statement s, idx_t i, int64_t v);
duckdb_state duckdb_bind_double(duckdb_prepared_statement s, idx_t i, double v);
duckdb_state duckdb_bind_varchar_length(duckdb_prepared_statement s, idx_t i,
                                        const char *v, idx_t length);
duckdb_state duckdb_bind_blob(duckdb_prepared_statement s, idx_t i,
                              const void *data, idx_t length);
duckdb_state duckdb_execute_prepared(duckdb_prepared_statement s,
                                     duckdb_result *out_result);
duckdb_state duckdb_execute_prepared_streaming(duckdb_prepared_statement s,
                                               duckdb_result *out_result);

void duckdb_destroy_result(duckdb_result *result);
const char *duckdb_result_error(duckdb_result *result);
idx_t duckdb_rows_changed(duckdb_result *result);
idx_t duckdb_column_count(duckdb_result *result);
const char *duckdb_column_name(duckdb_result *result, idx_t col);
int duckdb_column_type(duckdb_result *result, idx_t col);
duckdb_data_chunk duckdb_fetch_chunk(duckdb_result result);
void duckdb_destroy_data_chunk(duckdb_data_chunk *chunk);
idx_t duckdb_data_chunk_get_size(duckdb_data_chunk chunk);
duckdb_vector duckdb_data_chunk_get_vector(duckdb_data_chunk chunk, idx_t col);
void *duckdb_vector_get_data(duckdb_vector vector);
uint64_t *duckdb_vector_get_validity(duckdb_vector vector);
bool duckdb_validity_row_is_valid(uint64_t *validity, idx_t row);

/* ---- caps (README.md) ---- */

#define MAX_CONNECTIONS 64
#define MAX_ROWS 100000
#define MAX_RESULT_BYTES (16u * 1024 * 1024)
#define MAX_PATH_BYTES 4096

/* The value variant's cases, in WIT order. */
enum { V_NULL, V_BOOLEAN, V_INTEGER, V_REAL, V_TEXT, V_BLOB };

/* ---- growable buffers ---- */

typedef struct {
  uint8_t *bytes;
  size_t length, capacity;
  int failed; /* out of memory */
} buf_t;

static void buf_put(buf_t *b, const void *bytes, size_t n) {
  if (n == 0 || b->failed) return;
  if (b->length + n > b->capacity) {
    size_t cap = b->capacity ? b->capacity : 256;
    while (cap < b->length + n) cap *= 2;
    uint8_t *grown = realloc(b->bytes, cap);
    if (grown == NULL) {
      b->failed = 1;
      return;
    }
    b->bytes = grown;
    b->capacity = cap;
  }
  memcpy(b->bytes + b->length, bytes, n);
  b->length += n;
}

static void buf_u8(buf_t *b, uint8_t v) { buf_put(b, &v, 1); }

static void buf_u32(buf_t *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                   (uint8_t)(v >> 24)};
  buf_put(b, le, 4);
}

static void buf_u64(buf_t *b, uint64_t v) {
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = (uint8_t)(v >> (8 * i));
  buf_put(b, le, 8);
}

/* A length-prefixed string or byte list. */
static void buf_bytes(buf_t *b, const void *bytes, size_t n) {
  buf_u32(b, (uint32_t)n);
  buf_put(b, bytes, n);
}

static void buf_printf(buf_t *b, const char *format, ...) {
  char text[1024];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (n > 0) buf_put(b, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* Appends DuckDB's error message up to its first line break (the rest is
 * a caret under the SQL, or a suggestion). */
static void buf_error(buf_t *b, const char *error) {
  if (error == NULL) error = "SQL error";
  buf_put(b, error, strcspn(error, "\n"));
}

/* Hands `b` over with `status` and frees it. */
static int32_t buf_out(buf_t *b, int32_t status, uint8_t *out, uint32_t cap,
                       uint32_t *out_len) {
  int32_t r = b->failed ? WARDEN_ABI_FAILED
                        : warden_out(status, b->bytes, b->length, out, cap, out_len);
  free(b->bytes);
  *b = (buf_t){0};
  return r;
}

/* An err with a formatted message. */
static int32_t fail(uint8_t *out, uint32_t cap, uint32_t *out_len,
                    const char *format, ...) {
  char text[1024];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (n < 0) return WARDEN_ABI_FAILED;
  size_t length = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  return warden_out(WARDEN_ERR, text, length, out, cap, out_len);
}

static uint32_t read_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t read_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* ---- state ---- */

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static char data_dir[MAX_PATH_BYTES];

typedef struct {
  duckdb_database db;
  duckdb_connection conn;
  uint32_t generation;
  int used;
} slot_t;

static slot_t slots[MAX_CONNECTIONS];

static slot_t *lookup(uint64_t handle) {
  uint32_t index = (uint32_t)handle;
  if (index == 0 || index > MAX_CONNECTIONS) return NULL;
  slot_t *s = &slots[index - 1];
  if (!s->used || s->generation != (uint32_t)(handle >> 32)) return NULL;
  return s;
}

/* ---- the init hook ---- */

WARDEN_EXPORT int32_t warden_duckdb_init(const uint8_t *dir, uint32_t dir_len,
                                         const uint8_t *config, uint32_t config_len,
                                         uint8_t *out, uint32_t cap,
                                         uint32_t *out_len) {
  /* The shim takes no configuration: anything but {} is refused, rather
   * than silently ignored. */
  size_t start = 0, end = config_len;
  while (start < end && (config[start] == ' ' || config[start] == '\n')) start++;
  while (end > start && (config[end - 1] == ' ' || config[end - 1] == '\n')) end--;
  if (end - start != 2 || config[start] != '{' || config[start + 1] != '}') {
    return fail(out, cap, out_len,
                "The duckdb bundle takes no configuration, but was given %.*s "
                "(remove [config] from host.toml and config from hosts.toml)",
                (int)(config_len > 200 ? 200 : config_len), (const char *)config);
  }
  if (dir_len == 0 || dir_len >= sizeof data_dir || memchr(dir, 0, dir_len)) {
    return fail(out, cap, out_len, "The data folder path is unusable");
  }
  pthread_mutex_lock(&mutex);
  memcpy(data_dir, dir, dir_len);
  data_dir[dir_len] = 0;
  pthread_mutex_unlock(&mutex);
  *out_len = 0;
  return WARDEN_OK;
}

/* ---- open ---- */

/* Writes the file to open for `path` into `file`, or an err message into
 * `message` and returns -1. */
static int resolve_path(const uint8_t *path, uint32_t n, char *file, size_t size,
                        buf_t *message) {
  if (n == 8 && memcmp(path, ":memory:", 8) == 0) {
    snprintf(file, size, ":memory:");
    return 0;
  }
  const char *why = NULL;
  if (n == 0) why = "is empty";
  else if (memchr(path, 0, n)) why = "contains a NUL byte";
  else if (path[0] == '/') why = "is absolute";
  else if (n > 1024) why = "is longer than 1024 bytes";
  else if (path[0] == ':') why = "names a special database";
  for (uint32_t i = 0; why == NULL && i < n; i++) {
    int at_start = i == 0 || path[i - 1] == '/';
    if (at_start && n - i >= 2 && path[i] == '.' && path[i + 1] == '.' &&
        (n - i == 2 || path[i + 2] == '/')) {
      why = "has a \"..\" component";
    }
  }
  if (why != NULL) {
    buf_printf(message, "Database path \"");
    buf_put(message, path, n > 200 ? 200 : n);
    buf_printf(message,
               "\" %s (use \":memory:\", or a path inside the bundle's data "
               "folder such as \"app.duckdb\")",
               why);
    return -1;
  }
  if ((size_t)snprintf(file, size, "%s/%.*s", data_dir, (int)n, (const char *)path) >=
      size) {
    buf_printf(message, "Database path is too long");
    return -1;
  }
  return 0;
}

static int32_t open_connection(const uint8_t *path, uint32_t n, uint8_t *out,
                               uint32_t cap, uint32_t *out_len) {
  buf_t message = {0};
  char file[MAX_PATH_BYTES + 1100];
  if (resolve_path(path, n, file, sizeof file, &message) != 0) {
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  slot_t *free_slot = NULL;
  uint32_t index = 0;
  for (uint32_t i = 0; i < MAX_CONNECTIONS && free_slot == NULL; i++) {
    if (!slots[i].used) {
      free_slot = &slots[i];
      index = i + 1;
    }
  }
  if (free_slot == NULL) {
    return fail(out, cap, out_len,
                "More than %d connections are open, the bundle's limit (drop "
                "connections you no longer use)",
                MAX_CONNECTIONS);
  }
  duckdb_config config = NULL;
  if (duckdb_create_config(&config) != DuckDBSuccess) return WARDEN_ABI_FAILED;
  static const char *const settings[][2] = {
      {"enable_external_access", "false"},
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "false"},
  };
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
    if (duckdb_set_config(config, settings[i][0], settings[i][1]) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      return fail(out, cap, out_len, "DuckDB refused the setting %s", settings[i][0]);
    }
  }
  duckdb_database db = NULL;
  char *error = NULL;
  duckdb_state state = duckdb_open_ext(file, &db, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    const char *why = error ? error : "unknown error";
    int32_t r = fail(out, cap, out_len, "Cannot open database \"%.*s\": %.*s",
                     (int)(n > 200 ? 200 : n), (const char *)path,
                     (int)strcspn(why, "\n"), why);
    duckdb_free(error);
    duckdb_close(&db);
    return r;
  }
  duckdb_connection conn = NULL;
  if (duckdb_connect(db, &conn) != DuckDBSuccess) {
    duckdb_close(&db);
    return fail(out, cap, out_len, "Cannot connect to database \"%.*s\"",
                (int)(n > 200 ? 200 : n), (const char *)path);
  }
  free_slot->db = db;
  free_slot->conn = conn;
  free_slot->used = 1;
  free_slot->generation++;
  if (free_slot->generation == 0) free_slot->generation = 1;
  uint64_t handle = (uint64_t)free_slot->generation << 32 | index;
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = (uint8_t)(handle >> (8 * i));
  return warden_out(WARDEN_OK, le, 8, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_duckdb_duckdb_connection_open(const uint8_t *path,
                                                           uint32_t n, uint8_t *out,
                                                           uint32_t cap,
                                                           uint32_t *out_len) {
  pthread_mutex_lock(&mutex);
  int32_t status = open_connection(path, n, out, cap, out_len);
  pthread_mutex_unlock(&mutex);
  return status;
}

WARDEN_EXPORT void warden_duckdb_duckdb_connection_drop(uint64_t handle) {
  pthread_mutex_lock(&mutex);
  slot_t *s = lookup(handle);
  if (s != NULL) {
    duckdb_disconnect(&s->conn);
    duckdb_close(&s->db);
    s->used = 0;
  }
  pthread_mutex_unlock(&mutex);
}

/* ---- statements ---- */

/* Prepares `sql` and binds the encoded `list<value>` in `params`. Returns
 * WARDEN_OK with *stmt set, WARDEN_ERR with the message in `message`, or
 * WARDEN_ABI_BAD_INPUT for a malformed encoding. */
static int32_t prepare(slot_t *s, const uint8_t *sql, uint32_t sql_len,
                       const uint8_t *params, uint32_t params_len,
                       duckdb_prepared_statement *stmt, buf_t *message) {
  *stmt = NULL;
  if (memchr(sql, 0, sql_len) != NULL) {
    buf_printf(message, "SQL contains a NUL byte (remove it)");
    return WARDEN_ERR;
  }
  char *text = malloc((size_t)sql_len + 1);
  if (text == NULL) return WARDEN_ABI_FAILED;
  if (sql_len > 0) memcpy(text, sql, sql_len);
  text[sql_len] = 0;
  duckdb_state state = duckdb_prepare(s->conn, text, stmt);
  free(text);
  if (state != DuckDBSuccess) {
    buf_error(message, duckdb_prepare_error(*stmt));
    return WARDEN_ERR;
  }
  if (params_len < 4) return WARDEN_ABI_BAD_INPUT;
  uint32_t count = read_u32(params);
  idx_t expected = duckdb_nparams(*stmt);
  if (count != expected) {
    buf_printf(message,
               "The statement has %llu parameter%s, but %u value%s given (pass "
               "one value for each ? or $N placeholder)",
               (unsigned long long)expected, expected == 1 ? "" : "s", count,
               count == 1 ? " was" : "s were");
    return WARDEN_ERR;
  }
  size_t at = 4;
  for (uint32_t i = 1; i <= count; i++) {
    if (at >= params_len) return WARDEN_ABI_BAD_INPUT;
    uint8_t tag = params[at++];
    size_t left = params_len - at;
    duckdb_state bound;
    switch (tag) {
    case V_NULL:
      bound = duckdb_bind_null(*stmt, i);
      break;
    case V_BOOLEAN:
      if (left < 1 || params[at] > 1) return WARDEN_ABI_BAD_INPUT;
      bound = duckdb_bind_boolean(*stmt, i, params[at] == 1);
      at += 1;
      break;
    case V_INTEGER:
      if (left < 8) return WARDEN_ABI_BAD_INPUT;
      bound = duckdb_bind_int64(*stmt, i, (int64_t)read_u64(params + at));
      at += 8;
      break;
    case V_REAL: {
      if (left < 8) return WARDEN_ABI_BAD_INPUT;
      uint64_t bits = read_u64(params + at);
      double v;
      memcpy(&v, &bits, 8);
      bound = duckdb_bind_double(*stmt, i, v);
      at += 8;
      break;
    }
    case V_TEXT:
    case V_BLOB: {
      if (left < 4) return WARDEN_ABI_BAD_INPUT;
      uint32_t n = read_u32(params + at);
      at += 4;
      if (n > left - 4) return WARDEN_ABI_BAD_INPUT;
      bound = tag == V_TEXT
                  ? duckdb_bind_varchar_length(*stmt, i, (const char *)params + at, n)
                  : duckdb_bind_blob(*stmt, i, params + at, n);
      at += n;
      break;
    }
    default:
      return WARDEN_ABI_BAD_INPUT;
    }
    if (bound != DuckDBSuccess) {
      buf_printf(message, "Cannot bind parameter %u: ", i);
      buf_error(message, duckdb_prepare_error(*stmt));
      return WARDEN_ERR;
    }
  }
  if (at != params_len) return WARDEN_ABI_BAD_INPUT;
  return WARDEN_OK;
}

/* Prepares, binds and runs a statement into `result` (`streaming`: rows
 * are produced as they are fetched); on anything but WARDEN_OK, `message`
 * or the status says why and nothing is left to free. */
static int32_t run(slot_t *s, const uint8_t *sql, uint32_t sql_len,
                   const uint8_t *params, uint32_t params_len, int streaming,
                   duckdb_result *result, buf_t *message) {
  duckdb_prepared_statement stmt;
  int32_t status = prepare(s, sql, sql_len, params, params_len, &stmt, message);
  if (status == WARDEN_OK) {
    duckdb_state state = streaming ? duckdb_execute_prepared_streaming(stmt, result)
                                   : duckdb_execute_prepared(stmt, result);
    if (state != DuckDBSuccess) {
      buf_error(message, duckdb_result_error(result));
      duckdb_destroy_result(result);
      status = WARDEN_ERR;
    }
  }
  duckdb_destroy_prepare(&stmt);
  return status;
}

static int32_t execute(uint64_t self, const uint8_t *sql, uint32_t sql_len,
                       const uint8_t *params, uint32_t params_len, uint8_t *out,
                       uint32_t cap, uint32_t *out_len) {
  slot_t *s = lookup(self);
  if (s == NULL) return WARDEN_ABI_BAD_HANDLE;
  duckdb_result result;
  buf_t message = {0};
  int32_t status = run(s, sql, sql_len, params, params_len, 0, &result, &message);
  if (status == WARDEN_ERR) return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  free(message.bytes);
  if (status != WARDEN_OK) return status;
  uint64_t changed = duckdb_rows_changed(&result);
  duckdb_destroy_result(&result);
  buf_t value = {0};
  buf_u64(&value, changed);
  return buf_out(&value, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_duckdb_duckdb_connection_execute(
    uint64_t self, const uint8_t *sql, uint32_t sql_len, const uint8_t *params,
    uint32_t params_len, uint8_t *out, uint32_t cap, uint32_t *out_len) {
  pthread_mutex_lock(&mutex);
  int32_t status = execute(self, sql, sql_len, params, params_len, out, cap, out_len);
  pthread_mutex_unlock(&mutex);
  return status;
}

/* The name of a DuckDB type the bundle does not return, for messages. */
static const char *type_name(int type) {
  switch (type) {
  case 12: return "TIMESTAMP";
  case 13: return "DATE";
  case 14: return "TIME";
  case 15: return "INTERVAL";
  case 16: return "HUGEINT";
  case 19: return "DECIMAL";
  case 20: return "TIMESTAMP_S";
  case 21: return "TIMESTAMP_MS";
  case 22: return "TIMESTAMP_NS";
  case 23: return "ENUM";
  case 24: return "LIST";
  case 25: return "STRUCT";
  case 26: return "MAP";
  case 27: return "UUID";
  case 28: return "UNION";
  case 29: return "BIT";
  case 30: return "TIME WITH TIME ZONE";
  case 31: return "TIMESTAMP WITH TIME ZONE";
  case 32: return "UHUGEINT";
  case 33: return "ARRAY";
  default: return NULL;
  }
}

static int carried(int type) {
  return (type >= DUCKDB_TYPE_BOOLEAN && type <= DUCKDB_TYPE_DOUBLE) ||
         type == DUCKDB_TYPE_VARCHAR || type == DUCKDB_TYPE_BLOB;
}

/* Appends the cell at `row` of a vector of `type` in the value encoding. */
static void encode_cell(buf_t *b, const void *data, uint64_t *validity, idx_t row,
                        int type) {
  if (validity != NULL && !duckdb_validity_row_is_valid(validity, row)) {
    buf_u8(b, V_NULL);
    return;
  }
  int64_t integer = 0;
  switch (type) {
  case DUCKDB_TYPE_BOOLEAN:
    buf_u8(b, V_BOOLEAN);
    buf_u8(b, ((const bool *)data)[row] ? 1 : 0);
    return;
  case DUCKDB_TYPE_TINYINT: integer = ((const int8_t *)data)[row]; break;
  case DUCKDB_TYPE_SMALLINT: integer = ((const int16_t *)data)[row]; break;
  case DUCKDB_TYPE_INTEGER: integer = ((const int32_t *)data)[row]; break;
  case DUCKDB_TYPE_BIGINT: integer = ((const int64_t *)data)[row]; break;
  case DUCKDB_TYPE_UTINYINT: integer = ((const uint8_t *)data)[row]; break;
  case DUCKDB_TYPE_USMALLINT: integer = ((const uint16_t *)data)[row]; break;
  case DUCKDB_TYPE_UINTEGER: integer = ((const uint32_t *)data)[row]; break;
  case DUCKDB_TYPE_UBIGINT: {
    uint64_t v = ((const uint64_t *)data)[row];
    if (v > INT64_MAX) { /* past s64: its decimal text */
      char text[24];
      int n = snprintf(text, sizeof text, "%llu", (unsigned long long)v);
      buf_u8(b, V_TEXT);
      buf_bytes(b, text, (size_t)n);
      return;
    }
    integer = (int64_t)v;
    break;
  }
  case DUCKDB_TYPE_FLOAT:
  case DUCKDB_TYPE_DOUBLE: {
    double v = type == DUCKDB_TYPE_FLOAT ? ((const float *)data)[row]
                                         : ((const double *)data)[row];
    uint64_t bits;
    memcpy(&bits, &v, 8);
    buf_u8(b, V_REAL);
    buf_u64(b, bits);
    return;
  }
  default: { /* VARCHAR or BLOB */
    const duckdb_string_t *s = &((const duckdb_string_t *)data)[row];
    uint32_t n = s->value.inlined.length;
    buf_u8(b, type == DUCKDB_TYPE_VARCHAR ? V_TEXT : V_BLOB);
    buf_bytes(b, n <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr, n);
    return;
  }
  }
  buf_u8(b, V_INTEGER);
  buf_u64(b, (uint64_t)integer);
}

/* Encodes `result` as `rows` into `value`; a message in `message` when
 * it cannot (a column type, or a cap). */
static void encode_rows(duckdb_result *result, buf_t *value, buf_t *message) {
  idx_t columns = duckdb_column_count(result);
  int *types = calloc(columns ? columns : 1, sizeof *types);
  if (types == NULL) {
    value->failed = 1;
    return;
  }
  buf_u32(value, (uint32_t)columns);
  for (idx_t c = 0; c < columns && message->length == 0; c++) {
    const char *name = duckdb_column_name(result, c);
    if (name == NULL) name = "";
    buf_bytes(value, name, strlen(name));
    types[c] = duckdb_column_type(result, c);
    if (!carried(types[c])) {
      const char *type = type_name(types[c]);
      buf_printf(message, "Column \"%s\" has type ", name);
      if (type != NULL) buf_printf(message, "%s", type);
      else buf_printf(message, "#%d", types[c]);
      buf_printf(message,
                 ", which the bundle does not return (cast it in the SQL, e.g. "
                 "CAST(\"%s\" AS VARCHAR))",
                 name);
    }
  }
  /* The row count goes before the rows: patched in at the end. */
  size_t count_at = value->length;
  buf_u32(value, 0);
  uint64_t rows = 0;
  while (message->length == 0 && !value->failed) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*result);
    if (chunk == NULL) break;
    idx_t size = duckdb_data_chunk_get_size(chunk);
    if (rows + size > MAX_ROWS) {
      buf_printf(message,
                 "The query returned more than %d rows, the most one query may "
                 "return (add a LIMIT, or page with LIMIT and OFFSET)",
                 MAX_ROWS);
    } else {
      const void *data[columns ? columns : 1];
      uint64_t *validity[columns ? columns : 1];
      for (idx_t c = 0; c < columns; c++) {
        duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, c);
        data[c] = duckdb_vector_get_data(vector);
        validity[c] = duckdb_vector_get_validity(vector);
      }
      for (idx_t r = 0; r < size; r++) {
        buf_u32(value, (uint32_t)columns);
        for (idx_t c = 0; c < columns; c++) {
          encode_cell(value, data[c], validity[c], r, types[c]);
        }
      }
      rows += size;
      if (value->length > MAX_RESULT_BYTES) {
        buf_printf(message,
                   "The query's result is larger than %u bytes, the most one "
                   "query may return (select fewer rows or columns, or page "
                   "with LIMIT and OFFSET)",
                   MAX_RESULT_BYTES);
      }
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  /* A streaming result that failed while producing rows. */
  if (message->length == 0 && duckdb_result_error(result) != NULL) {
    buf_error(message, duckdb_result_error(result));
  }
  free(types);
  if (!value->failed) {
    for (int i = 0; i < 4; i++) value->bytes[count_at + i] = (uint8_t)(rows >> (8 * i));
  }
}

static int32_t query(uint64_t self, const uint8_t *sql, uint32_t sql_len,
                     const uint8_t *params, uint32_t params_len, uint8_t *out,
                     uint32_t cap, uint32_t *out_len) {
  slot_t *s = lookup(self);
  if (s == NULL) return WARDEN_ABI_BAD_HANDLE;
  duckdb_result result;
  buf_t message = {0};
  int32_t status = run(s, sql, sql_len, params, params_len, 1, &result, &message);
  if (status == WARDEN_ERR) return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  if (status != WARDEN_OK) return status;
  buf_t value = {0};
  encode_rows(&result, &value, &message);
  duckdb_destroy_result(&result);
  if (message.length > 0 || message.failed) {
    free(value.bytes);
    return buf_out(&message, WARDEN_ERR, out, cap, out_len);
  }
  return buf_out(&value, WARDEN_OK, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_duckdb_duckdb_connection_query(
    uint64_t self, const uint8_t *sql, uint32_t sql_len, const uint8_t *params,
    uint32_t params_len, uint8_t *out, uint32_t cap, uint32_t *out_len) {
  pthread_mutex_lock(&mutex);
  int32_t status = query(self, sql, sql_len, params, params_len, out, cap, out_len);
  pthread_mutex_unlock(&mutex);
  return status;
}
