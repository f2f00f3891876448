/* SPDX-License-Identifier: ISC */
/*
 * Error codes shared by every escrow module.
 *
 * A fallible function returns 0 or a negative code.  System failures are
 * -errno; escrow's own conditions are -ESC_E*, whose magnitudes lie above
 * 4095 so that they never collide with errno values or LMDB's reserved
 * range.  err_str() describes both kinds.  Messages built from these codes
 * name objects and public inputs only, never a secret.
 *
 * Thread-safe; no initialisation needed.
 */
#ifndef ESCROW_ERR_H
#define ESCROW_ERR_H

#define ESC_MUST_CHECK __attribute__((warn_unused_result))

enum esc_err {
	ESC_EBASE = 4096,
	ESC_EUNINIT,     /* not initialised yet */
	ESC_EINITED,     /* already initialised */
	ESC_ESEALED,     /* the operation needs an unsealed core */
	ESC_EUNSEALED,   /* the operation needs a sealed core */
	ESC_EKCV,        /* reconstruction does not match the key check value */
	ESC_EBADSIG,     /* signature does not verify */
	ESC_ECUSTODIAN,  /* custodian unknown or not part of the share set */
	ESC_EDUPLICATE,  /* this share or custodian was already submitted */
	ESC_EBADSHARE,   /* share does not match its commitment */
	ESC_EEXPIRED,    /* the attempt has expired */
	ESC_ENONCE,      /* nonce does not name the current attempt */
	ESC_EMALFORMED,  /* malformed input */
	ESC_ECORRUPT,    /* a stored record fails to parse or authenticate */
	ESC_EPASSPHRASE, /* wrong passphrase, or a tampered key file */
	ESC_ECRYPTO,     /* a cryptographic primitive failed */
	ESC_ENOATTEMPT,  /* no ceremony in progress */
	ESC_EPLAINTEXT,  /* plaintext shares are not allowed by config */
	ESC_EPERM,       /* permission denied */
	ESC_EMAPFULL,    /* the store could not grow its map */
	ESC_EINPROGRESS, /* another ceremony is already in progress */
	ESC_EVERIFY,     /* new shares await verification */
	ESC_ETOONEW,     /* ciphertext version above the latest */
	ESC_ETOOOLD,     /* ciphertext version below the policy's minimum */
	ESC_ELAST
};

/**
 * Describe a return code: 0, -errno, or -ESC_E*.  Unknown codes get a
 * generic text.  Returns a static string; never NULL.
 */
const char *err_str(int rc);

#endif /* ESCROW_ERR_H */
