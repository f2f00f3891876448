/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl encrypt` and `escrowctl decrypt`: a zone's encryption from
 * the shell, through the service's transit API.  encrypt reads raw bytes
 * from stdin (at most ZONE_PLAINTEXT_MAX) and prints the ciphertext,
 * "vault:vN:...", on one line; decrypt reads that line and writes the
 * plaintext's raw bytes to stdout.  The encryption itself happens in the
 * service, which holds the keys; here are only base64 and wiping.
 *
 * Plaintexts live in sodium_malloc memory, raw and base64, and in
 * jansson's heap, whose blocks wipe themselves when freed (see client.h);
 * stdout is unbuffered (escrowctl's main sets it so), so decrypted bytes
 * go from guarded memory straight to write(2).  They cross HTTP in the
 * clear by design, as Vault's do: use https.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/store.h"
#include "escrow/zone.h"

/* Lengths: a zone name in a path, base64 associated data, a line. */
#define B64            sodium_base64_VARIANT_ORIGINAL
#define PATH_SIZE      (32 + STORE_ZONE_NAME_MAX)
#define AD_B64_MAX     (sodium_base64_ENCODED_LEN(ZONE_AD_MAX, B64) - 1)
#define LINE_MAX_BYTES (ZONE_CIPHERTEXT_MAX + 2) /* and "\r\n" */
#define CT_PREFIX      "vault:v"

/*
 * A whole request fits the client's limit: base64 alone, which JSON never
 * escapes, of the largest plaintext or ciphertext and associated data.
 */
_Static_assert(sodium_base64_ENCODED_LEN(ZONE_PLAINTEXT_MAX, B64) + AD_B64_MAX +
            256 <=
        CLIENT_REQUEST_MAX,
    "an encrypt request fits CLIENT_REQUEST_MAX");
_Static_assert(LINE_MAX_BYTES + AD_B64_MAX + 256 <= CLIENT_REQUEST_MAX,
    "a decrypt request fits CLIENT_REQUEST_MAX");

enum { OPT_CONTEXT = 0x200, OPT_AD, OPT_KEY_VERSION };

static const char encrypt_usage[] =
    "usage: escrowctl encrypt --zone ZONE [--context B64 |\n"
    "           --associated-data TEXT] [--key-version N] [--json]\n"
    "           [--addr URL] [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Encrypt stdin (raw bytes, at most 32768) with the zone ZONE's key and\n"
    "print the ciphertext, vault:vN:..., on one line.  Needs a\n"
    "zone-ZONE-user token.\n"
    "\n"
    "  -z, --zone ZONE                 the zone whose key encrypts\n"
    "      --context B64               associated data, base64: decrypting\n"
    "                                  needs the same\n"
    "      --associated-data TEXT      associated data as text (sent as\n"
    "                                  base64); decrypting needs the same\n"
    "      --key-version N             encrypt with version N (at least the\n"
    "                                  zone's min encryption version), not\n"
    "                                  the latest\n";

static const char decrypt_usage[] =
    "usage: escrowctl decrypt --zone ZONE [--context B64 |\n"
    "           --associated-data TEXT] [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Decrypt the ciphertext on stdin (one line, vault:vN:...) with the\n"
    "zone ZONE's key and write the plaintext's raw bytes to stdout; with\n"
    "--json, {\"plaintext\":BASE64} instead.  Needs a zone-ZONE-user token.\n"
    "\n"
    "  -z, --zone ZONE                 the zone whose key encrypted it\n"
    "      --context B64               the associated data it was encrypted\n"
    "                                  with, base64\n"
    "      --associated-data TEXT      the same, as text\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is sealed or\n"
    "unreachable; 1 on any other error (one line on stderr).\n";

struct crypt_args {
	const char *zone, *context, *ad;
	unsigned version;
	bool has_version;
};

/* Take one option; false after an error (one line printed). */
static bool
take(const char *verb, struct crypt_args *a, int c, const char *val)
{
	switch (c) {
	case 'z':
		a->zone = val;
		return true;
	case OPT_CONTEXT:
		a->context = val;
		return true;
	case OPT_AD:
		a->ad = val;
		return true;
	case OPT_KEY_VERSION:
		if (!cmd_parse_uint(val, 0, ZONE_VERSIONS_MAX, &a->version)) {
			cmd_errorf(verb,
			    "--key-version must be 0..%d, not '%s'",
			    ZONE_VERSIONS_MAX, val);
			return false;
		}
		a->has_version = true;
		return true;
	default:
		return false;
	}
}

/* The checks that need no service, so that they come before it. */
static bool
args_ok(const char *verb, const struct crypt_args *a)
{
	uint8_t ad[ZONE_AD_MAX];
	const char *end = NULL;
	size_t len = 0;
	bool ok;

	if (a->zone == NULL) {
		cmd_errorf(verb, "--zone is required (see --help)");
		return false;
	}
	if (!cmd_zone_name_ok(verb, a->zone))
		return false;
	if (a->context != NULL && a->ad != NULL) {
		cmd_errorf(verb,
		    "give --context or --associated-data, not both");
		return false;
	}
	if (a->ad != NULL && strlen(a->ad) > ZONE_AD_MAX) {
		cmd_errorf(verb, "--associated-data is longer than %d bytes",
		    ZONE_AD_MAX);
		return false;
	}
	if (a->context == NULL)
		return true;
	/* Base64 only: the request then needs no escaping and stays small. */
	ok = sodium_base642bin(ad, sizeof(ad), a->context, strlen(a->context),
	         NULL, &len, &end, B64) == 0 &&
	    end == a->context + strlen(a->context);
	if (!ok)
		cmd_errorf(verb, "--context must be base64 of at most %d bytes",
		    ZONE_AD_MAX);
	return ok;
}

/*
 * Parse argv into `a`, check it, and open the client with a label that
 * names the zone.  Returns -1 after --help, 0 when ready, or the exit
 * code of a failure (one line printed).
 */
static int
setup(struct cmd_net *n, char label[static CMD_ZONE_LABEL_MAX], int argc,
    char **argv, bool encrypt, struct crypt_args *a)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "associated-data", required_argument, NULL, OPT_AD },
		{ "key-version", required_argument, NULL, OPT_KEY_VERSION },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(n->verb, argc, argv, ":z:h", opts)) != -1) {
		if (cmd_net_option(n, c, optarg))
			continue;
		if (c == 'h') {
			cmd_net_usage(encrypt ? encrypt_usage : decrypt_usage,
			    usage_tail);
			return -1;
		}
		if (c == OPT_KEY_VERSION && !encrypt) {
			cmd_errorf(n->verb,
			    "--key-version is for encrypt only (see --help)");
			return 1;
		}
		if (c == '?' || !take(n->verb, a, c, optarg))
			return 1;
	}
	if (optind < argc) {
		cmd_errorf(n->verb, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	if (!args_ok(n->verb, a))
		return 1;
	cmd_zone_label(label, n->verb, a->zone);
	n->verb = label;
	return cmd_net_open(n, true);
}

/* The body's associated data, and key_version; false on no memory. */
static bool
body_extras(json_t *body, const struct crypt_args *a)
{
	char b64[sodium_base64_ENCODED_LEN(ZONE_AD_MAX, B64)];
	int rc = 0;

	if (a->ad != NULL) {
		sodium_bin2base64(b64, sizeof(b64), (const uint8_t *)a->ad,
		    strlen(a->ad), B64);
		rc |= json_object_set_new(body, "associated_data",
		    json_string(b64));
	}
	if (a->context != NULL)
		rc |= json_object_set_new(body, "context",
		    json_string(a->context));
	if (a->has_version)
		rc |= json_object_set_new(body, "key_version",
		    json_integer(a->version));
	return rc == 0;
}

/* Read stdin for `verb`; one line printed on failure. */
static int
read_stdin(const char *verb, const char *what, size_t max, char **buf,
    size_t *len)
{
	int rc = cmd_input_read(stdin, max, buf, len);

	if (rc == -EFBIG)
		cmd_errorf(verb, "%s on stdin is longer than %zu bytes", what,
		    max);
	else if (rc != 0)
		cmd_errorf(verb, "reading stdin: %s", err_str(rc));
	return rc == 0 ? 0 : 1;
}

/*
 * The plaintext, base64 in guarded memory, as the body's "plaintext";
 * jansson's copy wipes itself when the body is freed.
 */
static int
encrypt_body(const char *verb, const char *pt, size_t len, json_t *body)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, B64);
	char *b64 = sodium_malloc(cap);
	int rc;

	if (b64 == NULL) {
		cmd_errorf(verb, "out of memory");
		return 1;
	}
	sodium_bin2base64(b64, cap, (const unsigned char *)pt, len, B64);
	rc = json_object_set_new(body, "plaintext", json_string(b64));
	sodium_free(b64); /* wipes */
	if (rc != 0)
		cmd_errorf(verb, "out of memory");
	return rc == 0 ? 0 : 1;
}

int
cmd_encrypt_main(int argc, char **argv)
{
	char label[CMD_ZONE_LABEL_MAX], path[PATH_SIZE];
	struct cmd_net n = { .verb = "encrypt" };
	struct crypt_args a = { 0 };
	json_t *body = NULL, *resp = NULL, *data;
	char *pt = NULL; /* secret */
	const char *ct;
	size_t len = 0;
	int ret;

	if ((ret = setup(&n, label, argc, argv, true, &a)) != 0) {
		ret = ret < 0 ? 0 : ret;
		goto out;
	}
	if ((ret = read_stdin(n.verb, "the plaintext", ZONE_PLAINTEXT_MAX, &pt,
	         &len)) != 0)
		goto out;
	if ((body = json_object()) == NULL || !body_extras(body, &a)) {
		cmd_errorf(n.verb, "out of memory");
		ret = 1;
		goto out;
	}
	if ((ret = encrypt_body(n.verb, pt, len, body)) != 0)
		goto out;
	snprintf(path, sizeof(path), "transit/encrypt/%s", a.zone);
	if ((ret = cmd_net_call(&n, "PUT", path, body, &resp)) != 0)
		goto out;
	data = json_object_get(resp, "data");
	ct = cmd_json_str(data, "ciphertext");
	if (ct == NULL || strncmp(ct, CT_PREFIX, strlen(CT_PREFIX)) != 0 ||
	    strcspn(ct, "\r\n") != strlen(ct)) {
		ret =
		    cmd_net_bad_answer(&n, "no 'data.ciphertext' vault:vN:...");
		goto out;
	}
	if (n.json ? cmd_json_print(data) != 0 : printf("%s\n", ct) < 0) {
		cmd_errorf(n.verb, "writing stdout: %s", strerror(errno));
		ret = 1;
	}
out:
	json_decref(resp);
	json_decref(body); /* jansson's allocator wipes the plaintext */
	sodium_free(pt);   /* wipes */
	cmd_net_close(&n);
	return ret;
}

/*
 * The ciphertext: the one line on stdin, less its line ending.  Checked
 * here only for shape, so that a wrong input (a plaintext, two lines)
 * gets a clear message; the service decides the rest.
 */
static int
ciphertext_line(const char *verb, char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (strncmp(buf, CT_PREFIX, strlen(CT_PREFIX)) != 0 ||
	    strspn(buf,
	        ":0123456789abcdefghijklmnopqrstuvwxyz"
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZ+/=") != len) {
		cmd_errorf(verb,
		    "stdin must hold one ciphertext line, vault:vN:BASE64");
		return 1;
	}
	return 0;
}

/* The answer's plaintext, decoded into guarded memory and written out. */
static int
write_plaintext(struct cmd_net *n, const json_t *data)
{
	const char *b64 = cmd_json_str(data, "plaintext"), *end = NULL;
	uint8_t *pt; /* secret */
	size_t len = 0;
	int ret = 1;

	if (b64 == NULL)
		return cmd_net_bad_answer(n, "no 'data.plaintext'");
	if ((pt = sodium_malloc(ZONE_PLAINTEXT_MAX)) == NULL) {
		cmd_errorf(n->verb, "out of memory");
		return 1;
	}
	if (sodium_base642bin(pt, ZONE_PLAINTEXT_MAX, b64, strlen(b64), NULL,
	        &len, &end, B64) != 0 ||
	    end != b64 + strlen(b64)) {
		ret = cmd_net_bad_answer(n,
		    "'data.plaintext' is not base64 of at most 32768 bytes");
		goto out;
	}
	if (fwrite(pt, 1, len, stdout) != len || fflush(stdout) != 0) {
		cmd_errorf(n->verb, "writing stdout: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	sodium_free(pt); /* wipes */
	return ret;
}

int
cmd_decrypt_main(int argc, char **argv)
{
	char label[CMD_ZONE_LABEL_MAX], path[PATH_SIZE];
	struct cmd_net n = { .verb = "decrypt" };
	struct crypt_args a = { 0 };
	json_t *body = NULL, *resp = NULL, *data;
	char *line = NULL;
	size_t len = 0;
	int ret;

	if ((ret = setup(&n, label, argc, argv, false, &a)) != 0) {
		ret = ret < 0 ? 0 : ret;
		goto out;
	}
	if ((ret = read_stdin(n.verb, "the ciphertext", LINE_MAX_BYTES, &line,
	         &len)) != 0 ||
	    (ret = ciphertext_line(n.verb, line, len)) != 0)
		goto out;
	body = json_pack("{s:s}", "ciphertext", line);
	if (body == NULL || !body_extras(body, &a)) {
		cmd_errorf(n.verb, "out of memory");
		ret = 1;
		goto out;
	}
	snprintf(path, sizeof(path), "transit/decrypt/%s", a.zone);
	if ((ret = cmd_net_call(&n, "PUT", path, body, &resp)) != 0)
		goto out;
	data = json_object_get(resp, "data");
	if (n.json) {
		/* Serialised in guarded memory: the base64 is the plaintext. */
		if (cmd_json_str(data, "plaintext") == NULL)
			ret = cmd_net_bad_answer(&n, "no 'data.plaintext'");
		else if (cmd_json_print(data) != 0) {
			cmd_errorf(n.verb, "writing stdout failed");
			ret = 1;
		}
	} else
		ret = write_plaintext(&n, data);
out:
	json_decref(resp); /* jansson's allocator wipes the plaintext */
	json_decref(body);
	sodium_free(line);
	cmd_net_close(&n);
	return ret;
}
