/* SPDX-License-Identifier: ISC */
/*
 * One request's way through the HTTP layer: MHD calls http_access first
 * with the headers (we refuse an announced oversized body before reading
 * a byte of it), then once per body chunk (buffered, capped, into guarded
 * memory), then a last time with nothing; only then is the method
 * normalised, the path matched against the route table, the body parsed
 * and the handler called with plain values.  The per-request state lives
 * from the first call to http_completed, which MHD also calls on timeouts
 * and aborts, and which wipes it.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "escrow/http_priv.h"

/* Per request, from MHD's first call to http_completed. */
struct http_call {
	uint8_t *body; /* secret: sodium_malloc'd, cap bytes, or NULL */
	size_t len;
	size_t cap;
	size_t discarded; /* bytes thrown away after the cap was hit */
	bool too_big;
	bool answered; /* a response is queued; ignore what follows */
};

/*
 * A Content-Length above the cap, or one we cannot parse (MHD has already
 * refused malformed ones), means "too big".  Absent means chunked or none.
 */
static bool
length_too_big(struct MHD_Connection *conn, size_t *len)
{
	const char *cl;
	unsigned long long v = 0;

	*len = 0;
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL)
		return false;
	for (; *cl >= '0' && *cl <= '9'; cl++) {
		v = v * 10 + (unsigned long long)(*cl - '0');
		if (v > HTTP_BODY_MAX)
			return true;
	}
	*len = (size_t)v;
	return false;
}

/*
 * Request ids are random UUIDs, but one getrandom(2) per request was a
 * third of the syscalls a keep-alive GET costs, so each worker thread
 * draws RANDOM_POOL bytes at a time.  The ids are public, and so are the
 * bytes left in the pool: nothing secret is ever drawn from it.
 */
#define RANDOM_POOL 4096

static _Thread_local struct {
	uint8_t bytes[RANDOM_POOL];
	size_t used;
} id_pool = { .used = RANDOM_POOL };

static void
request_id(char out[static HTTP_REQID_CHARS + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *b;
	size_t o = 0;

	if (id_pool.used > RANDOM_POOL - 16) {
		randombytes_buf(id_pool.bytes, sizeof(id_pool.bytes));
		id_pool.used = 0;
	}
	b = id_pool.bytes + id_pool.used;
	id_pool.used += 16;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

static enum MHD_Result
refuse(struct http_server *srv, struct MHD_Connection *conn, unsigned status,
    const char *msg)
{
	struct http_resp resp = { 0 };
	char reqid[HTTP_REQID_CHARS + 1];

	request_id(reqid);
	http_reply_error(&resp, status, "%s", msg);
	return http_queue(conn, &resp, reqid, NULL,
	    atomic_load(&srv->draining));
}

/*
 * Body buffers.  A body may hold a share or a plaintext, so it lives in
 * guarded memory; but sodium_malloc maps, protects, locks and unmaps pages
 * on every call, which cost a small request five times MHD's own work.  So
 * each worker thread keeps one BODY_CACHE_BYTES buffer and reuses it for
 * every body that fits, wiping what was used after each request; larger
 * bodies get a buffer of their own.  The cached buffer is freed (wiped)
 * when its thread ends.
 */
#define BODY_CACHE_BYTES ((size_t)64 * 1024)

static pthread_key_t body_key;
static pthread_once_t body_once = PTHREAD_ONCE_INIT;
static bool body_key_ok;

static void
body_cache_free(void *p)
{
	sodium_free(p);
}

static void
body_key_init(void)
{
	body_key_ok = pthread_key_create(&body_key, body_cache_free) == 0;
}

static uint8_t *
body_get(size_t cap)
{
	uint8_t *p;

	if (cap > BODY_CACHE_BYTES)
		return sodium_malloc(cap);
	pthread_once(&body_once, body_key_init);
	if (body_key_ok && (p = pthread_getspecific(body_key)) != NULL) {
		(void)pthread_setspecific(body_key, NULL);
		return p;
	}
	return sodium_malloc(BODY_CACHE_BYTES);
}

/* Give a body buffer back: wiped into the cache, or freed. */
static void
body_put(uint8_t *p, size_t cap, size_t used)
{
	if (p == NULL)
		return;
	if (cap <= BODY_CACHE_BYTES && body_key_ok &&
	    pthread_getspecific(body_key) == NULL) {
		sodium_memzero(p, used);
		if (pthread_setspecific(body_key, p) == 0)
			return;
	}
	sodium_free(p);
}

/* The first call: headers only. */
static enum MHD_Result
request_begin(struct http_server *srv, struct MHD_Connection *conn,
    void **con_cls)
{
	struct http_call *call;
	size_t len;

	if ((call = calloc(1, sizeof(*call))) == NULL)
		return MHD_NO;
	*con_cls = call;
	if (length_too_big(conn, &len)) {
		call->answered = true;
		return refuse(srv, conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body too large");
	}
	/* Size the buffer by Content-Length; chunked bodies get the cap. */
	call->cap = len > 0 ? len : HTTP_BODY_MAX;
	return MHD_YES;
}

/*
 * A body chunk.  Past the cap we stop buffering, keep reading so that the
 * final call can answer 413, and hang up on a client that keeps sending
 * far beyond it.
 */
static enum MHD_Result
request_chunk(struct http_call *call, const char *data, size_t n)
{
	if (!call->too_big && n > call->cap - call->len) {
		call->too_big = true;
		body_put(call->body, call->cap, call->len);
		call->body = NULL;
		call->len = 0;
	}
	if (call->too_big) {
		call->discarded += n;
		return call->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (call->body == NULL && (call->body = body_get(call->cap)) == NULL)
		return MHD_NO;
	memcpy(call->body + call->len, data, n);
	call->len += n;
	return MHD_YES;
}

/*
 * POST is PUT; GET with list=true or 1 is LIST; HEAD is reported as itself
 * here and becomes GET for the handler.  Anything else is 0.
 */
static unsigned
method_of(struct MHD_Connection *conn, const char *m)
{
	const char *list;

	if (strcmp(m, MHD_HTTP_METHOD_GET) == 0) {
		list = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		    "list");
		if (list != NULL &&
		    (strcmp(list, "true") == 0 || strcmp(list, "1") == 0))
			return HTTP_LIST;
		return HTTP_GET;
	}
	if (strcmp(m, MHD_HTTP_METHOD_PUT) == 0 ||
	    strcmp(m, MHD_HTTP_METHOD_POST) == 0)
		return HTTP_PUT;
	if (strcmp(m, MHD_HTTP_METHOD_DELETE) == 0)
		return HTTP_DELETE;
	if (strcmp(m, "LIST") == 0)
		return HTTP_LIST;
	if (strcmp(m, MHD_HTTP_METHOD_HEAD) == 0)
		return HTTP_HEAD;
	return 0;
}

static void
allow_of(unsigned methods, char out[static HTTP_ALLOW_CHARS])
{
	out[0] = '\0';
	if (methods & (HTTP_GET | HTTP_HEAD))
		strcat(out, "GET, HEAD, ");
	if (methods & HTTP_PUT)
		strcat(out, "PUT, POST, ");
	if (methods & HTTP_DELETE)
		strcat(out, "DELETE, ");
	if (methods & HTTP_LIST)
		strcat(out, "LIST, ");
	if (out[0] != '\0')
		out[strlen(out) - 2] = '\0';
}

/*
 * A parameter is one non-empty segment of [A-Za-z0-9._-], at most
 * HTTP_PARAM_MAX bytes, and not "." or "..", which some proxy or a later
 * filesystem use could resolve as a path step.
 */
static bool
param_ok(const char *s, size_t n)
{
	if (n == 0 || n > HTTP_PARAM_MAX)
		return false;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		        c == '-'))
			return false;
	}
	return true;
}

