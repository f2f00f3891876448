/* SPDX-License-Identifier: ISC */
/*
 * custodian: names, public lines and fingerprints; key files (round trip,
 * creation rules, and every way a file can be wrong or tampered with);
 * sealed shares and signed submissions; and the CLI's passphrase input
 * and `custodian` verb.  Key files use crypto_pwhash's MIN costs so that
 * hundreds of loads stay fast, also under valgrind.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt and friends, for a test terminal */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "escrow/cmd.h"
#include "escrow/custodian.h"
#include "tests/suites.h"

#define OPS        crypto_pwhash_OPSLIMIT_MIN
#define MEM        crypto_pwhash_MEMLIMIT_MIN
#define TEXT_MAX   8192
#define PATH_CHARS 256
#define PK_B64_CHARS                                                           \
	sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)

static const char pass[] = "correct horse battery staple";
#define PASSLEN (sizeof(pass) - 1)

static char dir[PATH_CHARS];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_custodian.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char p[2 * PATH_CHARS];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			(void)rmdir(p);
	}
	closedir(d);
	(void)rmdir(dir);
}

/* dir/name in a static buffer of its own per call site slot. */
static const char *
tpath(int slot, const char *name)
{
	static char buf[4][2 * PATH_CHARS];

	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
	return buf[slot];
}

static struct custodian_key *
gen(const char *name)
{
	struct custodian_key *key = NULL;

	ck_assert_int_eq(custodian_key_generate(&key, name), 0);
	ck_assert_ptr_nonnull(key);
	return key;
}

static void
save_min(const struct custodian_key *key, const char *path)
{
	ck_assert_int_eq(custodian_key_save(key, path, pass, PASSLEN, OPS, MEM),
	    0);
}

