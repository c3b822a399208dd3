/*
 * Per-page AES-256-XTS and AES-256-GCM over many 4 KiB pages in one call from JavaScript.
 * node:crypto needs a new Cipheriv per page (one tweak or nonce per data unit), which costs
 * ~4 us per page; here one EVP context is re-keyed only with the page's IV, in a C loop.
 * The JavaScript fallback (src/memory/nodePageCrypto.ts) computes the same bytes.
 * Also one AES-256-GCM message with AAD into a caller's buffer, in place if dst == src
 * (src/crypto/nativeAesGcm.ts): node:crypto allocates a new output buffer on every call.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <string.h>

#define PAGE 4096
#define THROW(env, msg) do { napi_throw_error(env, NULL, msg); return NULL; } while (0)

static int buf(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  void *p; size_t n;
  if (napi_get_buffer_info(env, v, &p, &n) != napi_ok) return 0;
  *data = p; *len = n; return 1;
}

/* xts(encrypt, key64, firstPage(double), src, dst): pages back to back, tweak = LE64 page number. */
static napi_value xts(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value a[5]; bool enc; double first;
  unsigned char *key, *src, *dst; size_t keyLen, srcLen, dstLen;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 5 || napi_get_value_bool(env, a[0], &enc) != napi_ok || !buf(env, a[1], &key, &keyLen) ||
      napi_get_value_double(env, a[2], &first) != napi_ok || !buf(env, a[3], &src, &srcLen) || !buf(env, a[4], &dst, &dstLen))
    THROW(env, "xts(encrypt, key, firstPage, src, dst): bad arguments");
  if (keyLen != 64 || srcLen % PAGE || dstLen < srcLen) THROW(env, "xts: 64-byte key, whole pages, dst as large as src");
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx || !EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key, NULL, enc)) { EVP_CIPHER_CTX_free(ctx); THROW(env, "xts: init failed (equal key halves?)"); }
  unsigned char iv[16]; int outl;
  unsigned long long page = (unsigned long long)first;
  for (size_t off = 0; off < srcLen; off += PAGE, page++) {
    memset(iv, 0, 16);
    for (int i = 0; i < 8; i++) iv[i] = (unsigned char)(page >> (8 * i));
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) || !EVP_CipherUpdate(ctx, dst + off, &outl, src + off, PAGE)) {
      EVP_CIPHER_CTX_free(ctx); THROW(env, "xts: cipher failed");
    }
  }
  EVP_CIPHER_CTX_free(ctx);
  return NULL;
}

/*
 * gcm(encrypt, key32, nonces, src, dst, tags): per page i, IV = nonces[12i..], AAD = the same 12
 * bytes (gpa || version), tag at tags[16i..]. Decrypt checks each tag and returns the index of the
 * first page that fails, or -1.
 */