/* Whether path[0..len) matches pattern; ":" segments go to req->params. */
static bool
route_match(const char *pattern, const char *path, size_t len,
    struct http_req *req)
{
	const char *p = pattern, *s = path, *end = path + len, *slash;
	size_t plen, slen;
	unsigned np = 0;

	for (;;) {
		plen = strcspn(p, "/");
		slash = memchr(s, '/', (size_t)(end - s));
		slen = slash != NULL ? (size_t)(slash - s) : (size_t)(end - s);
		if (plen == 1 && p[0] == ':') {
			if (np == HTTP_PARAMS_MAX || !param_ok(s, slen))
				return false;
			memcpy(req->params[np], s, slen);
			req->params[np++][slen] = '\0';
		} else if (plen != slen || memcmp(p, s, slen) != 0)
			return false;
		p += plen;
		s += slen;
		if (*p == '\0' || s == end)
			break;
		p++; /* both sit on a '/' */
		s++;
	}
	if (*p != '\0' || s != end)
		return false;
	req->nparams = np;
	return true;
}

static const struct http_route *
route_find(const struct http_server *srv, const char *path, size_t len,
    struct http_req *req)
{
	for (size_t i = 0; i < srv->nroutes; i++)
		if (route_match(srv->routes[i].pattern, path, len, req))
			return &srv->routes[i];
	return NULL;
}

/* X-Vault-Token, else "Authorization: Bearer T"; NULL when absent. */
static const char *
token_of(struct MHD_Connection *conn)
{
	const char *t;

	t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Vault-Token");
	if (t != NULL && *t != '\0')
		return t;
	t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (t == NULL || strncasecmp(t, "Bearer ", 7) != 0)
		return NULL;
	for (t += 7; *t == ' '; t++)
		;
	return *t != '\0' ? t : NULL;
}