static size_t
read_text(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void
write_text(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Load with the test passphrase; a failure must leave *out NULL. */
static int
load_rc(const char *path, const char *pw)
{
	struct custodian_key *key = (struct custodian_key *)&key;
	int rc = custodian_key_load(&key, path, pw, strlen(pw));

	if (rc != 0)
		ck_assert_ptr_null(key);
	custodian_key_free(key);
	return rc;
}

/*
 * Copy src's key file to dst with line `idx` (0-based) replaced by `repl`
 * (no newline), then return what loading dst gives.
 */
static int
load_with_line(const char *src, int idx, const char *repl)
{
	char in[TEXT_MAX], out[TEXT_MAX];
	const char *p = in;
	size_t n = 0;

	read_text(src, in, sizeof(in));
	for (int i = 0; *p != '\0'; i++) {
		const char *nl = strchr(p, '\n');
		size_t l = nl != NULL ? (size_t)(nl - p) + 1 : strlen(p);

		if (i == idx)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n",
			    repl);
		else {
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
	}
	write_text(tpath(3, "edited.key"), out, n);
	return load_rc(tpath(3, "edited.key"), pass);
}

/* Field `f` (0-based) of line `idx` of a key file, copied to out. */
static void
file_field(const char *path, int idx, int f, char *out, size_t cap)
{
	char text[TEXT_MAX], *line, *save = NULL, *tok;

	read_text(path, text, sizeof(text));
	line = strtok_r(text, "\n", &save);
	for (int i = 0; i < idx; i++)
		line = strtok_r(NULL, "\n", &save);
	ck_assert_ptr_nonnull(line);
	tok = strtok_r(line, " ", &save);
	for (int i = 0; i < f; i++)
		tok = strtok_r(NULL, " ", &save);
	ck_assert_ptr_nonnull(tok);
	snprintf(out, cap, "%s", tok);
}

static void
b64(char *out, size_t cap, const uint8_t *bin, size_t len)
{
	sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

/*
 * Build a key file from raw keys exactly as custodian.c's header comment
 * describes it, independently of custodian.c.  The public keys written
 * need not match the secret ones.
 */
static void
forge(const char *path, const uint8_t box_pk[32], const uint8_t sign_pk[32],
    const uint8_t box_sk[32], const uint8_t seed[32])
{
	char text[TEXT_MAX], pk1[64], pk2[64], s64[64], n64[64], c64[128];
	uint8_t salt[16], nonce[24], kek[32], plain[64], ct[80];
	int n;

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	b64(pk1, sizeof(pk1), box_pk, 32);
	b64(pk2, sizeof(pk2), sign_pk, 32);
	b64(s64, sizeof(s64), salt, sizeof(salt));
	n = snprintf(text, sizeof(text),
	    "escrow-custodian-key-v1\nname forged\nbox-pk %s\nsign-pk %s\n"
	    "kdf argon2id13 %u %u %s\n",
	    pk1, pk2, OPS, MEM, s64);
	ck_assert_int_eq(crypto_pwhash(kek, 32, pass, PASSLEN, salt, OPS, MEM,
	                     crypto_pwhash_ALG_ARGON2ID13),
	    0);
	memcpy(plain, box_sk, 32);
	memcpy(plain + 32, seed, 32);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, plain, 64,
	    (const uint8_t *)text, (size_t)n, NULL, nonce, kek);
	b64(n64, sizeof(n64), nonce, sizeof(nonce));
	b64(c64, sizeof(c64), ct, sizeof(ct));
	n += snprintf(text + n, sizeof(text) - (size_t)n, "secret %s %s\n", n64,
	    c64);
	write_text(path, text, (size_t)n);
}

START_TEST(test_custodian_name_valid_table)
{
	static const struct {
		const char *name;
		bool ok;
	} t[] = {
		{ "alice", true },
		{ "a", true },
		{ "0", true },
		{ "bob.smith-2_x", true },
		{ "9lives", true },
		{ "abcdefghijklmnopqrstuvwxyz012345", true },   /* 32 */
		{ "abcdefghijklmnopqrstuvwxyz0123456", false }, /* 33 */
		{ "", false },
		{ "Alice", false },
		{ "-bob", false },
		{ ".bob", false },
		{ "_bob", false },
		{ "bob smith", false },
		{ "bob/x", false },
		{ "bob\n", false },
		{ "b\xc3\xa9", false },
		{ "bob:", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(custodian_name_valid(t[i].name) == t[i].ok,
		    "name %zu", i);
	ck_assert(!custodian_name_valid(NULL));
}
END_TEST

/* Copy tmpl to out with every '@' replaced by val. */
static void
subst(char *out, size_t cap, const char *tmpl, const char *val)
{
	size_t n = 0, vlen = strlen(val);

	for (; *tmpl != '\0'; tmpl++) {
		ck_assert_uint_lt(n + vlen + 1, cap);
		if (*tmpl == '@') {
			memcpy(out + n, val, vlen);
			n += vlen;
		} else {
			out[n++] = *tmpl;
		}
	}
	out[n] = '\0';
}

/* A public line with '@' standing for a fixed key's base64. */
static void
make_line(char *out, size_t cap, const char *tmpl)
{
	uint8_t pk[32];
	char a[PK_B64_CHARS];

	for (size_t i = 0; i < sizeof(pk); i++)
		pk[i] = (uint8_t)(i * 7 + 1);
	b64(a, sizeof(a), pk, sizeof(pk));
	subst(out, cap, tmpl, a);
}

START_TEST(test_custodian_pub_parse_round_trip)
{
	struct custodian_key *key = gen("alice");
	struct custodian_pub pub;
	char line[CUSTODIAN_LINE_MAX + 1], nl[CUSTODIAN_LINE_MAX + 8];

	ck_assert_int_eq(
	    custodian_pub_format(custodian_key_pub(key), line, sizeof(line)),
	    0);
	ck_assert_int_eq(custodian_pub_parse(&pub, line, strlen(line)), 0);
	ck_assert_mem_eq(&pub, custodian_key_pub(key), sizeof(pub));
	/* Trailing spaces, CR and LF are allowed. */
	snprintf(nl, sizeof(nl), "%s \t\r\n", line);
	ck_assert_int_eq(custodian_pub_parse(&pub, nl, strlen(nl)), 0);
	ck_assert_mem_eq(&pub, custodian_key_pub(key), sizeof(pub));
	/* Only len bytes are read: what follows is not part of the line. */
	snprintf(nl, sizeof(nl), "%sXYZ", line);
	ck_assert_int_eq(custodian_pub_parse(&pub, nl, strlen(line)), 0);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_pub_parse_rejects_malformed)
{
	static const char *const bad[] = {
		"escrow-custodian-v2 alice @ @",
		"escrow-custodian alice @ @",
		"Escrow-custodian-v1 alice @ @",
		"escrow-custodian-v1 @ @",             /* 3 fields */
		"escrow-custodian-v1 alice @ @ extra", /* 5 fields */
		"escrow-custodian-v1 alice @ @ @",
		"escrow-custodian-v1 Alice @ @",
		"escrow-custodian-v1 -alice @ @",
		"escrow-custodian-v1 abcdefghijklmnopqrstuvwxyz0123456 @ @",
		" escrow-custodian-v1 alice @ @",
		"escrow-custodian-v1  alice @ @",
		"escrow-custodian-v1\talice @ @",
		"escrow-custodian-v1 alice @\t@",
		"escrow-custodian-v1 alice @! @",
		"escrow-custodian-v1 alice !@ @",
		"escrow-custodian-v1 alice @ @AA==",
		"",
	};
	struct custodian_pub pub;
	char line[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_line(line, sizeof(line), bad[i]);
		memset(&pub, 0xa5, sizeof(pub));
		ck_assert_msg(custodian_pub_parse(&pub, line, strlen(line)) ==
		        -ESC_EMALFORMED,
		    "line %zu: %s", i, line);
		ck_assert(sodium_is_zero((const uint8_t *)&pub, sizeof(pub)));
	}
}
END_TEST

START_TEST(test_custodian_pub_parse_rejects_bad_base64_and_lengths)
{
	static const char *const keys[] = {
		/* 31 and 33 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
		/* no padding; non-canonical last character; URL alphabet */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-_8=",
		"",
		"====",
	};
	const char *good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	struct custodian_pub pub;
	char line[512];
	size_t len;

	snprintf(line, sizeof(line), "escrow-custodian-v1 a %s %s", good, good);
	ck_assert_int_eq(custodian_pub_parse(&pub, line, strlen(line)), 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(line, sizeof(line), "escrow-custodian-v1 a %s %s",
		    keys[i], good);
		ck_assert_int_eq(custodian_pub_parse(&pub, line, strlen(line)),
		    -ESC_EMALFORMED);
		snprintf(line, sizeof(line), "escrow-custodian-v1 a %s %s",
		    good, keys[i]);
		ck_assert_int_eq(custodian_pub_parse(&pub, line, strlen(line)),
		    -ESC_EMALFORMED);
	}
	/* A NUL inside the line is not a character of any field. */
	snprintf(line, sizeof(line), "escrow-custodian-v1 abXc %s %s", good,
	    good);
	len = strlen(line);
	line[22] = '\0';
	ck_assert_int_eq(custodian_pub_parse(&pub, line, len), -ESC_EMALFORMED);
}
END_TEST

START_TEST(test_custodian_pub_format_layout_and_space)
{
	struct custodian_key *key = gen("abcdefghijklmnopqrstuvwxyz012345");
	const struct custodian_pub *pub = custodian_key_pub(key);
	char line[CUSTODIAN_LINE_MAX + 1], small[8], box[PK_B64_CHARS];
	char want[CUSTODIAN_LINE_MAX + 1], sign[PK_B64_CHARS];
	size_t len;

	/* The longest name fits CUSTODIAN_LINE_MAX + 1. */
	ck_assert_int_eq(custodian_pub_format(pub, line, sizeof(line)), 0);
	b64(box, sizeof(box), pub->box_pk, 32);
	b64(sign, sizeof(sign), pub->sign_pk, 32);
	snprintf(want, sizeof(want), "escrow-custodian-v1 %s %s %s", pub->name,
	    box, sign);
	ck_assert_str_eq(line, want);
	len = strlen(line);
	ck_assert_int_le(len, CUSTODIAN_LINE_MAX);
	ck_assert_int_eq(custodian_pub_format(pub, line, len + 1), 0);
	ck_assert_int_eq(custodian_pub_format(pub, line, len), -ENOSPC);
	ck_assert_int_eq(custodian_pub_format(pub, small, sizeof(small)),
	    -ENOSPC);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(custodian_pub_format(pub, NULL, 0), -ENOSPC);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_pub_format_rejects_invalid_name)
{
	struct custodian_pub pub = { .name = "Alice" };
	char line[CUSTODIAN_LINE_MAX + 1];

	ck_assert_int_eq(custodian_pub_format(&pub, line, sizeof(line)),
	    -EINVAL);
	pub.name[0] = '\0';
	ck_assert_int_eq(custodian_pub_format(&pub, line, sizeof(line)),
	    -EINVAL);
	memset(pub.name, 'a', sizeof(pub.name)); /* no NUL */
	ck_assert_int_eq(custodian_pub_format(&pub, line, sizeof(line)),
	    -EINVAL);
}
END_TEST

START_TEST(test_custodian_pub_fingerprint_stable_and_distinct)
{
	struct custodian_key *a = gen("alice"), *b = gen("bob");
	struct custodian_pub renamed = *custodian_key_pub(a);
	char fa[CUSTODIAN_FPR_CHARS + 1], fa2[CUSTODIAN_FPR_CHARS + 1];
	char fb[CUSTODIAN_FPR_CHARS + 1], want[CUSTODIAN_FPR_CHARS + 1];
	crypto_generichash_state st;
	uint8_t h[16];

	custodian_pub_fingerprint(custodian_key_pub(a), fa);
	custodian_pub_fingerprint(custodian_key_pub(a), fa2);
	custodian_pub_fingerprint(custodian_key_pub(b), fb);
	ck_assert_uint_eq(strlen(fa), CUSTODIAN_FPR_CHARS);
	ck_assert_uint_eq(strspn(fa, "0123456789abcdef"), CUSTODIAN_FPR_CHARS);
	ck_assert_str_eq(fa, fa2);
	ck_assert_str_ne(fa, fb);
	/* Over both public keys only, not the name. */
	snprintf(renamed.name, sizeof(renamed.name), "carol");
	custodian_pub_fingerprint(&renamed, fa2);
	ck_assert_str_eq(fa, fa2);
	/* BLAKE2b-128 of the domain string and both keys. */
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st,
	    (const uint8_t *)"escrow-custodian-fpr-v1", 23);
	crypto_generichash_update(&st, renamed.box_pk, 32);
	crypto_generichash_update(&st, renamed.sign_pk, 32);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(want, sizeof(want), h, sizeof(h));
	ck_assert_str_eq(fa, want);
	custodian_key_free(a);
	custodian_key_free(b);
}
END_TEST

START_TEST(test_custodian_key_generate_fresh_keys)
{
	struct custodian_key *a = gen("alice"), *b = gen("alice");
	const struct custodian_pub *pa = custodian_key_pub(a);
	const struct custodian_pub *pb = custodian_key_pub(b);

	ck_assert_str_eq(pa->name, "alice");
	ck_assert(memcmp(pa->box_pk, pb->box_pk, 32) != 0);
	ck_assert(memcmp(pa->sign_pk, pb->sign_pk, 32) != 0);
	ck_assert(memcmp(pa->box_pk, pa->sign_pk, 32) != 0);
	custodian_key_free(a);
	custodian_key_free(b);
	custodian_key_free(NULL);
}
END_TEST

START_TEST(test_custodian_key_generate_rejects_invalid_name)
{
	struct custodian_key *key = (struct custodian_key *)&key;

	ck_assert_int_eq(custodian_key_generate(&key, "Bob"), -EINVAL);
	ck_assert_ptr_null(key);
	ck_assert_int_eq(custodian_key_generate(&key, ""), -EINVAL);
	ck_assert_int_eq(custodian_key_generate(&key, NULL), -EINVAL);
}
END_TEST

START_TEST(test_custodian_key_pub_matches_secret_keys)
{
	struct custodian_key *key = gen("alice");
	const struct custodian_pub *pub = custodian_key_pub(key);
	uint8_t share[32], sealed[32 + CUSTODIAN_SEAL_OVERHEAD], out[32];
	uint8_t sig[CUSTODIAN_SIG_BYTES];

	randombytes_buf(share, sizeof(share));
	ck_assert_int_eq(crypto_box_seal(sealed, share, 32, pub->box_pk), 0);
	ck_assert_int_eq(
	    custodian_share_open(key, out, sizeof(out), sealed, sizeof(sealed)),
	    0);
	ck_assert_mem_eq(out, share, 32);
	ck_assert_int_eq(custodian_sign(key, share, 32, sig), 0);
	ck_assert_int_eq(
	    crypto_sign_verify_detached(sig, share, 32, pub->sign_pk), 0);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_save_round_trip)
{
	struct custodian_key *key = gen("alice"), *back = NULL;
	const char *p = tpath(0, "alice.key");
	uint8_t share[16], sealed[16 + CUSTODIAN_SEAL_OVERHEAD], out[16];
	char text[TEXT_MAX];

	save_min(key, p);
	ck_assert_int_eq(custodian_key_load(&back, p, pass, PASSLEN), 0);
	ck_assert_mem_eq(custodian_key_pub(back), custodian_key_pub(key),
	    sizeof(struct custodian_pub));
	/* The loaded secret keys are the saved ones. */
	randombytes_buf(share, sizeof(share));
	ck_assert_int_eq(custodian_share_seal(sealed,
	                     custodian_key_pub(key)->box_pk, share, 16),
	    0);
	ck_assert_int_eq(
	    custodian_share_open(back, out, 16, sealed, sizeof(sealed)), 0);
	ck_assert_mem_eq(out, share, 16);
	/* The documented layout: six lines in a fixed order. */
	read_text(p, text, sizeof(text));
	ck_assert(strncmp(text, "escrow-custodian-key-v1\nname alice\nbox-pk ",
	              42) == 0);
	ck_assert_ptr_nonnull(strstr(text, "\nkdf argon2id13 1 8192 "));
	ck_assert_ptr_nonnull(strstr(text, "\nsecret "));
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	custodian_key_free(back);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_save_mode_0600)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");
	struct stat st;
	mode_t old = umask(0);

	save_min(key, p);
	umask(old);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_save_eexist_file_and_symlinks)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "taken"), *l = tpath(1, "link");
	const char *dangling = tpath(2, "dangling");
	char text[TEXT_MAX];
	struct stat st;

	write_text(p, "keep me\n", 8);
	ck_assert_int_eq(custodian_key_save(key, p, pass, PASSLEN, OPS, MEM),
	    -EEXIST);
	read_text(p, text, sizeof(text));
	ck_assert_str_eq(text, "keep me\n");
	ck_assert_int_eq(symlink(p, l), 0);
	ck_assert_int_eq(custodian_key_save(key, l, pass, PASSLEN, OPS, MEM),
	    -EEXIST);
	read_text(p, text, sizeof(text));
	ck_assert_str_eq(text, "keep me\n");
	/* A dangling symlink must not be followed to create its target. */
	ck_assert_int_eq(symlink(tpath(3, "target"), dangling), 0);
	ck_assert_int_eq(
	    custodian_key_save(key, dangling, pass, PASSLEN, OPS, MEM),
	    -EEXIST);
	ck_assert_int_ne(lstat(tpath(3, "target"), &st), 0);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_save_einval)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");
	struct stat st;

	ck_assert_int_eq(custodian_key_save(key, p, "", 0, OPS, MEM), -EINVAL);
	ck_assert_int_eq(custodian_key_save(key, p, NULL, 0, OPS, MEM),
	    -EINVAL);
	ck_assert_int_eq(custodian_key_save(key, p, pass, PASSLEN, 0, MEM),
	    -EINVAL);
	ck_assert_int_eq(custodian_key_save(key, p, pass, PASSLEN, OPS, 0),
	    -EINVAL);
	ck_assert_int_eq(
	    custodian_key_save(key, p, pass, PASSLEN, OPS, MEM - 1), -EINVAL);
	ck_assert_int_eq(custodian_key_save(key, p, pass, PASSLEN,
	                     crypto_pwhash_OPSLIMIT_SENSITIVE + 1, MEM),
	    -EINVAL);
	ck_assert_int_eq(custodian_key_save(key, p, pass, PASSLEN, OPS,
	                     crypto_pwhash_MEMLIMIT_SENSITIVE + 1),
	    -EINVAL);
	ck_assert_int_ne(lstat(p, &st), 0);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_save_errno_and_no_partial_file)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");
	struct rlimit old, lim;
	void (*oldh)(int);
	struct stat st;
	int rc;

	ck_assert_int_eq(custodian_key_save(key, tpath(1, "no/such.key"), pass,
	                     PASSLEN, OPS, MEM),
	    -ENOENT);
	/* A write that fails half way leaves nothing behind. */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100;
	oldh = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = custodian_key_save(key, p, pass, PASSLEN, OPS, MEM);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldh);
	ck_assert_int_eq(rc, -EFBIG);
	ck_assert_int_ne(lstat(p, &st), 0);
	custodian_key_free(key);
}
END_TEST

