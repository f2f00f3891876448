/* SPDX-License-Identifier: ISC */
/*
 * Registering custodians with the service and listing them: `escrowctl
 * custodian register PUBFILE...` and `escrowctl custodian list`, and the
 * registration step of `escrowctl init`.  A public line is checked here
 * before it is sent, so that a wrong file is named by its path; and the
 * fingerprint the service answers must equal the one computed locally,
 * which is what the custodians compare out of band.  Registration needs
 * no token before init and the root token after it.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define PUBFILE_MAX 4096 /* bytes of a public-line file */

static const char register_usage_head[] =
    "usage: escrowctl custodian register [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE] PUBFILE...\n"
    "\n"
    "Register each custodian whose public line (as 'escrowctl custodian\n"
    "keygen' prints it) is in PUBFILE; '-' reads one from stdin.\n"
    "Registering the same keys again changes nothing.  Needs no token\n"
    "before the service is initialised, and the root token after.\n"
    "Prints each name and the fingerprint the custodian should confirm.\n"
    "\n";

static const char register_usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is unreachable; 1 on any\n"
    "other error (one line on stderr).\n";

static const char list_usage_head[] =
    "usage: escrowctl custodian list [--json] [--addr URL] [--ca-cert FILE]\n"
    "\n"
    "List the custodians the service knows: name, fingerprint, and\n"
    "whether each holds a current share.\n"
    "\n";

static const char list_usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is unreachable; 1 on any\n"
    "other error (one line on stderr).\n";

/* Read the one public line of `path` ("-": stdin) into `line`. */
static int
read_pub(const char *verb, const char *path, char *line, size_t cap,
    struct custodian_pub *pub)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (f == NULL) {
		cmd_errorf(verb, "cannot read '%s': %s", path, strerror(errno));
		return 1;
	}
	rc = cmd_input_read(f, PUBFILE_MAX, &buf, &len);
	if (f != stdin)
		(void)fclose(f);
	if (rc != 0) {
		cmd_errorf(verb, "reading '%s': %s", path, err_str(rc));
		return 1;
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		buf[--len] = '\0';
	if (strchr(buf, '\n') != NULL || len >= cap ||
	    custodian_pub_parse(pub, buf, len) != 0) {
		cmd_errorf(verb,
		    "'%s' does not hold one public line as 'escrowctl "
		    "custodian keygen' prints it",
		    path);
		sodium_free(buf);
		return 1;
	}
	memcpy(line, buf, len + 1);
	sodium_free(buf);
	return 0;
}

/* PUT one public line; the answer must carry our fingerprint. */
static int
register_one(struct cmd_net *n, const char *line,
    const struct custodian_pub *pub, json_t *answers)
{
	char fpr[CUSTODIAN_FPR_CHARS + 1];
	const char *got;
	json_t *body, *resp = NULL;
	int ret;

	custodian_pub_fingerprint(pub, fpr);
	if ((body = json_pack("{s:s}", "public_key", line)) == NULL) {
		cmd_errorf(n->verb, "out of memory");
		return 1;
	}
	ret = cmd_net_call(n, "PUT", "escrow/custodians", body, &resp);
	json_decref(body);
	if (ret != 0)
		return ret;
	got = cmd_json_str(resp, "fingerprint");
	if (got == NULL || strcmp(got, fpr) != 0 ||
	    cmd_json_str(resp, "name") == NULL ||
	    strcmp(cmd_json_str(resp, "name"), pub->name) != 0) {
		ret = cmd_net_bad_answer(n,
		    "its name or fingerprint differs from the file's");
		goto out;
	}
	if (answers != NULL) {
		json_array_append(answers, resp);
	} else if (!n->json) {
		printf("registered %s  fingerprint %s\n", pub->name, fpr);
	}
out:
	json_decref(resp);
	return ret;
}

