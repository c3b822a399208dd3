/*
 * Big-number work of the RSA prime search for seed-derived keys, on the OpenSSL inside the node
 * binary (no -lcrypto). src/crypto/bigArithmetic.ts loads it and falls back to JavaScript that
 * computes the same values; the addon only makes them cheaper:
 *   sieveOddWindow: which of start, start+2, ... have an odd prime factor below a bound (one
 *     BN_mod_word per group of small primes instead of one BigInt remainder per group);
 *   modExpPair: two modular exponentiations in one call (BN_mod_exp_mont_consttime_x2, which runs
 *     both at once with AVX-512 IFMA when the two moduli have 1024 bits: half the time of two);
 *   modExp: one (BN_mod_exp_mont);
 *   ecMul: [k]P or [k]G on a named curve (EC_POINT_mul, constant time in k, as ECDH_compute_key
 *     does it): node's ECDH and diffieHellman() go through EVP_PKEY_derive, which in OpenSSL 3.0
 *     spends ~35 us per call fetching providers and converting keys around a ~30 us multiplication.
 * Numbers cross as big-endian Buffers; results are written, left-padded, into the caller's buffer.
 */
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define THROW(env, msg) do { napi_throw_error(env, NULL, msg); return NULL; } while (0)
#define SIEVE_LIMIT 65536u

/* The odd primes below SIEVE_LIMIT, and groups of consecutive ones whose product fits 64 bits. */
static uint32_t primes[SIEVE_LIMIT / 2];
static size_t primeCount;
static struct { uint64_t product; size_t first, count; } groups[SIEVE_LIMIT / 4];
static size_t groupCount;

static void initPrimes(void) {
  static unsigned char composite[SIEVE_LIMIT];
  for (uint32_t p = 3; p < SIEVE_LIMIT; p += 2) {
    if (composite[p]) continue;
    for (uint32_t m = p * p; m < SIEVE_LIMIT; m += 2 * p) composite[m] = 1;
    primes[primeCount++] = p;
  }
  const uint64_t word = (BN_ULONG)-1; /* BN_mod_word takes one BN_ULONG */
  for (size_t i = 0; i < primeCount;) {
    uint64_t product = 1; size_t first = i;
    while (i < primeCount && product <= word / primes[i]) product *= primes[i++];
    groups[groupCount].product = product; groups[groupCount].first = first; groups[groupCount].count = i - first;
    groupCount++;
  }
}

static int bytes(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  void *p; size_t n;
  if (napi_get_buffer_info(env, v, &p, &n) != napi_ok) return 0;
  *data = p; *len = n; return 1;
}

static BIGNUM *bn(napi_env env, napi_value v) {
  unsigned char *d; size_t n;
  return bytes(env, v, &d, &n) ? BN_bin2bn(d, (int)n, NULL) : NULL;
}

/* Writes r big-endian, left-padded, into out; 0 if it does not fit. */
static int put(const BIGNUM *r, napi_env env, napi_value out) {
  unsigned char *d; size_t n;
  return bytes(env, out, &d, &n) && BN_bn2binpad(r, d, (int)n) == (int)n;
}

/* sieveOddWindow(start, marks, bound): marks[i] = 1 when start + 2i (start odd) has an odd prime factor p < bound, else 0. */
static napi_value sieveOddWindow(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value a[3]; uint32_t bound;
  unsigned char *marks; size_t window;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 3 || !bytes(env, a[1], &marks, &window) || napi_get_value_uint32(env, a[2], &bound) != napi_ok) THROW(env, "sieveOddWindow(start, marks, bound): bad arguments");
  if (bound > SIEVE_LIMIT) THROW(env, "sieveOddWindow: bound above 65536");
  BIGNUM *start = bn(env, a[0]);
  if (!start || !BN_is_odd(start)) { BN_free(start); THROW(env, "sieveOddWindow: start must be odd"); }
  memset(marks, 0, window);
  for (size_t g = 0; g < groupCount && primes[groups[g].first] < bound; g++) {
    BN_ULONG r = BN_mod_word(start, (BN_ULONG)groups[g].product);
    for (size_t k = groups[g].first; k < groups[g].first + groups[g].count && primes[k] < bound; k++) {
      uint64_t p = primes[k], rem = (uint64_t)r % p;
      /* start + 2i = 0 (mod p)  <=>  i = -start * 2^-1 = (p - rem) * (p + 1) / 2 (mod p) */
      for (uint64_t i = ((p - rem) % p) * ((p + 1) / 2) % p; i < window; i += p) marks[i] = 1;
    }
  }
  BN_free(start);
  return NULL;
}

