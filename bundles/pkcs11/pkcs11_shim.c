/*
 * pkcs11: warden:pkcs11/pkcs11@0.1.0 (wit/pkcs11.wit) over a PKCS#11 module
 * (SoftHSM's libsofthsm2.so by default), through Warden's native ABI
 * (docs/native-abi.md).
 *
 * - The init hook dlopens the module named by the configuration, takes its
 *   function list (C_GetFunctionList) and initializes it with OS locking.
 * - A session is a PKCS#11 read-write session, logged in as the user. PKCS#11
 *   logs in per token, not per session, so a second session on a token that
 *   is already logged in would skip the PIN check: the shim keeps the SHA-256
 *   of the PIN that logged in (computed by the token) and compares.
 * - A key is a key pair's object handles; keys are token objects, private
 *   halves sensitive and not extractable.
 * - ECDSA signs the token's SHA-256 digest of the data with CKM_ECDSA; RSA
 *   uses CKM_SHA256_RSA_PKCS.
 *
 * The PKCS#11 types, constants and function list are declared here (from the
 * PKCS#11 2.40 specification) so no header package is needed. Every call is
 * serialized by one mutex.
 */
#define WARDEN_NATIVE_IMPLEMENTATION
#include "../../src/bundles/warden_native.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

WARDEN_DEFINE_TAKE(warden_pkcs11_take)

/* ---- PKCS#11 2.40, the part this shim uses ---- */

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV, CK_SLOT_ID, CK_SESSION_HANDLE, CK_OBJECT_HANDLE,
    CK_FLAGS, CK_MECHANISM_TYPE, CK_ATTRIBUTE_TYPE;
typedef unsigned char CK_BYTE, CK_BBOOL;
typedef struct {
  CK_ATTRIBUTE_TYPE type;
  void *pValue;
  CK_ULONG ulValueLen;
} CK_ATTRIBUTE;
typedef struct {
  CK_MECHANISM_TYPE mechanism;
  void *pParameter;
  CK_ULONG ulParameterLen;
} CK_MECHANISM;
typedef struct {
  CK_BYTE major, minor;
} CK_VERSION;
typedef struct {
  CK_BYTE label[32], manufacturerID[32], model[16], serialNumber[16];
  CK_FLAGS flags;
  CK_ULONG ulMaxSessionCount, ulSessionCount, ulMaxRwSessionCount,
      ulRwSessionCount, ulMaxPinLen, ulMinPinLen, ulTotalPublicMemory,
      ulFreePublicMemory, ulTotalPrivateMemory, ulFreePrivateMemory;
  CK_VERSION hardwareVersion, firmwareVersion;
  CK_BYTE utcTime[16];
} CK_TOKEN_INFO;
typedef struct {
  void *CreateMutex, *DestroyMutex, *LockMutex, *UnlockMutex;
  CK_FLAGS flags;
  void *pReserved;
} CK_C_INITIALIZE_ARGS;

typedef CK_RV (*ck_fn)(void);
/* CK_FUNCTION_LIST: the version, then the functions in this order. */
typedef struct {
  CK_VERSION version;
  CK_RV (*C_Initialize)(void *);
  CK_RV (*C_Finalize)(void *);
  ck_fn C_GetInfo, C_GetFunctionList;
  CK_RV (*C_GetSlotList)(CK_BBOOL, CK_SLOT_ID *, CK_ULONG *);
  ck_fn C_GetSlotInfo;
  CK_RV (*C_GetTokenInfo)(CK_SLOT_ID, CK_TOKEN_INFO *);
  ck_fn C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN,
      C_SetPIN;
  CK_RV (*C_OpenSession)(CK_SLOT_ID, CK_FLAGS, void *, void *,
                         CK_SESSION_HANDLE *);
  CK_RV (*C_CloseSession)(CK_SESSION_HANDLE);
  ck_fn C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState,
      C_SetOperationState;
  CK_RV (*C_Login)(CK_SESSION_HANDLE, CK_ULONG, const CK_BYTE *, CK_ULONG);
  ck_fn C_Logout, C_CreateObject, C_CopyObject, C_DestroyObject,
      C_GetObjectSize;
  CK_RV (*C_GetAttributeValue)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE,
                               CK_ATTRIBUTE *, CK_ULONG);
  ck_fn C_SetAttributeValue;
  CK_RV (*C_FindObjectsInit)(CK_SESSION_HANDLE, CK_ATTRIBUTE *, CK_ULONG);
  CK_RV (*C_FindObjects)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE *, CK_ULONG,
                         CK_ULONG *);
  CK_RV (*C_FindObjectsFinal)(CK_SESSION_HANDLE);
  ck_fn C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal,
      C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal;
  CK_RV (*C_DigestInit)(CK_SESSION_HANDLE, CK_MECHANISM *);
  CK_RV (*C_Digest)(CK_SESSION_HANDLE, const CK_BYTE *, CK_ULONG, CK_BYTE *,
                    CK_ULONG *);
  ck_fn C_DigestUpdate, C_DigestKey, C_DigestFinal;
  CK_RV (*C_SignInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
  CK_RV (*C_Sign)(CK_SESSION_HANDLE, const CK_BYTE *, CK_ULONG, CK_BYTE *,
                  CK_ULONG *);
  ck_fn C_SignUpdate, C_SignFinal, C_SignRecoverInit, C_SignRecover;
  CK_RV (*C_VerifyInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
  CK_RV (*C_Verify)(CK_SESSION_HANDLE, const CK_BYTE *, CK_ULONG,
                    const CK_BYTE *, CK_ULONG);
  ck_fn C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover,
      C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate,
      C_DecryptVerifyUpdate, C_GenerateKey;
  CK_RV (*C_GenerateKeyPair)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_ATTRIBUTE *,
                             CK_ULONG, CK_ATTRIBUTE *, CK_ULONG,
                             CK_OBJECT_HANDLE *, CK_OBJECT_HANDLE *);
  ck_fn C_WrapKey, C_UnwrapKey, C_DeriveKey, C_SeedRandom, C_GenerateRandom,
      C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent;
} CK_FUNCTION_LIST;

