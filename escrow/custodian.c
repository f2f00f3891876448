/* SPDX-License-Identifier: ISC */
/*
 * Custodian identities: names, public lines, fingerprints, passphrase-
 * protected key files, and the sealing and signing of share submissions.
 * This file owns the custodian's secret keys; nothing else ever sees them.
 *
 * The key file is strict, versioned text.  Exactly these six lines, each
 * ending in one '\n', single spaces between fields, nothing before, after
 * or in between:
 *
 *     escrow-custodian-key-v1
 *     name NAME
 *     box-pk BASE64(X25519 public key, 32 bytes)
 *     sign-pk BASE64(Ed25519 public key, 32 bytes)
 *     kdf argon2id13 OPSLIMIT MEMLIMIT BASE64(salt, 16 bytes)
 *     secret BASE64(nonce, 24 bytes) BASE64(ciphertext, 80 bytes)
 *
 * Base64 is the standard alphabet with padding; numbers are canonical
 * decimal (no sign, no leading zero).  The ciphertext is
 * XChaCha20-Poly1305 of box_sk (32) || Ed25519 seed (32) under a key
 * derived with crypto_pwhash (Argon2id13, the OPSLIMIT, MEMLIMIT and salt
 * of the kdf line), and its associated data is the file's first five lines
 * byte for byte, '\n's included: editing the version, the name, either
 * public key or any kdf parameter makes decryption fail.  After decrypting,
 * the public keys are derived again from the secret ones and must equal
 * the file's, so a file can never yield keys other than those it shows.
 * Costs outside crypto_pwhash's MIN..SENSITIVE are refused before any
 * work is done, so a hostile file cannot make us spend more than about
 * 1 GiB and a few seconds.
 */
#include "escrow/custodian.h"

#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#define PUB_PREFIX    "escrow-custodian-v1"
#define FPR_DOMAIN    "escrow-custodian-fpr-v1"
#define SUB_DOMAIN    "escrow-submission-v1"
#define KEYFILE_MAGIC "escrow-custodian-key-v1"
#define KEYFILE_KDF   "argon2id13"
#define KEYFILE_MAX   4096 /* bytes; real files are under 500 */

#define B64_LEN(n)  sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)
#define PK_B64_LEN  B64_LEN(CUSTODIAN_BOX_PK_BYTES) /* with its NUL */
#define SALT_BYTES  crypto_pwhash_SALTBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KEK_BYTES   crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define PLAIN_BYTES (crypto_box_SECRETKEYBYTES + crypto_sign_SEEDBYTES)
#define CT_BYTES    (PLAIN_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define SUB_MSG_MAX                                                            \
	(sizeof(SUB_DOMAIN) - 1 + 1 + CUSTODIAN_NONCE_BYTES +                  \
	    CUSTODIAN_SHARE_MAX + CUSTODIAN_SEAL_OVERHEAD)

_Static_assert(CUSTODIAN_BOX_PK_BYTES == CUSTODIAN_SIGN_PK_BYTES,
    "both public keys share one base64 length");
_Static_assert(sizeof(PUB_PREFIX) + CUSTODIAN_NAME_MAX + 2 * PK_B64_LEN <=
        CUSTODIAN_LINE_MAX + 1,
    "the longest public line fits CUSTODIAN_LINE_MAX");
_Static_assert(CUSTODIAN_FPR_CHARS % 2 == 0 &&
        CUSTODIAN_FPR_CHARS / 2 >= crypto_generichash_BYTES_MIN,
    "fingerprint is hex of a valid BLAKE2b length");
_Static_assert(sizeof(KEYFILE_MAGIC) + sizeof(KEYFILE_KDF) +
            CUSTODIAN_NAME_MAX + 2 * PK_B64_LEN + B64_LEN(SALT_BYTES) +
            B64_LEN(NONCE_BYTES) + B64_LEN(CT_BYTES) + 2 * 20 + 64 <
        KEYFILE_MAX,
    "the longest key file fits KEYFILE_MAX");

struct custodian_key {
	struct custodian_pub pub;
	uint8_t box_sk[crypto_box_SECRETKEYBYTES];   /* secret */
	uint8_t sign_sk[crypto_sign_SECRETKEYBYTES]; /* secret: seed || pk */
};