/* Slow (crypto_pwhash's MODERATE cost): its own TCase and timeout. */
START_TEST(test_custodian_key_save_default_cost_is_moderate)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");
	char ops[32], mem[32], want[32];

	ck_assert_int_eq(custodian_key_save(key, p, pass, PASSLEN, 0, 0), 0);
	file_field(p, 4, 2, ops, sizeof(ops));
	file_field(p, 4, 3, mem, sizeof(mem));
	snprintf(want, sizeof(want), "%u", crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_str_eq(ops, want);
	snprintf(want, sizeof(want), "%u", crypto_pwhash_MEMLIMIT_MODERATE);
	ck_assert_str_eq(mem, want);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_errno)
{
	const char *p = tpath(0, "alice.key"), *l = tpath(1, "link");
	struct custodian_key *key = gen("alice");

	ck_assert_int_eq(load_rc(tpath(2, "missing"), pass), -ENOENT);
	save_min(key, p);
	ck_assert_int_eq(symlink(p, l), 0);
	ck_assert_int_eq(load_rc(l, pass), -ELOOP); /* O_NOFOLLOW */
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_wrong_passphrase)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");

	save_min(key, p);
	ck_assert_int_eq(load_rc(p, "correct horse battery stapl"),
	    -ESC_EPASSPHRASE);
	ck_assert_int_eq(load_rc(p, "correct horse battery staple "),
	    -ESC_EPASSPHRASE);
	ck_assert_int_eq(load_rc(p, ""), -ESC_EPASSPHRASE);
	ck_assert_int_eq(load_rc(p, pass), 0);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_any_flipped_byte_fails)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key"), *t = tpath(1, "flip.key");
	char text[TEXT_MAX];
	size_t len;

	save_min(key, p);
	len = read_text(p, text, sizeof(text));
	for (size_t i = 0; i < len; i++) {
		text[i] ^= 0x01;
		write_text(t, text, len);
		text[i] ^= 0x01;
		ck_assert_msg(load_rc(t, pass) != 0, "byte %zu", i);
	}
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_flipped_ciphertext_or_nonce)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");
	char n64[64], c64[128], line[256];
	uint8_t nonce[24], ct[80];

	save_min(key, p);
	file_field(p, 5, 1, n64, sizeof(n64));
	file_field(p, 5, 2, c64, sizeof(c64));
	ck_assert_int_eq(sodium_base642bin(ct, sizeof(ct), c64, strlen(c64),
	                     NULL, NULL, NULL, sodium_base64_VARIANT_ORIGINAL),
	    0);
	ck_assert_int_eq(sodium_base642bin(nonce, sizeof(nonce), n64,
	                     strlen(n64), NULL, NULL, NULL,
	                     sodium_base64_VARIANT_ORIGINAL),
	    0);
	for (size_t i = 0; i < sizeof(ct); i++) {
		ct[i] ^= 0x80;
		b64(c64, sizeof(c64), ct, sizeof(ct));
		ct[i] ^= 0x80;
		snprintf(line, sizeof(line), "secret %s %s", n64, c64);
		ck_assert_int_eq(load_with_line(p, 5, line), -ESC_EPASSPHRASE);
	}
	b64(c64, sizeof(c64), ct, sizeof(ct));
	for (size_t i = 0; i < sizeof(nonce); i++) {
		nonce[i] ^= 0x01;
		b64(n64, sizeof(n64), nonce, sizeof(nonce));
		nonce[i] ^= 0x01;
		snprintf(line, sizeof(line), "secret %s %s", n64, c64);
		ck_assert_int_eq(load_with_line(p, 5, line), -ESC_EPASSPHRASE);
	}
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_edited_header_fails)
{
	struct custodian_key *a = gen("alice"), *b = gen("bob");
	const char *p = tpath(0, "alice.key"), *q = tpath(1, "bob.key");
	char bpk[64], salt[64], line[256];

	save_min(a, p);
	save_min(b, q);
	ck_assert_int_eq(load_with_line(p, 1, "name bob"), -ESC_EPASSPHRASE);
	ck_assert_int_eq(load_with_line(p, 1, "name alicf"), -ESC_EPASSPHRASE);
	file_field(q, 2, 1, bpk, sizeof(bpk));
	snprintf(line, sizeof(line), "box-pk %s", bpk);
	ck_assert_int_eq(load_with_line(p, 2, line), -ESC_EPASSPHRASE);
	file_field(q, 3, 1, bpk, sizeof(bpk));
	snprintf(line, sizeof(line), "sign-pk %s", bpk);
	ck_assert_int_eq(load_with_line(p, 3, line), -ESC_EPASSPHRASE);
	/* Raising (or lowering) a cost, or another salt, within range. */
	file_field(p, 4, 4, salt, sizeof(salt));
	snprintf(line, sizeof(line), "kdf argon2id13 2 8192 %s", salt);
	ck_assert_int_eq(load_with_line(p, 4, line), -ESC_EPASSPHRASE);
	snprintf(line, sizeof(line), "kdf argon2id13 1 16384 %s", salt);
	ck_assert_int_eq(load_with_line(p, 4, line), -ESC_EPASSPHRASE);
	file_field(q, 4, 4, salt, sizeof(salt));
	snprintf(line, sizeof(line), "kdf argon2id13 1 8192 %s", salt);
	ck_assert_int_eq(load_with_line(p, 4, line), -ESC_EPASSPHRASE);
	custodian_key_free(a);
	custodian_key_free(b);
}
END_TEST

