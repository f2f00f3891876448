/* SPDX-License-Identifier: ISC */
/*
 * Dev mode (escrowd --dev): a whole custody ceremony run by the daemon
 * itself, for trying escrow out.  Three dev custodians get key files under
 * DATA/custodians (passphrase in DATA/custodians/passphrase), are
 * registered, and, on the first run, receive the shares of a 2-of-3 init;
 * the root token is kept in DATA/root-token.  Every run then unseals with
 * two of them through the same core calls a real unseal makes.  All files
 * are 0600 in 0700 directories.  Never for production: the key files and
 * their passphrase sit side by side.
 */
#ifndef ESCROW_DEV_H
#define ESCROW_DEV_H

#include <stdio.h>

#include "escrow/err.h"

struct seal;

#define DEV_CUSTODIANS 3
#define DEV_THRESHOLD  2

/**
 * Set up (first run) and unseal the dev instance in `datadir`, printing
 * what it did to `out`; `token` receives the root token.
 *
 * Returns 0, or the error of the step that failed (printed to stderr).
 * Secrets: `token` is a credential; the caller wipes it.
 */
ESC_MUST_CHECK int dev_bootstrap(struct seal *s, const char *datadir, FILE *out,
    char token[static 65]);

struct zones;

/**
 * Create the example zones profiles, transactions and audit where they do
 * not exist yet (xchacha20-poly1305), printing what it did.
 *
 * Returns 0 or the first zone error (printed to stderr).
 */
ESC_MUST_CHECK int dev_zones(struct zones *zs, FILE *out);

#endif /* ESCROW_DEV_H */
