/* SPDX-License-Identifier: ISC */
/*
 * What every verb that talks to the service shares: the --addr, --token,
 * --ca-cert and --json options, one call with its exit code (0 success,
 * 1 refused or failed, 2 sealed or unreachable) and its one line on
 * stderr, typed reads of the answer, and output that keeps tokens and
 * shares out of stdio's buffers.  The server's messages are printed as
 * they come, less any control character: a hostile server must not be
 * able to drive the operator's terminal.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define MESSAGE_MAX 512       /* chars of a server message we print */
#define SECRET_LINE (4 << 10) /* bytes of a cmd_secret_printf line */

static const char net_usage[] =
    "      --addr URL                  the service (ESCROW_ADDR, VAULT_ADDR,\n"
    "                                  http://127.0.0.1:8200)\n"
    "      --token TOKEN               the token to send (ESCROW_TOKEN,\n"
    "                                  VAULT_TOKEN)\n"
    "      --ca-cert FILE              PEM CAs to trust (ESCROW_CACERT,\n"
    "                                  VAULT_CACERT)\n"
    "      --json                      print JSON instead of text\n"
    "  -h, --help                      this text\n";

void
cmd_net_usage(const char *head, const char *tail)
{
	fputs(head, stdout);
	fputs(net_usage, stdout);
	fputs(tail, stdout);
}

bool
cmd_net_option(struct cmd_net *n, int opt, const char *arg)
{
	switch (opt) {
	case CMD_OPT_ADDR:
		n->opts.addr = arg;
		return true;
	case CMD_OPT_TOKEN:
		n->opts.token = arg;
		return true;
	case CMD_OPT_CA_CERT:
		n->opts.ca_cert = arg;
		return true;
	case CMD_OPT_JSON:
		n->json = true;
		return true;
	default:
		return false;
	}
}

int
cmd_net_open(struct cmd_net *n, bool need_token)
{
	char url[CLIENT_URL_MAX];
	int rc;

	client_opts_resolve(&n->opts);
	if (client_url(url, sizeof(url), n->opts.addr, "") != 0) {
		cmd_errorf(n->verb,
		    "bad address '%.*s': want http://HOST[:PORT] or "
		    "https://HOST[:PORT]",
		    CLIENT_ADDR_MAX, n->opts.addr);
		return 1;
	}
	if (need_token && n->opts.token == NULL) {
		cmd_errorf(n->verb,
		    "a token is required: --token, ESCROW_TOKEN or "
		    "VAULT_TOKEN");
		return 1;
	}
	switch ((rc = client_open(&n->c, &n->opts))) {
	case 0:
		return 0;
	case -EINVAL:
	case -ENAMETOOLONG:
		/* The address passed above: the token is at fault. */
		cmd_errorf(n->verb,
		    "the token is too long or has spaces or control "
		    "characters");
		return 1;
	case -ENOMEM:
		cmd_errorf(n->verb, "%s", err_str(rc));
		return 1;
	default:
		cmd_errorf(n->verb, "CA file '%s': %s", n->opts.ca_cert,
		    err_str(rc));
		return 1;
	}
}

void
cmd_net_close(struct cmd_net *n)
{
	client_close(n->c);
	n->c = NULL;
}

/* The server's words, without control characters, and bounded. */
static void
clean(char *out, size_t cap, const char *msg)
{
	size_t i;

	for (i = 0; i + 1 < cap && msg[i] != '\0'; i++)
		out[i] = (unsigned char)msg[i] < ' ' || msg[i] == 0x7f ? '?'
		                                                       : msg[i];
	out[i] = '\0';
}