START_TEST(test_custodian_key_load_costs_out_of_range)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key");
	char salt[64], line[256];
	static const char *const kdf[] = {
		"kdf argon2id13 5 8192 @",       /* above SENSITIVE */
		"kdf argon2id13 1 1073741825 @", /* above SENSITIVE */
		"kdf argon2id13 18446744073709551615 8192 @",
		"kdf argon2id13 1 18446744073709551616 @", /* overflow */
		"kdf argon2id13 0 8192 @",                 /* below MIN */
		"kdf argon2id13 1 8191 @",                 /* below MIN */
		"kdf argon2id13 01 8192 @",
		"kdf argon2id13 +1 8192 @",
		"kdf argon2id13 1 8192.0 @",
		"kdf argon2i13 1 8192 @",
		"kdf argon2id13 1 8192 @ x",
		"kdf argon2id13 1 @",
	};

	save_min(key, p);
	file_field(p, 4, 4, salt, sizeof(salt));
	for (size_t i = 0; i < sizeof(kdf) / sizeof(kdf[0]); i++) {
		subst(line, sizeof(line), kdf[i], salt);
		ck_assert_msg(load_with_line(p, 4, line) == -ESC_EMALFORMED,
		    "%s", line);
	}
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_truncated_empty_garbage)
{
	struct custodian_key *key = gen("alice");
	const char *p = tpath(0, "alice.key"), *t = tpath(1, "bad.key");
	char text[TEXT_MAX], big[5000];
	size_t len;

	save_min(key, p);
	len = read_text(p, text, sizeof(text));
	for (size_t i = 0; i < len; i++) {
		write_text(t, text, i);
		ck_assert_msg(load_rc(t, pass) == -ESC_EMALFORMED, "len %zu",
		    i);
	}
	/* Extra bytes, CRLF, and random bytes of the right size. */
	memcpy(text + len, "\n", 2);
	write_text(t, text, len + 1);
	ck_assert_int_eq(load_rc(t, pass), -ESC_EMALFORMED);
	text[len - 1] = '\r';
	write_text(t, text, len + 1);
	ck_assert_int_eq(load_rc(t, pass), -ESC_EMALFORMED);
	randombytes_buf(text, len);
	write_text(t, text, len);
	ck_assert_int_eq(load_rc(t, pass), -ESC_EMALFORMED);
	memset(big, 'a', sizeof(big));
	write_text(t, big, sizeof(big));
	ck_assert_int_eq(load_rc(t, pass), -ESC_EMALFORMED);
	/* Not regular files: a directory, and a FIFO that must not block. */
	ck_assert_int_eq(mkdir(tpath(2, "d"), 0700), 0);
	ck_assert_int_eq(load_rc(tpath(2, "d"), pass), -ESC_EMALFORMED);
	ck_assert_int_eq(mkfifo(tpath(2, "fifo"), 0600), 0);
	ck_assert_int_eq(load_rc(tpath(2, "fifo"), pass), -ESC_EMALFORMED);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_key_load_independent_file)
{
	uint8_t bpk[32], bsk[32], spk[32], ssk[64], seed[32];
	uint8_t opk[32], osk[32], sealed[8 + CUSTODIAN_SEAL_OVERHEAD], m[8];
	struct custodian_key *key = NULL;
	const char *p = tpath(0, "forged.key");

	crypto_box_keypair(bpk, bsk);
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(spk, ssk, seed);
	forge(p, bpk, spk, bsk, seed);
	ck_assert_int_eq(custodian_key_load(&key, p, pass, PASSLEN), 0);
	ck_assert_str_eq(custodian_key_pub(key)->name, "forged");
	ck_assert_mem_eq(custodian_key_pub(key)->box_pk, bpk, 32);
	ck_assert_mem_eq(custodian_key_pub(key)->sign_pk, spk, 32);
	ck_assert_int_eq(
	    crypto_box_seal(sealed, (const uint8_t *)"8 bytes!", 8, bpk), 0);
	ck_assert_int_eq(
	    custodian_share_open(key, m, 8, sealed, sizeof(sealed)), 0);
	custodian_key_free(key);
	/* Public keys that are not those of the secret keys are refused. */
	crypto_box_keypair(opk, osk);
	unlink(p);
	forge(p, opk, spk, bsk, seed);
	ck_assert_int_eq(load_rc(p, pass), -ESC_EPASSPHRASE);
	unlink(p);
	forge(p, bpk, opk, bsk, seed);
	ck_assert_int_eq(load_rc(p, pass), -ESC_EPASSPHRASE);
}
END_TEST

