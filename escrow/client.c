/* SPDX-License-Identifier: ISC */
/*
 * escrowctl's HTTP client, the only file that includes <curl/curl.h>.  A
 * call serialises its JSON body into guarded memory, lets libcurl send it
 * with the token header (whose text also sits in guarded memory: we hand
 * libcurl our own header list rather than letting curl_slist_append copy
 * it into the heap), collects the answer into a bounded guarded buffer,
 * and parses it with jansson, whose allocator wipes what it frees.  The
 * status is the caller's business; only a failure to reach the service at
 * all is an error here, kept apart so that the CLI can exit 2 for it.
 */
#include "escrow/client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#define TOKEN_HEADER  "X-Vault-Token: "
#define JSON_HEADER   "Content-Type: application/json"
#define EXPECT_HEADER "Expect:" /* no 100-continue round trip */
#define SINK_FIRST    (16u << 10)
#define JSON_HDR      16 /* bytes in front of each jansson block */
#define LOOPBACK      "localhost,127.0.0.1,::1"

_Static_assert(JSON_HDR >= sizeof(size_t) &&
        JSON_HDR % _Alignof(max_align_t) == 0,
    "the size prefix keeps jansson's blocks aligned");

struct client {
	CURL *curl;
	char addr[CLIENT_ADDR_MAX + 1];
	char *ca_cert;   /* malloc'd copy, or NULL */
	char *token_hdr; /* secret: sodium_malloc'd TOKEN_HEADER + token */
	long timeout;    /* seconds */
	/* The header list, linked per call; libcurl only reads it. */
	struct curl_slist h_token, h_json, h_expect;
	char json_text[sizeof(JSON_HEADER)];
	char expect_text[sizeof(EXPECT_HEADER)];
	char errbuf[CURL_ERROR_SIZE];
	char reason[CLIENT_REASON_MAX];
};

/* A response body on its way in: guarded, bounded. */
struct sink {
	char *buf; /* secret: sodium_malloc'd */
	size_t len, cap;
	bool too_big, no_mem;
};

/*
 * jansson's blocks carry their size in front, so that freeing one can wipe
 * it: parsed responses hold tokens, and the heap must not keep them.
 */
