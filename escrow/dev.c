/* SPDX-License-Identifier: ISC */
/*
 * escrowd --dev: generate or load three custodians, init once, unseal
 * every time.  See dev.h.  The unseal goes through the public seal API
 * exactly as an E2EE submission does: fetch the sealed share, open it
 * with the custodian's key, seal it to the attempt key, sign, submit.
 */
#include "escrow/dev.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "escrow/custodian.h"
#include "escrow/seal.h"
#include "escrow/zone.h"

static const char *const dev_names[DEV_CUSTODIANS] = { "dev-alice", "dev-bob",
	"dev-carol" };

/* Read a small file into buf (NUL-terminated, trailing newline cut). */
static int
read_small(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0)
		rc = -errno;
	else {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	close(fd);
	return rc;
}

/* Write a small secret file, 0600, replacing any old one atomically. */
static int
write_small(const char *path, const char *text)
{
	char tmp[4200];
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) != 0)
		rc = errno != 0 ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		(void)unlink(tmp);
	return rc;
}

static int
load_or_make(const char *dir, const char *name, const char *pass,
    struct custodian_key **out)
{
	char path[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	rc = custodian_key_load(out, path, pass, strlen(pass));
	if (rc != -ENOENT)
		return rc;
	if ((rc = custodian_key_generate(out, name)) != 0)
		return rc;
	rc = custodian_key_save(*out, path, pass, strlen(pass),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	if (rc != 0) {
		custodian_key_free(*out);
		*out = NULL;
	}
	return rc;
}

static int
dev_passphrase(const char *dir, char *pass, size_t cap)
{
	char path[4200];
	uint8_t raw[16];
	int rc;

	snprintf(path, sizeof(path), "%s/passphrase", dir);
	rc = read_small(path, pass, cap);
	if (rc != -ENOENT)
		return rc != 0 ? rc : (*pass == '\0' ? -ESC_EMALFORMED : 0);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pass, cap, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return write_small(path, pass);
}

/* One custodian's part in the unseal, exactly as escrowctl does it. */
static int
dev_submit(struct seal *s, const struct custodian_key *key, uint64_t now,
    struct seal_progress *pr)
{
	const char *name = custodian_key_pub(key)->name;
	uint8_t sealed[SEAL_SEALED_BYTES], share[SEAL_SHARE_BYTES];
	uint8_t resealed[SEAL_SEALED_BYTES], sig[CUSTODIAN_SIG_BYTES];
	struct seal_attempt_info ai;
	int rc;

	if ((rc = seal_attempt_get(s, CUSTODIAN_PURPOSE_UNSEAL, now, &ai)) !=
	        0 ||
	    (rc = seal_share_get(s, name, false, sealed, NULL)) != 0 ||
	    (rc = custodian_share_open(key, share, sizeof(share), sealed,
	         sizeof(sealed))) != 0)
		goto out;
	rc = custodian_submission_make(key, CUSTODIAN_PURPOSE_UNSEAL, ai.nonce,
	    ai.pk, share, sizeof(share), resealed, sig);
	if (rc == 0)
		rc = seal_submit(s, CUSTODIAN_PURPOSE_UNSEAL, now, name,
		    ai.nonce, resealed, sizeof(resealed), sig, pr);
out:
	sodium_memzero(share, sizeof(share));
	return rc;
}

int
dev_bootstrap(struct seal *s, const char *datadir, FILE *out,
    char token[static 65])
{
	struct custodian_key *keys[DEV_CUSTODIANS] = { NULL };
	char dir[4100], path[4200], *pass = NULL;
	struct seal_progress pr;
	struct seal_status ss;
	uint64_t now = (uint64_t)time(NULL);
	const char *step = "passphrase";
	int rc;

	snprintf(dir, sizeof(dir), "%s/custodians", datadir);
	snprintf(path, sizeof(path), "%s/root-token", datadir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if ((pass = sodium_malloc(64)) == NULL)
		return -ENOMEM;
	if ((rc = dev_passphrase(dir, pass, 64)) != 0)
		goto out;
	step = "custodian keys";
	for (int i = 0; i < DEV_CUSTODIANS; i++)
		if ((rc = load_or_make(dir, dev_names[i], pass, &keys[i])) !=
		        0 ||
		    (rc = seal_custodian_add(s, custodian_key_pub(keys[i]))) !=
		        0)
			goto out;
	seal_status_get(s, &ss);
	if (ss.state == SEAL_STATE_UNINIT) {
		step = "init";
		rc = seal_init(s, now, DEV_THRESHOLD, DEV_CUSTODIANS, dev_names,
		    NULL, token);
		if (rc != 0 || (rc = write_small(path, token)) != 0)
			goto out;
		fprintf(out,
		    "escrowd: dev: initialised %d-of-%d with "
		    "custodians dev-alice, dev-bob, dev-carol\n",
		    DEV_THRESHOLD, DEV_CUSTODIANS);
	} else if ((rc = read_small(path, token, 65)) != 0) {
		step = "reading the root token";
		goto out;
	}
	step = "unseal";
	for (int i = 0; i < DEV_THRESHOLD; i++)
		if ((rc = dev_submit(s, keys[i], now, &pr)) != 0)
			goto out;
	fprintf(out,
	    "escrowd: dev: unsealed by dev-alice and dev-bob (key "
	    "files in %s)\n",
	    dir);
out:
	if (rc != 0)
		fprintf(stderr, "escrowd: dev: %s: %s\n", step, err_str(rc));
	for (int i = 0; i < DEV_CUSTODIANS; i++)
		custodian_key_free(keys[i]);
	sodium_free(pass);
	return rc;
}

int
dev_zones(struct zones *zs, FILE *out)
{
	static const char *const zones[] = { "profiles", "transactions",
		"audit" };
	uint64_t now = (uint64_t)time(NULL);
	int rc;

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		rc = zone_create(zs, zones[i], ZONE_XCHACHA20_POLY1305, now);
		if (rc == -EEXIST)
			continue;
		if (rc != 0) {
			fprintf(stderr, "escrowd: dev: zone %s: %s\n", zones[i],
			    err_str(rc));
			return rc;
		}
		fprintf(out, "escrowd: dev: created zone %s\n", zones[i]);
	}
	return 0;
}