START_TEST(test_custodian_share_seal_round_trip)
{
	struct custodian_key *key = gen("alice");
	uint8_t share[CUSTODIAN_SHARE_MAX], out[CUSTODIAN_SHARE_MAX];
	uint8_t sealed[CUSTODIAN_SHARE_MAX + CUSTODIAN_SEAL_OVERHEAD];
	static const size_t lens[] = { 1, 33, CUSTODIAN_SHARE_MAX };

	randombytes_buf(share, sizeof(share));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];

		ck_assert_int_eq(custodian_share_seal(sealed,
		                     custodian_key_pub(key)->box_pk, share, n),
		    0);
		ck_assert_int_eq(custodian_share_open(key, out, sizeof(out),
		                     sealed, n + CUSTODIAN_SEAL_OVERHEAD),
		    0);
		ck_assert_mem_eq(out, share, n);
	}
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_share_seal_errors)
{
	uint8_t zero[CUSTODIAN_BOX_PK_BYTES] = { 0 }, pk[32], sk[32];
	uint8_t share[CUSTODIAN_SHARE_MAX + 1] = { 1 };
	uint8_t sealed[CUSTODIAN_SHARE_MAX + 1 + CUSTODIAN_SEAL_OVERHEAD];

	crypto_box_keypair(pk, sk);
	ck_assert_int_eq(custodian_share_seal(sealed, pk, share, 0), -EINVAL);
	ck_assert_int_eq(
	    custodian_share_seal(sealed, pk, share, CUSTODIAN_SHARE_MAX + 1),
	    -EINVAL);
	/* A low-order key (all zeroes) gives no shared secret. */
	ck_assert_int_eq(custodian_share_seal(sealed, zero, share, 8),
	    -ESC_ECRYPTO);
	ck_assert(sodium_is_zero(sealed, 8 + CUSTODIAN_SEAL_OVERHEAD));
}
END_TEST

START_TEST(test_custodian_share_open_wrong_key_or_tampered)
{
	struct custodian_key *a = gen("alice"), *b = gen("bob");
	uint8_t share[32], out[40], sealed[32 + CUSTODIAN_SEAL_OVERHEAD];

	randombytes_buf(share, sizeof(share));
	ck_assert_int_eq(custodian_share_seal(sealed,
	                     custodian_key_pub(a)->box_pk, share, 32),
	    0);
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(
	    custodian_share_open(b, out, sizeof(out), sealed, sizeof(sealed)),
	    -ESC_ECRYPTO);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	for (size_t i = 0; i < sizeof(sealed); i++) {
		sealed[i] ^= 0x01;
		memset(out, 0xa5, sizeof(out));
		ck_assert_int_eq(custodian_share_open(a, out, sizeof(out),
		                     sealed, sizeof(sealed)),
		    -ESC_ECRYPTO);
		ck_assert(sodium_is_zero(out, sizeof(out)));
		sealed[i] ^= 0x01;
	}
	custodian_key_free(a);
	custodian_key_free(b);
}
END_TEST

START_TEST(test_custodian_share_open_einval)
{
	struct custodian_key *key = gen("alice");
	uint8_t share[32] = { 7 }, out[31];
	uint8_t sealed[CUSTODIAN_SHARE_MAX + 1 + CUSTODIAN_SEAL_OVERHEAD];

	ck_assert_int_eq(custodian_share_seal(sealed,
	                     custodian_key_pub(key)->box_pk, share, 32),
	    0);
	/* The share does not fit cap: refused, and out zeroed. */
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(custodian_share_open(key, out, sizeof(out), sealed,
	                     32 + CUSTODIAN_SEAL_OVERHEAD),
	    -EINVAL);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	ck_assert_int_eq(custodian_share_open(key, out, sizeof(out), sealed,
	                     CUSTODIAN_SEAL_OVERHEAD),
	    -EINVAL);
	ck_assert_int_eq(custodian_share_open(key, out, sizeof(out), sealed, 0),
	    -EINVAL);
	ck_assert_int_eq(custodian_share_open(key, NULL, 0, sealed, 0),
	    -EINVAL);
	custodian_key_free(key);
}
END_TEST

struct sub {
	struct custodian_key *key;
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];
	uint8_t apk[CUSTODIAN_BOX_PK_BYTES], ask[32];
	uint8_t share[32];
	uint8_t sealed[32 + CUSTODIAN_SEAL_OVERHEAD];
	uint8_t sig[CUSTODIAN_SIG_BYTES];
};

static void
sub_make(struct sub *s, enum custodian_purpose purpose)
{
	s->key = gen("alice");
	randombytes_buf(s->nonce, sizeof(s->nonce));
	randombytes_buf(s->share, sizeof(s->share));
	crypto_box_keypair(s->apk, s->ask);
	ck_assert_int_eq(custodian_submission_make(s->key, purpose, s->nonce,
	                     s->apk, s->share, sizeof(s->share), s->sealed,
	                     s->sig),
	    0);
}

static int
sub_verify(const struct sub *s, const struct custodian_pub *pub,
    enum custodian_purpose purpose)
{
	return custodian_submission_verify(pub, purpose, s->nonce, s->sealed,
	    sizeof(s->sealed), s->sig);
}

START_TEST(test_custodian_submission_make_round_trip)
{
	struct sub s;
	uint8_t out[32];

	sub_make(&s, CUSTODIAN_PURPOSE_REKEY);
	ck_assert_int_eq(
	    sub_verify(&s, custodian_key_pub(s.key), CUSTODIAN_PURPOSE_REKEY),
	    0);
	/* The attempt's ephemeral key opens the sealed share. */
	ck_assert_int_eq(
	    crypto_box_seal_open(out, s.sealed, sizeof(s.sealed), s.apk, s.ask),
	    0);
	ck_assert_mem_eq(out, s.share, sizeof(out));
	custodian_key_free(s.key);
}
END_TEST

START_TEST(test_custodian_submission_make_einval_and_ecrypto)
{
	struct sub s;
	uint8_t zero[32] = { 0 };
	uint8_t big[CUSTODIAN_SHARE_MAX + 1] = { 0 };

	sub_make(&s, CUSTODIAN_PURPOSE_UNSEAL);
	for (int p = 0; p <= 5; p += 5) {
		memset(s.sig, 0xa5, sizeof(s.sig));
		ck_assert_int_eq(custodian_submission_make(s.key,
		                     (enum custodian_purpose)p, s.nonce, s.apk,
		                     s.share, 32, s.sealed, s.sig),
		    -EINVAL);
		ck_assert(sodium_is_zero(s.sig, sizeof(s.sig)));
	}
	ck_assert_int_eq(custodian_submission_make(s.key,
	                     CUSTODIAN_PURPOSE_UNSEAL, s.nonce, s.apk, s.share,
	                     0, s.sealed, s.sig),
	    -EINVAL);
	ck_assert_int_eq(custodian_submission_make(s.key,
	                     CUSTODIAN_PURPOSE_UNSEAL, s.nonce, s.apk, big,
	                     sizeof(big), s.sealed, s.sig),
	    -EINVAL);
	memset(s.sig, 0xa5, sizeof(s.sig));
	ck_assert_int_eq(custodian_submission_make(s.key,
	                     CUSTODIAN_PURPOSE_UNSEAL, s.nonce, zero, s.share,
	                     32, s.sealed, s.sig),
	    -ESC_ECRYPTO);
	ck_assert(sodium_is_zero(s.sig, sizeof(s.sig)));
	ck_assert(sodium_is_zero(s.sealed, sizeof(s.sealed)));
	custodian_key_free(s.key);
}
END_TEST