#define CKR_OK 0x0UL
#define CKR_ACTION_PROHIBITED 0x1BUL
#define CKR_KEY_FUNCTION_NOT_PERMITTED 0x68UL
#define CKR_PIN_INCORRECT 0xA0UL
#define CKR_PIN_LEN_RANGE 0xA2UL
#define CKR_PIN_LOCKED 0xA4UL
#define CKR_SESSION_READ_ONLY 0xB5UL
#define CKR_SIGNATURE_INVALID 0xC0UL
#define CKR_SIGNATURE_LEN_RANGE 0xC1UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL
#define CKR_USER_NOT_LOGGED_IN 0x101UL
#define CKR_USER_PIN_NOT_INITIALIZED 0x102UL
#define CKR_CRYPTOKI_ALREADY_INITIALIZED 0x191UL
#define CKF_TOKEN_INITIALIZED (1UL << 10)
#define CKF_RW_SESSION (1UL << 1)
#define CKF_SERIAL_SESSION (1UL << 2)
#define CKF_OS_LOCKING_OK (1UL << 1)
#define CKU_USER 1UL
#define CKO_PUBLIC_KEY 2UL
#define CKO_PRIVATE_KEY 3UL
#define CKK_RSA 0UL
#define CKK_EC 3UL
#define CKA_CLASS 0x0UL
#define CKA_TOKEN 0x1UL
#define CKA_PRIVATE 0x2UL
#define CKA_LABEL 0x3UL
#define CKA_KEY_TYPE 0x100UL
#define CKA_ID 0x102UL
#define CKA_SENSITIVE 0x103UL
#define CKA_SIGN 0x108UL
#define CKA_VERIFY 0x10AUL
#define CKA_MODULUS_BITS 0x121UL
#define CKA_PUBLIC_EXPONENT 0x122UL
#define CKA_EXTRACTABLE 0x162UL
#define CKA_EC_PARAMS 0x180UL
#define CKM_RSA_PKCS_KEY_PAIR_GEN 0x0UL
#define CKM_SHA256_RSA_PKCS 0x40UL
#define CKM_SHA256 0x250UL
#define CKM_SHA384 0x260UL
#define CKM_SHA512 0x270UL
#define CKM_EC_KEY_PAIR_GEN 0x1040UL
#define CKM_ECDSA 0x1041UL

/* The DER of the OID of P-256 (prime256v1), CKA_EC_PARAMS of its keys. */
static const CK_BYTE P256[] = {0x06, 0x08, 0x2A, 0x86, 0x48,
                               0xCE, 0x3D, 0x03, 0x01, 0x07};

/* ---- the WIT's types ---- */

enum { ALG_ECDSA_P256_SHA256, ALG_RSA_PKCS1_SHA256, ALG_COUNT };
enum { ERR_TOKEN_NOT_FOUND, ERR_PIN_INCORRECT, ERR_PIN_LOCKED,
       ERR_NOT_PERMITTED, ERR_KEY_EXISTS, ERR_INVALID_INPUT, ERR_DEVICE };

/* Caps: the most bytes of a label, and the most bytes of data (configurable). */
#define MAX_LABEL_BYTES 128
#define TOKEN_LABEL_BYTES 32
static uint64_t max_data_bytes = 16 * 1024 * 1024;

/* Returns the error variant `which` with `text` (a label) as its payload. */
static int32_t fail_label(uint8_t *out, uint32_t cap, uint32_t *out_len,
                          int which, const uint8_t *text, uint32_t n) {
  uint8_t bytes[5 + MAX_LABEL_BYTES];
  bytes[0] = (uint8_t)which;
  for (int i = 0; i < 4; i++) bytes[1 + i] = (uint8_t)(n >> (8 * i));
  memcpy(bytes + 5, text, n);
  return warden_out(WARDEN_ERR, bytes, 5 + n, out, cap, out_len);
}

/* Returns the error variant `which` with an optional printf message
 * (the string payload: a u32 length, then the UTF-8 bytes). */