/* Dotted quad by hand: inet_ntop's sprintf showed in the profile. */
static void
ipv4_format(const uint8_t a[static 4], char *out)
{
	for (int i = 0; i < 4; i++) {
		if (a[i] >= 100)
			*out++ = (char)('0' + a[i] / 100);
		if (a[i] >= 10)
			*out++ = (char)('0' + a[i] / 10 % 10);
		*out++ = (char)('0' + a[i] % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

static void
remote_of(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	_Static_assert(sizeof(((struct http_req *)0)->remote) >=
	        INET6_ADDRSTRLEN,
	    "room for any numeric address");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sa = ci != NULL ? ci->client_addr : NULL;
	sin = (const void *)sa;
	sin6 = (const void *)sa;
	if (sa != NULL && sa->sa_family == AF_INET)
		ipv4_format((const uint8_t *)&sin->sin_addr, out);
	else if (sa == NULL || sa->sa_family != AF_INET6 ||
	    inet_ntop(AF_INET6, &sin6->sin6_addr, out, (socklen_t)outlen) ==
	        NULL)
		snprintf(out, outlen, "unknown");
}

/*
 * Route req (path and method set) and run its handler, or set the 404,
 * 405, 400 or 500 it earns.  *allow is set for a 405.
 */
static void
request_run(struct http_server *srv, struct MHD_Connection *conn,
    struct http_call *call, struct http_req *req, struct http_resp *resp,
    char allow[static HTTP_ALLOW_CHARS])
{
	const struct http_route *rt;
	size_t len = strlen(req->path);
	unsigned want =
	    req->method == HTTP_HEAD ? HTTP_GET | HTTP_HEAD : req->method;
	int rc;

	/* "vault list escrow/custodians/" sends the directory form. */
	if (req->method == HTTP_LIST && len > 0 && req->path[len - 1] == '/')
		len--;
	if ((rt = route_find(srv, req->path, len, req)) == NULL) {
		http_reply_error(resp, MHD_HTTP_NOT_FOUND, "unsupported path");
		return;
	}
	if ((rt->methods & want) == 0) {
		allow_of(rt->methods, allow);
		http_reply_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "unsupported operation");
		return;
	}
	if ((rc = http_body_parse(call->body, call->len, &req->body)) != 0) {
		if (rc == -EINVAL)
			http_reply_error(resp, MHD_HTTP_BAD_REQUEST,
			    "invalid JSON body");
		else
			http_reply_rc(resp, rc, "request body");
		return;
	}
	if (req->method == HTTP_HEAD)
		req->method = HTTP_GET;
	req->token = token_of(conn);
	remote_of(conn, req->remote, sizeof(req->remote));
	rt->handler(srv->app, req, resp);
	json_decref(req->body);
	req->body = NULL;
	if (resp->status == 0) {
		fprintf(stderr,
		    "escrowd: request %s: handler for %s set no "
		    "status\n",
		    req->request_id, rt->pattern);
		http_reply_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal error");
	}
}

/* The final call: the whole body is in. */
static enum MHD_Result
request_end(struct http_server *srv, struct MHD_Connection *conn,
    const char *url, const char *method, struct http_call *call)
{
	struct http_req req;
	struct http_resp resp = { 0 };
	char allow[HTTP_ALLOW_CHARS] = "";
	enum MHD_Result ret;

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	req.now = (uint64_t)time(NULL);
	req.method = method_of(conn, method);
	request_id(req.request_id);
	call->answered = true;
	if (call->too_big)
		http_reply_error(&resp, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body too large");
	else if (strncmp(url, "/v1/", 4) != 0)
		http_reply_error(&resp, MHD_HTTP_NOT_FOUND, "unsupported path");
	else {
		req.path = url + 4;
		request_run(srv, conn, call, &req, &resp, allow);
	}
	ret = http_queue(conn, &resp, req.request_id,
	    allow[0] != '\0' ? allow : NULL, atomic_load(&srv->draining));
	sodium_memzero(&req, sizeof(req));
	return ret;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * MHD's own unescaping turns "%00" into a NUL that silently cuts the path
 * short ("custodians/a%00b/share" would reach "custodians/a"), so "%00"
 * is left alone here, and its '%' then fails any parameter or literal.
 */
size_t
http_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	(void)cls;
	(void)conn;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = hex_value(r[1])) >= 0 &&
		    (lo = hex_value(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_call *call = *con_cls;
	size_t n = *upload_size;

	(void)version;
	if (call == NULL)
		return request_begin(srv, conn, con_cls);
	*upload_size = 0; /* all consumed, buffered or discarded */
	if (call->answered)
		return MHD_YES;
	if (n != 0)
		return request_chunk(call, upload, n);
	return request_end(srv, conn, url, method, call);
}

void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_call *call = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (call == NULL)
		return;
	body_put(call->body, call->cap, call->len);
	sodium_memzero(call, sizeof(*call));
	free(call);
	*con_cls = NULL;
}

const char *
http_req_query(const struct http_req *req, const char *key)
{
	if (req == NULL || req->conn == NULL || key == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    key);
}

const char *
http_req_header(const struct http_req *req, const char *name)
{
	if (req == NULL || req->conn == NULL || name == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}