int
cmd_register_files(struct cmd_net *n, char *const *files, int count,
    json_t *names, json_t *answers)
{
	struct custodian_pub pub;
	char line[CUSTODIAN_LINE_MAX + 1];
	bool stdin_used = false;
	int ret = 0;

	for (int i = 0; i < count && ret == 0; i++) {
		if (strcmp(files[i], "-") == 0) {
			if (stdin_used) {
				cmd_errorf(n->verb, "'-' (stdin) given twice");
				return 1;
			}
			stdin_used = true;
		}
		if ((ret = read_pub(n->verb, files[i], line, sizeof(line),
		         &pub)) != 0)
			break;
		for (size_t j = 0; j < json_array_size(names); j++)
			if (strcmp(json_string_value(json_array_get(names, j)),
			        pub.name) == 0) {
				cmd_errorf(n->verb,
				    "'%s': custodian %s is given twice",
				    files[i], pub.name);
				return 1;
			}
		json_array_append_new(names, json_string(pub.name));
		ret = register_one(n, line, &pub, answers);
	}
	return ret;
}

/* The options of a verb that takes only CMD_NET_OPTIONS and --help. */
static int
net_args(struct cmd_net *n, int argc, char **argv, const char *head,
    const char *tail)
{
	static const struct option opts[] = {
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(n->verb, argc, argv, ":h", opts)) != -1) {
		if (cmd_net_option(n, c, optarg))
			continue;
		if (c == 'h') {
			cmd_net_usage(head, tail);
			return -1;
		}
		return 1;
	}
	return 0;
}

int
cmd_custodian_register_main(int argc, char **argv)
{
	struct cmd_net n = { .verb = "custodian register" };
	json_t *names = json_array(), *answers = NULL, *summary = NULL;
	int ret;

	if ((ret = net_args(&n, argc, argv, register_usage_head,
	         register_usage_tail)) != 0) {
		ret = ret < 0 ? 0 : 1;
		goto out;
	}
	if (optind >= argc) {
		cmd_errorf(n.verb, "name at least one PUBFILE (see --help)");
		ret = 1;
		goto out;
	}
	if (n.json)
		answers = json_array();
	if ((ret = cmd_net_open(&n, false)) != 0)
		goto out;
	ret = cmd_register_files(&n, argv + optind, argc - optind, names,
	    answers);
	if (ret == 0 && n.json) {
		summary = json_pack("{s:O}", "custodians", answers);
		if (summary == NULL || cmd_json_print(summary) != 0) {
			cmd_errorf(n.verb, "writing stdout failed");
			ret = 1;
		}
	}
out:
	json_decref(summary);
	json_decref(answers);
	json_decref(names);
	cmd_net_close(&n);
	return ret;
}

static void
print_list(const json_t *list)
{
	const json_t *c;
	size_t i;

	printf("%-32s  %-32s  %s\n", "NAME", "FINGERPRINT", "SHARE");
	json_array_foreach(list, i, c)
	{
		const char *name = cmd_json_str(c, "name");
		const char *fpr = cmd_json_str(c, "fingerprint");

		printf("%-32s  %-32s  %s\n", name != NULL ? name : "?",
		    fpr != NULL ? fpr : "?",
		    cmd_json_true(c, "holds_share") ? "yes" : "no");
	}
}

int
cmd_custodian_list_main(int argc, char **argv)
{
	struct cmd_net n = { .verb = "custodian list" };
	json_t *resp = NULL, *list;
	int ret;

	if ((ret = net_args(&n, argc, argv, list_usage_head,
	         list_usage_tail)) != 0)
		return ret < 0 ? 0 : 1;
	if (optind < argc) {
		cmd_errorf(n.verb, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	if ((ret = cmd_net_open(&n, false)) != 0 ||
	    (ret = cmd_net_call(&n, "GET", "escrow/custodians", NULL, &resp)) !=
	        0)
		goto out;
	if (!json_is_array(list = json_object_get(resp, "custodians"))) {
		ret = cmd_net_bad_answer(&n, "no 'custodians' list");
		goto out;
	}
	if (n.json) {
		if (cmd_json_print(resp) != 0)
			ret = 1;
	} else
		print_list(list);
out:
	json_decref(resp);
	cmd_net_close(&n);
	return ret;
}