static int32_t fail(uint8_t *out, uint32_t cap, uint32_t *out_len, int which,
                    const char *format, ...) {
  uint8_t bytes[5 + 512];
  size_t length = 1;
  bytes[0] = (uint8_t)which;
  if (format != NULL) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf((char *)bytes + 5, 512, format, args);
    va_end(args);
    uint32_t text = n < 0 ? 0 : (uint32_t)(n < 512 ? n : 511);
    for (int i = 0; i < 4; i++) bytes[1 + i] = (uint8_t)(text >> (8 * i));
    length = 5 + text;
  }
  return warden_out(WARDEN_ERR, bytes, length, out, cap, out_len);
}

static const char *rv_name(CK_RV rv) {
  switch (rv) {
  case 0x5UL: return "CKR_GENERAL_ERROR";
  case 0x6UL: return "CKR_FUNCTION_FAILED";
  case 0x7UL: return "CKR_ARGUMENTS_BAD";
  case CKR_ACTION_PROHIBITED: return "CKR_ACTION_PROHIBITED";
  case 0x21UL: return "CKR_DATA_LEN_RANGE";
  case 0x30UL: return "CKR_DEVICE_ERROR";
  case 0x31UL: return "CKR_DEVICE_MEMORY";
  case 0x60UL: return "CKR_KEY_HANDLE_INVALID";
  case 0x63UL: return "CKR_KEY_TYPE_INCONSISTENT";
  case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
  case 0x70UL: return "CKR_MECHANISM_INVALID";
  case 0x82UL: return "CKR_OBJECT_HANDLE_INVALID";
  case 0xB3UL: return "CKR_SESSION_HANDLE_INVALID";
  case CKR_SESSION_READ_ONLY: return "CKR_SESSION_READ_ONLY";
  case 0xE0UL: return "CKR_TOKEN_NOT_PRESENT";
  case CKR_USER_ALREADY_LOGGED_IN: return "CKR_USER_ALREADY_LOGGED_IN";
  case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
  case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
  case 0x150UL: return "CKR_BUFFER_TOO_SMALL";
  case 0x190UL: return "CKR_CRYPTOKI_NOT_INITIALIZED";
  default: return "a CKR_ code";
  }
}

/* Maps a PKCS#11 failure of `function` to the error variant. */
static int32_t fail_rv(uint8_t *out, uint32_t cap, uint32_t *out_len,
                       const char *function, CK_RV rv) {
  switch (rv) {
  case CKR_PIN_INCORRECT:
  case CKR_PIN_LEN_RANGE:
    return fail(out, cap, out_len, ERR_PIN_INCORRECT, NULL);
  case CKR_PIN_LOCKED:
    return fail(out, cap, out_len, ERR_PIN_LOCKED, NULL);
  case CKR_ACTION_PROHIBITED:
  case CKR_KEY_FUNCTION_NOT_PERMITTED:
  case CKR_SESSION_READ_ONLY:
  case CKR_USER_NOT_LOGGED_IN:
  case CKR_USER_PIN_NOT_INITIALIZED:
    return fail(out, cap, out_len, ERR_NOT_PERMITTED, "%s refused: %s (0x%lX)",
                function, rv_name(rv), rv);
  default:
    return fail(out, cap, out_len, ERR_DEVICE, "%s failed: %s (0x%lX)",
                function, rv_name(rv), rv);
  }
}

/* ---- state: the module, sessions, logins and keys ---- */

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static CK_FUNCTION_LIST *p11;
static uint64_t next_handle = 1;

typedef struct session {
  uint64_t handle;
  CK_SESSION_HANDLE ck;
  CK_SLOT_ID slot;
  struct session *next;
} session_t;

typedef struct login {
  CK_SLOT_ID slot;
  unsigned sessions;
  CK_BYTE pin_sha256[32];
  struct login *next;
} login_t;

typedef struct pkey {
  uint64_t handle;
  CK_SLOT_ID slot;
  CK_OBJECT_HANDLE private_key, public_key; /* 0 when absent */
  uint32_t algorithm;
  uint32_t label_len;
  uint8_t label[MAX_LABEL_BYTES];
  struct pkey *next;
} pkey_t;

static session_t *sessions;
static login_t *logins;
static pkey_t *keys;

static session_t *find_session(uint64_t handle) {
  for (session_t *s = sessions; s != NULL; s = s->next)
    if (s->handle == handle) return s;
  return NULL;
}

static pkey_t *find_pkey(uint64_t handle) {
  for (pkey_t *k = keys; k != NULL; k = k->next)
    if (k->handle == handle) return k;
  return NULL;
}

static login_t *find_login(CK_SLOT_ID slot) {
  for (login_t *l = logins; l != NULL; l = l->next)
    if (l->slot == slot) return l;
  return NULL;
}

/* ---- configuration: {"module": string, "max_data_bytes": integer} ---- */