START_TEST(test_custodian_submission_verify_rejects_changes)
{
	struct custodian_key *other = gen("bob");
	struct sub s;

	sub_make(&s, CUSTODIAN_PURPOSE_VERIFY);
	for (int p = CUSTODIAN_PURPOSE_UNSEAL; p <= CUSTODIAN_PURPOSE_DRILL;
	     p++)
		ck_assert_int_eq(sub_verify(&s, custodian_key_pub(s.key),
		                     (enum custodian_purpose)p),
		    p == CUSTODIAN_PURPOSE_VERIFY ? 0 : -ESC_EBADSIG);
	ck_assert_int_eq(
	    sub_verify(&s, custodian_key_pub(other), CUSTODIAN_PURPOSE_VERIFY),
	    -ESC_EBADSIG);
	for (size_t i = 0; i < sizeof(s.nonce); i++) {
		s.nonce[i] ^= 0x01;
		ck_assert_int_eq(sub_verify(&s, custodian_key_pub(s.key),
		                     CUSTODIAN_PURPOSE_VERIFY),
		    -ESC_EBADSIG);
		s.nonce[i] ^= 0x01;
	}
	for (size_t i = 0; i < sizeof(s.sealed); i++) {
		s.sealed[i] ^= 0x01;
		ck_assert_int_eq(sub_verify(&s, custodian_key_pub(s.key),
		                     CUSTODIAN_PURPOSE_VERIFY),
		    -ESC_EBADSIG);
		s.sealed[i] ^= 0x01;
	}
	for (size_t i = 0; i < sizeof(s.sig); i++) {
		s.sig[i] ^= 0x01;
		ck_assert_int_eq(sub_verify(&s, custodian_key_pub(s.key),
		                     CUSTODIAN_PURPOSE_VERIFY),
		    -ESC_EBADSIG);
		s.sig[i] ^= 0x01;
	}
	ck_assert_int_eq(
	    sub_verify(&s, custodian_key_pub(s.key), CUSTODIAN_PURPOSE_VERIFY),
	    0);
	custodian_key_free(other);
	custodian_key_free(s.key);
}
END_TEST

START_TEST(test_custodian_submission_verify_einval)
{
	const struct custodian_pub *pub;
	struct sub s;
	uint8_t big[CUSTODIAN_SHARE_MAX + CUSTODIAN_SEAL_OVERHEAD + 1] = { 0 };

	sub_make(&s, CUSTODIAN_PURPOSE_DRILL);
	pub = custodian_key_pub(s.key);
	ck_assert_int_eq(sub_verify(&s, pub, (enum custodian_purpose)0),
	    -EINVAL);
	ck_assert_int_eq(sub_verify(&s, pub, (enum custodian_purpose)5),
	    -EINVAL);
	ck_assert_int_eq(custodian_submission_verify(pub,
	                     CUSTODIAN_PURPOSE_DRILL, s.nonce, s.sealed, 0,
	                     s.sig),
	    -EINVAL);
	ck_assert_int_eq(custodian_submission_verify(pub,
	                     CUSTODIAN_PURPOSE_DRILL, s.nonce, s.sealed,
	                     CUSTODIAN_SEAL_OVERHEAD, s.sig),
	    -EINVAL);
	ck_assert_int_eq(custodian_submission_verify(pub,
	                     CUSTODIAN_PURPOSE_DRILL, s.nonce, big, sizeof(big),
	                     s.sig),
	    -EINVAL);
	custodian_key_free(s.key);
}
END_TEST

START_TEST(test_custodian_sign_verifies)
{
	struct custodian_key *key = gen("alice");
	const uint8_t *spk = custodian_key_pub(key)->sign_pk;
	uint8_t sig[CUSTODIAN_SIG_BYTES];
	static const uint8_t msg[] = "audit record 42";

	ck_assert_int_eq(custodian_sign(key, msg, sizeof(msg), sig), 0);
	ck_assert_int_eq(
	    crypto_sign_verify_detached(sig, msg, sizeof(msg), spk), 0);
	ck_assert_int_ne(
	    crypto_sign_verify_detached(sig, msg, sizeof(msg) - 1, spk), 0);
	ck_assert_int_eq(custodian_sign(key, NULL, 0, sig), 0);
	ck_assert_int_eq(crypto_sign_verify_detached(sig, msg, 0, spk), 0);
	custodian_key_free(key);
}
END_TEST

START_TEST(test_custodian_sign_refuses_submission_domain)
{
	struct custodian_key *key = gen("alice");
	static const uint8_t msg[] = "escrow-submission-v1\x01nonce...";
	uint8_t sig[CUSTODIAN_SIG_BYTES];

	memset(sig, 0xaa, sizeof(sig));
	ck_assert_int_eq(custodian_sign(key, msg, sizeof(msg) - 1, sig),
	    -EINVAL);
	ck_assert(sodium_is_zero(sig, sizeof(sig)));
	/* A prefix of the domain alone is an ordinary message. */
	ck_assert_int_eq(custodian_sign(key, msg, 10, sig), 0);
	custodian_key_free(key);
}
END_TEST

/* Write `content` to dir/pw with `mode` and read it as a passphrase file. */
static int
pw_file(const char *content, size_t len, mode_t mode, char **pw, size_t *pwlen)
{
	const char *p = tpath(0, "pw");

	(void)unlink(p);
	write_text(p, content, len);
	ck_assert_int_eq(chmod(p, mode), 0);
	*pw = (char *)pw; /* must become NULL on failure */
	return cmd_passphrase_read("unused", true, p, pw, pwlen);
}

START_TEST(test_cmd_passphrase_read_file_first_line)
{
	static const struct {
		const char *content, *want;
	} t[] = {
		{ "s3cret\nsecond line\n", "s3cret" },
		{ "s3cret\r\n", "s3cret" },
		{ "s3cret", "s3cret" },
		{ " two  words \n", " two  words " },
	};
	char *pw = NULL, big[CMD_PASSPHRASE_MAX + 2];
	size_t len = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(pw_file(t[i].content, strlen(t[i].content),
		                     0600, &pw, &len),
		    0);
		ck_assert_uint_eq(len, strlen(t[i].want));
		ck_assert_str_eq(pw, t[i].want);
		sodium_free(pw);
	}
	memset(big, 'a', sizeof(big));
	big[CMD_PASSPHRASE_MAX] = '\n';
	ck_assert_int_eq(pw_file(big, sizeof(big), 0400, &pw, &len), 0);
	ck_assert_uint_eq(len, CMD_PASSPHRASE_MAX);
	sodium_free(pw);
	ck_assert_int_eq(pw_file(big, CMD_PASSPHRASE_MAX, 0400, &pw, &len), 0);
	ck_assert_uint_eq(len, CMD_PASSPHRASE_MAX);
	sodium_free(pw);
}
END_TEST

START_TEST(test_cmd_passphrase_read_file_errors)
{
	char *pw = NULL, big[CMD_PASSPHRASE_MAX + 2];
	size_t len = 1;

	ck_assert_int_eq(pw_file("", 0, 0600, &pw, &len), -EINVAL);
	ck_assert_ptr_null(pw);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(pw_file("\n", 1, 0600, &pw, &len), -EINVAL);
	ck_assert_int_eq(pw_file("\r\nx\n", 4, 0600, &pw, &len), -EINVAL);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(pw_file(big, CMD_PASSPHRASE_MAX + 1, 0600, &pw, &len),
	    -EFBIG);
	ck_assert_ptr_null(pw);
	ck_assert_int_eq(pw_file("s3cret\n", 7, 0640, &pw, &len), -ESC_EPERM);
	ck_assert_int_eq(pw_file("s3cret\n", 7, 0604, &pw, &len), -ESC_EPERM);
	ck_assert_int_eq(pw_file("s3cret\n", 7, 0620, &pw, &len), -ESC_EPERM);
	ck_assert_ptr_null(pw);
	ck_assert_int_eq(
	    cmd_passphrase_read("x", false, tpath(1, "missing"), &pw, &len),
	    -ENOENT);
	ck_assert_ptr_null(pw);
}
END_TEST

