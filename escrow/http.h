/* SPDX-License-Identifier: ISC */
/*
 * The HTTP service: libmicrohttpd's daemon, its lifecycle, the one route
 * table, request bodies, and the one place where a return code becomes an
 * HTTP status.  Only http*.c include <microhttpd.h>.
 *
 * Handlers (http_<resource>.c) see a request as plain values: the
 * normalised method, the path below /v1/, path parameters, the query, the
 * parsed JSON body, the presented token and the remote address.  They fill
 * a response (status and an optional JSON body) and never touch MHD or
 * LMDB; they translate JSON to calls of the core and back.
 *
 * Bodies: capped at HTTP_BODY_MAX before anything is buffered (413), parsed
 * strictly (JSON object at top level, duplicate keys rejected, depth
 * capped), in sodium_malloc memory that is wiped when the request ends.
 * jansson's allocator wipes every block it frees (http_json_init), so
 * shares and tokens in parsed or built JSON do not linger in the heap.
 * Responses are serialised into wiped memory: a sodium_malloc buffer when
 * http_resp.secret is set, jansson's wiping heap otherwise.
 *
 * Methods: POST is PUT; "LIST" and GET with ?list=true (or 1) are LIST;
 * HEAD is GET without a body (a route with HTTP_GET or HTTP_HEAD admits
 * it, and its handler sees HTTP_GET).  A LIST may end in '/' (the
 * directory form Vault's CLI sends); req->path then keeps it.  Unknown
 * paths get 404, known paths with another method 405 (with Allow), both as
 * {"errors":[...]}.  A ":" parameter is 1..HTTP_PARAM_MAX bytes of
 * [A-Za-z0-9._-], neither "." nor ".."; "%00" is never decoded.
 *
 * Threading: MHD's internal polling thread with a pool of worker threads
 * (epoll); handlers run concurrently and must be thread-safe.
 */
#ifndef ESCROW_HTTP_H
#define ESCROW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "escrow/err.h"

#define HTTP_BODY_MAX                                                          \
	(4 * 1024 * 1024) /* bytes of a request body: a                        \
	                     10,000-item transit batch */
#define HTTP_PARAMS_MAX  2
#define HTTP_PARAM_MAX   128 /* bytes of one path parameter */
#define HTTP_REQID_CHARS 36  /* a UUID */

struct escrowd;     /* the application: store, seal domain, config */
struct http_server; /* opaque */

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_PUT = 1 << 1, /* and POST */
	HTTP_DELETE = 1 << 2,
	HTTP_LIST = 1 << 3, /* and GET ?list=true */
	HTTP_HEAD = 1 << 4,
};

struct http_req {
	enum http_method method;
	const char *path; /* below /v1/, without the query */
	unsigned nparams;
	char params[HTTP_PARAMS_MAX][HTTP_PARAM_MAX + 1]; /* ":name" parts */
	json_t *body;      /* a JSON object; an empty one when no body */
	const char *token; /* X-Vault-Token or Bearer; NULL if none */
	char remote[64];   /* the peer's address */
	char request_id[HTTP_REQID_CHARS + 1];
	uint64_t now; /* unix seconds at arrival */
	void *conn;   /* for http_req_query only */
};

struct http_resp {
	unsigned status; /* 0 = not set: the server answers 500 */
	json_t *body;    /* owned; NULL = no body */
	bool secret;     /* body holds secrets: serialise into guarded memory
	                    and never log it (it is never logged anyway) */
	char *raw;       /* owned: a body already serialised (http_reply_raw);
	                    used instead of `body` when set */
	size_t rawlen;
};

typedef void (*http_handler_fn)(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp);

struct http_route {
	unsigned methods;    /* enum http_method bits */
	const char *pattern; /* e.g. "sys/seal-status", "transit/keys/:" */
	http_handler_fn handler;
};

struct http_config {
	const char *listen;    /* "ADDR:PORT"; IPv6 as "[::1]:8200" */
	const char *tls_cert;  /* PEM file, or NULL for plain HTTP */
	const char *tls_key;   /* PEM file, or NULL */
	unsigned threads;      /* worker pool size; 0 = 2 */
	unsigned conn_limit;   /* 0 = 256 */
	unsigned per_ip_limit; /* 0 = 64 */
	unsigned timeout;      /* seconds of idleness; 0 = 30 */
};

/**
 * Install jansson's wiping allocator.  Call once in main(), before any
 * other jansson call.
 */
void http_json_init(void);

/**
 * Start serving `routes` (nroutes entries, tried in order; the first whose
 * pattern matches decides 404 vs 405) for `app`.
 *
 * Returns 0, or -EINVAL for a bad listen address (numeric only), a TLS
 * certificate without a key or the reverse, or a TLS path that is not a
 * regular file, -ENOENT / -errno for unreadable TLS files, -EFBIG for one
 * above 64 KiB, -EADDRINUSE (or another -errno from bind), or -EIO when
 * MHD fails to start, e.g. on a PEM that GnuTLS cannot load (MHD logs why
 * on stderr).  On failure *out is NULL.
 */
ESC_MUST_CHECK int http_start(struct http_server **out,
    const struct http_config *cfg, const struct http_route *routes,
    size_t nroutes, struct escrowd *app);

/** The TCP port actually bound (useful with port 0). */
unsigned http_port(const struct http_server *srv);

/**
 * Stop accepting, let in-flight requests finish for up to `grace`
 * seconds, then stop the daemon and free it.  Accepts NULL.
 */
void http_stop(struct http_server *srv, unsigned grace);

/** A query parameter of the request, or NULL. */
const char *http_req_query(const struct http_req *req, const char *key);

/** A request header, or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);

/** Set a JSON response (takes ownership of body; NULL body = none). */
void http_reply(struct http_resp *resp, unsigned status, json_t *body);

/**
 * Set a body the handler serialised itself (len bytes of JSON, copied),
 * for hot, unauthenticated endpoints whose bodies hold only numbers,
 * booleans, constant strings and names of a safe charset.  Never for
 * secrets or for text that would need escaping.
 */
void http_reply_raw(struct http_resp *resp, unsigned status, const char *json,
    size_t len);

/**
 * Set {"errors":[message]} with `status`.  The message names objects and
 * public inputs, never a secret.
 */
void http_reply_error(struct http_resp *resp, unsigned status, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/**
 * The one map from a return code to an HTTP status, as Vault uses them:
 * 0 -> 200, -EINVAL/-ESC_EMALFORMED/... -> 400, -ESC_EPERM -> 403,
 * -ENOENT -> 404, -ESC_ESEALED -> 503, and so on; unknown codes -> 500.
 */
unsigned http_status(int rc);

/**
 * Set an error response for rc: status from http_status and the message
 * "<what>: <err_str(rc)>", or "internal error" for a 500 (details go to
 * the log only).
 */
void http_reply_rc(struct http_resp *resp, int rc, const char *what);

#endif /* ESCROW_HTTP_H */