static napi_value gcm(napi_env env, napi_callback_info info) {
  size_t argc = 6; napi_value a[6]; bool enc;
  unsigned char *key, *nonces, *src, *dst, *tags; size_t keyLen, nonceLen, srcLen, dstLen, tagLen;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 6 || napi_get_value_bool(env, a[0], &enc) != napi_ok || !buf(env, a[1], &key, &keyLen) || !buf(env, a[2], &nonces, &nonceLen) ||
      !buf(env, a[3], &src, &srcLen) || !buf(env, a[4], &dst, &dstLen) || !buf(env, a[5], &tags, &tagLen))
    THROW(env, "gcm(encrypt, key, nonces, src, dst, tags): bad arguments");
  size_t pages = srcLen / PAGE;
  if (keyLen != 32 || srcLen % PAGE || dstLen < srcLen || nonceLen < 12 * pages || tagLen < 16 * pages) THROW(env, "gcm: 32-byte key, whole pages, 12-byte nonce and 16-byte tag per page");
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx || !EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL, enc)) { EVP_CIPHER_CTX_free(ctx); THROW(env, "gcm: init failed"); }
  int outl, failed = -1;
  for (size_t i = 0; i < pages; i++) {
    unsigned char *n = nonces + 12 * i, *tag = tags + 16 * i;
    int ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, n, -1) && EVP_CipherUpdate(ctx, NULL, &outl, n, 12) &&
             EVP_CipherUpdate(ctx, dst + i * PAGE, &outl, src + i * PAGE, PAGE);
    if (!ok) { EVP_CIPHER_CTX_free(ctx); THROW(env, "gcm: cipher failed"); }
    if (enc) {
      if (!EVP_CipherFinal_ex(ctx, NULL, &outl) || !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag)) { EVP_CIPHER_CTX_free(ctx); THROW(env, "gcm: tag failed"); }
    } else {
      unsigned char end[16];
      if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) || EVP_CipherFinal_ex(ctx, end, &outl) <= 0) {
        memset(dst + i * PAGE, 0, PAGE); /* never hand out plaintext that failed its tag */
        if (failed < 0) failed = (int)i;
      }
    }
  }
  EVP_CIPHER_CTX_free(ctx);
  napi_value r; napi_create_int32(env, failed, &r); return r;
}

/*
 * aesGcm(encrypt, key32, iv12, aad, src, dst, tag16) -> bool: one message, AAD first. Encrypt
 * writes the tag; decrypt checks it, and on a mismatch zeroes dst and returns false (no
 * unauthenticated plaintext is left behind). dst may be src (in place).
 */
static napi_value aesGcm(napi_env env, napi_callback_info info) {
  size_t argc = 7; napi_value a[7]; bool enc;
  unsigned char *key, *iv, *aad, *src, *dst, *tag; size_t keyLen, ivLen, aadLen, srcLen, dstLen, tagLen;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 7 || napi_get_value_bool(env, a[0], &enc) != napi_ok || !buf(env, a[1], &key, &keyLen) || !buf(env, a[2], &iv, &ivLen) ||
      !buf(env, a[3], &aad, &aadLen) || !buf(env, a[4], &src, &srcLen) || !buf(env, a[5], &dst, &dstLen) || !buf(env, a[6], &tag, &tagLen))
    THROW(env, "aesGcm(encrypt, key, iv, aad, src, dst, tag): bad arguments");
  if (keyLen != 32 || ivLen != 12 || tagLen != 16 || dstLen < srcLen || srcLen > 0x7fffffff || aadLen > 0x7fffffff) THROW(env, "aesGcm: 32-byte key, 12-byte IV, 16-byte tag, dst as large as src");
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int outl, ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv, enc) &&
                 EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadLen) && EVP_CipherUpdate(ctx, dst, &outl, src, (int)srcLen);
  if (!ok) { EVP_CIPHER_CTX_free(ctx); THROW(env, "aesGcm: cipher failed"); }
  if (enc) {
    ok = EVP_CipherFinal_ex(ctx, dst + srcLen, &outl) && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
    if (!ok) { EVP_CIPHER_CTX_free(ctx); THROW(env, "aesGcm: tag failed"); }
  } else {
    unsigned char end[16];
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) && EVP_CipherFinal_ex(ctx, end, &outl) > 0;
    if (!ok) memset(dst, 0, srcLen);
  }
  EVP_CIPHER_CTX_free(ctx);
  napi_value r; napi_get_boolean(env, ok, &r); return r;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "xts", NAPI_AUTO_LENGTH, xts, NULL, &f); napi_set_named_property(env, exports, "xts", f);
  napi_create_function(env, "gcm", NAPI_AUTO_LENGTH, gcm, NULL, &f); napi_set_named_property(env, exports, "gcm", f);
  napi_create_function(env, "aesGcm", NAPI_AUTO_LENGTH, aesGcm, NULL, &f); napi_set_named_property(env, exports, "aesGcm", f);
  return exports;
}
