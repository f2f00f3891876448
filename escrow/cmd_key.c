/* SPDX-License-Identifier: ISC */
/*
 * Opening a custodian's key file for a verb: the passphrase (from the
 * terminal or a 0600 file), the decryption, and one clear line for each
 * way either can fail.  The key file's format and its cryptography belong
 * to custodian.c; this file only turns their return codes into words.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <sodium.h>

#define PROMPT_MAX 512 /* "Passphrase for PATH: " */

void
cmd_passphrase_error(const char *verb, const char *file, int rc)
{
	switch (rc) {
	case -ENXIO:
		cmd_errorf(verb,
		    "no terminal to ask for the passphrase on; "
		    "use --passphrase-file");
		break;
	case -ESC_EPERM:
		cmd_errorf(verb,
		    "passphrase file '%s' is accessible by group or others; "
		    "chmod 600 it",
		    file);
		break;
	case -EINVAL:
		cmd_errorf(verb, "empty passphrase");
		break;
	case -EFBIG:
		cmd_errorf(verb, "passphrase longer than %d bytes",
		    CMD_PASSPHRASE_MAX);
		break;
	case -ESC_EPASSPHRASE:
		cmd_errorf(verb, "the passphrases do not match");
		break;
	case -EINTR:
		cmd_errorf(verb, "interrupted");
		break;
	default:
		if (file != NULL)
			cmd_errorf(verb, "reading passphrase file '%s': %s",
			    file, err_str(rc));
		else
			cmd_errorf(verb, "reading the passphrase: %s",
			    err_str(rc));
	}
}

static void
key_error(const char *verb, const char *path, int rc)
{
	switch (rc) {
	case -ESC_EPASSPHRASE:
		cmd_errorf(verb,
		    "wrong passphrase for '%s', or the file was altered", path);
		break;
	case -ESC_EMALFORMED:
		cmd_errorf(verb,
		    "'%s' is not a custodian key file, or asks for more "
		    "than the sensitive KDF cost",
		    path);
		break;
	case -ELOOP:
		cmd_errorf(verb,
		    "'%s' is a symbolic link; give the file itself", path);
		break;
	default:
		cmd_errorf(verb, "cannot read key file '%s': %s", path,
		    err_str(rc));
	}
}

int
cmd_key_readable(const char *verb, const char *path)
{
	int fd;

	/* custodian_key_load opens it again and decides. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		key_error(verb, path, -errno);
		return 1;
	}
	(void)close(fd);
	return 0;
}

int
cmd_key_load(const char *verb, const char *path, const char *pfile,
    struct custodian_key **out)
{
	char prompt[PROMPT_MAX], *pw = NULL;
	size_t pwlen = 0;
	int rc, ret = 1;

	*out = NULL;
	if (cmd_key_readable(verb, path) != 0)
		goto out;
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
	if ((rc = cmd_passphrase_read(prompt, false, pfile, &pw, &pwlen)) !=
	    0) {
		cmd_passphrase_error(verb, pfile, rc);
		goto out;
	}
	if ((rc = custodian_key_load(out, path, pw, pwlen)) != 0) {
		key_error(verb, path, rc);
		goto out;
	}
	ret = 0;
out:
	sodium_free(pw); /* wipes */
	return ret;
}
