/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl zone VERB`: a database zone's keys, which the service keeps
 * as Vault transit keys (transit/keys/NAME).  `list` and `show` read them;
 * `create`, `rotate`, `config`, `trim` and `delete` change them, each with
 * one call whose options become the fields of its body.  Those six share
 * one table and one runner here; `list`, which names no zone, has its own
 * function.  Key info never carries key material, so nothing here is
 * secret but the token.  Encrypting with a zone is `escrowctl encrypt` and
 * `decrypt` (cmd_crypt.c); printing key info is cmd_zone_show.c.
 */
#include "escrow/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "escrow/store.h"
#include "escrow/zone.h"

#define PATH_BYTES (32 + STORE_ZONE_NAME_MAX) /* transit/keys/NAME/rotate */

_Static_assert(CMD_ZONE_LABEL_MAX > 32 + STORE_ZONE_NAME_MAX,
    "a label is a verb and a zone name");

/* Long-only options that become body fields; see fields[]. */
enum {
	OPT_TYPE = 0x200,
	OPT_MIN_DECRYPTION,
	OPT_MIN_ENCRYPTION,
	OPT_MIN_AVAILABLE,
	OPT_DELETION,
	OPT_AUTO_ROTATE,
};

enum field_kind { FIELD_STRING, FIELD_VERSION, FIELD_BOOL };

static const struct zone_field {
	int opt;
	const char *option; /* for messages */
	const char *field;  /* in the request body */
	enum field_kind kind;
} fields[] = {
	{ OPT_TYPE, "--type", "type", FIELD_STRING },
	{ OPT_MIN_DECRYPTION, "--min-decryption-version",
	    "min_decryption_version", FIELD_VERSION },
	{ OPT_MIN_ENCRYPTION, "--min-encryption-version",
	    "min_encryption_version", FIELD_VERSION },
	{ OPT_MIN_AVAILABLE, "--min-available-version", "min_available_version",
	    FIELD_VERSION },
	{ OPT_DELETION, "--deletion-allowed", "deletion_allowed", FIELD_BOOL },
	/* "24h" or seconds, passed on as given: the service parses it. */
	{ OPT_AUTO_ROTATE, "--auto-rotate-period", "auto_rotate_period",
	    FIELD_STRING },
};

/* One option per line reads better than clang-format's layout. */
/* clang-format off */
#define ZONE_COMMON_OPTIONS                                                    \
	CMD_NET_OPTIONS,                                                       \
	{ "help", no_argument, NULL, 'h' },                                    \
	{ NULL, 0, NULL, 0 }

static const struct option plain_opts[] = { ZONE_COMMON_OPTIONS };
static const struct option create_opts[] = {
	{ "type", required_argument, NULL, OPT_TYPE },
	ZONE_COMMON_OPTIONS
};
static const struct option config_opts[] = {
	{ "min-decryption-version", required_argument, NULL,
	    OPT_MIN_DECRYPTION },
	{ "min-encryption-version", required_argument, NULL,
	    OPT_MIN_ENCRYPTION },
	{ "deletion-allowed", required_argument, NULL, OPT_DELETION },
	{ "auto-rotate-period", required_argument, NULL, OPT_AUTO_ROTATE },
	ZONE_COMMON_OPTIONS
};
static const struct option trim_opts[] = {
	{ "min-available-version", required_argument, NULL,
	    OPT_MIN_AVAILABLE },
	ZONE_COMMON_OPTIONS
};
/* clang-format on */

static const char create_usage[] =
    "usage: escrowctl zone create NAME [--type TYPE] [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Create the zone NAME with its first key version.  An existing zone is\n"
    "left as it is (and said so).  Needs a root or operator token.\n"
    "\n"
    "      --type TYPE                 xchacha20-poly1305 (the default) or\n"
    "                                  chacha20-poly1305\n";

static const char show_usage[] =
    "usage: escrowctl zone show NAME [--json] [--addr URL] [--token TOKEN]\n"
    "           [--ca-cert FILE]\n"
    "\n"
    "Show the zone NAME: its config, and each key version with its state,\n"
    "creation time, use counts and last use.  --json prints the key info\n"
    "as the service gives it.  Needs a zone-NAME-admin, operator, auditor\n"
    "or root token.\n"
    "\n";

static const char rotate_usage[] =
    "usage: escrowctl zone rotate NAME [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Add a key version to the zone NAME; new encryptions use it, older\n"
    "versions still decrypt.  Needs a zone-NAME-admin, rotator, operator\n"
    "or root token.\n"
    "\n";

static const char config_usage[] =
    "usage: escrowctl zone config NAME [--min-decryption-version N]\n"
    "           [--min-encryption-version N] [--deletion-allowed BOOL]\n"
    "           [--auto-rotate-period DURATION] [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Change the config of the zone NAME: only the options given change.\n"
    "Needs a zone-NAME-admin, operator or root token.\n"
    "\n"
    "      --min-decryption-version N  refuse ciphertexts of versions below N\n"
    "      --min-encryption-version N  encrypt with N or later (0 = latest)\n"
    "      --deletion-allowed BOOL     true or false: may the zone be\n"
    "                                  deleted\n"
    "      --auto-rotate-period DURATION\n"
    "                                  rotate every DURATION (seconds, or\n"
    "                                  digits with s, m, h or d; at least\n"
    "                                  1h), or 0 for never\n";

static const char trim_usage[] =
    "usage: escrowctl zone trim NAME --min-available-version N [--json]\n"
    "           [--addr URL] [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Destroy the key versions of the zone NAME below N, for good: their\n"
    "ciphertexts can never be decrypted again.  N may not exceed the\n"
    "minimum decryption or encryption version.  Needs a zone-NAME-admin,\n"
    "operator or root token.\n"
    "\n"
    "      --min-available-version N   the oldest version to keep\n";

static const char delete_usage[] =
    "usage: escrowctl zone delete NAME [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Delete the zone NAME and all its key versions, for good.  Refused\n"
    "unless 'escrowctl zone config NAME --deletion-allowed true' came\n"
    "first.  Needs a root or operator token.\n"
    "\n";

static const char list_usage[] =
    "usage: escrowctl zone list [--json] [--addr URL] [--token TOKEN]\n"
    "           [--ca-cert FILE]\n"
    "\n"
    "List the zones the token may use, one name a line (nothing when there\n"
    "are none).  A zone token sees its own zone only.\n"
    "\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is sealed or\n"
    "unreachable; 1 on any other error (one line on stderr).\n";

/* A verb on one zone: NAME, its options, one call, one printer. */
struct zone_verb {
	const char *name;
	const char *method;
	const char *suffix; /* after transit/keys/NAME */
	const struct option *opts;
	const char *usage;
	const char *missing; /* the message when no field option is given */
	int (*print)(struct cmd_net *n, const char *zone, const json_t *resp);
	const char *summary;
};

static int print_created(struct cmd_net *n, const char *zone,
    const json_t *resp);
static int print_rotated(struct cmd_net *n, const char *zone,
    const json_t *resp);
static int print_config(struct cmd_net *n, const char *zone,
    const json_t *resp);
static int print_trimmed(struct cmd_net *n, const char *zone,
    const json_t *resp);
static int print_deleted(struct cmd_net *n, const char *zone,
    const json_t *resp);
static int print_shown(struct cmd_net *n, const char *zone, const json_t *resp);

static const struct zone_verb verbs[] = {
	{ "create", "PUT", "", create_opts, create_usage, NULL, print_created,
	    "create a zone" },
	{ "show", "GET", "", plain_opts, show_usage, NULL, print_shown,
	    "show a zone's config and key versions" },
	{ "rotate", "PUT", "/rotate", plain_opts, rotate_usage, NULL,
	    print_rotated, "add a key version" },
	{ "config", "PUT", "/config", config_opts, config_usage,
	    "give at least one option to change (see --help)", print_config,
	    "change a zone's config" },
	{ "trim", "PUT", "/trim", trim_opts, trim_usage,
	    "--min-available-version is required (see --help)", print_trimmed,
	    "destroy old key versions" },
	{ "delete", "DELETE", "", plain_opts, delete_usage, NULL, print_deleted,
	    "delete a zone (once its config allows it)" },
};

bool
cmd_zone_name_ok(const char *verb, const char *name)
{
	if (store_zone_name_valid(name))
		return true;
	cmd_errorf(verb,
	    "invalid zone name '%.*s': 1 to %d of a-z 0-9 _ -, starting with "
	    "a letter or a digit",
	    STORE_ZONE_NAME_MAX + 1, name, STORE_ZONE_NAME_MAX);
	return false;
}

void
cmd_zone_label(char label[static CMD_ZONE_LABEL_MAX], const char *verb,
    const char *name)
{
	snprintf(label, CMD_ZONE_LABEL_MAX, "%s: zone '%s'", verb, name);
}

static void
usage(FILE *f)
{
	fputs("usage: escrowctl zone VERB [NAME] [OPTIONS]\n"
	      "\n"
	      "Database zones: each is a transit key of the service, with its\n"
	      "own versions and policies (zone-NAME-user encrypts and\n"
	      "decrypts, zone-NAME-admin manages).  Verbs:\n\n",
	    f);
	fprintf(f, "  %-8s %s\n", "list", "list the zones the token may use");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n'escrowctl zone VERB --help' describes a verb.\n"
	      "Exit status: 0 on success; 2 if the service is sealed or\n"
	      "unreachable; 1 on any other error (one line on stderr).\n",
	    f);
}

static const struct zone_field *
field_find(int opt)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].opt == opt)
			return &fields[i];
	return NULL;
}

/* Put one option's value into the body, as its field's type wants. */
static bool
field_set(const char *verb, json_t *body, const struct zone_field *f,
    const char *val)
{
	unsigned v;

	switch (f->kind) {
	case FIELD_VERSION:
		if (!cmd_parse_uint(val, 0, ZONE_VERSIONS_MAX, &v)) {
			cmd_errorf(verb, "%s must be 0..%d, not '%s'",
			    f->option, ZONE_VERSIONS_MAX, val);
			return false;
		}
		return json_object_set_new(body, f->field, json_integer(v)) ==
		    0;
	case FIELD_BOOL:
		if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0) {
			cmd_errorf(verb, "%s must be true or false, not '%s'",
			    f->option, val);
			return false;
		}
		return json_object_set_new(body, f->field,
		           json_boolean(strcmp(val, "true") == 0)) == 0;
	case FIELD_STRING:
	default:
		return json_object_set_new(body, f->field, json_string(val)) ==
		    0;
	}
}

/*
 * Parse a verb's options (the field options into `body`) and, with
 * `name` non-NULL, its one NAME.  Returns -1 after --help, 1 after an
 * error (one line printed), 0 otherwise.
 */
static int
parse(struct cmd_net *n, int argc, char **argv, const struct option *opts,
    const char *usage_head, json_t *body, const char **name)
{
	const struct zone_field *f;
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(n->verb, argc, argv, ":h", opts)) != -1) {
		if (cmd_net_option(n, c, optarg))
			continue;
		if (c == 'h') {
			cmd_net_usage(usage_head, usage_tail);
			return -1;
		}
		if (c == '?' || body == NULL || (f = field_find(c)) == NULL)
			return 1;
		if (!field_set(n->verb, body, f, optarg))
			return 1;
	}
	if (name != NULL && optind == argc) {
		cmd_errorf(n->verb, "missing the zone NAME (see --help)");
		return 1;
	}
	if (name != NULL)
		*name = argv[optind++];
	if (optind < argc) {
		cmd_errorf(n->verb, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return 0;
}

/*
 * A read (LIST or GET) whose 404 the caller answers itself: 0 with *resp
 * set on success, 0 with *resp NULL and *missing true on 404, else the
 * exit code with one line printed.  cmd_net_call reports every other
 * failure, but treats 404 as one; so a failed read other than 404 is made
 * again through it, to be reported as every verb reports.  Only reads may
 * be repeated so.
 */
static int
read_or_missing(struct cmd_net *n, const char *method, const char *path,
    json_t **resp, bool *missing)
{
	long status = 0;
	int rc;

	*missing = false;
	rc = client_call(n->c, method, path, NULL, &status, resp);
	if (rc == 0 && status >= 200 && status < 300)
		return 0;
	json_decref(*resp);
	*resp = NULL;
	if (rc == 0 && status == 404) {
		*missing = true;
		return 0;
	}
	if (rc == CLIENT_ETRANSPORT) {
		/* Not again: a timeout would cost the operator twice. */
		cmd_errorf(n->verb, "cannot reach %s: %s", client_addr(n->c),
		    client_reason(n->c));
		return 2;
	}
	return cmd_net_call(n, method, path, NULL, resp);
}

static int
list(int argc, char **argv)
{
	struct cmd_net n = { .verb = "zone list" };
	json_t *resp = NULL, *keys, *v;
	bool none = false;
	size_t i;
	int ret;

	if ((ret = parse(&n, argc, argv, plain_opts, list_usage, NULL, NULL)) !=
	    0)
		return ret < 0 ? 0 : 1;
	if ((ret = cmd_net_open(&n, true)) != 0 ||
	    (ret = read_or_missing(&n, "LIST", "transit/keys", &resp, &none)) !=
	        0)
		goto out;
	if (none) {
		if (n.json && printf("{\"keys\":[]}\n") < 0)
			ret = 1;
		goto out;
	}
	keys = json_object_get(json_object_get(resp, "data"), "keys");
	if (!json_is_array(keys)) {
		ret = cmd_net_bad_answer(&n, "no 'data.keys' list");
		goto out;
	}
	if (n.json) {
		ret =
		    cmd_json_print(json_object_get(resp, "data")) == 0 ? 0 : 1;
		goto out;
	}
	json_array_foreach(keys, i, v)
	{
		/* Names go to a terminal: print only what a zone may be. */
		if (json_is_string(v) &&
		    store_zone_name_valid(json_string_value(v)))
			printf("%s\n", json_string_value(v));
	}
out:
	json_decref(resp);
	cmd_net_close(&n);
	return ret;
}

/* The call of a zone verb: 0 with *resp (NULL for 204), else exit code. */
static int
call(struct cmd_net *n, const struct zone_verb *zv, const char *zone,
    const json_t *body, json_t **resp)
{
	char path[PATH_BYTES];
	bool missing = false;
	int ret;

	snprintf(path, sizeof(path), "transit/keys/%s%s", zone, zv->suffix);
	if (strcmp(zv->method, "GET") != 0)
		return cmd_net_call(n, zv->method, path,
		    strcmp(zv->method, "PUT") == 0 ? body : NULL, resp);
	if ((ret = read_or_missing(n, "GET", path, resp, &missing)) != 0)
		return ret;
	if (missing) {
		cmd_errorf(n->verb, "no such zone");
		return 1;
	}
	return 0;
}

static int
run(const struct zone_verb *zv, int argc, char **argv)
{
	char verb[32], label[CMD_ZONE_LABEL_MAX];
	struct cmd_net n = { .verb = verb };
	json_t *body = json_object(), *resp = NULL;
	const char *zone = NULL;
	int ret;

	snprintf(verb, sizeof(verb), "zone %s", zv->name);
	if (body == NULL) {
		cmd_errorf(verb, "out of memory");
		return 1;
	}
	if ((ret = parse(&n, argc, argv, zv->opts, zv->usage, body, &zone)) !=
	    0) {
		ret = ret < 0 ? 0 : 1;
		goto out;
	}
	if (!cmd_zone_name_ok(verb, zone)) {
		ret = 1;
		goto out;
	}
	if (zv->missing != NULL && json_object_size(body) == 0) {
		cmd_errorf(verb, "%s", zv->missing);
		ret = 1;
		goto out;
	}
	/* From here on every line names the zone. */
	cmd_zone_label(label, verb, zone);
	n.verb = label;
	if ((ret = cmd_net_open(&n, true)) != 0 ||
	    (ret = call(&n, zv, zone, body, &resp)) != 0)
		goto out;
	if (resp != NULL && !json_is_object(json_object_get(resp, "data"))) {
		ret = cmd_net_bad_answer(&n, "no 'data' object");
		goto out;
	}
	ret = zv->print(&n, zone, resp);
out:
	json_decref(resp);
	json_decref(body);
	cmd_net_close(&n);
	return ret;
}

/* --json: the answer's data, as every zone verb prints it. */
static int
print_data(const json_t *resp)
{
	return cmd_json_print(json_object_get(resp, "data")) == 0 ? 0 : 1;
}

static unsigned
latest(const json_t *resp)
{
	unsigned v = 0;

	(void)cmd_json_uint(json_object_get(resp, "data"), "latest_version",
	    &v);
	return v;
}

static int
print_created(struct cmd_net *n, const char *zone, const json_t *resp)
{
	const json_t *data = json_object_get(resp, "data");
	const char *type = cmd_json_str(data, "type");
	bool existed = json_array_size(json_object_get(resp, "warnings")) > 0;

	/* The one warning create gives is "key already existed". */
	if (existed && n->json)
		cmd_errorf(n->verb, "already exists; left unchanged");
	if (n->json)
		return print_data(resp);
	if (existed)
		printf("zone %s already exists; left unchanged (%s, latest "
		       "version %u)\n",
		    zone, type != NULL ? type : "?", latest(resp));
	else
		printf("zone %s created (%s, version %u)\n", zone,
		    type != NULL ? type : "?", latest(resp));
	return 0;
}

static int
print_rotated(struct cmd_net *n, const char *zone, const json_t *resp)
{
	if (n->json)
		return print_data(resp);
	printf("zone %s rotated: version %u is the latest\n", zone,
	    latest(resp));
	return 0;
}

static int
print_config(struct cmd_net *n, const char *zone, const json_t *resp)
{
	(void)zone;
	if (n->json)
		return print_data(resp);
	cmd_zone_print_config(json_object_get(resp, "data"));
	return 0;
}

static int
print_trimmed(struct cmd_net *n, const char *zone, const json_t *resp)
{
	unsigned min = 0;

	if (n->json)
		return print_data(resp);
	(void)cmd_json_uint(json_object_get(resp, "data"),
	    "min_available_version", &min);
	printf("zone %s trimmed: versions %u to %u remain\n", zone, min,
	    latest(resp));
	return 0;
}

static int
print_deleted(struct cmd_net *n, const char *zone, const json_t *resp)
{
	json_t *o;
	int ret;

	(void)resp;
	if (!n->json) {
		printf("zone %s deleted\n", zone);
		return 0;
	}
	o = json_pack("{s:s, s:b}", "name", zone, "deleted", 1);
	ret = o != NULL && cmd_json_print(o) == 0 ? 0 : 1;
	json_decref(o);
	return ret;
}

static int
print_shown(struct cmd_net *n, const char *zone, const json_t *resp)
{
	(void)zone;
	if (n->json)
		return print_data(resp);
	cmd_zone_print_config(json_object_get(resp, "data"));
	printf("\n");
	cmd_zone_print_versions(json_object_get(resp, "data"));
	return 0;
}

int
cmd_zone_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return list(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return run(&verbs[i], argc - 1, argv + 1);
	cmd_errorf("zone", "unknown verb '%s' (see --help)", argv[1]);
	return 1;
}