/* modExpPair(b1, e1, m1, out1, b2, e2, m2, out2): out1 = b1^e1 mod m1 and out2 = b2^e2 mod m2 (odd moduli, bases below them). */
static napi_value modExpPair(napi_env env, napi_callback_info info) {
  size_t argc = 8; napi_value a[8];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 8) THROW(env, "modExpPair(b1, e1, m1, out1, b2, e2, m2, out2): bad arguments");
  BIGNUM *b1 = bn(env, a[0]), *e1 = bn(env, a[1]), *m1 = bn(env, a[2]), *b2 = bn(env, a[4]), *e2 = bn(env, a[5]), *m2 = bn(env, a[6]);
  BIGNUM *r1 = BN_new(), *r2 = BN_new();
  BN_CTX *ctx = BN_CTX_new();
  const char *error = NULL;
  if (!b1 || !e1 || !m1 || !b2 || !e2 || !m2 || !r1 || !r2 || !ctx) error = "modExpPair: bad arguments";
  else if (!BN_is_odd(m1) || !BN_is_odd(m2) || BN_cmp(b1, m1) >= 0 || BN_cmp(b2, m2) >= 0) error = "modExpPair: moduli must be odd and bases below them";
  else if (!BN_mod_exp_mont_consttime_x2(r1, b1, e1, m1, NULL, r2, b2, e2, m2, NULL, ctx)) error = "modExpPair: OpenSSL failed";
  else if (!put(r1, env, a[3]) || !put(r2, env, a[7])) error = "modExpPair: output buffer too small";
  BN_free(b1); BN_free(e1); BN_free(m1); BN_free(b2); BN_free(e2); BN_free(m2); BN_free(r1); BN_free(r2); BN_CTX_free(ctx);
  if (error) THROW(env, error);
  return NULL;
}

/* modExp(b, e, m, out): out = b^e mod m (odd m). */
static napi_value modExp(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 4) THROW(env, "modExp(b, e, m, out): bad arguments");
  BIGNUM *b = bn(env, a[0]), *e = bn(env, a[1]), *m = bn(env, a[2]), *r = BN_new();
  BN_CTX *ctx = BN_CTX_new();
  const char *error = NULL;
  if (!b || !e || !m || !r || !ctx) error = "modExp: bad arguments";
  else if (!BN_is_odd(m)) error = "modExp: the modulus must be odd";
  else if (!BN_mod_exp_mont(r, b, e, m, ctx, NULL)) error = "modExp: OpenSSL failed";
  else if (!put(r, env, a[3])) error = "modExp: output buffer too small";
  BN_free(b); BN_free(e); BN_free(m); BN_free(r); BN_CTX_free(ctx);
  if (error) THROW(env, error);
  return NULL;
}

/* The NIST curves' groups, made once per addon instance (a group costs ~20 us to build). */
#define CURVES 3
static const int CURVE_NIDS[CURVES] = { NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1 };
typedef struct { EC_GROUP *groups[CURVES]; } Instance;

static void freeInstance(napi_env env, void *data, void *hint) {
  Instance *in = data;
  for (int i = 0; i < CURVES; i++) EC_GROUP_free(in->groups[i]);
  free(in);
}

