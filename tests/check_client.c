/* SPDX-License-Identifier: ISC */
/*
 * client: where the address, token and CA file come from, how URLs are
 * made and refused, which handles client_open refuses, how an error
 * message is found in a Vault error body, and client_call against a
 * one-shot loopback server forked per test (a canned answer; the request
 * it saw is written to a file), so that no test depends on the network or
 * on escrowd.
 */
#define _GNU_SOURCE /* strcasestr */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sodium.h>

#include "escrow/client.h"
#include "tests/suites.h"

#define REQ_MAX   (128 << 10)
#define PATH_SIZE 256

static char dir[PATH_SIZE];
static char reqfile[PATH_SIZE + 16];

static const char *const env_vars[] = { "ESCROW_ADDR", "VAULT_ADDR",
	"ESCROW_TOKEN", "VAULT_TOKEN", "ESCROW_CACERT", "VAULT_CACERT" };

static void
setup(void)
{
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	snprintf(dir, sizeof(dir), "/tmp/check_client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(reqfile, sizeof(reqfile), "%s/request", dir);
}

static void
teardown(void)
{
	unlink(reqfile);
	rmdir(dir);
}

START_TEST(test_client_opts_resolve_precedence)
{
	struct client_opts o = { 0 };

	client_opts_resolve(&o);
	ck_assert_str_eq(o.addr, CLIENT_ADDR_DEFAULT);
	ck_assert_ptr_null(o.token);
	ck_assert_ptr_null(o.ca_cert);
	setenv("VAULT_ADDR", "http://vault:1", 1);
	setenv("VAULT_TOKEN", "vt", 1);
	setenv("VAULT_CACERT", "/v.pem", 1);
	o = (struct client_opts){ 0 };
	client_opts_resolve(&o);
	ck_assert_str_eq(o.addr, "http://vault:1");
	ck_assert_str_eq(o.token, "vt");
	ck_assert_str_eq(o.ca_cert, "/v.pem");
	setenv("ESCROW_ADDR", "http://escrow:2", 1);
	setenv("ESCROW_TOKEN", "et", 1);
	setenv("ESCROW_CACERT", "/e.pem", 1);
	o = (struct client_opts){ 0 };
	client_opts_resolve(&o);
	ck_assert_str_eq(o.addr, "http://escrow:2");
	ck_assert_str_eq(o.token, "et");
	ck_assert_str_eq(o.ca_cert, "/e.pem");
	o = (struct client_opts){ .addr = "https://flag:3",
		.token = "ft",
		.ca_cert = "/f.pem" };
	client_opts_resolve(&o);
	ck_assert_str_eq(o.addr, "https://flag:3");
	ck_assert_str_eq(o.token, "ft");
	ck_assert_str_eq(o.ca_cert, "/f.pem");
}
END_TEST

START_TEST(test_client_opts_resolve_empty_is_unset)
{
	struct client_opts o = { .addr = "", .token = "" };

	setenv("ESCROW_ADDR", "", 1);
	setenv("VAULT_ADDR", "http://v:9", 1);
	setenv("ESCROW_TOKEN", "", 1);
	client_opts_resolve(&o);
	ck_assert_str_eq(o.addr, "http://v:9");
	ck_assert_ptr_null(o.token);
}
END_TEST

START_TEST(test_client_url_joins)
{
	char url[CLIENT_URL_MAX];

	ck_assert_int_eq(
	    client_url(url, sizeof(url), "http://h:8200", "sys/seal-status"),
	    0);
	ck_assert_str_eq(url, "http://h:8200/v1/sys/seal-status");
	ck_assert_int_eq(client_url(url, sizeof(url), "https://h//",
	                     "escrow/custodians/a/share?pending=true"),
	    0);
	ck_assert_str_eq(url,
	    "https://h/v1/escrow/custodians/a/share"
	    "?pending=true");
	ck_assert_int_eq(client_url(url, sizeof(url), "HTTP://[::1]:1", ""), 0);
	ck_assert_str_eq(url, "HTTP://[::1]:1/v1/");
}
END_TEST

START_TEST(test_client_url_einval)
{
	static const char *const bad_addr[] = { "", "h:8200", "ftp://h",
		"http://", "http:///x", "http://h 1", "http://h\n",
		"file:///etc/passwd", "http:/h" };
	char url[CLIENT_URL_MAX];

	for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		ck_assert_msg(client_url(url, sizeof(url), bad_addr[i], "x") ==
		        -EINVAL,
		    "%s", bad_addr[i]);
		ck_assert_str_eq(url, "");
	}
	ck_assert_int_eq(client_url(url, sizeof(url), "http://h", "/x"),
	    -EINVAL);
	ck_assert_int_eq(client_url(url, sizeof(url), "http://h", "a b"),
	    -EINVAL);
	ck_assert_int_eq(client_url(url, sizeof(url), "http://h", "a\r\n"),
	    -EINVAL);
}
END_TEST

