/* SPDX-License-Identifier: ISC */
/* err: every code has its own text, and unknown codes are handled. */
#include <errno.h>
#include <string.h>

#include "escrow/err.h"
#include "tests/suites.h"

START_TEST(test_err_str_every_code_has_text)
{
	for (int e = ESC_EBASE + 1; e < ESC_ELAST; e++) {
		const char *s = err_str(-e);

		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, "escrow error");
		ck_assert_str_ne(s, "unknown error");
		/* No two codes share a text: messages must tell them apart. */
		for (int f = ESC_EBASE + 1; f < e; f++)
			ck_assert_str_ne(s, err_str(-f));
	}
}
END_TEST

START_TEST(test_err_str_errno_and_unknown)
{
	ck_assert_str_eq(err_str(0), "success");
	ck_assert_str_eq(err_str(-ENOENT), "No such file or directory");
	ck_assert_str_eq(err_str(-ESC_ELAST), "unknown error");
	ck_assert_str_eq(err_str(1), "unknown error");
	ck_assert_str_eq(err_str(-4000), "unknown error");
}
END_TEST

Suite *
err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("str");

	tcase_add_test(tc, test_err_str_every_code_has_text);
	tcase_add_test(tc, test_err_str_errno_and_unknown);
	suite_add_tcase(s, tc);
	return s;
}