static const uint8_t *skip_space(const uint8_t *at, const uint8_t *end) {
  while (at < end && (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t'))
    at++;
  return at;
}

/* Reads a JSON string without escapes into `into` (NUL-terminated). */
static const uint8_t *read_string(const uint8_t *at, const uint8_t *end,
                                  char *into, size_t size) {
  if (at >= end || *at != '"') return NULL;
  size_t n = 0;
  for (at++; at < end && *at != '"'; at++) {
    if (*at == '\\' || n + 1 >= size) return NULL;
    into[n++] = (char)*at;
  }
  if (at >= end) return NULL;
  into[n] = 0;
  return at + 1;
}

static void init_message(uint8_t *out, uint32_t cap, uint32_t *out_len,
                         int32_t *status, const char *format, ...) {
  char text[1024];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  size_t length = n < 0 ? 0 : ((size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
  *status = warden_out(WARDEN_ERR, text, length, out, cap, out_len);
}

/* Parses the configuration; returns 0, or -1 with the message written. */
static int read_config(const uint8_t *config, uint32_t config_len, char *module,
                       size_t module_size, uint8_t *out, uint32_t cap,
                       uint32_t *out_len, int32_t *status) {
  const uint8_t *at = skip_space(config, config + config_len);
  const uint8_t *end = config + config_len;
  if (at >= end || *at++ != '{') goto bad;
  at = skip_space(at, end);
  if (at < end && *at == '}') return 0;
  for (;;) {
    char key[64], text[4096];
    at = read_string(skip_space(at, end), end, key, sizeof key);
    if (at == NULL) goto bad;
    at = skip_space(at, end);
    if (at >= end || *at++ != ':') goto bad;
    at = skip_space(at, end);
    if (strcmp(key, "module") == 0) {
      at = read_string(at, end, text, sizeof text);
      if (at == NULL || text[0] == 0) {
        init_message(out, cap, out_len, status,
                     "Configuration key \"module\" must be the path of a "
                     "PKCS#11 module, as a non-empty string without escapes");
        return -1;
      }
      snprintf(module, module_size, "%s", text);
    } else if (strcmp(key, "max_data_bytes") == 0) {
      uint64_t v = 0;
      const uint8_t *start = at;
      while (at < end && *at >= '0' && *at <= '9' && at - start < 16)
        v = v * 10 + (uint64_t)(*at++ - '0');
      if (at == start || v == 0 || v > UINT32_MAX ||
          (at < end && *at != ',' && *at != '}' && *at != ' ')) {
        init_message(out, cap, out_len, status,
                     "Configuration key \"max_data_bytes\" must be an integer "
                     "from 1 to 4294967295");
        return -1;
      }
      max_data_bytes = v;
    } else {
      init_message(out, cap, out_len, status,
                   "Unknown configuration key \"%s\" (known keys: module, "
                   "max_data_bytes)",
                   key);
      return -1;
    }
    at = skip_space(at, end);
    if (at < end && *at == ',') { at++; continue; }
    if (at < end && *at == '}') return 0;
    goto bad;
  }
bad:
  *status = WARDEN_ABI_BAD_INPUT;
  return -1;
}

WARDEN_EXPORT int32_t warden_pkcs11_init(const uint8_t *dir, uint32_t dir_len,
                                         const uint8_t *config,
                                         uint32_t config_len, uint8_t *out,
                                         uint32_t cap, uint32_t *out_len) {
  (void)dir;
  (void)dir_len;
  char module[4096] = "/usr/lib/softhsm/libsofthsm2.so";
  int32_t status = WARDEN_OK;
  pthread_mutex_lock(&mutex);
  max_data_bytes = 16 * 1024 * 1024;
  if (read_config(config, config_len, module, sizeof module, out, cap, out_len,
                  &status) != 0) {
    pthread_mutex_unlock(&mutex);
    return status;
  }
  void *library = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    init_message(out, cap, out_len, &status,
                 "Cannot load the PKCS#11 module \"%s\": %s (install it, e.g. "
                 "apt-get install softhsm2, or set module in the bundle's "
                 "configuration)",
                 module, dlerror());
    pthread_mutex_unlock(&mutex);
    return status;
  }
  CK_RV (*get_list)(CK_FUNCTION_LIST **) =
      (CK_RV(*)(CK_FUNCTION_LIST **))dlsym(library, "C_GetFunctionList");
  CK_FUNCTION_LIST *list = NULL;
  CK_RV rv = get_list == NULL ? 1 : get_list(&list);
  if (rv != CKR_OK || list == NULL) {
    init_message(out, cap, out_len, &status,
                 "\"%s\" is not a PKCS#11 module: it has no working "
                 "C_GetFunctionList (name a PKCS#11 module in module)",
                 module);
    pthread_mutex_unlock(&mutex);
    return status;
  }
  CK_C_INITIALIZE_ARGS args = {0};
  args.flags = CKF_OS_LOCKING_OK;
  rv = list->C_Initialize(&args);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    /* Loaded before in this process: start the module afresh. */
    list->C_Finalize(NULL);
    rv = list->C_Initialize(&args);
  }
  if (rv != CKR_OK) {
    init_message(out, cap, out_len, &status,
                 "C_Initialize of the PKCS#11 module \"%s\" failed: %s (0x%lX) "
                 "(check the module's own configuration, e.g. SOFTHSM2_CONF)",
                 module, rv_name(rv), rv);
    pthread_mutex_unlock(&mutex);
    return status;
  }
  p11 = list;
  *out_len = 0;
  pthread_mutex_unlock(&mutex);
  return WARDEN_OK;
}

/* ---- warden:pkcs11/pkcs11 ---- */

#define GUARDED(body)                                                        \
  do {                                                                       \
    pthread_mutex_lock(&mutex);                                              \
    int32_t guarded_status = WARDEN_ABI_FAILED;                              \
    if (p11 != NULL) guarded_status = (body);                                \
    pthread_mutex_unlock(&mutex);                                            \
    return guarded_status;                                                   \
  } while (0)

/* Stands for the bytes of an empty argument, whose pointer may be NULL:
 * PKCS#11 modules refuse NULL data even with a zero length. */
static const CK_BYTE EMPTY[1];
#define NOT_NULL(p) ((p) != NULL ? (p) : EMPTY)

/* The token's SHA-256 of `data` into `digest` (32 bytes). */
static CK_RV sha256(CK_SESSION_HANDLE session, const uint8_t *data,
                    uint32_t n, CK_BYTE *digest) {
  CK_MECHANISM mechanism = {CKM_SHA256, NULL, 0};
  CK_ULONG length = 32;
  CK_RV rv = p11->C_DigestInit(session, &mechanism);
  if (rv == CKR_OK) rv = p11->C_Digest(session, data, n, digest, &length);
  return rv;
}

static int32_t open_session(const uint8_t *label, uint32_t label_len,
                            const uint8_t *pin, uint32_t pin_len, uint8_t *out,
                            uint32_t cap, uint32_t *out_len) {
  if (label_len == 0 || label_len > TOKEN_LABEL_BYTES)
    return fail(out, cap, out_len, ERR_INVALID_INPUT,
                "A token label has 1 to %d bytes, not %u", TOKEN_LABEL_BYTES,
                label_len);
  CK_SLOT_ID slots[64];
  CK_ULONG count = 64;
  CK_RV rv = p11->C_GetSlotList(1, slots, &count);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_GetSlotList", rv);
  CK_SLOT_ID slot = 0;
  int found = 0;
  for (CK_ULONG i = 0; i < count && !found; i++) {
    CK_TOKEN_INFO info;
    if (p11->C_GetTokenInfo(slots[i], &info) != CKR_OK ||
        !(info.flags & CKF_TOKEN_INITIALIZED))
      continue;
    size_t n = TOKEN_LABEL_BYTES;
    while (n > 0 && info.label[n - 1] == ' ') n--;
    if (n == label_len && memcmp(info.label, label, n) == 0) {
      slot = slots[i];
      found = 1;
    }
  }
  if (!found)
    return fail_label(out, cap, out_len, ERR_TOKEN_NOT_FOUND, label, label_len);
  session_t *s = calloc(1, sizeof *s);
  login_t *login = find_login(slot);
  login_t *fresh = login == NULL ? calloc(1, sizeof *fresh) : NULL;
  if (s == NULL || (login == NULL && fresh == NULL)) {
    free(s);
    free(fresh);
    return WARDEN_ABI_FAILED;
  }
  rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                          &s->ck);
  if (rv != CKR_OK) {
    free(s);
    free(fresh);
    return fail_rv(out, cap, out_len, "C_OpenSession", rv);
  }
  CK_BYTE digest[32];
  rv = sha256(s->ck, pin, pin_len, digest);
  if (rv == CKR_OK && login == NULL) {
    /* CKR_USER_ALREADY_LOGGED_IN would mean a login the shim does not
     * know of, whose PIN it cannot compare: it fails as a device error. */
    rv = p11->C_Login(s->ck, CKU_USER, pin, pin_len);
  } else if (rv == CKR_OK && memcmp(login->pin_sha256, digest, 32) != 0) {
    rv = CKR_PIN_INCORRECT;
  }
  if (rv != CKR_OK) {
    p11->C_CloseSession(s->ck);
    free(s);
    free(fresh);
    return fail_rv(out, cap, out_len, "C_Login", rv);
  }
  if (fresh != NULL) {
    fresh->slot = slot;
    memcpy(fresh->pin_sha256, digest, 32);
    fresh->next = logins;
    logins = login = fresh;
  }
  login->sessions++;
  s->slot = slot;
  s->handle = next_handle++;
  s->next = sessions;
  sessions = s;
  return warden_out(WARDEN_OK, &s->handle, 8, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_open_session(
    const uint8_t *label, uint32_t label_len, const uint8_t *pin,
    uint32_t pin_len, uint8_t *out, uint32_t cap, uint32_t *out_len) {
  GUARDED(open_session(label, label_len, NOT_NULL(pin), pin_len, out, cap, out_len));
}

WARDEN_EXPORT void warden_pkcs11_pkcs11_session_drop(uint64_t handle) {
  pthread_mutex_lock(&mutex);
  for (session_t **at = &sessions; *at != NULL; at = &(*at)->next) {
    session_t *s = *at;
    if (s->handle != handle) continue;
    *at = s->next;
    if (p11 != NULL) p11->C_CloseSession(s->ck);
    /* Closing a token's last session logs it out. */
    for (login_t **l = &logins; *l != NULL; l = &(*l)->next) {
      if ((*l)->slot != s->slot) continue;
      if (--(*l)->sessions == 0) {
        login_t *gone = *l;
        *l = gone->next;
        free(gone);
      }
      break;
    }
    free(s);
    break;
  }
  pthread_mutex_unlock(&mutex);
}

WARDEN_EXPORT void warden_pkcs11_pkcs11_key_drop(uint64_t handle) {
  pthread_mutex_lock(&mutex);
  for (pkey_t **at = &keys; *at != NULL; at = &(*at)->next) {
    if ((*at)->handle != handle) continue;
    pkey_t *gone = *at;
    *at = gone->next;
    free(gone);
    break;
  }
  pthread_mutex_unlock(&mutex);
}

/* The first object of `class` labelled `label`, or 0. */
static CK_RV find_object(session_t *s, CK_ULONG class, const uint8_t *label,
                         uint32_t label_len, CK_OBJECT_HANDLE *found) {
  CK_ATTRIBUTE template[] = {
      {CKA_CLASS, &class, sizeof class},
      {CKA_LABEL, (void *)label, label_len},
  };
  CK_ULONG count = 0;
  *found = 0;
  CK_RV rv = p11->C_FindObjectsInit(s->ck, template, 2);
  if (rv != CKR_OK) return rv;
  rv = p11->C_FindObjects(s->ck, found, 1, &count);
  p11->C_FindObjectsFinal(s->ck);
  if (count == 0) *found = 0;
  return rv;
}

static int32_t check_label(uint32_t label_len, uint8_t *out, uint32_t cap,
                           uint32_t *out_len) {
  if (label_len == 0 || label_len > MAX_LABEL_BYTES)
    return fail(out, cap, out_len, ERR_INVALID_INPUT,
                "A key label has 1 to %d bytes, not %u", MAX_LABEL_BYTES,
                label_len);
  return WARDEN_OK;
}

/* Makes a key for the objects and returns its handle. */
static int32_t new_key(session_t *s, const uint8_t *label, uint32_t label_len,
                       CK_OBJECT_HANDLE private_key,
                       CK_OBJECT_HANDLE public_key, uint32_t algorithm,
                       uint8_t *out, uint32_t cap, uint32_t *out_len) {
  pkey_t *k = calloc(1, sizeof *k);
  if (k == NULL) return WARDEN_ABI_FAILED;
  k->handle = next_handle++;
  k->slot = s->slot;
  k->private_key = private_key;
  k->public_key = public_key;
  k->algorithm = algorithm;
  k->label_len = label_len;
  memcpy(k->label, label, label_len);
  k->next = keys;
  keys = k;
  return warden_out(WARDEN_OK, &k->handle, 8, out, cap, out_len);
}

static int32_t generate_key_pair(uint64_t self, const uint8_t *label,
                                 uint32_t label_len, uint32_t algorithm,
                                 uint8_t *out, uint32_t cap,
                                 uint32_t *out_len) {
  session_t *s = find_session(self);
  if (s == NULL) return WARDEN_ABI_BAD_HANDLE;
  if (algorithm >= ALG_COUNT) return WARDEN_ABI_BAD_INPUT;
  int32_t bad = check_label(label_len, out, cap, out_len);
  if (bad != WARDEN_OK) return bad;
  CK_OBJECT_HANDLE existing[2];
  CK_RV rv = find_object(s, CKO_PRIVATE_KEY, label, label_len, &existing[0]);
  if (rv == CKR_OK)
    rv = find_object(s, CKO_PUBLIC_KEY, label, label_len, &existing[1]);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_FindObjects", rv);
  if (existing[0] != 0 || existing[1] != 0)
    return fail_label(out, cap, out_len, ERR_KEY_EXISTS, label, label_len);
  CK_BBOOL yes = 1, no = 0;
  CK_ULONG bits = 2048;
  CK_BYTE exponent[] = {1, 0, 1};
  int ec = algorithm == ALG_ECDSA_P256_SHA256;
  CK_ATTRIBUTE public_template[] = {
      {CKA_TOKEN, &yes, 1},
      {CKA_VERIFY, &yes, 1},
      {CKA_LABEL, (void *)label, label_len},
      {CKA_ID, (void *)label, label_len},
      {ec ? CKA_EC_PARAMS : CKA_MODULUS_BITS, ec ? (void *)P256 : (void *)&bits,
       ec ? sizeof P256 : sizeof bits},
      {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
  };
  CK_ATTRIBUTE private_template[] = {
      {CKA_TOKEN, &yes, 1},
      {CKA_PRIVATE, &yes, 1},
      {CKA_SENSITIVE, &yes, 1},
      {CKA_EXTRACTABLE, &no, 1},
      {CKA_SIGN, &yes, 1},
      {CKA_LABEL, (void *)label, label_len},
      {CKA_ID, (void *)label, label_len},
  };
  CK_MECHANISM mechanism = {
      ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
  CK_OBJECT_HANDLE public_key = 0, private_key = 0;
  rv = p11->C_GenerateKeyPair(s->ck, &mechanism, public_template, ec ? 5 : 6,
                              private_template, 7, &public_key, &private_key);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_GenerateKeyPair", rv);
  return new_key(s, label, label_len, private_key, public_key, algorithm, out,
                 cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_session_generate_key_pair(
    uint64_t self, const uint8_t *label, uint32_t label_len, uint32_t algorithm,
    uint8_t *out, uint32_t cap, uint32_t *out_len) {
  GUARDED(generate_key_pair(self, label, label_len, algorithm, out, cap,
                            out_len));
}

static int32_t find_key(uint64_t self, const uint8_t *label, uint32_t label_len,
                        uint8_t *out, uint32_t cap, uint32_t *out_len) {
  session_t *s = find_session(self);
  if (s == NULL) return WARDEN_ABI_BAD_HANDLE;
  int32_t bad = check_label(label_len, out, cap, out_len);
  if (bad != WARDEN_OK) return bad;
  CK_OBJECT_HANDLE private_key = 0, public_key = 0;
  CK_RV rv = find_object(s, CKO_PRIVATE_KEY, label, label_len, &private_key);
  if (rv == CKR_OK)
    rv = find_object(s, CKO_PUBLIC_KEY, label, label_len, &public_key);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_FindObjects", rv);
  if (private_key == 0 && public_key == 0) {
    *out_len = 0;
    return WARDEN_NONE;
  }
  CK_ULONG type = ~0UL;
  CK_BYTE params[32];
  CK_ATTRIBUTE attributes[] = {{CKA_KEY_TYPE, &type, sizeof type},
                               {CKA_EC_PARAMS, params, sizeof params}};
  CK_OBJECT_HANDLE any = private_key != 0 ? private_key : public_key;
  rv = p11->C_GetAttributeValue(s->ck, any, attributes, 1);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_GetAttributeValue", rv);
  uint32_t algorithm = ALG_RSA_PKCS1_SHA256;
  if (type == CKK_EC) {
    rv = p11->C_GetAttributeValue(s->ck, any, attributes + 1, 1);
    if (rv != CKR_OK || attributes[1].ulValueLen != sizeof P256 ||
        memcmp(params, P256, sizeof P256) != 0)
      return fail(out, cap, out_len, ERR_INVALID_INPUT,
                  "Key \"%.*s\" is an EC key on a curve other than P-256, "
                  "which this bundle cannot use",
                  (int)label_len, (const char *)label);
    algorithm = ALG_ECDSA_P256_SHA256;
  } else if (type != CKK_RSA) {
    return fail(out, cap, out_len, ERR_INVALID_INPUT,
                "Key \"%.*s\" is neither an EC nor an RSA key, which this "
                "bundle cannot use",
                (int)label_len, (const char *)label);
  }
  return new_key(s, label, label_len, private_key, public_key, algorithm, out,
                 cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_session_find_key(
    uint64_t self, const uint8_t *label, uint32_t label_len, uint8_t *out,
    uint32_t cap, uint32_t *out_len) {
  GUARDED(find_key(self, label, label_len, out, cap, out_len));
}

/*
 * Resolves the session and key of a sign or verify and checks the data's
 * size; on failure returns the status to return, else WARDEN_OK.
 */
static int32_t operands(uint64_t self, uint64_t key, uint32_t data_len,
                        session_t **s, pkey_t **k, uint8_t *out, uint32_t cap,
                        uint32_t *out_len) {
  *s = find_session(self);
  *k = find_pkey(key);
  if (*s == NULL || *k == NULL) return WARDEN_ABI_BAD_HANDLE;
  if ((*k)->slot != (*s)->slot)
    return fail(out, cap, out_len, ERR_INVALID_INPUT,
                "Key \"%.*s\" belongs to another token than the session's",
                (int)(*k)->label_len, (const char *)(*k)->label);
  if (data_len > max_data_bytes)
    return fail(out, cap, out_len, ERR_INVALID_INPUT,
                "Data of %u bytes is more than the %llu bytes the bundle "
                "accepts (raise max_data_bytes in its configuration)",
                data_len, (unsigned long long)max_data_bytes);
  return WARDEN_OK;
}

/*
 * Prepares the signature mechanism of `k` for `data`: ECDSA signs the
 * token's SHA-256 of it (into `digest`), RSA the data itself.
 */
static CK_RV prepare(session_t *s, pkey_t *k, const uint8_t **data,
                     uint32_t *data_len, CK_BYTE *digest,
                     CK_MECHANISM *mechanism) {
  *mechanism = (CK_MECHANISM){CKM_SHA256_RSA_PKCS, NULL, 0};
  if (k->algorithm != ALG_ECDSA_P256_SHA256) return CKR_OK;
  *mechanism = (CK_MECHANISM){CKM_ECDSA, NULL, 0};
  CK_RV rv = sha256(s->ck, *data, *data_len, digest);
  *data = digest;
  *data_len = 32;
  return rv;
}

static int32_t sign(uint64_t self, uint64_t key, const uint8_t *data,
                    uint32_t data_len, uint8_t *out, uint32_t cap,
                    uint32_t *out_len) {
  session_t *s;
  pkey_t *k;
  int32_t status = operands(self, key, data_len, &s, &k, out, cap, out_len);
  if (status != WARDEN_OK) return status;
  if (k->private_key == 0)
    return fail(out, cap, out_len, ERR_NOT_PERMITTED,
                "Key \"%.*s\" has no private key on the token to sign with",
                (int)k->label_len, (const char *)k->label);
  CK_BYTE digest[32], signature[512];
  CK_ULONG length = sizeof signature;
  CK_MECHANISM mechanism;
  CK_RV rv = prepare(s, k, &data, &data_len, digest, &mechanism);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_Digest", rv);
  rv = p11->C_SignInit(s->ck, &mechanism, k->private_key);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_SignInit", rv);
  rv = p11->C_Sign(s->ck, data, data_len, signature, &length);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_Sign", rv);
  return warden_out(WARDEN_OK, signature, length, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_session_sign(
    uint64_t self, uint64_t key, const uint8_t *data, uint32_t data_len,
    uint8_t *out, uint32_t cap, uint32_t *out_len) {
  GUARDED(sign(self, key, NOT_NULL(data), data_len, out, cap, out_len));
}

static int32_t verify(uint64_t self, uint64_t key, const uint8_t *data,
                      uint32_t data_len, const uint8_t *signature,
                      uint32_t signature_len, uint8_t *out, uint32_t cap,
                      uint32_t *out_len) {
  session_t *s;
  pkey_t *k;
  int32_t status = operands(self, key, data_len, &s, &k, out, cap, out_len);
  if (status != WARDEN_OK) return status;
  if (k->public_key == 0)
    return fail(out, cap, out_len, ERR_NOT_PERMITTED,
                "Key \"%.*s\" has no public key on the token to verify with",
                (int)k->label_len, (const char *)k->label);
  CK_BYTE digest[32];
  CK_MECHANISM mechanism;
  CK_RV rv = prepare(s, k, &data, &data_len, digest, &mechanism);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_Digest", rv);
  rv = p11->C_VerifyInit(s->ck, &mechanism, k->public_key);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_VerifyInit", rv);
  rv = p11->C_Verify(s->ck, data, data_len, signature, signature_len);
  uint8_t valid = rv == CKR_OK;
  if (rv != CKR_OK && rv != CKR_SIGNATURE_INVALID &&
      rv != CKR_SIGNATURE_LEN_RANGE)
    return fail_rv(out, cap, out_len, "C_Verify", rv);
  return warden_out(WARDEN_OK, &valid, 1, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_session_verify(
    uint64_t self, uint64_t key, const uint8_t *data, uint32_t data_len,
    const uint8_t *signature, uint32_t signature_len, uint8_t *out,
    uint32_t cap, uint32_t *out_len) {
  GUARDED(verify(self, key, NOT_NULL(data), data_len, NOT_NULL(signature), signature_len, out, cap,
                 out_len));
}

static int32_t digest(uint64_t self, uint32_t algorithm, const uint8_t *data,
                      uint32_t data_len, uint8_t *out, uint32_t cap,
                      uint32_t *out_len) {
  static const CK_MECHANISM_TYPE mechanisms[] = {CKM_SHA256, CKM_SHA384,
                                                  CKM_SHA512};
  session_t *s = find_session(self);
  if (s == NULL) return WARDEN_ABI_BAD_HANDLE;
  if (algorithm >= 3) return WARDEN_ABI_BAD_INPUT;
  if (data_len > max_data_bytes)
    return fail(out, cap, out_len, ERR_INVALID_INPUT,
                "Data of %u bytes is more than the %llu bytes the bundle "
                "accepts (raise max_data_bytes in its configuration)",
                data_len, (unsigned long long)max_data_bytes);
  CK_MECHANISM mechanism = {mechanisms[algorithm], NULL, 0};
  CK_BYTE result[64];
  CK_ULONG length = sizeof result;
  CK_RV rv = p11->C_DigestInit(s->ck, &mechanism);
  if (rv == CKR_OK) rv = p11->C_Digest(s->ck, data, data_len, result, &length);
  if (rv != CKR_OK) return fail_rv(out, cap, out_len, "C_Digest", rv);
  return warden_out(WARDEN_OK, result, length, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_session_digest(
    uint64_t self, uint32_t algorithm, const uint8_t *data, uint32_t data_len,
    uint8_t *out, uint32_t cap, uint32_t *out_len) {
  GUARDED(digest(self, algorithm, NOT_NULL(data), data_len, out, cap, out_len));
}

static int32_t key_label(uint64_t self, uint8_t *out, uint32_t cap,
                         uint32_t *out_len) {
  pkey_t *k = find_pkey(self);
  if (k == NULL) return WARDEN_ABI_BAD_HANDLE;
  return warden_out(WARDEN_OK, k->label, k->label_len, out, cap, out_len);
}

WARDEN_EXPORT int32_t warden_pkcs11_pkcs11_key_label(uint64_t self,
                                                     uint8_t *out, uint32_t cap,
                                                     uint32_t *out_len) {
  pthread_mutex_lock(&mutex);
  int32_t status = key_label(self, out, cap, out_len);
  pthread_mutex_unlock(&mutex);
  return status;
}

WARDEN_EXPORT uint32_t warden_pkcs11_pkcs11_key_algorithm(uint64_t self) {
  pthread_mutex_lock(&mutex);
  pkey_t *k = find_pkey(self);
  /* An unknown handle returns a case out of range, which Warden refuses. */
  uint32_t algorithm = k == NULL ? UINT32_MAX : k->algorithm;
  pthread_mutex_unlock(&mutex);
  return algorithm;
}