START_TEST(test_cmd_passphrase_read_file_pipe)
{
	char fdpath[64], *pw = NULL;
	size_t len = 0;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "from a pipe\nrest", 16), 16);
	close(fds[1]);
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fds[0]);
	ck_assert_int_eq(cmd_passphrase_read("x", false, fdpath, &pw, &len), 0);
	ck_assert_str_eq(pw, "from a pipe");
	sodium_free(pw);
	close(fds[0]);
}
END_TEST

/* Exit 0 if `ok`; in a forked child, so no Check macro may run. */
static void
child_exit(bool ok)
{
	_exit(ok ? 0 : 1);
}

/*
 * Whether the child exited 0 within 60 s.  A child stuck at a prompt is
 * killed: without fork mode (valgrind runs) Check has no timeout.
 */
static bool
child_ok(pid_t pid)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int st = 0;

	for (int i = 0; i < 6000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (r < 0 && errno != EINTR)
			return false;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
	return false;
}

START_TEST(test_cmd_passphrase_read_no_terminal)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *pw = (char *)&pid;
		size_t len = 1;
		int rc;

		/* A new session has no controlling terminal. */
		if (setsid() < 0)
			child_exit(false);
		rc = cmd_passphrase_read("x", true, NULL, &pw, &len);
		child_exit(rc == -ENXIO && pw == NULL && len == 0);
	}
	ck_assert(child_ok(pid));
}
END_TEST

/*
 * Read the pty master until `want` shows up (true) or 5 s pass (false).
 * Seeing the typed passphrase means echo was on: also false.
 */
static bool
pty_expect(int m, const char *want)
{
	char buf[1024];
	size_t n = 0;

	while (n < sizeof(buf) - 1) {
		struct pollfd pfd = { .fd = m, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, 5000) <= 0 ||
		    (r = read(m, buf + n, sizeof(buf) - 1 - n)) <= 0)
			return false;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "s3cret") != NULL)
			return false;
		if (strstr(buf, want) != NULL)
			return true;
	}
	return false;
}

/*
 * Fork a child that takes a new pty as its controlling terminal and asks
 * for a passphrase on it.  The child exits 0 if cmd_passphrase_read
 * returned `want` (with "s3cret" on success, NULL otherwise) and echo is
 * back on afterwards.
 */
static pid_t
pty_child(int *master, bool confirm, int want)
{
	const char *name;
	pid_t pid;
	int m;

	ck_assert_int_ge(m = posix_openpt(O_RDWR | O_NOCTTY), 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	ck_assert_ptr_nonnull(name = ptsname(m));
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		struct termios t;
		char *pw = NULL;
		size_t len = 0;
		bool ok;
		int s, rc;

		close(m);
		if (setsid() < 0 || (s = open(name, O_RDWR)) < 0)
			child_exit(false);
		rc = cmd_passphrase_read("Secret please: ", confirm, NULL, &pw,
		    &len);
		ok = rc == want && tcgetattr(s, &t) == 0 &&
		    (t.c_lflag & ECHO) != 0;
		if (rc == 0)
			ok = ok && len == 6 && memcmp(pw, "s3cret", 7) == 0;
		else
			ok = ok && pw == NULL;
		sodium_free(pw);
		child_exit(ok);
	}
	*master = m;
	return pid;
}

START_TEST(test_cmd_passphrase_read_terminal_confirmed)
{
	int m;
	pid_t pid = pty_child(&m, true, 0);

	ck_assert(pty_expect(m, "Secret please: "));
	ck_assert_int_eq(write(m, "s3cret\n", 7), 7);
	ck_assert(pty_expect(m, "Repeat passphrase: "));
	ck_assert_int_eq(write(m, "s3cret\n", 7), 7);
	ck_assert(child_ok(pid));
	close(m);
}
END_TEST

START_TEST(test_cmd_passphrase_read_terminal_mismatch)
{
	int m;
	pid_t pid = pty_child(&m, true, -ESC_EPASSPHRASE);

	ck_assert(pty_expect(m, "Secret please: "));
	ck_assert_int_eq(write(m, "s3cret\n", 7), 7);
	ck_assert(pty_expect(m, "Repeat passphrase: "));
	ck_assert_int_eq(write(m, "s3cres\n", 7), 7);
	ck_assert(child_ok(pid));
	close(m);
}
END_TEST

START_TEST(test_cmd_passphrase_read_terminal_interrupted)
{
	int m;
	pid_t pid = pty_child(&m, false, -EINTR);

	ck_assert(pty_expect(m, "Secret please: "));
	ck_assert_int_eq(write(m, "s3c\003", 4), 4); /* ^C: SIGINT */
	ck_assert(child_ok(pid));
	close(m);
}
END_TEST

/*
 * Run cmd_custodian_main on `args` (NULL-terminated) with stdout and
 * stderr captured into out and err (TEXT_MAX bytes each).
 */
