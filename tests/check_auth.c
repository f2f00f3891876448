/* SPDX-License-Identifier: ISC */
/*
 * auth: token issue, lookup, expiry and revocation; every error; the root
 * token replacing all others; and no token ever reaching auth.mdb.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/auth.h"
#include "escrow/store.h"
#include "tests/fixture.h"
#include "tests/suites.h"

static char dir[4096];
static struct store *st;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", fixture_tmpdir());
	ck_assert_int_eq(store_open(&st, dir, NULL), 0);
}

static void
teardown(void)
{
	store_close(st);
	fixture_rmtree(dir);
}

START_TEST(test_auth_policy_name_valid_table)
{
	char longn[AUTH_POLICY_MAX + 2];

	ck_assert(auth_policy_name_valid("root"));
	ck_assert(auth_policy_name_valid("zone-tx_1-user"));
	ck_assert(!auth_policy_name_valid(""));
	ck_assert(!auth_policy_name_valid("Root"));
	ck_assert(!auth_policy_name_valid("a b"));
	ck_assert(!auth_policy_name_valid("a/b"));
	memset(longn, 'a', sizeof(longn) - 1);
	longn[sizeof(longn) - 1] = '\0';
	ck_assert(!auth_policy_name_valid(longn));
	longn[AUTH_POLICY_MAX] = '\0';
	ck_assert(auth_policy_name_valid(longn));
}
END_TEST

START_TEST(test_auth_root_issue_replaces_every_token)
{
	char root1[AUTH_TOKEN_MAX + 1], root2[AUTH_TOKEN_MAX + 1];
	char tok[AUTH_TOKEN_MAX + 1];
	const char *pol[] = { "operator" };
	struct auth_token_info info;

	ck_assert_int_eq(auth_root_issue(st, 100, root1), 0);
	ck_assert_uint_eq(strlen(root1), 47);
	ck_assert_int_eq(strncmp(root1, "esc.", 4), 0);
	ck_assert_int_eq(auth_token_lookup(st, 100, root1, &info), 0);
	ck_assert(auth_has_policy(&info, "root"));
	ck_assert(!auth_has_policy(&info, "operator"));
	ck_assert_uint_eq(info.ttl, 0);
	ck_assert_uint_eq(strlen(info.accessor), AUTH_ACCESSOR_CHARS);
	ck_assert_int_eq(auth_token_create(st, 100, pol, 1, 0, tok, &info), 0);
	ck_assert_int_eq(auth_root_issue(st, 200, root2), 0);
	ck_assert_str_ne(root1, root2);
	ck_assert_int_eq(auth_token_lookup(st, 200, root1, &info), -ESC_EPERM);
	ck_assert_int_eq(auth_token_lookup(st, 200, tok, &info), -ESC_EPERM);
	ck_assert_int_eq(auth_token_lookup(st, 200, root2, &info), 0);
}
END_TEST

START_TEST(test_auth_token_create_lookup_expire)
{
	const char *pol[] = { "zone-tx-user", "auditor" };
	char tok[AUTH_TOKEN_MAX + 1];
	struct auth_token_info info, got;

	ck_assert_int_eq(auth_token_create(st, 1000, pol, 2, 60, tok, &info),
	    0);
	ck_assert_int_eq(auth_token_lookup(st, 1059, tok, &got), 0);
	ck_assert_str_eq(got.accessor, info.accessor);
	ck_assert_uint_eq(got.npolicies, 2);
	ck_assert_str_eq(got.policies[0], "zone-tx-user");
	ck_assert(auth_has_policy(&got, "auditor"));
	ck_assert_uint_eq(got.created, 1000);
	ck_assert_uint_eq(got.ttl, 60);
	/* At its TTL it is gone, and stays gone. */
	ck_assert_int_eq(auth_token_lookup(st, 1060, tok, &got), -ESC_EPERM);
	ck_assert_int_eq(auth_token_lookup(st, 1000, tok, &got), -ESC_EPERM);
}
END_TEST

