/* SPDX-License-Identifier: ISC */
/*
 * conf: defaults, every key, every refusal of conf_set, and the file
 * parser's errors with the line they name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "escrow/conf.h"
#include "tests/fixture.h"
#include "tests/suites.h"

static char dir[4096], path[4200];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", fixture_tmpdir());
	snprintf(path, sizeof(path), "%s/escrowd.conf", dir);
}

static void
teardown(void)
{
	fixture_rmtree(dir);
}

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

START_TEST(test_conf_defaults)
{
	struct conf c;

	conf_defaults(&c);
	ck_assert_str_eq(c.listen, "127.0.0.1:8200");
	ck_assert_str_eq(c.data, "/var/lib/escrowd");
	ck_assert_str_eq(c.tls_cert, "");
	ck_assert(!c.allow_plaintext);
	ck_assert_uint_eq(c.attempt_ttl, 600);
	ck_assert_uint_eq(c.threads, 2);
	ck_assert(!c.dev);
}
END_TEST

START_TEST(test_conf_set_every_key_and_refusal)
{
	char longv[CONF_PATH_MAX + 10];
	struct conf c;

	conf_defaults(&c);
	ck_assert_int_eq(conf_set(&c, "listen", "[::1]:9000"), 0);
	ck_assert_str_eq(c.listen, "[::1]:9000");
	ck_assert_int_eq(conf_set(&c, "data", "/srv/escrow"), 0);
	ck_assert_int_eq(conf_set(&c, "tls_cert", "/etc/c.pem"), 0);
	ck_assert_int_eq(conf_set(&c, "tls_key", "/etc/k.pem"), 0);
	ck_assert_int_eq(conf_set(&c, "allow_plaintext_shares", "true"), 0);
	ck_assert(c.allow_plaintext);
	ck_assert_int_eq(conf_set(&c, "allow_plaintext_shares", "false"), 0);
	ck_assert(!c.allow_plaintext);
	ck_assert_int_eq(conf_set(&c, "attempt_ttl", "1"), 0);
	ck_assert_int_eq(conf_set(&c, "attempt_ttl", "86400"), 0);
	ck_assert_int_eq(conf_set(&c, "threads", "64"), 0);
	ck_assert_int_eq(conf_set(&c, "nope", "1"), -ENOENT);
	ck_assert_int_eq(conf_set(&c, "allow_plaintext_shares", "yes"),
	    -EINVAL);
	ck_assert_int_eq(conf_set(&c, "attempt_ttl", "0"), -EINVAL);
	ck_assert_int_eq(conf_set(&c, "attempt_ttl", "86401"), -EINVAL);
	ck_assert_int_eq(conf_set(&c, "attempt_ttl", "-5"), -EINVAL);
	ck_assert_int_eq(conf_set(&c, "attempt_ttl", "10s"), -EINVAL);
	ck_assert_int_eq(conf_set(&c, "threads", "0"), -EINVAL);
	ck_assert_int_eq(conf_set(&c, "threads", "99999999999999999999"),
	    -EINVAL);
	ck_assert_int_eq(conf_set(&c, "data", ""), -EINVAL);
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	ck_assert_int_eq(conf_set(&c, "data", longv), -ENAMETOOLONG);
	/* Refusals leave the old values. */
	ck_assert_str_eq(c.data, "/srv/escrow");
	ck_assert_uint_eq(c.threads, 64);
}
END_TEST

START_TEST(test_conf_load_file)
{
	static const char text[] = "# escrowd\n"
	                           "listen = 127.0.0.1:8300   # trailing\n"
	                           "\n"
	                           "  data=/srv/e\r\n"
	                           "allow_plaintext_shares = true\n"
	                           "attempt_ttl = 30";
	struct conf c;
	unsigned line = 99;

	conf_defaults(&c);
	write_file(text, sizeof(text) - 1);
	ck_assert_int_eq(conf_load(&c, path, &line), 0);
	ck_assert_uint_eq(line, 0);
	ck_assert_str_eq(c.listen, "127.0.0.1:8300");
	ck_assert_str_eq(c.data, "/srv/e");
	ck_assert(c.allow_plaintext);
	ck_assert_uint_eq(c.attempt_ttl, 30);
}
END_TEST

START_TEST(test_conf_load_errors_name_the_line)
{
	static char big[70 * 1024];
	struct conf c;
	unsigned line;

	conf_defaults(&c);
	write_file("listen = a:1\nthreds = 2\n", 24);
	ck_assert_int_eq(conf_load(&c, path, &line), -ENOENT);
	ck_assert_uint_eq(line, 2);
	write_file("\n\nthreads = many\n", 17);
	ck_assert_int_eq(conf_load(&c, path, &line), -EINVAL);
	ck_assert_uint_eq(line, 3);
	write_file("just words\n", 11);
	ck_assert_int_eq(conf_load(&c, path, &line), -ESC_EMALFORMED);
	ck_assert_uint_eq(line, 1);
	write_file("a = b\n\nc\0d = e\n", 15);
	ck_assert_int_eq(conf_load(&c, path, &line), -ESC_EMALFORMED);
	ck_assert_uint_eq(line, 3);
	memset(big, '#', sizeof(big));
	write_file(big, sizeof(big));
	ck_assert_int_eq(conf_load(&c, path, &line), -EFBIG);
	ck_assert_int_eq(conf_load(&c, "/nonexistent/escrowd.conf", &line),
	    -ENOENT);
	ck_assert_uint_eq(line, 0);
	ck_assert_int_eq(conf_load(&c, dir, &line), -EISDIR);
	ck_assert_str_eq(conf_str(-ENOENT, 2), "unknown key");
	ck_assert_str_eq(conf_str(-ENOENT, 0), "No such file or directory");
	ck_assert_str_eq(conf_str(-EINVAL, 3), "bad value");
	ck_assert_str_eq(conf_str(-ENAMETOOLONG, 1), "value too long");
	ck_assert_str_eq(conf_str(-ESC_EMALFORMED, 1),
	    "not a 'key = value' line");
	ck_assert_str_eq(conf_str(-EFBIG, 0), "File too large");
}
END_TEST

Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_conf_defaults);
	tcase_add_test(tc, test_conf_set_every_key_and_refusal);
	tcase_add_test(tc, test_conf_load_file);
	tcase_add_test(tc, test_conf_load_errors_name_the_line);
	suite_add_tcase(s, tc);
	return s;
}
