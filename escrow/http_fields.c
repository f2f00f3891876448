/* SPDX-License-Identifier: ISC */
/*
 * Typed access to the fields of a request body, and the few values the
 * handlers write in more than one place (shares, attempt nonces).  Vault
 * clients send nulls for fields they do not use, so null is "absent"; a
 * field of the wrong type is a 400 that names the field, never its value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/seal.h"

static json_t *
field(const struct http_req *req, const char *name)
{
	json_t *v = json_object_get(req->body, name);

	return json_is_null(v) ? NULL : v;
}

int
http_field_uint(const struct http_req *req, struct http_resp *resp,
    const char *name, unsigned max, unsigned *out, bool *present)
{
	json_t *v = field(req, name);
	json_int_t i;

	if (present != NULL)
		*present = v != NULL;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 ||
	    (json_int_t)max < i) {
		http_reply_error(resp, 400,
		    "'%s' must be an integer from 0 to %u", name, max);
		return -EINVAL;
	}
	*out = (unsigned)i;
	return 0;
}

int
http_field_bool(const struct http_req *req, struct http_resp *resp,
    const char *name, bool *out)
{
	json_t *v = field(req, name);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		http_reply_error(resp, 400, "'%s' must be a boolean", name);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

int
http_field_str(const struct http_req *req, struct http_resp *resp,
    const char *name, size_t max, const char **out)
{
	json_t *v = field(req, name);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		http_reply_error(resp, 400,
		    "'%s' must be a string of at most %zu bytes", name, max);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

int
http_field_strv(const struct http_req *req, struct http_resp *resp,
    const char *name, size_t max, const char **out, size_t *n)
{
	json_t *v = field(req, name), *e;
	size_t i;

	*n = 0;
	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > max)
		goto bad;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e) ||
		    strlen(json_string_value(e)) != json_string_length(e))
			goto bad;
		out[i] = json_string_value(e);
	}
	*n = json_array_size(v);
	return 0;
bad:
	http_reply_error(resp, 400,
	    "'%s' must be an array of at most %zu strings", name, max);
	return -EINVAL;
}

int
http_fields_only(const struct http_req *req, struct http_resp *resp,
    const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach(req->body, key, v)
	{
		size_t i;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			/* Field names are public; cap what is echoed. */
			http_reply_error(resp, 400, "unknown field '%.64s'",
			    key);
			return -EINVAL;
		}
	}
	return 0;
}

json_t *
http_shares_json(const uint8_t *plain, unsigned n, bool b64)
{
	char buf[2 * SEAL_SHARE_BYTES + 1];
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *sh = plain + (size_t)i * SEAL_SHARE_BYTES;

		if (b64)
			sodium_bin2base64(buf, sizeof(buf), sh,
			    SEAL_SHARE_BYTES, sodium_base64_VARIANT_ORIGINAL);
		else
			sodium_bin2hex(buf, sizeof(buf), sh, SEAL_SHARE_BYTES);
		json_array_append_new(a, json_string(buf));
	}
	sodium_memzero(buf, sizeof(buf));
	return a;
}

json_t *
http_nonce_json(const struct seal_attempt_info *ai)
{
	char hex[2 * CUSTODIAN_NONCE_BYTES + 1] = "";

	if (ai->active)
		sodium_bin2hex(hex, sizeof(hex), ai->nonce, sizeof(ai->nonce));
	return json_string(hex);
}

/*
 * A duration as Vault takes it (TTLs, auto_rotate_period): an integer
 * number of seconds, or a string of digits with an optional unit s, m, h or
 * d.  At most ten years.
 */
int
http_duration(const json_t *v, uint64_t *out)
{
	const uint64_t max = 10ull * 366 * 86400;
	const char *s;
	char *end;
	unsigned long long n;
	uint64_t mul = 1;

	if (v == NULL || json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 ||
		    (uint64_t)json_integer_value(v) > max)
			return -ERANGE;
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -ERANGE;
	if (*end != '\0') {
		switch (*end) {
		case 's':
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			return -EINVAL;
		}
		if (end[1] != '\0')
			return -EINVAL;
	}
	if (n > max / mul)
		return -ERANGE;
	*out = n * mul;
	return 0;
}
