/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl status`: the seal status of the service, as `vault status`
 * shows it, plus escrow's view of the unseal attempt in progress (its
 * nonce, when it expires and which custodians have submitted).  Like
 * `vault status`, the exit code says whether the service is usable: 0
 * unsealed, 2 sealed, uninitialised or unreachable.  Needs no token.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define VERB "status"

static const char usage_head[] =
    "usage: escrowctl status [--json] [--addr URL] [--ca-cert FILE]\n"
    "\n"
    "Show whether the service is initialised and sealed, its threshold,\n"
    "and the unseal attempt in progress: its nonce, its expiry and the\n"
    "custodians who have submitted their shares.\n"
    "\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 unsealed; 2 sealed, not initialised or unreachable;\n"
    "1 on any other error (one line on stderr).\n";

static const char *
yes_no(bool b)
{
	return b ? "true" : "false";
}

/* "2026-01-02T03:04:05Z (in 590 s)" */
static void
when(char *buf, size_t cap, unsigned long long t)
{
	time_t tt = (time_t)t, now = time(NULL);
	struct tm tm;
	char iso[32] = "?";

	if (gmtime_r(&tt, &tm) != NULL)
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tt > now)
		snprintf(buf, cap, "%s (in %lld s)", iso,
		    (long long)(tt - now));
	else
		snprintf(buf, cap, "%s (expired)", iso);
}

static void
print_names(const char *label, const json_t *names)
{
	const json_t *v;
	size_t i;

	printf("%-16s", label);
	json_array_foreach(names, i, v)
	{
		if (json_is_string(v))
			printf("%s%s", i > 0 ? ", " : "", json_string_value(v));
	}
	printf("%s\n", json_array_size(names) == 0 ? "(none)" : "");
}

static int
print_status(const json_t *st)
{
	unsigned t = 0, n = 0, progress = 0;
	json_int_t expires;
	const char *nonce = cmd_json_str(st, "nonce");
	char buf[80];

	(void)cmd_json_uint(st, "t", &t);
	(void)cmd_json_uint(st, "n", &n);
	(void)cmd_json_uint(st, "progress", &progress);
	expires = json_integer_value(json_object_get(st, "expires"));
	printf("%-16s%s\n", "Initialized",
	    yes_no(cmd_json_true(st, "initialized")));
	printf("%-16s%s\n", "Sealed", yes_no(cmd_json_true(st, "sealed")));
	if (cmd_json_true(st, "initialized"))
		printf("%-16s%u of %u\n", "Threshold", t, n);
	if (cmd_json_true(st, "sealed") && cmd_json_true(st, "initialized"))
		printf("%-16s%u/%u\n", "Unseal progress", progress, t);
	if (nonce != NULL && *nonce != '\0') {
		printf("%-16s%s\n", "Unseal nonce", nonce);
		if (expires > 0) {
			when(buf, sizeof(buf), (unsigned long long)expires);
			printf("%-16s%s\n", "Attempt expires", buf);
		}
		print_names("Submitted", json_object_get(st, "submitted"));
	}
	if (cmd_json_str(st, "version") != NULL)
		printf("%-16s%s\n", "Version", cmd_json_str(st, "version"));
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int
status(struct cmd_net *n)
{
	json_t *st = NULL;
	int ret, rc;

	if ((ret = cmd_net_open(n, false)) != 0)
		goto out;
	if ((ret = cmd_net_call(n, "GET", "sys/seal-status", NULL, &st)) != 0)
		goto out;
	if (!json_is_object(st) ||
	    !json_is_boolean(json_object_get(st, "sealed"))) {
		ret = cmd_net_bad_answer(n, "no 'sealed' in the seal status");
		goto out;
	}
	rc = n->json ? cmd_json_print(st) : print_status(st);
	if (rc != 0) {
		cmd_errorf(VERB, "writing stdout: %s", err_str(rc));
		ret = 1;
		goto out;
	}
	ret = cmd_json_true(st, "sealed") ? 2 : 0;
out:
	json_decref(st);
	cmd_net_close(n);
	return ret;
}

int
cmd_status_main(int argc, char **argv)
{
	return cmd_net_simple(VERB, argc, argv, usage_head, usage_tail, status);
}