START_TEST(test_client_url_enametoolong)
{
	char addr[CLIENT_ADDR_MAX + 2], url[CLIENT_URL_MAX];

	memset(addr, 'a', sizeof(addr) - 1);
	memcpy(addr, "http://", 7);
	addr[sizeof(addr) - 1] = '\0';
	ck_assert_int_eq(client_url(url, sizeof(url), addr, ""), -ENAMETOOLONG);
	addr[CLIENT_ADDR_MAX] = '\0';
	ck_assert_int_eq(client_url(url, sizeof(url), addr, ""), 0);
	ck_assert_int_eq(client_url(url, 16, "http://host", "sys/seal-status"),
	    -ENAMETOOLONG);
	ck_assert_str_eq(url, "");
}
END_TEST

START_TEST(test_client_open_refuses)
{
	char token[CLIENT_TOKEN_MAX + 2];
	struct client *c = (struct client *)&c;
	struct client_opts o = { .addr = "nope" };

	ck_assert_int_eq(client_open(&c, &o), -EINVAL);
	ck_assert_ptr_null(c);
	o = (struct client_opts){ .addr = "http://h", .token = "a b" };
	ck_assert_int_eq(client_open(&c, &o), -EINVAL);
	o.token = "a\nX-Evil: 1";
	ck_assert_int_eq(client_open(&c, &o), -EINVAL);
	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	o.token = token;
	ck_assert_int_eq(client_open(&c, &o), -ENAMETOOLONG);
	o = (struct client_opts){ .addr = "http://h",
		.ca_cert = "/nonexistent" };
	ck_assert_int_eq(client_open(&c, &o), -ENOENT);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(test_client_open_and_accessors)
{
	struct client *c = NULL;
	struct client_opts o = { .addr = "http://127.0.0.1:8200/" };

	setenv("ESCROW_TOKEN", "esc.abc", 1);
	ck_assert_int_eq(client_open(&c, &o), 0);
	ck_assert_str_eq(client_addr(c), "http://127.0.0.1:8200/");
	ck_assert(client_has_token(c));
	ck_assert_str_eq(client_reason(c), "");
	client_close(c);
	unsetenv("ESCROW_TOKEN");
	ck_assert_int_eq(client_open(&c, NULL), 0);
	ck_assert_str_eq(client_addr(c), CLIENT_ADDR_DEFAULT);
	ck_assert(!client_has_token(c));
	client_close(c);
	client_close(NULL);
}
END_TEST

START_TEST(test_client_error_message_shapes)
{
	json_t *j;

	j = json_loads("{\"errors\":[\"custodian a: already submitted\","
	               "\"second\"]}",
	    0, NULL);
	ck_assert_str_eq(client_error_message(j),
	    "custodian a: already submitted");
	json_decref(j);
	ck_assert_ptr_null(client_error_message(NULL));
	j = json_loads("{\"errors\":[]}", 0, NULL);
	ck_assert_ptr_null(client_error_message(j));
	json_decref(j);
	j = json_loads("{\"errors\":[7]}", 0, NULL);
	ck_assert_ptr_null(client_error_message(j));
	json_decref(j);
	j = json_loads("{\"errors\":\"flat\"}", 0, NULL);
	ck_assert_ptr_null(client_error_message(j));
	json_decref(j);
	j = json_loads("[\"errors\"]", 0, NULL);
	ck_assert_ptr_null(client_error_message(j));
	json_decref(j);
}
END_TEST

/*
 * A one-shot HTTP server: listen on a free loopback port, fork, and let
 * the child answer one request with `answer` (a whole HTTP response), or
 * close at once when `answer` is NULL.  The child writes the request it
 * read to reqfile.  Returns the child's pid; *port is the port.
 */
static pid_t
serve_once(const char *answer, unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int s, one = 1;
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_STREAM, 0), 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		static char req[REQ_MAX];
		size_t n = 0;
		ssize_t r;
		int c = accept(s, NULL, NULL), f;
		char *hdr_end, *cl;

		if (c < 0)
			_exit(1);
		/* Read the head, then as many body bytes as it declares. */
		while (n < sizeof(req) - 1 &&
		    (r = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
			n += (size_t)r;
			req[n] = '\0';
			if ((hdr_end = strstr(req, "\r\n\r\n")) == NULL)
				continue;
			cl = strcasestr(req, "Content-Length: ");
			if (cl == NULL || cl > hdr_end ||
			    n >= (size_t)(hdr_end + 4 - req) +
			            strtoul(cl + 16, NULL, 10))
				break;
		}
		f = open(reqfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (f >= 0 && write(f, req, n) != (ssize_t)n)
			_exit(1);
		if (answer != NULL &&
		    write(c, answer, strlen(answer)) != (ssize_t)strlen(answer))
			_exit(1);
		close(c);
		_exit(0);
	}
	close(s);
	return pid;
}

static void
reap(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static struct client *
client_at(unsigned port, const char *token)
{
	char addr[64];
	struct client_opts o = { .addr = addr, .token = token };
	struct client *c = NULL;

	snprintf(addr, sizeof(addr), "http://127.0.0.1:%u", port);
	ck_assert_int_eq(client_open(&c, &o), 0);
	return c;
}

static const char *
request(void)
{
	static char req[REQ_MAX];
	FILE *f = fopen(reqfile, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(req, 1, sizeof(req) - 1, f);
	req[n] = '\0';
	fclose(f);
	return req;
}

START_TEST(test_client_call_put_json)
{
	static const char answer[] =
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 28\r\nConnection: close\r\n\r\n"
	    "{\"progress\":1,\"sealed\":true}";
	unsigned port;
	pid_t pid = serve_once(answer, &port);
	struct client *c = client_at(port, "esc.tok");
	json_t *body = json_pack("{s:s}", "custodian", "alice"), *resp = NULL;
	long status = 0;
	const char *req;

	ck_assert_int_eq(
	    client_call(c, "PUT", "escrow/unseal", body, &status, &resp), 0);
	reap(pid);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "progress")),
	    1);
	req = request();
	ck_assert_msg(strncmp(req, "PUT /v1/escrow/unseal HTTP/1.1\r\n", 32) ==
	        0,
	    "%s", req);
	ck_assert_ptr_nonnull(strstr(req, "\r\nX-Vault-Token: esc.tok\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(req, "\r\nContent-Type: application/json\r\n"));
	ck_assert_ptr_null(strstr(req, "Expect:"));
	ck_assert_ptr_nonnull(strstr(req, "\r\n\r\n{\"custodian\":\"alice\"}"));
	json_decref(resp);
	json_decref(body);
	client_close(c);
}
END_TEST

START_TEST(test_client_call_get_errors_and_empty)
{
	static const char err400[] =
	    "HTTP/1.1 400 Bad Request\r\nContent-Length: 36\r\n"
	    "Connection: close\r\n\r\n"
	    "{\"errors\":[\"custodian b: expired\"]}\n";
	static const char empty204[] =
	    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
	unsigned port;
	pid_t pid = serve_once(err400, &port);
	struct client *c = client_at(port, NULL);
	json_t *resp = NULL;
	long status = 0;

	ck_assert_int_eq(
	    client_call(c, "GET", "sys/seal-status", NULL, &status, &resp), 0);
	reap(pid);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(client_error_message(resp), "custodian b: expired");
	ck_assert_ptr_null(strstr(request(), "X-Vault-Token"));
	ck_assert(strncmp(request(), "GET /v1/sys/seal-status ", 24) == 0);
	json_decref(resp);
	client_close(c);
	pid = serve_once(empty204, &port);
	c = client_at(port, "t");
	ck_assert_int_eq(
	    client_call(c, "PUT", "sys/seal", NULL, &status, &resp), 0);
	reap(pid);
	ck_assert_int_eq(status, 204);
	ck_assert_ptr_null(resp);
	ck_assert_ptr_nonnull(strstr(request(), "Content-Length: 0\r\n"));
	client_close(c);
}
END_TEST

START_TEST(test_client_call_ebadmsg)
{
	static const char html[] = "HTTP/1.1 502 Bad Gateway\r\n"
	                           "Content-Length: 12\r\nConnection: close"
	                           "\r\n\r\n<html></html";
	unsigned port;
	pid_t pid = serve_once(html, &port);
	struct client *c = client_at(port, NULL);
	json_t *resp = (json_t *)&resp;
	long status = 0;

	ck_assert_int_eq(
	    client_call(c, "GET", "sys/health", NULL, &status, &resp),
	    -EBADMSG);
	reap(pid);
	ck_assert_int_eq(status, 502);
	ck_assert_ptr_null(resp);
	client_close(c);
}
END_TEST

START_TEST(test_client_call_efbig)
{
	size_t big = CLIENT_RESPONSE_MAX + 10, head;
	char *answer = malloc(big + 128);
	unsigned port;
	pid_t pid;
	struct client *c;
	json_t *resp = NULL;
	long status = 0;

	ck_assert_ptr_nonnull(answer);
	head = (size_t)sprintf(answer,
	    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n",
	    big);
	memset(answer + head, ' ', big);
	answer[head + big] = '\0';
	pid = serve_once(answer, &port);
	c = client_at(port, NULL);
	ck_assert_int_eq(
	    client_call(c, "GET", "sys/health", NULL, &status, &resp), -EFBIG);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_null(resp);
	/* The child may see its write cut short: only reap it. */
	waitpid(pid, NULL, 0);
	client_close(c);
	free(answer);
}
END_TEST

START_TEST(test_client_call_transport)
{
	unsigned port;
	pid_t pid = serve_once(NULL, &port); /* closes without answering */
	struct client *c = client_at(port, NULL);
	json_t *resp = NULL;
	long status = 0;

	ck_assert_int_eq(
	    client_call(c, "GET", "sys/health", NULL, &status, &resp),
	    CLIENT_ETRANSPORT);
	reap(pid);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_null(resp);
	ck_assert_str_ne(client_reason(c), "");
	/* Now nothing listens on the port at all: connection refused. */
	ck_assert_int_eq(
	    client_call(c, "GET", "sys/health", NULL, &status, &resp),
	    CLIENT_ETRANSPORT);
	ck_assert_ptr_nonnull(strstr(client_reason(c), "onnect"));
	client_close(c);
}
END_TEST

START_TEST(test_client_call_einval)
{
	struct client *c = client_at(1, NULL);
	json_t *resp = NULL;
	long status = 7;

	ck_assert_int_eq(client_call(c, "get", "x", NULL, &status, &resp),
	    -EINVAL);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(client_call(c, "", "x", NULL, &status, &resp),
	    -EINVAL);
	ck_assert_int_eq(client_call(c, "GET", "/x", NULL, &status, &resp),
	    -EINVAL);
	ck_assert_int_eq(client_call(c, "GET", "a b", NULL, &status, &resp),
	    -EINVAL);
	ck_assert_ptr_null(resp);
	client_close(c);
}
END_TEST

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc;

	tc = tcase(s, "opts_resolve");
	tcase_add_test(tc, test_client_opts_resolve_precedence);
	tcase_add_test(tc, test_client_opts_resolve_empty_is_unset);
	tc = tcase(s, "url");
	tcase_add_test(tc, test_client_url_joins);
	tcase_add_test(tc, test_client_url_einval);
	tcase_add_test(tc, test_client_url_enametoolong);
	tc = tcase(s, "open");
	tcase_add_test(tc, test_client_open_refuses);
	tcase_add_test(tc, test_client_open_and_accessors);
	tc = tcase(s, "error_message");
	tcase_add_test(tc, test_client_error_message_shapes);
	tc = tcase(s, "call");
	tcase_add_test(tc, test_client_call_put_json);
	tcase_add_test(tc, test_client_call_get_errors_and_empty);
	tcase_add_test(tc, test_client_call_ebadmsg);
	tcase_add_test(tc, test_client_call_efbig);
	tcase_add_test(tc, test_client_call_transport);
	tcase_add_test(tc, test_client_call_einval);
	return s;
}
