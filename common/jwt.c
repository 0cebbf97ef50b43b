/*
 * jwt.c - HS256 JSON Web Tokens (jwt.h).  Only the fixed header we issue
 * is accepted; the claims are read only after the signature matched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt.h"
#include "util.h"

#define JWT_HEADER	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define JWT_SIG_LEN	32

static const char b64url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
b64url_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;
	uint32_t v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		if (n + 4 >= outlen)
			return 0;
		out[n++] = b64url_chars[(v >> 18) & 63];
		out[n++] = b64url_chars[(v >> 12) & 63];
		if (i + 1 < len)
			out[n++] = b64url_chars[(v >> 6) & 63];
		if (i + 2 < len)
			out[n++] = b64url_chars[v & 63];
	}
	out[n] = '\0';
	return n;
}

static int
b64url_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64url_chars, c)) == NULL)
		return -1;
	return (int)(p - b64url_chars);
}

int
b64url_decode(const char *in, size_t len, uint8_t *out, size_t outlen,
    size_t *outn)
{
	uint32_t v = 0;
	size_t i, n = 0;
	int bits = 0, d;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((d = b64url_value(in[i])) == -1)
			return -1;
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == outlen)
				return -1;
			out[n++] = (uint8_t)(v >> bits);
		}
	}
	/* Leftover bits must be zero: one encoding per value. */
	if (bits > 0 && (v & ((1u << bits) - 1)) != 0)
		return -1;
	*outn = n;
	return 0;
}

static void
jwt_hmac(const void *key, size_t keylen, const char *data, size_t len,
    uint8_t sig[JWT_SIG_LEN])
{
	unsigned int siglen = JWT_SIG_LEN;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const uint8_t *)data, len,
	    sig, &siglen) == NULL || siglen != JWT_SIG_LEN)
		abort();
}

char *
jwt_sign(const struct jwt_claims *c, const void *key, size_t keylen)
{
	uint8_t sig[JWT_SIG_LEN];
	char *payload, *tok;
	cJSON *o = cJSON_CreateObject();
	size_t n, plen;

	cJSON_AddStringToObject(o, "user_id", c->user_id);
	cJSON_AddStringToObject(o, "username", c->username);
	cJSON_AddStringToObject(o, "email", c->email);
	cJSON_AddStringToObject(o, "role", c->role);
	cJSON_AddStringToObject(o, "jti", c->jti);
	cJSON_AddStringToObject(o, "iss", c->iss);
	cJSON_AddStringToObject(o, "sub", c->user_id);
	cJSON_AddNumberToObject(o, "iat", (double)c->iat);
	cJSON_AddNumberToObject(o, "nbf", (double)c->nbf);
	cJSON_AddNumberToObject(o, "exp", (double)c->exp);
	cJSON_AddNumberToObject(o, "gen", (double)c->gen);
	payload = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	plen = strlen(payload);
	tok = xmalloc(JWT_MAX_LEN + 1);
	n = b64url_encode((const uint8_t *)JWT_HEADER, strlen(JWT_HEADER), tok,
	    JWT_MAX_LEN);
	tok[n++] = '.';
	if (plen * 4 / 3 + n + 50 > JWT_MAX_LEN) {
		free(payload);
		free(tok);
		return NULL;
	}
	n += b64url_encode((const uint8_t *)payload, plen, tok + n,
	    JWT_MAX_LEN - n);
	free(payload);
	jwt_hmac(key, keylen, tok, n, sig);
	tok[n++] = '.';
	b64url_encode(sig, sizeof(sig), tok + n, JWT_MAX_LEN - n);
	return tok;
}

static int
jwt_str(const cJSON *o, const char *key, char *out, size_t len, int need)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	out[0] = '\0';
	if (v == NULL)
		return need ? -1 : 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= len)
		return -1;
	ssd_strlcpy(out, v->valuestring, len);
	return 0;
}

static int
jwt_time(const cJSON *o, const char *key, int64_t *out, int need)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = 0;
	if (v == NULL)
		return need ? -1 : 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e12)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int
jwt_claims_read(const uint8_t *json, size_t len, struct jwt_claims *c)
{
	cJSON *o = cJSON_ParseWithLength((const char *)json, len);
	int rc = -1;

	if (!cJSON_IsObject(o))
		goto out;
	if (jwt_str(o, "user_id", c->user_id, sizeof(c->user_id), 1) ||
	    jwt_str(o, "username", c->username, sizeof(c->username), 1) ||
	    jwt_str(o, "email", c->email, sizeof(c->email), 0) ||
	    jwt_str(o, "role", c->role, sizeof(c->role), 1) ||
	    jwt_str(o, "jti", c->jti, sizeof(c->jti), 1) ||
	    jwt_str(o, "iss", c->iss, sizeof(c->iss), 1) ||
	    jwt_time(o, "iat", &c->iat, 0) || jwt_time(o, "nbf", &c->nbf, 0) ||
	    jwt_time(o, "exp", &c->exp, 1) || jwt_time(o, "gen", &c->gen, 0))
		goto out;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int
jwt_verify(const char *token, size_t len, const void *key, size_t keylen,
    const char *issuer, int64_t now, struct jwt_claims *out,
    const char **why)
{
	static char expect_head[64];
	uint8_t sig[JWT_SIG_LEN], got[JWT_SIG_LEN + 3], payload[JWT_MAX_LEN];
	const char *dot1, *dot2;
	size_t n;

	*why = "malformed token";
	if (len == 0 || len > JWT_MAX_LEN || memchr(token, '\0', len) != NULL)
		return -1;
	if ((dot1 = memchr(token, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)))
	    == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 -
	    token)) != NULL)
		return -1;
	if (expect_head[0] == '\0')
		b64url_encode((const uint8_t *)JWT_HEADER, strlen(JWT_HEADER),
		    expect_head, sizeof(expect_head));
	/* Our header, byte for byte: no other algorithm, no "none". */
	if ((size_t)(dot1 - token) != strlen(expect_head) ||
	    memcmp(token, expect_head, strlen(expect_head)) != 0) {
		*why = "unexpected token header";
		return -1;
	}
	if (b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), got,
	    sizeof(got), &n) == -1 || n != JWT_SIG_LEN)
		return -1;
	jwt_hmac(key, keylen, token, (size_t)(dot2 - token), sig);
	if (ssd_timingsafe_bcmp(sig, got, JWT_SIG_LEN) != 0) {
		*why = "bad signature";
		return -1;
	}
	if (b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload,
	    sizeof(payload), &n) == -1 || jwt_claims_read(payload, n,
	    out) == -1) {
		*why = "malformed claims";
		return -1;
	}
	if (strcmp(out->iss, issuer) != 0) {
		*why = "wrong issuer";
		return -1;
	}
	if (now >= out->exp) {
		*why = "expired";
		return -1;
	}
	if (out->nbf != 0 && now < out->nbf) {
		*why = "not yet valid";
		return -1;
	}
	return 0;
}