static const EC_GROUP *curveGroup(napi_env env, int nid) {
  Instance *in = NULL;
  napi_get_instance_data(env, (void **)&in);
  for (int i = 0; in && i < CURVES; i++)
    if (CURVE_NIDS[i] == nid) return in->groups[i] ? in->groups[i] : (in->groups[i] = EC_GROUP_new_by_curve_name(nid));
  return NULL;
}

/*
 * ecMul(curveName, k, point, out): out = x || y of [k]P, P given uncompressed (04 || x || y), or
 * [k]G when point is null; true, or false when P is not a point of the curve (coordinates below p,
 * on the curve) or the result is the identity. k in [1, n-1] is the caller's to check.
 */
static napi_value ecMul(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value a[4]; char name[32]; size_t nameLen; napi_valuetype pointType;
  unsigned char *k, *pt = NULL, *out; size_t kLen, ptLen = 0, outLen;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 4 || napi_get_value_string_utf8(env, a[0], name, sizeof name, &nameLen) != napi_ok || !bytes(env, a[1], &k, &kLen) ||
      napi_typeof(env, a[2], &pointType) != napi_ok || (pointType != napi_null && !bytes(env, a[2], &pt, &ptLen)) || !bytes(env, a[3], &out, &outLen))
    THROW(env, "ecMul(curveName, k, point | null, out): bad arguments");
  const EC_GROUP *group = curveGroup(env, OBJ_sn2nid(name));
  if (!group) THROW(env, "ecMul: unknown curve");
  size_t size = (EC_GROUP_get_degree(group) + 7) / 8;
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *scalar = BN_bin2bn(k, (int)kLen, NULL), *x = BN_new(), *y = BN_new();
  EC_POINT *p = EC_POINT_new(group), *r = EC_POINT_new(group);
  const char *error = NULL; bool ok = false;
  if (!ctx || !scalar || !x || !y || !p || !r) error = "ecMul: out of memory";
  else if (outLen != 2 * size) error = "ecMul: out must hold x || y";
  else {
    BN_set_flags(scalar, BN_FLG_CONSTTIME);
    int valid = pt ? EC_POINT_oct2point(group, p, pt, ptLen, ctx) : 1;
    if (valid && EC_POINT_mul(group, r, pt ? NULL : scalar, pt ? p : NULL, pt ? scalar : NULL, ctx) && !EC_POINT_is_at_infinity(group, r) &&
        EC_POINT_get_affine_coordinates(group, r, x, y, ctx))
      ok = BN_bn2binpad(x, out, (int)size) == (int)size && BN_bn2binpad(y, out + size, (int)size) == (int)size;
  }
  BN_clear_free(scalar); BN_free(x); BN_free(y); EC_POINT_free(p); EC_POINT_clear_free(r); BN_CTX_free(ctx);
  if (error) THROW(env, error);
  napi_value result; napi_get_boolean(env, ok, &result);
  return result;
}

NAPI_MODULE_INIT() {
  if (!primeCount) initPrimes();
  Instance *in = calloc(1, sizeof *in);
  if (in) napi_set_instance_data(env, in, freeInstance, NULL);
  napi_value f;
  napi_create_function(env, "sieveOddWindow", NAPI_AUTO_LENGTH, sieveOddWindow, NULL, &f); napi_set_named_property(env, exports, "sieveOddWindow", f);
  napi_create_function(env, "modExpPair", NAPI_AUTO_LENGTH, modExpPair, NULL, &f); napi_set_named_property(env, exports, "modExpPair", f);
  napi_create_function(env, "modExp", NAPI_AUTO_LENGTH, modExp, NULL, &f); napi_set_named_property(env, exports, "modExp", f);
  napi_create_function(env, "ecMul", NAPI_AUTO_LENGTH, ecMul, NULL, &f); napi_set_named_property(env, exports, "ecMul", f);
  return exports;
}
