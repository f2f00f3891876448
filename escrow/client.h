/* SPDX-License-Identifier: ISC */
/*
 * The HTTP client of escrowctl: one handle per run, holding the service's
 * address, an optional token and an optional CA file, through which the
 * verbs make JSON calls below /v1/.  Only client.c includes <curl/curl.h>;
 * callers see methods, paths, statuses and jansson values.
 *
 * Where things come from, first match wins (as Vault's own CLI does):
 *   address  the caller's value, ESCROW_ADDR, VAULT_ADDR, CLIENT_ADDR_DEFAULT
 *   token    the caller's value, ESCROW_TOKEN, VAULT_TOKEN (none is fine)
 *   CA file  the caller's value, ESCROW_CACERT, VAULT_CACERT (none: the
 *            system's trust store)
 * An empty value counts as unset.  The token is sent as X-Vault-Token.
 *
 * Secrets: responses may carry shares and tokens, requests tokens and
 * submissions.  The token, serialised request bodies and raw response
 * bodies live in sodium_malloc memory; the parsed JSON lives in jansson's
 * heap, whose blocks client_global_init() makes wipe themselves when
 * freed.  libcurl keeps its own send and receive buffers, which we cannot
 * wipe: as on the server side, secrets cross HTTP only sealed, except
 * tokens, which should travel over TLS.
 *
 * Thread-safety: a handle belongs to one thread.  client_global_init()
 * must run once, in main(), before any other call and before any other
 * thread exists; it also needs sodium_init() first.
 */
#ifndef ESCROW_CLIENT_H
#define ESCROW_CLIENT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "escrow/err.h"

#define CLIENT_ADDR_DEFAULT "http://127.0.0.1:8200"
#define CLIENT_ADDR_MAX     1024        /* chars of an address */
#define CLIENT_URL_MAX      2048        /* chars of a whole URL */
#define CLIENT_TOKEN_MAX    256         /* chars of a token */
#define CLIENT_TIMEOUT      30          /* seconds for one whole call */
#define CLIENT_RESPONSE_MAX (1u << 20)  /* bytes of a response body */
#define CLIENT_REQUEST_MAX  (64u << 10) /* bytes of a request body */
#define CLIENT_REASON_MAX   256         /* chars of a transport reason */
#define CLIENT_ETRANSPORT   (-ENOTCONN) /* the service was not reached */

_Static_assert(CLIENT_ADDR_MAX < CLIENT_URL_MAX,
    "a URL is an address and a path");

struct client;

/* What the caller knows from the command line; NULL = look further. */
struct client_opts {
	const char *addr;    /* http:// or https:// URL of the service */
	const char *token;   /* secret: borrowed, copied into the handle */
	const char *ca_cert; /* PEM file of trusted CAs */
	long timeout;        /* seconds; 0 = CLIENT_TIMEOUT */
};

/**
 * Set up libcurl (curl_global_init) and make jansson's allocator wipe
 * every block it frees.  Call once from main(), before anything else here.
 *
 * Returns 0, or -EIO if libcurl cannot initialise.
 */
ESC_MUST_CHECK int client_global_init(void);

/** Undo client_global_init() at the end of main(). */
void client_global_cleanup(void);

/**
 * Fill every NULL or empty field of `o` from the environment, as the
 * header describes; the address always ends up set, the others may stay
 * NULL.  The strings are borrowed from the caller or the environment.
 */
void client_opts_resolve(struct client_opts *o);

/**
 * Make the URL of `path` (below /v1/, without a leading '/', may carry a
 * query) at `addr`: addr without its trailing '/'s, then "/v1/", then
 * path.
 *
 * Returns 0, or -EINVAL if addr is not an http:// or https:// URL with a
 * host, or contains a space or control character, or path starts with
 * '/' or contains a space or control character; -ENAMETOOLONG if the
 * address is longer than CLIENT_ADDR_MAX or the URL does not fit `cap`.
 */
ESC_MUST_CHECK int client_url(char *out, size_t cap, const char *addr,
    const char *path);

/**
 * Open a handle for the service that `o` describes after
 * client_opts_resolve(); `o` may be NULL for the environment alone.
 * Nothing is sent yet.
 *
 * Returns 0, or -EINVAL for an address client_url refuses or a token with
 * a control character, -ENAMETOOLONG for an overlong address or token,
 * -ENOENT if the CA file does not exist or cannot be read (-errno), or
 * -ENOMEM.  On failure *out is NULL.
 * Secrets: the token is copied into guarded memory; the caller keeps its
 * own copy.
 */
ESC_MUST_CHECK int client_open(struct client **out,
    const struct client_opts *o);

/** Wipe and free.  Accepts NULL. */
void client_close(struct client *c);

/** The address in use, for messages; owned by the handle. */
const char *client_addr(const struct client *c);

/** Whether the handle carries a token. */
bool client_has_token(const struct client *c);

/**
 * Why the last call failed with CLIENT_ETRANSPORT ("Connection refused",
 * "Operation timed out after 30000 milliseconds ...", a TLS error), or ""
 * after any other outcome.  Owned by the handle, valid until the next call.
 */
const char *client_reason(const struct client *c);

/**
 * Make one call: `method` ("GET", "PUT", "DELETE", ...) on `path` (as for
 * client_url).  A non-NULL `body` is sent as JSON (Content-Type:
 * application/json).  *status receives the HTTP status, *resp the parsed
 * response body (NULL when the body is empty); the caller json_decref()s
 * it.  Redirects are not followed.
 *
 * Returns 0 for every HTTP exchange, whatever its status, or
 *   CLIENT_ETRANSPORT  the service was not reached or did not answer
 *                      (connection refused, name resolution, TLS,
 *                      timeout): client_reason() says why;
 *   -EFBIG             the response body exceeds CLIENT_RESPONSE_MAX, or
 *                      the request body CLIENT_REQUEST_MAX;
 *   -EBADMSG           the response body is not JSON (*status is set);
 *   -EINVAL            a bad method or path (see client_url);
 *   -ENOMEM.
 * On failure *resp is NULL; *status is 0 unless said otherwise.
 * Secrets: `body` and *resp may hold secrets: see the header.
 */
ESC_MUST_CHECK int client_call(struct client *c, const char *method,
    const char *path, const json_t *body, long *status, json_t **resp);

/**
 * The first message of a Vault error body {"errors":["message", ...]},
 * borrowed from `resp`; NULL if `resp` has no such message.
 */
const char *client_error_message(const json_t *resp);

#endif /* ESCROW_CLIENT_H */
