/* SPDX-License-Identifier: ISC */
/*
 * JSON at the HTTP boundary: jansson's wiping allocator, the strict parser
 * for request bodies, and the writer for response bodies.  Request and
 * response bodies may carry shares and tokens, so every byte jansson frees
 * is wiped first.  Error texts from jansson echo the input and never leave
 * this file.  The writer exists because json_dumpb spent about 3 us on a
 * seal-status body (it formats each container's address with snprintf for
 * its loop check, and integers with snprintf), a third of what MHD itself
 * spends on a request; it emits exactly json_dumpb's compact output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/http_priv.h"

#define ALLOC_HEADER    16 /* keeps malloc's 16-byte alignment */
#define WRITE_DEPTH_MAX 64 /* nesting of a response body */

/*
 * jansson has no size in its free hook, so each block carries its size in
 * a 16-byte header (8 would break the alignment malloc promises for long
 * double and SSE types) and is wiped whole before free().
 */
void *
http_json_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - ALLOC_HEADER)
		return NULL;
	if ((p = malloc(n + ALLOC_HEADER)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + ALLOC_HEADER;
}

void
http_json_free(void *q)
{
	unsigned char *p;
	size_t n;

	if (q == NULL)
		return;
	p = (unsigned char *)q - ALLOC_HEADER;
	memcpy(&n, p, sizeof(n));
	sodium_memzero(p, n + ALLOC_HEADER);
	free(p);
}

void
http_json_init(void)
{
	json_set_alloc_funcs(http_json_malloc, http_json_free);
}

/*
 * The deepest nesting of objects and arrays, counted lexically before
 * jansson sees the body: jansson recurses once per level up to its
 * compiled-in 2048, which we do not want on a worker's stack for every
 * hostile request.  Brackets inside strings do not count; the scan is only
 * exact for valid JSON, and invalid JSON is refused by the parser anyway.
 */
static bool
depth_ok(const uint8_t *p, size_t n, unsigned max)
{
	unsigned depth = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < n; i++) {
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (p[i] == '\\')
				escaped = true;
			else if (p[i] == '"')
				in_string = false;
			continue;
		}
		if (p[i] == '"')
			in_string = true;
		else if (p[i] == '{' || p[i] == '[') {
			if (++depth > max)
				return false;
		} else if ((p[i] == '}' || p[i] == ']') && depth > 0)
			depth--;
	}
	return true;
}

static bool
all_space(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

int
http_body_parse(const uint8_t *buf, size_t len, json_t **out)
{
	json_error_t err;
	json_t *j = NULL;
	int rc;

	*out = NULL;
	/* As Vault (Go's decoder), no body and blanks mean "no fields". */
	if (len == 0 || all_space(buf, len)) {
		if ((j = json_object()) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		*out = j;
		rc = 0;
		goto out;
	}
	if (!depth_ok(buf, len, HTTP_JSON_DEPTH_MAX)) {
		rc = -EINVAL;
		goto out;
	}
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		rc = json_error_code(&err) == json_error_out_of_memory
		    ? -ENOMEM
		    : -EINVAL;
		goto out;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		rc = -EINVAL;
		goto out;
	}
	*out = j;
	rc = 0;
out:
	/* err.text and err.source quote the body, which may be a share. */
	sodium_memzero(&err, sizeof(err));
	return rc;
}

struct writer {
	char *buf;
	size_t cap;
	size_t len; /* grows past cap: the size needed */
};

static void
put(struct writer *w, const char *s, size_t n)
{
	if (n <= w->cap && w->len <= w->cap - n)
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Anything the fast path does not cover, written by jansson itself. */
static bool
put_jansson(struct writer *w, json_t *v)
{
	size_t room = w->len < w->cap ? w->cap - w->len : 0;
	size_t n;

	n = json_dumpb(v, room > 0 ? w->buf + w->len : NULL, room,
	    JSON_COMPACT | JSON_ENCODE_ANY);
	w->len += n;
	return n != 0;
}

/*
 * Printable ASCII without '"' or '\\' is written as it is; any other
 * string (escapes, UTF-8, and the check that it is valid UTF-8) goes to
 * jansson.  Keys arrive as C strings and take the same path.
 */
static bool
put_string(struct writer *w, const char *s, size_t n, json_t *v)
{
	json_t *tmp = NULL;
	bool ok;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			goto slow;
	}
	put(w, "\"", 1);
	put(w, s, n);
	put(w, "\"", 1);
	return true;
slow:
	if (v == NULL && (v = tmp = json_stringn(s, n)) == NULL)
		return false;
	ok = put_jansson(w, v);
	json_decref(tmp);
	return ok;
}

static bool
put_integer(struct writer *w, json_int_t x)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u =
	    x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (x < 0)
		*--p = '-';
	put(w, p, (size_t)(digits + sizeof(digits) - p));
	return true;
}

static bool write_value(struct writer *w, json_t *v, unsigned depth);

static bool
write_object(struct writer *w, json_t *o, unsigned depth)
{
	const char *key;
	size_t keylen;
	json_t *v;
	bool first = true;

	put(w, "{", 1);
	json_object_keylen_foreach(o, key, keylen, v)
	{
		if (!first)
			put(w, ",", 1);
		first = false;
		if (!put_string(w, key, keylen, NULL))
			return false;
		put(w, ":", 1);
		if (!write_value(w, v, depth + 1))
			return false;
	}
	put(w, "}", 1);
	return true;
}

static bool
write_array(struct writer *w, json_t *a, unsigned depth)
{
	json_t *v;
	size_t i;

	put(w, "[", 1);
	json_array_foreach(a, i, v)
	{
		if (i > 0)
			put(w, ",", 1);
		if (!write_value(w, v, depth + 1))
			return false;
	}
	put(w, "]", 1);
	return true;
}

/* A depth cap stands in for jansson's loop check: a cycle fails, too. */
static bool
write_value(struct writer *w, json_t *v, unsigned depth)
{
	if (depth > WRITE_DEPTH_MAX)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return write_object(w, v, depth);
	case JSON_ARRAY:
		return write_array(w, v, depth);
	case JSON_STRING:
		return put_string(w, json_string_value(v),
		    json_string_length(v), v);
	case JSON_INTEGER:
		return put_integer(w, json_integer_value(v));
	case JSON_TRUE:
		put(w, "true", 4);
		return true;
	case JSON_FALSE:
		put(w, "false", 5);
		return true;
	case JSON_NULL:
		put(w, "null", 4);
		return true;
	case JSON_REAL:
		return put_jansson(w, v);
	}
	return false;
}

size_t
http_json_write(json_t *body, char *buf, size_t cap)
{
	struct writer w = { .buf = buf, .cap = cap, .len = 0 };

	if (body == NULL || !(json_is_object(body) || json_is_array(body)) ||
	    !write_value(&w, body, 1))
		return 0;
	return w.len;
}
