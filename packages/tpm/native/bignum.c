/*
 * Big-number work of the RSA prime search for seed-derived keys, on the OpenSSL inside the node
 * binary (no -lcrypto). src/crypto/bigArithmetic.ts loads it and falls back to JavaScript that
 * computes the same values; the addon only makes them cheaper:
 *   sieveOddWindow: which of start, start+2, ... have an odd prime factor below a bound (one
 *     BN_mod_word per group of small primes instead of one BigInt remainder per group);
 *   modExpPair: two modular exponentiations in one call (BN_mod_exp_mont_consttime_x2, which runs
 *     both at once with AVX-512 IFMA when the two moduli have 1024 bits: half the time of two);
 *   modExp: one (BN_mod_exp_mont).
 * Numbers cross as big-endian Buffers; results are written, left-padded, into the caller's buffer.
 */
#include <node_api.h>
#include <openssl/bn.h>
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

NAPI_MODULE_INIT() {
  if (!primeCount) initPrimes();
  napi_value f;
  napi_create_function(env, "sieveOddWindow", NAPI_AUTO_LENGTH, sieveOddWindow, NULL, &f); napi_set_named_property(env, exports, "sieveOddWindow", f);
  napi_create_function(env, "modExpPair", NAPI_AUTO_LENGTH, modExpPair, NULL, &f); napi_set_named_property(env, exports, "modExpPair", f);
  napi_create_function(env, "modExp", NAPI_AUTO_LENGTH, modExp, NULL, &f); napi_set_named_property(env, exports, "modExp", f);
  return exports;
}