START_TEST(test_auth_token_create_refuses_bad_policies)
{
	const char *bad[] = { "ok", "Not OK" };
	const char *many[AUTH_POLICIES_MAX + 1];
	char tok[AUTH_TOKEN_MAX + 1];
	struct auth_token_info info;

	for (int i = 0; i <= AUTH_POLICIES_MAX; i++)
		many[i] = "p";
	memset(tok, 'x', sizeof(tok));
	ck_assert_int_eq(auth_token_create(st, 1, bad, 2, 0, tok, &info),
	    -EINVAL);
	ck_assert(sodium_is_zero((uint8_t *)tok, sizeof(tok)));
	ck_assert_int_eq(auth_token_create(st, 1, bad, 0, 0, tok, &info),
	    -EINVAL);
	ck_assert_int_eq(auth_token_create(st, 1, many, AUTH_POLICIES_MAX + 1,
	                     0, tok, &info),
	    -EINVAL);
	ck_assert_int_eq(
	    auth_token_create(st, 1, many, AUTH_POLICIES_MAX, 0, tok, &info),
	    0);
}
END_TEST

START_TEST(test_auth_token_lookup_refuses_garbage)
{
	char tok[AUTH_TOKEN_MAX + 1], longt[200];
	const char *pol[] = { "root" };
	struct auth_token_info info;

	ck_assert_int_eq(auth_token_create(st, 1, pol, 1, 0, tok, &info), 0);
	ck_assert_int_eq(auth_token_lookup(st, 1, "", &info), -ESC_EPERM);
	ck_assert_int_eq(auth_token_lookup(st, 1, "esc.", &info), -ESC_EPERM);
	ck_assert_int_eq(auth_token_lookup(st, 1, tok + 4, &info), -ESC_EPERM);
	tok[10] = tok[10] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(auth_token_lookup(st, 1, tok, &info), -ESC_EPERM);
	memset(longt, 'a', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	memcpy(longt, "esc.", 4);
	ck_assert_int_eq(auth_token_lookup(st, 1, longt, &info), -ESC_EPERM);
}
END_TEST

START_TEST(test_auth_token_revoke)
{
	const char *pol[] = { "operator" };
	char a[AUTH_TOKEN_MAX + 1], b[AUTH_TOKEN_MAX + 1];
	struct auth_token_info info;

	ck_assert_int_eq(auth_token_create(st, 1, pol, 1, 0, a, &info), 0);
	ck_assert_int_eq(auth_token_create(st, 1, pol, 1, 0, b, &info), 0);
	ck_assert_int_eq(auth_token_revoke(st, a), 0);
	ck_assert_int_eq(auth_token_lookup(st, 1, a, &info), -ESC_EPERM);
	ck_assert_int_eq(auth_token_lookup(st, 1, b, &info), 0);
	ck_assert_int_eq(auth_token_revoke(st, a), -ESC_EPERM);
	ck_assert_int_eq(auth_token_revoke(st, "nonsense"), -ESC_EPERM);
}
END_TEST

START_TEST(test_auth_store_never_holds_a_token)
{
	const char *pol[] = { "operator" };
	char tok[AUTH_TOKEN_MAX + 1], path[4200];
	struct auth_token_info info;

	ck_assert_int_eq(auth_root_issue(st, 1, tok), 0);
	snprintf(path, sizeof(path), "%s/auth.mdb", dir);
	ck_assert(!fixture_file_contains(path, tok, strlen(tok)));
	ck_assert(!fixture_file_contains(path, tok + 4, strlen(tok) - 4));
	ck_assert_int_eq(auth_token_create(st, 1, pol, 1, 0, tok, &info), 0);
	ck_assert(!fixture_file_contains(path, tok + 4, strlen(tok) - 4));
	/* The accessor is public and is there. */
	ck_assert(
	    fixture_file_contains(path, info.accessor, AUTH_ACCESSOR_CHARS));
}
END_TEST

Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("tokens");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_auth_policy_name_valid_table);
	tcase_add_test(tc, test_auth_root_issue_replaces_every_token);
	tcase_add_test(tc, test_auth_token_create_lookup_expire);
	tcase_add_test(tc, test_auth_token_create_refuses_bad_policies);
	tcase_add_test(tc, test_auth_token_lookup_refuses_garbage);
	tcase_add_test(tc, test_auth_token_revoke);
	tcase_add_test(tc, test_auth_store_never_holds_a_token);
	suite_add_tcase(s, tc);
	return s;
}