static void *
json_wipe_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - JSON_HDR || (p = malloc(n + JSON_HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + JSON_HDR;
}

static void
json_wipe_free(void *ptr)
{
	unsigned char *p;
	size_t n;

	if (ptr == NULL)
		return;
	p = (unsigned char *)ptr - JSON_HDR;
	memcpy(&n, p, sizeof(n));
	sodium_memzero(p, n + JSON_HDR);
	free(p);
}

int
client_global_init(void)
{
	json_set_alloc_funcs(json_wipe_malloc, json_wipe_free);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	return 0;
}

void
client_global_cleanup(void)
{
	curl_global_cleanup();
}

static const char *
pick(const char *given, const char *env1, const char *env2)
{
	const char *v;

	if (given != NULL && *given != '\0')
		return given;
	if ((v = getenv(env1)) != NULL && *v != '\0')
		return v;
	if ((v = getenv(env2)) != NULL && *v != '\0')
		return v;
	return NULL;
}

void
client_opts_resolve(struct client_opts *o)
{
	o->addr = pick(o->addr, "ESCROW_ADDR", "VAULT_ADDR");
	if (o->addr == NULL)
		o->addr = CLIENT_ADDR_DEFAULT;
	o->token = pick(o->token, "ESCROW_TOKEN", "VAULT_TOKEN");
	o->ca_cert = pick(o->ca_cert, "ESCROW_CACERT", "VAULT_CACERT");
}

/* No spaces or control characters: they would end or split a line. */
static bool
printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

int
client_url(char *out, size_t cap, const char *addr, const char *path)
{
	size_t alen = strlen(addr), skip;
	int n;

	if (cap > 0)
		*out = '\0';
	if (alen > CLIENT_ADDR_MAX)
		return -ENAMETOOLONG;
	if (strncasecmp(addr, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(addr, "https://", 8) == 0)
		skip = 8;
	else
		return -EINVAL;
	if (addr[skip] == '\0' || addr[skip] == '/' || !printable(addr, alen))
		return -EINVAL;
	if (*path == '/' || !printable(path, strlen(path)))
		return -EINVAL;
	while (alen > skip && addr[alen - 1] == '/')
		alen--;
	n = snprintf(out, cap, "%.*s/v1/%s", (int)alen, addr, path);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			*out = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

static int
token_set(struct client *c, const char *token)
{
	size_t len = strlen(token), cap;

	if (len > CLIENT_TOKEN_MAX)
		return -ENAMETOOLONG;
	if (!printable(token, len))
		return -EINVAL;
	cap = sizeof(TOKEN_HEADER) + len;
	if ((c->token_hdr = sodium_malloc(cap)) == NULL)
		return -ENOMEM;
	memcpy(c->token_hdr, TOKEN_HEADER, sizeof(TOKEN_HEADER) - 1);
	memcpy(c->token_hdr + sizeof(TOKEN_HEADER) - 1, token, len + 1);
	return 0;
}

int
client_open(struct client **out, const struct client_opts *o)
{
	struct client_opts r = { 0 };
	char url[CLIENT_URL_MAX];
	struct client *c;
	int rc;

	*out = NULL;
	if (o != NULL)
		r = *o;
	client_opts_resolve(&r);
	if ((rc = client_url(url, sizeof(url), r.addr, "")) != 0)
		return rc;
	if (r.ca_cert != NULL && access(r.ca_cert, R_OK) != 0)
		return -errno;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	snprintf(c->addr, sizeof(c->addr), "%s", r.addr);
	c->timeout = r.timeout > 0 ? r.timeout : CLIENT_TIMEOUT;
	memcpy(c->json_text, JSON_HEADER, sizeof(JSON_HEADER));
	memcpy(c->expect_text, EXPECT_HEADER, sizeof(EXPECT_HEADER));
	if (r.token != NULL && (rc = token_set(c, r.token)) != 0)
		goto out;
	if (r.ca_cert != NULL && (c->ca_cert = strdup(r.ca_cert)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	client_close(c);
	return rc;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	sodium_free(c->token_hdr); /* wipes */
	free(c->ca_cert);
	free(c);
}

const char *
client_addr(const struct client *c)
{
	return c->addr;
}

bool
client_has_token(const struct client *c)
{
	return c->token_hdr != NULL;
}

const char *
client_reason(const struct client *c)
{
	return c->reason;
}

/* Grow the sink to hold `need` bytes, copying through guarded memory. */
static bool
sink_grow(struct sink *s, size_t need)
{
	size_t cap = s->cap > 0 ? s->cap : SINK_FIRST;
	char *nb;

	while (cap < need)
		cap *= 2;
	if (cap > CLIENT_RESPONSE_MAX)
		cap = CLIENT_RESPONSE_MAX;
	if ((nb = sodium_malloc(cap)) == NULL)
		return false;
	if (s->len > 0)
		memcpy(nb, s->buf, s->len);
	sodium_free(s->buf); /* wipes */
	s->buf = nb;
	s->cap = cap;
	return true;
}

/* libcurl's write callback: a short count aborts the transfer. */
static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (n > CLIENT_RESPONSE_MAX - s->len) {
		s->too_big = true;
		return 0;
	}
	if (s->len + n > s->cap && !sink_grow(s, s->len + n)) {
		s->no_mem = true;
		return 0;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

/* Serialise a request body into guarded memory. */
static int
body_dump(const json_t *body, char **out, size_t *len)
{
	const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
	size_t n;

	*out = NULL;
	*len = 0;
	if ((n = json_dumpb(body, NULL, 0, flags)) == 0)
		return -EINVAL;
	if (n > CLIENT_REQUEST_MAX)
		return -EFBIG;
	if ((*out = sodium_malloc(n)) == NULL)
		return -ENOMEM;
	if (json_dumpb(body, *out, n, flags) != n) {
		sodium_free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	*len = n;
	return 0;
}

static bool
method_valid(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return false;
	return true;
}

/* Link this call's header list: token, content type, no Expect. */
static struct curl_slist *
headers(struct client *c, bool has_body)
{
	struct curl_slist *head = &c->h_expect;

	c->h_expect = (struct curl_slist){ c->expect_text, NULL };
	if (has_body) {
		c->h_json = (struct curl_slist){ c->json_text, head };
		head = &c->h_json;
	}
	if (c->token_hdr != NULL) {
		c->h_token = (struct curl_slist){ c->token_hdr, head };
		head = &c->h_token;
	}
	return head;
}

/*
 * Loopback never goes through a proxy (as Go's ProxyFromEnvironment, and
 * so Vault's CLI, behave) unless NO_PROXY says otherwise.
 */
static const char *
noproxy(void)
{
	const char *v = getenv("NO_PROXY");

	if (v == NULL)
		v = getenv("no_proxy");
	return v != NULL ? v : LOOPBACK;
}

static int
setup(struct client *c, const char *method, const char *url, const char *body,
    size_t len, struct sink *sink)
{
	CURL *h = c->curl;
	CURLcode e = CURLE_OK;

	curl_easy_reset(h); /* keeps the connection cache */
	c->errbuf[0] = '\0';
	e |= curl_easy_setopt(h, CURLOPT_URL, url);
	e |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	e |= curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout);
	e |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	e |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	e |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	e |= curl_easy_setopt(h, CURLOPT_NOPROXY, noproxy());
	e |= curl_easy_setopt(h, CURLOPT_USERAGENT, "escrowctl");
	e |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	e |= curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	e |= curl_easy_setopt(h, CURLOPT_HTTPHEADER,
	    headers(c, strcmp(method, "GET") != 0));
	if (c->ca_cert != NULL)
		e |= curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_cert);
	if (strcmp(method, "GET") == 0) {
		e |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		/* An empty body still goes out, with Content-Length: 0. */
		e |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		e |= curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    body != NULL ? body : "");
		e |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	return e == CURLE_OK ? 0 : -ENOMEM;
}

/* Why the transfer failed: ours (size, memory) or the network's. */
static int
perform_error(struct client *c, CURLcode cc, const struct sink *sink)
{
	size_t n;

	if (sink->too_big)
		return -EFBIG;
	if (sink->no_mem || cc == CURLE_OUT_OF_MEMORY)
		return -ENOMEM;
	snprintf(c->reason, sizeof(c->reason), "%s",
	    c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
	n = strlen(c->reason);
	while (n > 0 && isspace((unsigned char)c->reason[n - 1]))
		c->reason[--n] = '\0';
	return CLIENT_ETRANSPORT;
}

int
client_call(struct client *c, const char *method, const char *path,
    const json_t *body, long *status, json_t **resp)
{
	char url[CLIENT_URL_MAX], *req = NULL;
	struct sink sink = { 0 };
	json_error_t jerr;
	size_t reqlen = 0;
	CURLcode cc;
	int rc;

	*status = 0;
	*resp = NULL;
	c->reason[0] = '\0';
	if (!method_valid(method))
		return -EINVAL;
	if ((rc = client_url(url, sizeof(url), c->addr, path)) != 0)
		return rc;
	if (body != NULL && (rc = body_dump(body, &req, &reqlen)) != 0)
		goto out;
	if ((rc = setup(c, method, url, req, reqlen, &sink)) != 0)
		goto out;
	if ((cc = curl_easy_perform(c->curl)) != CURLE_OK) {
		rc = perform_error(c, cc, &sink);
		goto out;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status) !=
	    CURLE_OK) {
		rc = -ENOMEM;
		goto out;
	}
	if (sink.len > 0 &&
	    (*resp = json_loadb(sink.buf, sink.len, JSON_REJECT_DUPLICATES,
	         &jerr)) == NULL)
		rc = -EBADMSG;
out:
	if (rc != 0 && rc != -EBADMSG)
		*status = 0;
	sodium_free(sink.buf); /* wipes */
	sodium_free(req);
	return rc;
}

const char *
client_error_message(const json_t *resp)
{
	json_t *first = json_array_get(json_object_get(resp, "errors"), 0);

	return json_is_string(first) ? json_string_value(first) : NULL;
}
