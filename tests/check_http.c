/* SPDX-License-Identifier: ISC */
/*
 * The HTTP layer against a real daemon: each test starts a server on
 * 127.0.0.1, port 0, with a route table of small test handlers, and talks
 * to it with a raw-socket HTTP/1.1 client, so that what is checked is the
 * bytes on the wire (status line, headers, body) rather than MHD's view.
 * The status map and the reply helpers are also checked without a server.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "escrow/http.h"
#include "tests/fixture.h"
#include "tests/suites.h"

#define IO_TIMEOUT 10 /* seconds, for every socket operation */
#define RAW_MAX    (HTTP_BODY_MAX + 64 * 1024)
#define OVER_CAP   "4194305" /* HTTP_BODY_MAX + 1, as text */
_Static_assert(HTTP_BODY_MAX + 1 == 4194305, "OVER_CAP follows the cap");
#define MARKER "XSECRETX" /* must never come back in a response */

struct reply {
	int status; /* 0: no response */
	char *body; /* into raw */
	size_t bodylen;
	json_t *json;
	size_t rawlen;
	char raw[RAW_MAX + 1];
};

static struct reply rep;
static struct http_server *srv;
static unsigned port;
static int app_token; /* its address is the struct escrowd * we pass */
#define APP ((struct escrowd *)(void *)&app_token)

/* Test handlers. */

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static void
h_echo(struct escrowd *app, const struct http_req *req, struct http_resp *resp)
{
	static const char *const names[] = { "?", "GET", "PUT", "?", "DELETE",
		"?", "?", "?", "LIST" };
	json_t *params = json_array();

	for (unsigned i = 0; i < req->nparams; i++)
		json_array_append_new(params, json_string(req->params[i]));
	http_reply(resp, 200,
	    json_pack("{s:s, s:s, s:o, s:o, s:O, s:o, s:o, s:s, s:s, s:I, s:b}",
	        "method", names[req->method], "path", req->path, "params",
	        params, "token", str_or_null(req->token), "body", req->body,
	        "list", str_or_null(http_req_query(req, "list")), "x-test",
	        str_or_null(http_req_header(req, "X-Test")), "remote",
	        req->remote, "request_id", req->request_id, "now",
	        (json_int_t)req->now, "app", app == APP));
}

static void
h_zero(struct escrowd *app, const struct http_req *req, struct http_resp *resp)
{
	(void)app;
	(void)req;
	http_reply(resp, 0, json_pack("{s:s}", "leak", "me"));
}

static void
h_nocontent(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	(void)app;
	(void)req;
	http_reply(resp, 204, json_pack("{s:s}", "dropped", "yes"));
}

static void
h_rc(struct escrowd *app, const struct http_req *req, struct http_resp *resp)
{
	(void)app;
	http_reply_rc(resp, -atoi(req->params[0]), "thing");
}

static void
h_secret(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	(void)app;
	(void)req;
	resp->secret = true;
	http_reply(resp, 200, json_pack("{s:s}", "share", "c0ffee"));
}

static void
h_is_get(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	(void)app;
	http_reply(resp, req->method == HTTP_GET ? 200 : 500, json_object());
}