/* One space-separated field of a line; points into the caller's text. */
struct field {
	const char *s;
	size_t len;
};

/* A parsed key file; everything in it is public. */
struct keyfile {
	struct custodian_pub pub;
	unsigned long long opslimit;
	size_t memlimit;
	uint8_t salt[SALT_BYTES];
	uint8_t nonce[NONCE_BYTES];
	uint8_t ct[CT_BYTES];
	size_t adlen; /* the first five lines, authenticated as AD */
};

bool
custodian_name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strnlen(name, CUSTODIAN_NAME_MAX + 1);
	if (len == 0 || len > CUSTODIAN_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

/*
 * Split s[0..len) at single spaces into at most max fields and return
 * their number.  An empty field (a leading, trailing or doubled space, or
 * an empty line) or more than max fields returns max + 1, which every
 * caller rejects: there is exactly one spelling of each line.
 */
static size_t
split_fields(const char *s, size_t len, struct field *f, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (i == start || n == max)
			return max + 1;
		f[n].s = s + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static bool
field_is(const struct field *f, const char *lit)
{
	return f->len == strlen(lit) && memcmp(f->s, lit, f->len) == 0;
}

/* Standard padded base64 of exactly outlen bytes, and nothing else. */
static bool
decode_exact(uint8_t *out, size_t outlen, const struct field *f)
{
	const char *end = NULL;
	size_t n = 0;

	return sodium_base642bin(out, outlen, f->s, f->len, NULL, &n, &end,
	           sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    end == f->s + f->len && n == outlen;
}

/* Canonical decimal: digits only, no leading zero, no overflow. */
static bool
parse_u64(const struct field *f, unsigned long long *out)
{
	unsigned long long v = 0;

	if (f->len == 0 || f->len > 20 || (f->s[0] == '0' && f->len > 1))
		return false;
	for (size_t i = 0; i < f->len; i++) {
		unsigned d = (unsigned)(f->s[i] - '0');

		if (f->s[i] < '0' || f->s[i] > '9' || v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool
parse_name(struct custodian_pub *pub, const struct field *f)
{
	if (f->len > CUSTODIAN_NAME_MAX)
		return false;
	memcpy(pub->name, f->s, f->len);
	pub->name[f->len] = '\0';
	/* strlen catches a NUL inside the field. */
	return strlen(pub->name) == f->len && custodian_name_valid(pub->name);
}

static bool
cost_valid(unsigned long long opslimit, unsigned long long memlimit)
{
	return opslimit >= crypto_pwhash_OPSLIMIT_MIN &&
	    opslimit <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
	    memlimit >= crypto_pwhash_MEMLIMIT_MIN &&
	    memlimit <= crypto_pwhash_MEMLIMIT_SENSITIVE;
}

int
custodian_pub_parse(struct custodian_pub *out, const char *line, size_t len)
{
	struct custodian_pub pub = { 0 };
	struct field f[4];
	int rc = -ESC_EMALFORMED;

	while (len > 0 &&
	    (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	        line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (split_fields(line, len, f, 4) != 4 || !field_is(&f[0], PUB_PREFIX))
		goto out;
	if (!parse_name(&pub, &f[1]) ||
	    !decode_exact(pub.box_pk, sizeof(pub.box_pk), &f[2]) ||
	    !decode_exact(pub.sign_pk, sizeof(pub.sign_pk), &f[3]))
		goto out;
	rc = 0;
out:
	*out = rc == 0 ? pub : (struct custodian_pub){ 0 };
	return rc;
}

int
custodian_pub_format(const struct custodian_pub *pub, char *buf, size_t cap)
{
	char box[PK_B64_LEN], sign[PK_B64_LEN];
	int n;

	if (!custodian_name_valid(pub->name))
		return -EINVAL;
	sodium_bin2base64(box, sizeof(box), pub->box_pk, sizeof(pub->box_pk),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(sign, sizeof(sign), pub->sign_pk,
	    sizeof(pub->sign_pk), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, cap, "%s %s %s %s", PUB_PREFIX, pub->name, box, sign);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

void
custodian_pub_fingerprint(const struct custodian_pub *pub,
    char out[static CUSTODIAN_FPR_CHARS + 1])
{
	crypto_generichash_state st;
	uint8_t h[CUSTODIAN_FPR_CHARS / 2];

	/* Cannot fail: the output length is checked statically above. */
	(void)crypto_generichash_init(&st, NULL, 0, sizeof(h));
	(void)crypto_generichash_update(&st, (const uint8_t *)FPR_DOMAIN,
	    sizeof(FPR_DOMAIN) - 1);
	(void)crypto_generichash_update(&st, pub->box_pk, sizeof(pub->box_pk));
	(void)crypto_generichash_update(&st, pub->sign_pk,
	    sizeof(pub->sign_pk));
	(void)crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, CUSTODIAN_FPR_CHARS + 1, h, sizeof(h));
}

int
custodian_key_generate(struct custodian_key **out, const char *name)
{
	struct custodian_key *key;

	*out = NULL;
	if (!custodian_name_valid(name))
		return -EINVAL;
	if ((key = sodium_malloc(sizeof(*key))) == NULL)
		return -ENOMEM;
	key->pub = (struct custodian_pub){ 0 };
	memcpy(key->pub.name, name, strlen(name) + 1);
	/* Neither can fail: both draw a random, clamped scalar. */
	(void)crypto_box_keypair(key->pub.box_pk, key->box_sk);
	(void)crypto_sign_keypair(key->pub.sign_pk, key->sign_sk);
	(void)sodium_mprotect_readonly(key);
	*out = key;
	return 0;
}

void
custodian_key_free(struct custodian_key *key)
{
	sodium_free(key); /* wipes; fine on a read-only region */
}

const struct custodian_pub *
custodian_key_pub(const struct custodian_key *key)
{
	return &key->pub;
}

/*
 * Format the whole key file into text[KEYFILE_MAX]: the five header lines,
 * which are the AEAD's associated data, then the secret line.  The secret
 * keys are copied into one guarded block next to the derived key and both
 * are wiped by sodium_free on every path.  Only public bytes (header,
 * nonce, ciphertext) ever reach `text`.
 */
static int
keyfile_format(const struct custodian_key *key, const char *pass,
    size_t passlen, unsigned long long opslimit, size_t memlimit,
    char text[static KEYFILE_MAX], size_t *len)
{
	char box[PK_B64_LEN], sign[PK_B64_LEN], salt64[B64_LEN(SALT_BYTES)];
	char nonce64[B64_LEN(NONCE_BYTES)], ct64[B64_LEN(CT_BYTES)];
	uint8_t salt[SALT_BYTES], nonce[NONCE_BYTES], ct[CT_BYTES];
	uint8_t *sec; /* secret: kek || box_sk || seed */
	int n, m, rc = 0;

	if ((sec = sodium_malloc(KEK_BYTES + PLAIN_BYTES)) == NULL)
		return -ENOMEM;
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2base64(box, sizeof(box), key->pub.box_pk,
	    sizeof(key->pub.box_pk), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(sign, sizeof(sign), key->pub.sign_pk,
	    sizeof(key->pub.sign_pk), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(text, KEYFILE_MAX,
	    KEYFILE_MAGIC "\nname %s\nbox-pk %s\nsign-pk %s\n"
	                  "kdf " KEYFILE_KDF " %llu %zu %s\n",
	    key->pub.name, box, sign, opslimit, memlimit, salt64);
	assert(n > 0 && n < KEYFILE_MAX); /* see the _Static_assert */
	memcpy(sec + KEK_BYTES, key->box_sk, sizeof(key->box_sk));
	crypto_sign_ed25519_sk_to_seed(sec + KEK_BYTES + sizeof(key->box_sk),
	    key->sign_sk);
	if (crypto_pwhash(sec, KEK_BYTES, pass, passlen, salt, opslimit,
	        memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		rc = -ENOMEM; /* the arguments were checked: out of memory */
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, sec + KEK_BYTES,
	    PLAIN_BYTES, (const uint8_t *)text, (size_t)n, NULL, nonce, sec);
	sodium_bin2base64(nonce64, sizeof(nonce64), nonce, sizeof(nonce),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(ct64, sizeof(ct64), ct, sizeof(ct),
	    sodium_base64_VARIANT_ORIGINAL);
	m = snprintf(text + n, KEYFILE_MAX - (size_t)n, "secret %s %s\n",
	    nonce64, ct64);
	assert(m > 0 && m < KEYFILE_MAX - n);
	*len = (size_t)n + (size_t)m;
out:
	sodium_free(sec);
	return rc;
}

/* Create path exclusively, write it whole and fsync it; unlink on error. */
static int
file_create(const char *path, const char *buf, size_t len)
{
	size_t off = 0;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		rc = -errno;
out:
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		(void)unlink(path);
	return rc;
}

int
custodian_key_save(const struct custodian_key *key, const char *path,
    const char *pass, size_t passlen, unsigned long long opslimit,
    size_t memlimit)
{
	char text[KEYFILE_MAX];
	size_t len = 0;
	int rc;

	if (opslimit == 0 && memlimit == 0) {
		opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	}
	/* Never write a file that custodian_key_load would refuse. */
	if (pass == NULL || passlen == 0 || !cost_valid(opslimit, memlimit))
		return -EINVAL;
	if ((rc = keyfile_format(key, pass, passlen, opslimit, memlimit, text,
	         &len)) != 0)
		return rc;
	return file_create(path, text, len);
}

/*
 * Read a whole key file into guarded memory.  O_NOFOLLOW refuses a
 * symlink (-ELOOP); O_NONBLOCK keeps a FIFO from hanging us before fstat
 * refuses it.  Anything but a regular file of at most KEYFILE_MAX bytes is
 * not a key file.
 */
static int
file_read(const char *path, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEYFILE_MAX) {
		rc = -ESC_EMALFORMED;
		goto out;
	}
	if ((buf = sodium_malloc(KEYFILE_MAX + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	while (n <= KEYFILE_MAX) {
		ssize_t r = read(fd, buf + n, KEYFILE_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > KEYFILE_MAX) { /* it grew after fstat */
		rc = -ESC_EMALFORMED;
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
out:
	sodium_free(buf);
	(void)close(fd);
	return rc;
}

/*
 * Take the next '\n'-terminated line of [*p, end) and split it into
 * exactly nf fields, the first of which must be `keyword`.
 */
static bool
take_line(const char **p, const char *end, const char *keyword, struct field *f,
    size_t nf)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	bool ok;

	if (nl == NULL)
		return false;
	ok = split_fields(*p, (size_t)(nl - *p), f, nf) == nf &&
	    field_is(&f[0], keyword);
	*p = nl + 1;
	return ok;
}

static bool
parse_kdf(struct keyfile *kf, const struct field f[static 5])
{
	unsigned long long ops, mem;

	if (!field_is(&f[1], KEYFILE_KDF) || !parse_u64(&f[2], &ops) ||
	    !parse_u64(&f[3], &mem) ||
	    !decode_exact(kf->salt, sizeof(kf->salt), &f[4]) ||
	    !cost_valid(ops, mem))
		return false;
	kf->opslimit = ops;
	kf->memlimit = (size_t)mem; /* at most MEMLIMIT_SENSITIVE */
	return true;
}

static int
keyfile_parse(struct keyfile *kf, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	struct field f[5];
	bool ok;

	ok = take_line(&p, end, KEYFILE_MAGIC, f, 1) &&
	    take_line(&p, end, "name", f, 2) && parse_name(&kf->pub, &f[1]) &&
	    take_line(&p, end, "box-pk", f, 2) &&
	    decode_exact(kf->pub.box_pk, sizeof(kf->pub.box_pk), &f[1]) &&
	    take_line(&p, end, "sign-pk", f, 2) &&
	    decode_exact(kf->pub.sign_pk, sizeof(kf->pub.sign_pk), &f[1]) &&
	    take_line(&p, end, "kdf", f, 5) && parse_kdf(kf, f);
	kf->adlen = (size_t)(p - text);
	ok = ok && take_line(&p, end, "secret", f, 3) &&
	    decode_exact(kf->nonce, sizeof(kf->nonce), &f[1]) &&
	    decode_exact(kf->ct, sizeof(kf->ct), &f[2]) && p == end;
	return ok ? 0 : -ESC_EMALFORMED;
}

/*
 * Derive the key, decrypt the secret keys into `key`, and check that they
 * are the ones whose public halves the file shows.  A wrong passphrase and
 * a tampered file look the same here, on purpose.
 */
static int
keyfile_open(struct custodian_key *key, const struct keyfile *kf,
    const char *text, const char *pass, size_t passlen)
{
	uint8_t box_pk[CUSTODIAN_BOX_PK_BYTES],
	    sign_pk[CUSTODIAN_SIGN_PK_BYTES];
	uint8_t *sec; /* secret: kek || box_sk || seed */
	int rc = 0;

	if ((sec = sodium_malloc(KEK_BYTES + PLAIN_BYTES)) == NULL)
		return -ENOMEM;
	if (crypto_pwhash(sec, KEK_BYTES, pass, passlen, kf->salt, kf->opslimit,
	        kf->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		rc = -ENOMEM; /* the costs were checked: out of memory */
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(sec + KEK_BYTES, NULL,
	        NULL, kf->ct, sizeof(kf->ct), (const uint8_t *)text, kf->adlen,
	        kf->nonce, sec) != 0) {
		rc = -ESC_EPASSPHRASE;
		goto out;
	}
	memcpy(key->box_sk, sec + KEK_BYTES, sizeof(key->box_sk));
	(void)crypto_sign_seed_keypair(sign_pk, key->sign_sk,
	    sec + KEK_BYTES + sizeof(key->box_sk));
	if (crypto_scalarmult_base(box_pk, key->box_sk) != 0 ||
	    sodium_memcmp(box_pk, kf->pub.box_pk, sizeof(box_pk)) != 0 ||
	    sodium_memcmp(sign_pk, kf->pub.sign_pk, sizeof(sign_pk)) != 0) {
		rc = -ESC_EPASSPHRASE;
		goto out;
	}
	key->pub = kf->pub;
out:
	sodium_free(sec);
	return rc;
}

int
custodian_key_load(struct custodian_key **out, const char *path,
    const char *pass, size_t passlen)
{
	struct custodian_key *key = NULL;
	struct keyfile kf = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = file_read(path, &text, &len)) != 0)
		goto out;
	if ((rc = keyfile_parse(&kf, text, len)) != 0)
		goto out;
	if ((key = sodium_malloc(sizeof(*key))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* crypto_pwhash's arguments are nonnull, even when passlen is 0. */
	if ((rc = keyfile_open(key, &kf, text, pass != NULL ? pass : "",
	         passlen)) != 0)
		goto out;
	(void)sodium_mprotect_readonly(key);
	*out = key;
	key = NULL;
out:
	sodium_free(key);
	sodium_free(text);
	return rc;
}

int
custodian_share_seal(uint8_t *out,
    const uint8_t pk[static CUSTODIAN_BOX_PK_BYTES], const uint8_t *share,
    size_t len)
{
	if (len == 0 || len > CUSTODIAN_SHARE_MAX)
		return -EINVAL;
	/* Fails for a low-order public key, whose shared secret is zero. */
	if (crypto_box_seal(out, share, len, pk) != 0) {
		sodium_memzero(out, len + CUSTODIAN_SEAL_OVERHEAD);
		return -ESC_ECRYPTO;
	}
	return 0;
}

int
custodian_share_open(const struct custodian_key *key, uint8_t *share,
    size_t cap, const uint8_t *sealed, size_t sealed_len)
{
	int rc = 0;

	if (sealed_len <= CUSTODIAN_SEAL_OVERHEAD ||
	    sealed_len - CUSTODIAN_SEAL_OVERHEAD > cap ||
	    sealed_len - CUSTODIAN_SEAL_OVERHEAD > CUSTODIAN_SHARE_MAX) {
		rc = -EINVAL;
		goto out;
	}
	if (crypto_box_seal_open(share, sealed, sealed_len, key->pub.box_pk,
	        key->box_sk) != 0)
		rc = -ESC_ECRYPTO;
out:
	if (rc != 0 && share != NULL)
		sodium_memzero(share, cap);
	return rc;
}

static bool
purpose_valid(enum custodian_purpose purpose)
{
	return (int)purpose >= CUSTODIAN_PURPOSE_UNSEAL &&
	    (int)purpose <= CUSTODIAN_PURPOSE_DRILL;
}

/* The signed bytes: domain || purpose || nonce || sealed.  Returns length. */
static size_t
submission_message(uint8_t msg[static SUB_MSG_MAX],
    enum custodian_purpose purpose,
    const uint8_t nonce[static CUSTODIAN_NONCE_BYTES], const uint8_t *sealed,
    size_t sealed_len)
{
	size_t n = sizeof(SUB_DOMAIN) - 1;

	memcpy(msg, SUB_DOMAIN, n);
	msg[n++] = (uint8_t)purpose;
	memcpy(msg + n, nonce, CUSTODIAN_NONCE_BYTES);
	n += CUSTODIAN_NONCE_BYTES;
	memcpy(msg + n, sealed, sealed_len);
	return n + sealed_len;
}

/* Sign without the domain check: for submissions only. */
static int
sign_raw(const struct custodian_key *key, const uint8_t *msg, size_t len,
    uint8_t sig[static CUSTODIAN_SIG_BYTES])
{
	if (crypto_sign_detached(sig, NULL, msg, len, key->sign_sk) != 0) {
		sodium_memzero(sig, CUSTODIAN_SIG_BYTES);
		return -ESC_ECRYPTO;
	}
	return 0;
}

int
custodian_submission_make(const struct custodian_key *key,
    enum custodian_purpose purpose,
    const uint8_t nonce[static CUSTODIAN_NONCE_BYTES],
    const uint8_t attempt_pk[static CUSTODIAN_BOX_PK_BYTES],
    const uint8_t *share, size_t len, uint8_t *sealed,
    uint8_t sig[static CUSTODIAN_SIG_BYTES])
{
	uint8_t msg[SUB_MSG_MAX];
	size_t mlen;
	int rc;

	if (!purpose_valid(purpose) || len == 0 || len > CUSTODIAN_SHARE_MAX) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = custodian_share_seal(sealed, attempt_pk, share, len)) != 0)
		goto out;
	mlen = submission_message(msg, purpose, nonce, sealed,
	    len + CUSTODIAN_SEAL_OVERHEAD);
	if ((rc = sign_raw(key, msg, mlen, sig)) != 0)
		sodium_memzero(sealed, len + CUSTODIAN_SEAL_OVERHEAD);
out:
	if (rc != 0)
		sodium_memzero(sig, CUSTODIAN_SIG_BYTES);
	return rc;
}

int
custodian_submission_verify(const struct custodian_pub *pub,
    enum custodian_purpose purpose,
    const uint8_t nonce[static CUSTODIAN_NONCE_BYTES], const uint8_t *sealed,
    size_t sealed_len, const uint8_t sig[static CUSTODIAN_SIG_BYTES])
{
	uint8_t msg[SUB_MSG_MAX];
	size_t mlen;

	/* A sealed share holds 1..CUSTODIAN_SHARE_MAX plaintext bytes. */
	if (!purpose_valid(purpose) || sealed_len <= CUSTODIAN_SEAL_OVERHEAD ||
	    sealed_len > CUSTODIAN_SHARE_MAX + CUSTODIAN_SEAL_OVERHEAD)
		return -EINVAL;
	mlen = submission_message(msg, purpose, nonce, sealed, sealed_len);
	if (crypto_sign_verify_detached(sig, msg, mlen, pub->sign_pk) != 0)
		return -ESC_EBADSIG;
	return 0;
}

int
custodian_sign(const struct custodian_key *key, const uint8_t *msg, size_t len,
    uint8_t sig[static CUSTODIAN_SIG_BYTES])
{
	/* One key signs both; a message that reads as a submission must never
	 * be signed here, or a signed record could be replayed as a share. */
	if (len >= sizeof(SUB_DOMAIN) - 1 &&
	    memcmp(msg, SUB_DOMAIN, sizeof(SUB_DOMAIN) - 1) == 0) {
		sodium_memzero(sig, CUSTODIAN_SIG_BYTES);
		return -EINVAL;
	}
	return sign_raw(key, msg, len, sig);
}
