/* SPDX-License-Identifier: ISC */
/*
 * Texts for escrow's error codes.  The one table that turns a code into
 * words; the HTTP layer and the CLI both print these.
 */
#define _GNU_SOURCE /* strerrordesc_np: thread-safe, unlike strerror */
#include "escrow/err.h"

#include <string.h>

static const char *const esc_texts[ESC_ELAST - ESC_EBASE] = {
	[0] = "escrow error",
	[ESC_EUNINIT - ESC_EBASE] = "not initialized",
	[ESC_EINITED - ESC_EBASE] = "already initialized",
	[ESC_ESEALED - ESC_EBASE] = "sealed",
	[ESC_EUNSEALED - ESC_EBASE] = "unsealed",
	[ESC_EKCV - ESC_EBASE] =
	    "reconstructed key does not match the key check value",
	[ESC_EBADSIG - ESC_EBASE] = "signature does not verify",
	[ESC_ECUSTODIAN - ESC_EBASE] =
	    "custodian is not registered or holds no current share",
	[ESC_EDUPLICATE - ESC_EBASE] = "already submitted",
	[ESC_EBADSHARE - ESC_EBASE] = "share does not match its commitment",
	[ESC_EEXPIRED - ESC_EBASE] = "attempt has expired",
	[ESC_ENONCE - ESC_EBASE] = "nonce does not match the current attempt",
	[ESC_EMALFORMED - ESC_EBASE] = "malformed input",
	[ESC_ECORRUPT - ESC_EBASE] = "stored record is corrupt",
	[ESC_EPASSPHRASE - ESC_EBASE] = "wrong passphrase or damaged key file",
	[ESC_ECRYPTO - ESC_EBASE] = "cryptographic operation failed",
	[ESC_ENOATTEMPT - ESC_EBASE] = "no attempt in progress",
	[ESC_EPLAINTEXT - ESC_EBASE] = "plaintext shares are not allowed",
	[ESC_EPERM - ESC_EBASE] = "permission denied",
	[ESC_EMAPFULL - ESC_EBASE] = "store is full",
	[ESC_EINPROGRESS - ESC_EBASE] = "another attempt is in progress",
	[ESC_EVERIFY - ESC_EBASE] = "new shares await verification",
	/* Vault's own words, which transit clients match on. */
	[ESC_ETOONEW - ESC_EBASE] = "invalid ciphertext: version is too new",
	[ESC_ETOOOLD - ESC_EBASE] = "ciphertext or signature version is "
	                            "disallowed by policy (too old)",
};

const char *
err_str(int rc)
{
	int e = -rc;

	if (rc == 0)
		return "success";
	if (e > ESC_EBASE && e < ESC_ELAST)
		return esc_texts[e - ESC_EBASE];
	if (e > 0 && e < ESC_EBASE) {
		const char *s = strerrordesc_np(e);

		if (s != NULL)
			return s;
	}
	return "unknown error";
}