/* Bodies whose serialisation must equal json_dumpb's, byte for byte. */
static json_t *
tricky_body(int i)
{
	static char big[3000];
	json_t *j = NULL;

	switch (i) {
	case 0:
		return json_pack("{s:s, s:[]}", "k", "plain", "empty");
	case 1:
		return json_pack("{s:s, s:s, s:s}", "q\"uote\\back/slash",
		    "tab\tnl\ncr\rbs\bff\fctl\x01\x1f del\x7f", "quote",
		    "say \"hi\"", "back", "a\\b");
	case 2:
		return json_pack("{s:s}", "caf\xc3\xa9",
		    "\xe2\x82\xac \xf0\x9f\x94\x91 \xe2\x80\xa8");
	case 3:
		return json_pack("{s:I, s:I, s:I, s:i}", "max",
		    (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN, "neg",
		    (json_int_t)-42, "zero", 0);
	case 4:
		return json_pack("{s:f, s:f, s:f, s:f, s:f}", "r1", 1.0, "r2",
		    0.1, "r3", -1e300, "r4", 123456789.125, "r5", 5e-324);
	case 5:
		return json_pack("[[], {}, [n, b, b], {s:{s:[i, [i, [i]]]}}]",
		    1, 0, "a", "b", 1, 2, 3);
	case 6:
		return json_pack("{s:s, s:s%}", "", "", "nul", "a\0b",
		    (size_t)3);
	case 7:
		memset(big, 'x', sizeof(big) - 1);
		j = json_pack("{s:s, s:s}", "big", big, "after", "\xc3\xa9");
		json_object_setn_new(j, "k\0ey", 4, json_true());
		return j;
	default: /* deeper than the writer goes: the server answers 500 */
		j = json_array();
		for (int d = 0; d < 100; d++)
			j = json_pack("[o]", j);
		return j;
	}
}

static void
h_json(struct escrowd *app, const struct http_req *req, struct http_resp *resp)
{
	(void)app;
	http_reply(resp, 200, tricky_body(atoi(req->params[0])));
}

static const struct http_route routes[] = {
	{ HTTP_GET | HTTP_PUT | HTTP_DELETE | HTTP_LIST, "test/echo", h_echo },
	{ HTTP_GET | HTTP_PUT, "test/echo/:", h_echo },
	{ HTTP_GET, "test/echo/:/sub/:", h_echo },
	{ HTTP_GET, "test/zero", h_zero },
	{ HTTP_DELETE, "test/nocontent", h_nocontent },
	{ HTTP_GET, "test/rc/:", h_rc },
	{ HTTP_GET, "test/secret", h_secret },
	{ HTTP_HEAD, "test/headonly", h_is_get },
	{ HTTP_GET, "test/json/:", h_json },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* The raw client. */

static int
conn_open_at(int family)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct timeval tv = { .tv_sec = IO_TIMEOUT };
	int fd, rc;

	ck_assert_int_ge(fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	ck_assert_int_eq(
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	if (family == AF_INET) {
		sin.sin_port = htons((in_port_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		sin6.sin6_port = htons((in_port_t)port);
		sin6.sin6_addr = in6addr_loopback;
		rc = connect(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	ck_assert_msg(rc == 0, "connect: %s", strerror(errno));
	return fd;
}

static int
conn_open(void)
{
	return conn_open_at(AF_INET);
}

/* Send it all; false when the server hung up first. */
static bool
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, c, n, MSG_NOSIGNAL)) < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

static const char *
header(const char *name)
{
	static char value[256];
	char key[64];
	const char *p, *e;
	char *head_end;

	head_end = strstr(rep.raw, "\r\n\r\n");
	snprintf(key, sizeof(key), "\r\n%s:", name);
	if ((p = strcasestr(rep.raw, key)) == NULL || p > head_end)
		return NULL;
	for (p += strlen(key); *p == ' '; p++)
		;
	e = strstr(p, "\r\n");
	snprintf(value, sizeof(value), "%.*s", (int)(e - p), p);
	return value;
}

/*
 * Read one response: up to the end of the headers, then Content-Length
 * bytes of body (none for HEAD), or to EOF when there is no length.  A
 * reset or EOF before any byte leaves status 0.
 */
static void
read_reply(int fd, bool head)
{
	char *hend = NULL;
	const char *cl;
	size_t want = SIZE_MAX;
	ssize_t r;

	json_decref(rep.json);
	memset(&rep, 0, offsetof(struct reply, raw));
	rep.raw[0] = '\0';
	for (;;) {
		if (hend == NULL &&
		    (hend = strstr(rep.raw, "\r\n\r\n")) != NULL) {
			rep.body = hend + 4;
			cl = header("Content-Length");
			if (head)
				want = (size_t)(rep.body - rep.raw);
			else if (cl != NULL)
				want = (size_t)(rep.body - rep.raw) +
				    strtoul(cl, NULL, 10);
		}
		if (rep.rawlen >= want)
			break;
		ck_assert_uint_lt(rep.rawlen, RAW_MAX);
		r = recv(fd, rep.raw + rep.rawlen, RAW_MAX - rep.rawlen, 0);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r >= 0 || errno == ECONNRESET, "recv: %s",
		    strerror(errno));
		if (r <= 0)
			break;
		rep.rawlen += (size_t)r;
		rep.raw[rep.rawlen] = '\0';
	}
	if (rep.rawlen == 0)
		return;
	ck_assert_int_eq(sscanf(rep.raw, "HTTP/1.1 %d ", &rep.status), 1);
	ck_assert_ptr_nonnull(rep.body);
	rep.bodylen = rep.rawlen - (size_t)(rep.body - rep.raw);
	if (rep.bodylen > 0)
		rep.json = json_loadb(rep.body, rep.bodylen, 0, NULL);
}

static void
exchange(const char *raw, size_t len, bool head)
{
	int fd = conn_open();

	(void)send_all(fd, raw, len);
	read_reply(fd, head);
	close(fd);
}

/* One request with Connection: close; body NULL sends no length. */
static void
request(const char *method, const char *target, const char *headers,
    const char *body)
{
	static char raw[RAW_MAX];
	int n;

	n = snprintf(raw, sizeof(raw),
	    "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s", method,
	    target, headers != NULL ? headers : "");
	if (body != NULL)
		n += snprintf(raw + n, sizeof(raw) - (size_t)n,
		    "Content-Length: %zu\r\n", strlen(body));
	n += snprintf(raw + n, sizeof(raw) - (size_t)n, "\r\n%s",
	    body != NULL ? body : "");
	ck_assert_int_lt(n, (int)sizeof(raw));
	exchange(raw, (size_t)n, strcmp(method, "HEAD") == 0);
}

static const char *
field(const char *key)
{
	json_t *v = json_object_get(rep.json, key);

	ck_assert_msg(json_is_string(v), "field %s is not a string", key);
	return json_string_value(v);
}

/* An {"errors":["..."]} response with status, holding no MARKER. */
static void
expect_error(int status, const char *message)
{
	json_t *errs = json_object_get(rep.json, "errors");

	ck_assert_int_eq(rep.status, status);
	ck_assert_msg(json_is_array(errs) && json_array_size(errs) == 1,
	    "not an errors body: %s", rep.body);
	ck_assert_str_eq(json_string_value(json_array_get(errs, 0)), message);
	ck_assert_ptr_null(memmem(rep.raw, rep.rawlen, MARKER, strlen(MARKER)));
}

static void
server_up(void)
{
	struct http_config cfg = { .listen = "127.0.0.1:0" };

	ck_assert_int_eq(http_start(&srv, &cfg, routes, NROUTES, APP), 0);
	ck_assert_uint_ne(port = http_port(srv), 0);
}

static void
server_down(void)
{
	http_stop(srv, 0);
	srv = NULL;
	json_decref(rep.json);
	rep.json = NULL;
}

/* http_status, http_reply, http_reply_error, http_reply_rc: no server. */

START_TEST(test_http_status_maps_every_code)
{
	static const struct {
		int rc;
		unsigned status;
	} map[] = {
		{ 0, 200 },
		{ -EINVAL, 400 },
		{ -ESC_EMALFORMED, 400 },
		{ -ESC_EBADSIG, 400 },
		{ -ESC_ECUSTODIAN, 400 },
		{ -ESC_EDUPLICATE, 400 },
		{ -ESC_EBADSHARE, 400 },
		{ -ESC_EEXPIRED, 400 },
		{ -ESC_ENONCE, 400 },
		{ -ESC_EKCV, 400 },
		{ -ESC_EPLAINTEXT, 400 },
		{ -ESC_ENOATTEMPT, 400 },
		{ -ESC_EINITED, 400 },
		{ -ESC_EUNSEALED, 400 },
		{ -ENAMETOOLONG, 400 },
		{ -ERANGE, 400 },
		{ -ESC_EPERM, 403 },
		{ -EPERM, 403 },
		{ -EACCES, 403 },
		{ -ENOENT, 404 },
		{ -EEXIST, 409 },
		{ -ESC_EINPROGRESS, 409 },
		{ -ESC_EVERIFY, 409 },
		{ -EFBIG, 413 },
		{ -ESC_ESEALED, 503 },
		{ -ESC_EUNINIT, 503 },
		{ -EAGAIN, 503 },
		{ -EIO, 500 },
		{ -ENOMEM, 500 },
		{ -ESC_ECORRUPT, 500 },
		{ -ESC_EPASSPHRASE, 500 },
		{ -ESC_ECRYPTO, 500 },
		{ -ESC_ETOONEW, 400 },
		{ -ESC_ETOOOLD, 400 },
		{ -ESC_EMAPFULL, 500 },
		{ -ESC_EBASE, 500 },
		{ -ESC_ELAST, 500 },
		{ 1, 500 },
		{ -99999, 500 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		ck_assert_msg(http_status(map[i].rc) == map[i].status,
		    "rc %d: %u, want %u", map[i].rc, http_status(map[i].rc),
		    map[i].status);
}
END_TEST

static void
expect_resp(const struct http_resp *resp, unsigned status, const char *msg)
{
	json_t *errs = json_object_get(resp->body, "errors");

	ck_assert_uint_eq(resp->status, status);
	ck_assert_uint_eq(json_array_size(errs), 1);
	ck_assert_str_eq(json_string_value(json_array_get(errs, 0)), msg);
}

START_TEST(test_http_reply_rc_names_what_and_reason)
{
	struct http_resp resp = { 0 };

	http_reply_rc(&resp, -ENOENT, "key k1");
	expect_resp(&resp, 404, "key k1: No such file or directory");
	http_reply_rc(&resp, -ESC_ENONCE, "custodian alice");
	expect_resp(&resp, 400,
	    "custodian alice: nonce does not match the current attempt");
	http_reply_rc(&resp, -ESC_ESEALED, NULL);
	expect_resp(&resp, 503, "sealed");
	http_reply(&resp, 0, NULL);
}
END_TEST

START_TEST(test_http_reply_rc_hides_internal_errors)
{
	struct http_resp resp = { 0 };

	http_reply_rc(&resp, -ESC_ECORRUPT, "record r1");
	expect_resp(&resp, 500, "internal error");
	http_reply_rc(&resp, -EIO, NULL);
	expect_resp(&resp, 500, "internal error");
	http_reply_rc(&resp, 0, "success is no error");
	expect_resp(&resp, 500, "internal error");
	http_reply(&resp, 0, NULL);
}
END_TEST

START_TEST(test_http_reply_error_is_bounded)
{
	struct http_resp resp = { 0 };
	char big[1000];
	json_t *errs;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	http_reply_error(&resp, 400, "%s: %d", big, 7);
	errs = json_object_get(resp.body, "errors");
	ck_assert_uint_eq(resp.status, 400);
	ck_assert_uint_eq(strlen(json_string_value(json_array_get(errs, 0))),
	    255);
	/* A message cut inside a UTF-8 character still makes a body. */
	http_reply_error(&resp, 400, "%.*s\xc3", 254, big);
	ck_assert_ptr_nonnull(resp.body);
	http_reply(&resp, 204, json_object()); /* replaces and frees */
	ck_assert_uint_eq(resp.status, 204);
	http_reply(&resp, 0, NULL);
}
END_TEST

START_TEST(test_http_req_accessors_without_connection)
{
	struct http_req req = { 0 };

	ck_assert_ptr_null(http_req_query(&req, "list"));
	ck_assert_ptr_null(http_req_header(&req, "Host"));
	ck_assert_ptr_null(http_req_query(NULL, "list"));
	ck_assert_ptr_null(http_req_header(NULL, "Host"));
}
END_TEST

START_TEST(test_http_json_init_installs_wiping_allocator)
{
	json_malloc_t m;
	json_free_t f;
	json_t *j;

	json_get_alloc_funcs(&m, &f);
	ck_assert_ptr_ne((void *)m, (void *)malloc);
	ck_assert_ptr_ne((void *)f, (void *)free);
	ck_assert_ptr_nonnull(j = json_pack("{s:s}", "k", "v"));
	json_decref(j);
}
END_TEST

/* Methods and routes. */

static void
expect_echo(const char *method, const char *path)
{
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(field("method"), method);
	ck_assert_str_eq(field("path"), path);
	ck_assert(json_is_true(json_object_get(rep.json, "app")));
}

START_TEST(test_http_access_normalises_methods)
{
	request("GET", "/v1/test/echo", NULL, NULL);
	expect_echo("GET", "test/echo");
	request("PUT", "/v1/test/echo", NULL, "{}");
	expect_echo("PUT", "test/echo");
	request("POST", "/v1/test/echo", NULL, "{}");
	expect_echo("PUT", "test/echo");
	request("DELETE", "/v1/test/echo", NULL, NULL);
	expect_echo("DELETE", "test/echo");
	request("LIST", "/v1/test/echo", NULL, NULL);
	expect_echo("LIST", "test/echo");
	request("GET", "/v1/test/echo?list=true", NULL, NULL);
	expect_echo("LIST", "test/echo");
	ck_assert_str_eq(field("list"), "true");
	request("GET", "/v1/test/echo?list=1", NULL, NULL);
	expect_echo("LIST", "test/echo");
	request("GET", "/v1/test/echo?list=false", NULL, NULL);
	expect_echo("GET", "test/echo");
	/* A LIST may name the directory form; a GET may not. */
	request("LIST", "/v1/test/echo/", NULL, NULL);
	expect_echo("LIST", "test/echo/");
	request("GET", "/v1/test/echo/?list=true", NULL, NULL);
	expect_echo("LIST", "test/echo/");
	request("GET", "/v1/test/echo/", NULL, NULL);
	expect_error(404, "unsupported path");
}
END_TEST

START_TEST(test_http_access_head_is_get_without_body)
{
	request("HEAD", "/v1/test/echo", NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(rep.bodylen, 0);
	ck_assert_ptr_nonnull(header("Content-Length"));
	ck_assert_uint_gt(strtoul(header("Content-Length"), NULL, 10), 0);
	/* The handler sees GET. */
	request("HEAD", "/v1/test/headonly", NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	request("GET", "/v1/test/headonly", NULL, NULL);
	expect_error(405, "unsupported operation");
}
END_TEST

START_TEST(test_http_access_unknown_path_is_404)
{
	static const char *const paths[] = { "/v1/test/nope", "/v1/test",
		"/v1/", "/v1", "/", "/test/echo", "/v2/test/echo",
		"/v1//test/echo", "/v1/test//echo", "/v1/test/echo/a/sub",
		"/v1/test/echo/a/sub/b/c", "/v1/TEST/echo" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		request("GET", paths[i], NULL, NULL);
		expect_error(404, "unsupported path");
	}
	request("PATCH", "/v1/test/nope", NULL, NULL);
	expect_error(404, "unsupported path");
}
END_TEST

START_TEST(test_http_access_known_path_other_method_is_405)
{
	request("PUT", "/v1/test/zero", NULL, "{}");
	expect_error(405, "unsupported operation");
	ck_assert_str_eq(header("Allow"), "GET, HEAD");
	request("PATCH", "/v1/test/echo", NULL, NULL);
	expect_error(405, "unsupported operation");
	ck_assert_str_eq(header("Allow"), "GET, HEAD, PUT, POST, DELETE, LIST");
	request("get", "/v1/test/echo", NULL, NULL);
	expect_error(405, "unsupported operation");
	request("LIST", "/v1/test/zero", NULL, NULL);
	expect_error(405, "unsupported operation");
	request("GET", "/v1/test/nocontent", NULL, NULL);
	expect_error(405, "unsupported operation");
	ck_assert_str_eq(header("Allow"), "DELETE");
}
END_TEST

START_TEST(test_http_access_captures_params)
{
	char target[512], name[HTTP_PARAM_MAX + 2];
	json_t *params;

	request("GET", "/v1/test/echo/alice", NULL, NULL);
	expect_echo("GET", "test/echo/alice");
	params = json_object_get(rep.json, "params");
	ck_assert_uint_eq(json_array_size(params), 1);
	ck_assert_str_eq(json_string_value(json_array_get(params, 0)), "alice");
	request("GET", "/v1/test/echo/a.b_c-9/sub/Z", NULL, NULL);
	params = json_object_get(rep.json, "params");
	ck_assert_uint_eq(json_array_size(params), 2);
	ck_assert_str_eq(json_string_value(json_array_get(params, 0)),
	    "a.b_c-9");
	ck_assert_str_eq(json_string_value(json_array_get(params, 1)), "Z");
	/* The longest parameter passes, one byte more does not. */
	memset(name, 'n', sizeof(name));
	name[HTTP_PARAM_MAX] = '\0';
	snprintf(target, sizeof(target), "/v1/test/echo/%s", name);
	request("GET", target, NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	name[HTTP_PARAM_MAX] = 'n';
	name[HTTP_PARAM_MAX + 1] = '\0';
	snprintf(target, sizeof(target), "/v1/test/echo/%s", name);
	request("GET", target, NULL, NULL);
	expect_error(404, "unsupported path");
}
END_TEST

START_TEST(test_http_access_refuses_bad_param_bytes)
{
	static const char *const bad[] = { "a%20b", "a@b", "a+b", "%2e%2e",
		"..", ".", "a%2fb", "caf%c3%a9", "a%00b" };
	char target[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(target, sizeof(target), "/v1/test/echo/%s", bad[i]);
		request("GET", target, NULL, NULL);
		ck_assert_msg(rep.status == 404, "%s: status %d", bad[i],
		    rep.status);
	}
}
END_TEST

START_TEST(test_http_access_status_zero_is_500)
{
	request("GET", "/v1/test/zero", NULL, NULL);
	expect_error(500, "internal error");
}
END_TEST

START_TEST(test_http_access_204_has_no_body)
{
	request("DELETE", "/v1/test/nocontent", NULL, NULL);
	ck_assert_int_eq(rep.status, 204);
	ck_assert_uint_eq(rep.bodylen, 0);
	ck_assert_ptr_null(header("Content-Type"));
	ck_assert_str_eq(header("Cache-Control"), "no-store");
}
END_TEST

START_TEST(test_http_access_reply_rc_over_the_wire)
{
	char target[64];

	request("GET", "/v1/test/rc/2", NULL, NULL);
	expect_error(404, "thing: No such file or directory");
	request("GET", "/v1/test/rc/13", NULL, NULL);
	expect_error(403, "thing: Permission denied");
	snprintf(target, sizeof(target), "/v1/test/rc/%d", ESC_EMALFORMED);
	request("GET", target, NULL, NULL);
	expect_error(400, "thing: malformed input");
	snprintf(target, sizeof(target), "/v1/test/rc/%d", ESC_ESEALED);
	request("GET", target, NULL, NULL);
	expect_error(503, "thing: sealed");
	request("GET", "/v1/test/rc/5", NULL, NULL);
	expect_error(500, "internal error");
}
END_TEST

START_TEST(test_http_access_writes_json_as_jansson)
{
	static char want[8192];
	char target[64];
	json_t *j;
	size_t n;

	for (int i = 0; i < 8; i++) {
		snprintf(target, sizeof(target), "/v1/test/json/%d", i);
		request("GET", target, NULL, NULL);
		ck_assert_int_eq(rep.status, 200);
		j = tricky_body(i);
		n = json_dumpb(j, want, sizeof(want), JSON_COMPACT);
		json_decref(j);
		ck_assert_uint_ne(n, 0);
		ck_assert_msg(rep.bodylen == n &&
		        memcmp(rep.body, want, n) == 0,
		    "body %d: %.*s\nwant: %.*s", i, (int)rep.bodylen, rep.body,
		    (int)n, want);
	}
	request("GET", "/v1/test/json/8", NULL, NULL);
	expect_error(500, "internal error");
}
END_TEST

START_TEST(test_http_access_secret_body)
{
	request("GET", "/v1/test/secret", NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(field("share"), "c0ffee");
}
END_TEST

/* Bodies. */

START_TEST(test_http_access_parses_body)
{
	request("PUT", "/v1/test/echo", NULL, "{\"a\":[1,{\"b\":null}]}");
	expect_echo("PUT", "test/echo");
	ck_assert_int_eq(
	    json_integer_value(json_array_get(
	        json_object_get(json_object_get(rep.json, "body"), "a"), 0)),
	    1);
	/* No body, an empty one, and blanks all mean {}. */
	request("PUT", "/v1/test/echo", NULL, NULL);
	ck_assert_uint_eq(json_object_size(json_object_get(rep.json, "body")),
	    0);
	request("PUT", "/v1/test/echo", NULL, "");
	ck_assert_int_eq(rep.status, 200);
	ck_assert(json_is_object(json_object_get(rep.json, "body")));
	request("PUT", "/v1/test/echo", NULL, " \r\n\t ");
	ck_assert_int_eq(rep.status, 200);
	ck_assert(json_is_object(json_object_get(rep.json, "body")));
}
END_TEST

START_TEST(test_http_access_refuses_bad_json_without_echo)
{
	static const char *const bad[] = {
		"{\"k\":\"" MARKER "\"",
		"[\"" MARKER "\"]",
		"\"" MARKER "\"",
		"{\"k\":\"" MARKER "\",\"k\":\"" MARKER "\"}",
		"{\"k\":\"" MARKER "\"}x",
		"{\"k\":\"" MARKER "\\u0000\"}",
		"{\"k\":\"" MARKER "\xff\"}",
		"{'k':'" MARKER "'}",
		"null",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		request("PUT", "/v1/test/echo", NULL, bad[i]);
		expect_error(400, "invalid JSON body");
	}
}
END_TEST

/* {"k": + n arrays around a string full of brackets + }: n + 1 levels. */
static void
nested(char *out, int n)
{
	char *p = out + sprintf(out, "{\"k\":");

	memset(p, '[', (size_t)n);
	p += n;
	p += sprintf(p, "\"" MARKER "[[[{{{\"");
	memset(p, ']', (size_t)n);
	p += n;
	strcpy(p, "}");
}

START_TEST(test_http_access_caps_nesting_depth)
{
	char body[256];

	nested(body, 31);
	request("PUT", "/v1/test/echo", NULL, body);
	ck_assert_int_eq(rep.status, 200);
	nested(body, 32);
	request("PUT", "/v1/test/echo", NULL, body);
	expect_error(400, "invalid JSON body");
	nested(body, 100);
	request("PUT", "/v1/test/echo", NULL, body);
	expect_error(400, "invalid JSON body");
}
END_TEST

START_TEST(test_http_access_caps_announced_body)
{
	static char body[HTTP_BODY_MAX + 1];

	/* Exactly the cap passes. */
	memset(body, ' ', HTTP_BODY_MAX);
	memcpy(body, "{\"k\":1}", 7);
	body[HTTP_BODY_MAX] = '\0';
	request("PUT", "/v1/test/echo", NULL, body);
	ck_assert_int_eq(rep.status, 200);
	/* Above it, 413 comes before any byte of the body is sent. */
	request("PUT", "/v1/test/echo", "Content-Length: " OVER_CAP "\r\n",
	    NULL);
	expect_error(413, "request body too large");
	/* MHD itself refuses a length it cannot represent, also with 413. */
	request("PUT", "/v1/test/echo",
	    "Content-Length: 99999999999999999999999\r\n", NULL);
	ck_assert_int_eq(rep.status, 413);
	request("PUT", "/v1/nope", "Content-Length: " OVER_CAP "\r\n", NULL);
	expect_error(413, "request body too large");
}
END_TEST

/* Send `total` bytes as 4 KiB chunks of JSON-ish filler. */
static void
chunked(const char *target, size_t total)
{
	static char chunk[4096 + 16];
	char head[256];
	int fd = conn_open(), n;
	bool ok = true;

	n = snprintf(head, sizeof(head),
	    "PUT %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    target);
	ck_assert(send_all(fd, head, (size_t)n));
	for (size_t sent = 0; ok && sent < total; sent += 4096) {
		n = sprintf(chunk, "1000\r\n");
		memset(chunk + n, ' ', 4096);
		memcpy(chunk + n + 4096, "\r\n", 2);
		ok = send_all(fd, chunk, (size_t)n + 4096 + 2);
	}
	if (ok)
		(void)send_all(fd, "0\r\n\r\n", 5);
	read_reply(fd, false);
	close(fd);
}

START_TEST(test_http_access_caps_chunked_body)
{
	static const char small[] = "PUT /v1/test/echo HTTP/1.1\r\nHost: t\r\n"
	                            "Connection: close\r\nTransfer-Encoding: "
	                            "chunked\r\n\r\n4\r\n{\"k\"\r\n3\r\n:2}"
	                            "\r\n0\r\n\r\n";

	exchange(small, sizeof(small) - 1, false);
	expect_echo("PUT", "test/echo");
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(rep.json, "body"), "k")),
	    2);
	chunked("/v1/test/echo", HTTP_BODY_MAX); /* blanks only: {} */
	ck_assert_int_eq(rep.status, 200);
	chunked("/v1/test/echo", HTTP_BODY_MAX + 4096);
	expect_error(413, "request body too large");
	/* A client that keeps sending far beyond the cap is cut off. */
	chunked("/v1/test/echo", 20 * HTTP_BODY_MAX);
	ck_assert_int_eq(rep.status, 0);
}
END_TEST

/* Tokens, headers and request facts. */

START_TEST(test_http_access_reads_token)
{
	request("GET", "/v1/test/echo", "X-Vault-Token: s.abc\r\n", NULL);
	ck_assert_str_eq(field("token"), "s.abc");
	request("GET", "/v1/test/echo", "Authorization: Bearer s.def\r\n",
	    NULL);
	ck_assert_str_eq(field("token"), "s.def");
	request("GET", "/v1/test/echo", "Authorization: bearer  s.ghi\r\n",
	    NULL);
	ck_assert_str_eq(field("token"), "s.ghi");
	request("GET", "/v1/test/echo",
	    "Authorization: Bearer s.def\r\nX-Vault-Token: s.abc\r\n", NULL);
	ck_assert_str_eq(field("token"), "s.abc");
	request("GET", "/v1/test/echo",
	    "X-Vault-Token: \r\nAuthorization: Bearer s.def\r\n", NULL);
	ck_assert_str_eq(field("token"), "s.def");
	request("GET", "/v1/test/echo", "Authorization: Basic dTpw\r\n", NULL);
	ck_assert(json_is_null(json_object_get(rep.json, "token")));
	request("GET", "/v1/test/echo", "Authorization: Bearer \r\n", NULL);
	ck_assert(json_is_null(json_object_get(rep.json, "token")));
	request("GET", "/v1/test/echo", NULL, NULL);
	ck_assert(json_is_null(json_object_get(rep.json, "token")));
}
END_TEST

static void
expect_request_id(const char *id)
{
	ck_assert_uint_eq(strlen(id), HTTP_REQID_CHARS);
	for (size_t i = 0; i < HTTP_REQID_CHARS; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(id[i], '-');
		else
			ck_assert_ptr_nonnull(
			    strchr("0123456789abcdef", id[i]));
	ck_assert_int_eq(id[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", id[19]));
}

START_TEST(test_http_access_sets_headers_and_facts)
{
	char first[HTTP_REQID_CHARS + 1];
	uint64_t t0 = (uint64_t)time(NULL), t1;

	request("GET", "/v1/test/echo", "X-Test: yes\r\n", NULL);
	t1 = (uint64_t)time(NULL);
	ck_assert_str_eq(header("Content-Type"), "application/json");
	ck_assert_str_eq(header("Cache-Control"), "no-store");
	ck_assert_str_eq(header("X-Content-Type-Options"), "nosniff");
	expect_request_id(header("X-Request-Id"));
	ck_assert_str_eq(field("request_id"), header("X-Request-Id"));
	ck_assert_str_eq(field("x-test"), "yes");
	ck_assert_str_eq(field("remote"), "127.0.0.1");
	ck_assert_int_ge(json_integer_value(json_object_get(rep.json, "now")),
	    (json_int_t)t0);
	ck_assert_int_le(json_integer_value(json_object_get(rep.json, "now")),
	    (json_int_t)t1);
	snprintf(first, sizeof(first), "%s", header("X-Request-Id"));
	/* Errors carry the headers too, and every request its own id. */
	request("GET", "/v1/nope", NULL, NULL);
	ck_assert_str_eq(header("Content-Type"), "application/json");
	ck_assert_str_eq(header("Cache-Control"), "no-store");
	expect_request_id(header("X-Request-Id"));
	ck_assert_str_ne(header("X-Request-Id"), first);
}
END_TEST

START_TEST(test_http_access_keeps_alive)
{
	static const char req[] = "GET /v1/test/echo/one HTTP/1.1\r\nHost: "
	                          "t\r\n\r\n";
	static const char put[] = "PUT /v1/test/echo/two HTTP/1.1\r\nHost: "
	                          "t\r\nContent-Length: 7\r\n\r\n{\"k\":3}";
	int fd = conn_open();

	ck_assert(send_all(fd, req, sizeof(req) - 1));
	read_reply(fd, false);
	expect_echo("GET", "test/echo/one");
	ck_assert(send_all(fd, put, sizeof(put) - 1));
	read_reply(fd, false);
	expect_echo("PUT", "test/echo/two");
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(rep.json, "body"), "k")),
	    3);
	close(fd);
}
END_TEST

START_TEST(test_http_access_survives_a_burst_of_bad_requests)
{
	/*
	 * MHD answers these itself (status; 0: it hangs up at once); it
	 * waits for the rest of a cut request until the idle timeout, so
	 * those (-1) are sent and left.
	 */
	static const struct {
		const char *raw;
		int status;
	} junk[] = {
		{ "GARBAGE\r\n\r\n", 0 },
		{ "GET /v1/test/echo HTTP/9.9\r\n\r\n", 505 },
		{ "GET /v1/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: "
		  "x\r\n\r\n",
		    400 },
		{ "PUT /v1/test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		  "chunked\r\n\r\nzz\r\n",
		    400 },
		{ "PUT /v1/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: "
		  "10\r\n\r\n{",
		    -1 },
		{ "GET /v1/test/echo HTTP/1.1\r\nHost: t\r\nX: ", -1 },
		{ "\r\n\r\n\r\n", -1 },
	};

	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
			int fd = conn_open();

			(void)send_all(fd, junk[i].raw, strlen(junk[i].raw));
			if (junk[i].status >= 0) {
				read_reply(fd, false);
				ck_assert_msg(rep.status == junk[i].status,
				    "junk %zu: %d", i, rep.status);
			}
			close(fd);
		}
		request("PUT", "/v1/test/echo", NULL, "{\"k\":\"" MARKER);
		expect_error(400, "invalid JSON body");
		request("PUT", "/v1/test/echo", "Content-Length: 99999999\r\n",
		    NULL);
		expect_error(413, "request body too large");
		request("GET", "/v1/test/zero", NULL, NULL);
		expect_error(500, "internal error");
	}
	request("GET", "/v1/test/echo", NULL, NULL);
	expect_echo("GET", "test/echo");
}
END_TEST

/* http_start and http_stop. */

START_TEST(test_http_start_refuses_bad_listen)
{
	static const char *const bad[] = { "", "127.0.0.1",
		"127.0.0.1:", ":8200", "localhost:8200", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:80x", "127.0.0.1:1234567",
		"[::1]8200", "[::1]", "::1:8200", "[127.0.0.1]:8200",
		"[::1:8200", "1.2.3:8200" };
	struct http_config cfg = { 0 };
	struct http_server *s = (struct http_server *)(void *)&cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.listen = bad[i];
		ck_assert_msg(http_start(&s, &cfg, routes, NROUTES, APP) ==
		        -EINVAL,
		    "%s accepted", bad[i]);
		ck_assert_ptr_null(s);
	}
	cfg.listen = NULL;
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), -EINVAL);
	ck_assert_int_eq(http_start(&s, NULL, routes, NROUTES, APP), -EINVAL);
}
END_TEST

START_TEST(test_http_start_reports_port_in_use)
{
	struct http_config cfg = { 0 };
	struct http_server *s = (struct http_server *)(void *)&cfg;
	char listen[64];

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	cfg.listen = listen;
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP),
	    -EADDRINUSE);
	ck_assert_ptr_null(s);
	/* The first server is untouched. */
	request("GET", "/v1/test/echo", NULL, NULL);
	expect_echo("GET", "test/echo");
}
END_TEST

START_TEST(test_http_start_serves_ipv6)
{
	static const char req[] = "GET /v1/test/echo HTTP/1.1\r\nHost: "
	                          "t\r\nConnection: close\r\n\r\n";
	struct http_config cfg = { .listen = "[::1]:0" };
	struct http_server *s = NULL;
	unsigned v4 = port;
	int fd;

	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), 0);
	port = http_port(s);
	fd = conn_open_at(AF_INET6);
	ck_assert(send_all(fd, req, sizeof(req) - 1));
	read_reply(fd, false);
	close(fd);
	expect_echo("GET", "test/echo");
	ck_assert_str_eq(field("remote"), "::1");
	http_stop(s, 0);
	port = v4;
}
END_TEST