/* One line for an answer that is not a success. */
static int
report(const struct cmd_net *n, long status, const json_t *resp)
{
	const char *msg = client_error_message(resp);
	char text[MESSAGE_MAX];

	if (msg == NULL) {
		cmd_errorf(n->verb, "%s answered HTTP %ld", client_addr(n->c),
		    status);
		return status == 503 ? 2 : 1;
	}
	clean(text, sizeof(text), msg);
	if (status == 403 && !client_has_token(n->c))
		cmd_errorf(n->verb,
		    "%s (no token: use --token, ESCROW_TOKEN or VAULT_TOKEN)",
		    text);
	else
		cmd_errorf(n->verb, "%s", text);
	return status == 503 ? 2 : 1;
}

int
cmd_net_call(struct cmd_net *n, const char *method, const char *path,
    const json_t *body, json_t **resp)
{
	long status = 0;
	int rc;

	*resp = NULL;
	rc = client_call(n->c, method, path, body, &status, resp);
	switch (rc) {
	case 0:
		break;
	case CLIENT_ETRANSPORT:
		cmd_errorf(n->verb, "cannot reach %s: %s", client_addr(n->c),
		    client_reason(n->c));
		return 2;
	case -EBADMSG:
		cmd_errorf(n->verb,
		    "%s answered HTTP %ld with a body that is "
		    "not JSON",
		    client_addr(n->c), status);
		return 1;
	case -EFBIG:
		cmd_errorf(n->verb, "%s answered with more than %u bytes",
		    client_addr(n->c), CLIENT_RESPONSE_MAX);
		return 1;
	default:
		cmd_errorf(n->verb, "%s %s: %s", method, path, err_str(rc));
		return 1;
	}
	if (status >= 200 && status < 300)
		return 0;
	rc = report(n, status, *resp);
	json_decref(*resp);
	*resp = NULL;
	return rc;
}

int
cmd_net_bad_answer(const struct cmd_net *n, const char *what)
{
	cmd_errorf(n->verb, "unexpected answer from %s: %s",
	    n->c != NULL ? client_addr(n->c) : "the service", what);
	return 1;
}

const char *
cmd_json_str(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool
cmd_json_uint(const json_t *o, const char *key, unsigned *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > UINT_MAX)
		return false;
	*out = (unsigned)json_integer_value(v);
	return true;
}

bool
cmd_json_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/*
 * stdout is unbuffered (escrowctl's main sets it so), so one fwrite of a
 * whole line goes straight to write(2) from our guarded buffer.
 */
static int
write_out(const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return -EIO;
	return 0;
}

int
cmd_json_print(const json_t *j)
{
	const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
	size_t n;
	char *buf;
	int rc;

	if ((n = json_dumpb(j, NULL, 0, flags)) == 0)
		return -ENOMEM;
	if ((buf = sodium_malloc(n + 1)) == NULL)
		return -ENOMEM;
	if (json_dumpb(j, buf, n, flags) != n) {
		rc = -ENOMEM;
		goto out;
	}
	buf[n] = '\n';
	rc = write_out(buf, n + 1);
out:
	sodium_free(buf); /* wipes */
	return rc;
}

int
cmd_secret_printf(const char *fmt, ...)
{
	va_list ap;
	char *buf;
	int n, rc;

	if ((buf = sodium_malloc(SECRET_LINE)) == NULL)
		return -ENOMEM;
	va_start(ap, fmt);
	n = vsnprintf(buf, SECRET_LINE, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= SECRET_LINE)
		rc = -EFBIG;
	else
		rc = write_out(buf, (size_t)n);
	sodium_free(buf); /* wipes */
	return rc;
}

int
cmd_net_simple(const char *verb, int argc, char **argv, const char *head,
    const char *tail, int (*run)(struct cmd_net *))
{
	static const struct option opts[] = {
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = verb };
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(verb, argc, argv, ":h", opts)) != -1) {
		if (cmd_net_option(&n, c, optarg))
			continue;
		if (c == 'h') {
			cmd_net_usage(head, tail);
			return 0;
		}
		return 1;
	}
	if (optind < argc) {
		cmd_errorf(verb, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return run(&n);
}
