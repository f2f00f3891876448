/* SPDX-License-Identifier: ISC */
/*
 * Private to the http*.c files: the server handle, the MHD callbacks that
 * http.c installs and http_req.c implements, the JSON helpers of
 * http_json.c, and the response queueing of http_resp.c.
 * Nothing outside http*.c includes this header, so <microhttpd.h> stays in
 * the HTTP layer.
 */
#ifndef ESCROW_HTTP_PRIV_H
#define ESCROW_HTTP_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "escrow/http.h"

/*
 * The daemon's mode and defaults, shared with tests/bench/mhd_baseline.c so
 * that the benchmark's peer runs MHD exactly as escrowd does.  ITC is what
 * makes MHD_quiesce_daemon work in this mode.
 */
#define HTTP_MHD_FLAGS                                                         \
	(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |       \
	    MHD_USE_ERROR_LOG)
#define HTTP_THREADS_DEFAULT    2u
#define HTTP_CONN_LIMIT_DEFAULT 256u
#define HTTP_PER_IP_DEFAULT     64u
#define HTTP_TIMEOUT_DEFAULT    30u                 /* seconds */
#define HTTP_POOL_MEMORY        ((size_t)64 * 1024) /* > 32 KiB: mmap'd */

#define HTTP_JSON_DEPTH_MAX 32                   /* nesting of a request body */
#define HTTP_DISCARD_MAX    (16 * HTTP_BODY_MAX) /* then drop the conn */
#define HTTP_ALLOW_CHARS    64                   /* "GET, HEAD, PUT, ..." */

_Static_assert(HTTP_DISCARD_MAX > HTTP_BODY_MAX, "discard beyond the cap");

struct http_server {
	struct MHD_Daemon *daemon;
	int fd;        /* our listening socket; MHD polls a dup of it */
	unsigned port; /* bound port, from MHD */
	const struct http_route *routes; /* borrowed from the caller */
	size_t nroutes;
	struct escrowd *app;
	atomic_bool draining; /* http_stop: answer with Connection: close */
};

/* http_req.c: MHD's access handler (cls is the http_server). */
enum MHD_Result http_access(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload, size_t *upload_size, void **con_cls);

/*
 * http_req.c: MHD's unescape callback for the path and query values:
 * "%HH" decoding, except that "%00" stays as it is.
 */
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s);

/* http_req.c: MHD's completion callback; wipes the per-request state. */
void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe);

/* http_json.c: jansson's wiping heap, also used for response bodies. */
void *http_json_malloc(size_t n);
void http_json_free(void *p);

/*
 * http_json.c: parse a request body into *out, a JSON object (an empty one
 * for an empty or all-whitespace body).  Returns 0, -EINVAL when the body
 * is not one JSON object, has duplicate keys or nests deeper than
 * HTTP_JSON_DEPTH_MAX, or -ENOMEM.  Nothing of the input reaches an error
 * text.  Secrets: the body may hold shares; jansson's allocator wipes.
 */
int http_body_parse(const uint8_t *buf, size_t len, json_t **out);

/*
 * http_json.c: serialise `body` (an object or array) into buf, byte for
 * byte as json_dumpb(body, buf, cap, JSON_COMPACT) would.  Returns the
 * length of the whole text, which exceeds cap when buf was too small (buf
 * then holds a prefix), or 0 when the body cannot be serialised (not a
 * container, nested deeper than 64, invalid UTF-8).
 */
size_t http_json_write(json_t *body, char *buf, size_t cap);

/*
 * http_resp.c: queue resp (status and body, whose reference it consumes)
 * on conn with the standard headers, X-Request-Id `reqid`, an Allow header
 * when `allow` is not NULL, and Connection: close when `conn_close` is set.
 * Returns MHD's verdict; MHD_NO drops the connection.
 */
enum MHD_Result http_queue(struct MHD_Connection *conn, struct http_resp *resp,
    const char *reqid, const char *allow, bool conn_close);

#endif /* ESCROW_HTTP_PRIV_H */
