/* SPDX-License-Identifier: ISC */
/*
 * Responses: the one map from return codes to HTTP statuses, the reply
 * helpers handlers call, and the code that turns a struct http_resp into a
 * queued MHD response with the headers every answer carries.  A body may
 * carry shares or tokens, so it is serialised straight into a buffer that
 * is wiped when MHD releases it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/err.h"
#include "escrow/http_priv.h"

#define MESSAGE_MAX 256  /* bytes of one error message */
#define DUMP_GUESS  1024 /* bytes: most response bodies fit */

static const char internal_error[] = "{\"errors\":[\"internal error\"]}";

unsigned
http_status(int rc)
{
	switch (rc) {
	case 0:
		return MHD_HTTP_OK;
	case -EINVAL:
	case -ESC_EMALFORMED:
	case -ESC_EBADSIG:
	case -ESC_ECUSTODIAN:
	case -ESC_EDUPLICATE:
	case -ESC_EBADSHARE:
	case -ESC_EEXPIRED:
	case -ESC_ENONCE:
	case -ESC_EKCV:
	case -ESC_EPLAINTEXT:
	case -ESC_ENOATTEMPT:
	case -ESC_EINITED:
	case -ESC_EUNSEALED:
	case -ENAMETOOLONG:
	case -ERANGE:
	case -ESC_ETOONEW:
	case -ESC_ETOOOLD:
		return MHD_HTTP_BAD_REQUEST;
	case -ESC_EPERM:
	case -EPERM:
	case -EACCES:
		return MHD_HTTP_FORBIDDEN;
	case -ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case -EEXIST:
	case -ESC_EINPROGRESS:
	case -ESC_EVERIFY:
		return MHD_HTTP_CONFLICT;
	case -EFBIG:
		return MHD_HTTP_CONTENT_TOO_LARGE;
	case -ESC_ESEALED:
	case -ESC_EUNINIT:
	case -EAGAIN:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default: /* details go to the log, never to the client */
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

void
http_reply(struct http_resp *resp, unsigned status, json_t *body)
{
	json_decref(resp->body);
	http_json_free(resp->raw);
	resp->raw = NULL;
	resp->rawlen = 0;
	resp->status = status;
	resp->body = body;
}

void
http_reply_raw(struct http_resp *resp, unsigned status, const char *json,
    size_t len)
{
	http_reply(resp, status, NULL);
	if ((resp->raw = http_json_malloc(len == 0 ? 1 : len)) == NULL) {
		resp->status = 0; /* answered with 500 */
		return;
	}
	memcpy(resp->raw, json, len);
	resp->rawlen = len;
}

void
http_reply_error(struct http_resp *resp, unsigned status, const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	json_t *body;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* json_pack refuses invalid UTF-8 (say, a truncated character). */
	if ((body = json_pack("{s:[s]}", "errors", msg)) == NULL)
		body = json_pack("{s:[s]}", "errors", "error");
	http_reply(resp, status, body);
}

void
http_reply_rc(struct http_resp *resp, int rc, const char *what)
{
	unsigned status = http_status(rc);

	/* An error reply for success is a handler bug: answer 500 too. */
	if (status == MHD_HTTP_INTERNAL_SERVER_ERROR || rc >= 0) {
		fprintf(stderr, "escrowd: %s: %s\n",
		    what != NULL ? what : "request", err_str(rc));
		http_reply_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal error");
	} else if (what != NULL)
		http_reply_error(resp, status, "%s: %s", what, err_str(rc));
	else
		http_reply_error(resp, status, "%s", err_str(rc));
}

/*
 * The body is serialised straight into a buffer MHD frees with the
 * matching wiping function: sodium_malloc for bodies marked secret, and
 * jansson's own wiping heap for the rest (sodium_malloc costs mmap,
 * mprotect, mlock and munmap with its TLB shootdown: about 40 us of CPU a
 * response, which cut seal-status polling to a fifth of MHD's rate).  Most
 * bodies fit DUMP_GUESS bytes and are serialised once; a larger one is
 * serialised again into a buffer of the size the first pass reported.  NULL
 * with no body, and NULL on failure, which the caller answers with 500.
 */
static struct MHD_Response *
response_new(struct http_resp *resp)
{
	void *(*get)(size_t) = resp->secret ? sodium_malloc : http_json_malloc;
	void (*release)(void *) = resp->secret ? sodium_free : http_json_free;
	struct MHD_Response *r;
	size_t cap = DUMP_GUESS, n;
	char *buf;

	if (resp->raw != NULL) {
		r = MHD_create_response_from_buffer_with_free_callback(
		    resp->rawlen, resp->raw, http_json_free);
		if (r != NULL) {
			resp->raw = NULL; /* MHD owns it now */
			resp->rawlen = 0;
		}
		return r;
	}
	if (resp->body == NULL)
		return MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
	for (;;) {
		if ((buf = get(cap)) == NULL)
			return NULL;
		n = http_json_write(resp->body, buf, cap);
		if (n != 0 && n <= cap)
			break;
		release(buf);
		if (n == 0 || cap != DUMP_GUESS)
			return NULL;
		cap = n;
	}
	r = MHD_create_response_from_buffer_with_free_callback(n, buf, release);
	if (r == NULL)
		release(buf);
	return r;
}

static bool
headers_add(struct MHD_Response *r, bool json, const char *reqid,
    const char *allow, bool conn_close)
{
	if (json &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	        "application/json") != MHD_YES)
		return false;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	        "no-store") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") !=
	        MHD_YES ||
	    MHD_add_response_header(r, "X-Request-Id", reqid) != MHD_YES)
		return false;
	if (allow != NULL &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)
		return false;
	if (conn_close &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") !=
	        MHD_YES)
		return false;
	return true;
}

enum MHD_Result
http_queue(struct MHD_Connection *conn, struct http_resp *resp,
    const char *reqid, const char *allow, bool conn_close)
{
	struct MHD_Response *r;
	enum MHD_Result ret = MHD_NO;
	unsigned status = resp->status;
	bool json;

	/* 204 and 304 carry no body, whatever the handler left there. */
	if (status == MHD_HTTP_NO_CONTENT || status == MHD_HTTP_NOT_MODIFIED)
		http_reply(resp, status, NULL);
	json = resp->body != NULL || resp->raw != NULL;
	if ((r = response_new(resp)) == NULL) {
		fprintf(stderr, "escrowd: request %s: no response body\n",
		    reqid);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		json = true;
		r = MHD_create_response_from_buffer(sizeof(internal_error) - 1,
		    (void *)(uintptr_t)internal_error, MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			goto out;
	}
	if (!headers_add(r, json, reqid, allow, conn_close))
		goto out;
	ret = MHD_queue_response(conn, status, r);
out:
	if (r != NULL)
		MHD_destroy_response(r);
	http_reply(resp, status, NULL);
	return ret;
}
