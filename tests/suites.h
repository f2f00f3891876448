/* SPDX-License-Identifier: ISC */
/* Every Check suite, one per module; check_main.c runs them all. */
#ifndef TESTS_SUITES_H
#define TESTS_SUITES_H

#include <check.h>

Suite *client_suite(void);
Suite *custodian_suite(void);
Suite *err_suite(void);
Suite *shamir_suite(void);
Suite *store_suite(void);
Suite *keyring_suite(void);
Suite *auth_suite(void);
Suite *seal_suite(void);
Suite *http_suite(void);
Suite *conf_suite(void);
Suite *zone_suite(void);
Suite *merkle_suite(void);

#endif /* TESTS_SUITES_H */