/* A test-only P-256 key and self-signed certificate for "localhost". */
static const char test_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXCR9lkA3XVf+8HtZ\n"
    "34Hfs6Jp7o8++sEi2YAJvmXhlSOhRANCAASFaRItbGDzqTgHpHnumZ27FQPiW4zY\n"
    "9vS2sYrCGDM8C6ZzXjXQI7EMAOJz1Jhb5xQd7qiRQNalo/yl3lMArBmt\n"
    "-----END PRIVATE KEY-----\n";
static const char test_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfjCCASWgAwIBAgIUT2v9P/4VneGFtXlXsDNlwczG2bYwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwMzE2MjM1N1oYDzIxMjYxMTA5\n"
    "MTYyMzU3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAASFaRItbGDzqTgHpHnumZ27FQPiW4zY9vS2sYrCGDM8C6ZzXjXQI7EM\n"
    "AOJz1Jhb5xQd7qiRQNalo/yl3lMArBmto1MwUTAdBgNVHQ4EFgQUPHig6dKpnhoq\n"
    "WvEW7d/0IuEyoxMwHwYDVR0jBBgwFoAUPHig6dKpnhoqWvEW7d/0IuEyoxMwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiB+BNzKAFu5SBya8IcObVnK\n"
    "SgUKJrKmSpqZZ0E3WIMLBAIgSGg4dRkxRfBp3RcZs0Sl/87Ru/hamE/Nn6DDqIJg\n"
    "KXs=\n"
    "-----END CERTIFICATE-----\n";

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_http_start_tls)
{
	static char big[70 * 1024];
	char dir[4096], cert[4200], key[4200], junk[4200], large[4200];
	struct http_config cfg = { .listen = "127.0.0.1:0" };
	struct http_server *s = NULL;

	snprintf(dir, sizeof(dir), "%s", fixture_tmpdir());
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(junk, sizeof(junk), "%s/junk.pem", dir);
	snprintf(large, sizeof(large), "%s/large.pem", dir);
	write_file(cert, test_cert, sizeof(test_cert) - 1);
	write_file(key, test_key, sizeof(test_key) - 1);
	write_file(junk, "-----BEGIN JUNK-----\n", 21);
	memset(big, 'x', sizeof(big));
	write_file(large, big, sizeof(big));

	cfg.tls_cert = cert; /* a key is needed too */
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), -EINVAL);
	cfg.tls_key = dir; /* not a regular file */
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), -EINVAL);
	cfg.tls_key = large;
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), -EFBIG);
	cfg.tls_key = "/nonexistent/key.pem";
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), -ENOENT);
	cfg.tls_key = junk;
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), -EIO);
	ck_assert_ptr_null(s);

	cfg.tls_key = key;
	ck_assert_int_eq(http_start(&s, &cfg, routes, NROUTES, APP), 0);
	ck_assert_uint_ne(http_port(s), 0);
	/* Plain HTTP to the TLS port gets no HTTP answer. */
	port = http_port(s);
	request("GET", "/v1/test/echo", NULL, NULL);
	ck_assert_int_ne(rep.status, 200);
	http_stop(s, 0);
	fixture_rmtree(dir);
}
END_TEST