static int
run_cli(const char *const *args, char *out, char *err)
{
	char pool[16][2 * PATH_CHARS], *argv[17];
	int argc = 0, rc, so, se, o, e;

	for (; args[argc] != NULL; argc++) {
		ck_assert_int_lt(argc, 16);
		snprintf(pool[argc], sizeof(pool[argc]), "%s", args[argc]);
		argv[argc] = pool[argc];
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	o = open(tpath(2, "stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	e = open(tpath(3, "stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert(so >= 0 && se >= 0 && o >= 0 && e >= 0);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	rc = cmd_custodian_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	read_text(tpath(2, "stdout"), out, TEXT_MAX);
	read_text(tpath(3, "stderr"), err, TEXT_MAX);
	return rc;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_cmd_custodian_main_help_and_verbs)
{
	static const char *const help[] = { "custodian", "--help", NULL };
	static const char *const none[] = { "custodian", NULL };
	static const char *const bad[] = { "custodian", "frob", NULL };
	static const char *const kh[] = { "custodian", "keygen", "-h", NULL };
	static const char *const ph[] = { "custodian", "pub", "--help", NULL };
	char out[TEXT_MAX], err[TEXT_MAX];

	ck_assert_int_eq(run_cli(help, out, err), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: escrowctl custodian"));
	ck_assert_ptr_nonnull(strstr(out, "  keygen "));
	ck_assert_ptr_nonnull(strstr(out, "  pub "));
	ck_assert_int_eq(run_cli(none, out, err), 1);
	ck_assert_ptr_nonnull(strstr(err, "usage: escrowctl custodian"));
	ck_assert_int_eq(run_cli(bad, out, err), 1);
	ck_assert_str_eq(err,
	    "escrowctl custodian: unknown verb 'frob' (see --help)\n");
	ck_assert_int_eq(run_cli(kh, out, err), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: escrowctl custodian keygen"));
	ck_assert_int_eq(run_cli(ph, out, err), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: escrowctl custodian pub"));
}
END_TEST

START_TEST(test_cmd_custodian_main_keygen_then_pub)
{
	const char *key = tpath(0, "alice.key"), *pwf = tpath(1, "pw");
	const char *const gen_args[] = { "custodian", "keygen", "--name",
		"alice", "--out", key, "--passphrase-file", pwf, "--kdf",
		"interactive", NULL };
	const char *const pub_args[] = { "custodian", "pub", "--key", key, "-p",
		pwf, NULL };
	char out[TEXT_MAX], out2[TEXT_MAX], err[TEXT_MAX], want[64];
	char fpr[CUSTODIAN_FPR_CHARS + 1];
	struct custodian_pub pub;
	struct stat st;

	write_text(pwf, "s3cret\n", 7);
	ck_assert_int_eq(run_cli(gen_args, out, err), 0);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_int_eq(custodian_pub_parse(&pub, out, strlen(out)), 0);
	ck_assert_str_eq(pub.name, "alice");
	custodian_pub_fingerprint(&pub, fpr);
	snprintf(want, sizeof(want), "fingerprint: %s\n", fpr);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(lstat(key, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(run_cli(pub_args, out2, err), 0);
	ck_assert_str_eq(out2, out);
	ck_assert_str_eq(err, want);
	/* A second keygen to the same path changes nothing. */
	ck_assert_int_eq(run_cli(gen_args, out2, err), 1);
	ck_assert_str_eq(out2, "");
	ck_assert_ptr_nonnull(strstr(err, "already exists"));
	ck_assert_uint_eq(count_lines(err), 1);
	ck_assert_int_eq(run_cli(pub_args, out2, err), 0);
	ck_assert_str_eq(out2, out);
	/* The wrong passphrase. */
	unlink(pwf);
	write_text(pwf, "s3cres\n", 7);
	ck_assert_int_eq(run_cli(pub_args, out2, err), 1);
	ck_assert_str_eq(out2, "");
	ck_assert_ptr_nonnull(strstr(err, "wrong passphrase"));
	ck_assert_uint_eq(count_lines(err), 1);
}
END_TEST

START_TEST(test_cmd_custodian_main_usage_errors)
{
	const char *key = tpath(0, "x.key"), *pwf = tpath(1, "pw");
	const char *const bad[][12] = {
		{ "custodian", "keygen", "--name", "alice", NULL },
		{ "custodian", "keygen", "--out", key, NULL },
		{ "custodian", "keygen", "--name", "Alice", "--out", key,
		    NULL },
		{ "custodian", "keygen", "--name", "a", "--out", key, "--kdf",
		    "fast", NULL },
		{ "custodian", "keygen", "--name", "a", "--out", key, "extra",
		    NULL },
		{ "custodian", "keygen", "--name", "a", "--out", key, "--bogus",
		    NULL },
		{ "custodian", "keygen", "--name", "a", "--out", NULL },
		{ "custodian", "keygen", "--name", "a", "--out", key,
		    "--passphrase-file", tpath(2, "nope"), NULL },
		{ "custodian", "pub", NULL },
		{ "custodian", "pub", "--key", key, "--passphrase-file", pwf,
		    NULL },
		{ "custodian", "pub", "--key", pwf, "--passphrase-file", pwf,
		    NULL },
	};
	char out[TEXT_MAX], err[TEXT_MAX];
	struct stat st;

	write_text(pwf, "s3cret\n", 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(run_cli(bad[i], out, err) == 1, "case %zu", i);
		ck_assert_str_eq(out, "");
		ck_assert_msg(count_lines(err) == 1, "case %zu: %s", i, err);
		ck_assert(strncmp(err, "escrowctl custodian ", 20) == 0);
		ck_assert_int_ne(lstat(key, &st), 0);
	}
}
END_TEST

static TCase *
tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *
custodian_suite(void)
{
	Suite *s = suite_create("custodian");
	TCase *tc;

	tc = tcase(s, "name_valid", 4);
	tcase_add_test(tc, test_custodian_name_valid_table);
	tc = tcase(s, "pub_parse", 4);
	tcase_add_test(tc, test_custodian_pub_parse_round_trip);
	tcase_add_test(tc, test_custodian_pub_parse_rejects_malformed);
	tcase_add_test(tc,
	    test_custodian_pub_parse_rejects_bad_base64_and_lengths);
	tc = tcase(s, "pub_format", 4);
	tcase_add_test(tc, test_custodian_pub_format_layout_and_space);
	tcase_add_test(tc, test_custodian_pub_format_rejects_invalid_name);
	tc = tcase(s, "pub_fingerprint", 4);
	tcase_add_test(tc, test_custodian_pub_fingerprint_stable_and_distinct);
	tc = tcase(s, "key_generate", 10);
	tcase_add_test(tc, test_custodian_key_generate_fresh_keys);
	tcase_add_test(tc, test_custodian_key_generate_rejects_invalid_name);
	tc = tcase(s, "key_pub", 4);
	tcase_add_test(tc, test_custodian_key_pub_matches_secret_keys);
	tc = tcase(s, "key_save", 10);
	tcase_add_test(tc, test_custodian_key_save_round_trip);
	tcase_add_test(tc, test_custodian_key_save_mode_0600);
	tcase_add_test(tc, test_custodian_key_save_eexist_file_and_symlinks);
	tcase_add_test(tc, test_custodian_key_save_einval);
	tcase_add_test(tc, test_custodian_key_save_errno_and_no_partial_file);
	tc = tcase(s, "key_save_slow", 60);
	tcase_add_test(tc, test_custodian_key_save_default_cost_is_moderate);
	tc = tcase(s, "key_load", 30);
	tcase_add_test(tc, test_custodian_key_load_errno);
	tcase_add_test(tc, test_custodian_key_load_wrong_passphrase);
	tcase_add_test(tc, test_custodian_key_load_any_flipped_byte_fails);
	tcase_add_test(tc, test_custodian_key_load_flipped_ciphertext_or_nonce);
	tcase_add_test(tc, test_custodian_key_load_edited_header_fails);
	tcase_add_test(tc, test_custodian_key_load_costs_out_of_range);
	tcase_add_test(tc, test_custodian_key_load_truncated_empty_garbage);
	tcase_add_test(tc, test_custodian_key_load_independent_file);
	tc = tcase(s, "share_seal", 4);
	tcase_add_test(tc, test_custodian_share_seal_round_trip);
	tcase_add_test(tc, test_custodian_share_seal_errors);
	tc = tcase(s, "share_open", 4);
	tcase_add_test(tc, test_custodian_share_open_wrong_key_or_tampered);
	tcase_add_test(tc, test_custodian_share_open_einval);
	tc = tcase(s, "submission_make", 4);
	tcase_add_test(tc, test_custodian_submission_make_round_trip);
	tcase_add_test(tc, test_custodian_submission_make_einval_and_ecrypto);
	tc = tcase(s, "submission_verify", 4);
	tcase_add_test(tc, test_custodian_submission_verify_rejects_changes);
	tcase_add_test(tc, test_custodian_submission_verify_einval);
	tc = tcase(s, "sign", 4);
	tcase_add_test(tc, test_custodian_sign_verifies);
	tcase_add_test(tc, test_custodian_sign_refuses_submission_domain);
	tc = tcase(s, "cmd_passphrase_read", 10);
	tcase_add_test(tc, test_cmd_passphrase_read_file_first_line);
	tcase_add_test(tc, test_cmd_passphrase_read_file_errors);
	tcase_add_test(tc, test_cmd_passphrase_read_file_pipe);
	tcase_add_test(tc, test_cmd_passphrase_read_no_terminal);
	tcase_add_test(tc, test_cmd_passphrase_read_terminal_confirmed);
	tcase_add_test(tc, test_cmd_passphrase_read_terminal_mismatch);
	tcase_add_test(tc, test_cmd_passphrase_read_terminal_interrupted);
	tc = tcase(s, "cmd_custodian_main", 60);
	tcase_add_test(tc, test_cmd_custodian_main_help_and_verbs);
	tcase_add_test(tc, test_cmd_custodian_main_keygen_then_pub);
	tcase_add_test(tc, test_cmd_custodian_main_usage_errors);
	return s;
}