START_TEST(test_http_stop_accepts_null)
{
	http_stop(NULL, 5);
	ck_assert_uint_eq(http_port(NULL), 0);
}
END_TEST

START_TEST(test_http_stop_with_a_connection_open)
{
	static const char req[] = "GET /v1/test/echo HTTP/1.1\r\nHost: "
	                          "t\r\n\r\n";
	int fd = conn_open(), idle = conn_open();
	char c;

	/* fd has had a keep-alive exchange; idle never sent a byte. */
	ck_assert(send_all(fd, req, sizeof(req) - 1));
	read_reply(fd, false);
	expect_echo("GET", "test/echo");
	http_stop(srv, 1);
	srv = NULL;
	ck_assert_int_le(recv(fd, &c, 1, 0), 0);
	ck_assert_int_le(recv(idle, &c, 1, 0), 0);
	close(fd);
	close(idle);
}
END_TEST

Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("status");
	tcase_add_test(tc, test_http_status_maps_every_code);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_test(tc, test_http_reply_rc_names_what_and_reason);
	tcase_add_test(tc, test_http_reply_rc_hides_internal_errors);
	tcase_add_test(tc, test_http_reply_error_is_bounded);
	tcase_add_test(tc, test_http_req_accessors_without_connection);
	tcase_add_test(tc, test_http_json_init_installs_wiping_allocator);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, server_up, server_down);
	tcase_add_test(tc, test_http_access_normalises_methods);
	tcase_add_test(tc, test_http_access_head_is_get_without_body);
	tcase_add_test(tc, test_http_access_unknown_path_is_404);
	tcase_add_test(tc, test_http_access_known_path_other_method_is_405);
	tcase_add_test(tc, test_http_access_captures_params);
	tcase_add_test(tc, test_http_access_refuses_bad_param_bytes);
	tcase_add_test(tc, test_http_access_status_zero_is_500);
	tcase_add_test(tc, test_http_access_204_has_no_body);
	tcase_add_test(tc, test_http_access_reply_rc_over_the_wire);
	tcase_add_test(tc, test_http_access_writes_json_as_jansson);
	tcase_add_test(tc, test_http_access_secret_body);
	tcase_add_test(tc, test_http_access_parses_body);
	tcase_add_test(tc, test_http_access_refuses_bad_json_without_echo);
	tcase_add_test(tc, test_http_access_caps_nesting_depth);
	tcase_add_test(tc, test_http_access_caps_announced_body);
	tcase_add_test(tc, test_http_access_caps_chunked_body);
	tcase_add_test(tc, test_http_access_reads_token);
	tcase_add_test(tc, test_http_access_sets_headers_and_facts);
	tcase_add_test(tc, test_http_access_keeps_alive);
	tcase_add_test(tc, test_http_access_survives_a_burst_of_bad_requests);
	suite_add_tcase(s, tc);

	tc = tcase_create("start");
	tcase_add_checked_fixture(tc, server_up, server_down);
	tcase_add_test(tc, test_http_start_refuses_bad_listen);
	tcase_add_test(tc, test_http_start_reports_port_in_use);
	tcase_add_test(tc, test_http_start_serves_ipv6);
	tcase_add_test(tc, test_http_start_tls);
	suite_add_tcase(s, tc);

	tc = tcase_create("stop");
	tcase_add_checked_fixture(tc, server_up, server_down);
	tcase_add_test(tc, test_http_stop_accepts_null);
	tcase_add_test(tc, test_http_stop_with_a_connection_open);
	suite_add_tcase(s, tc);
	return s;
}
