/* SPDX-License-Identifier: ISC */
/*
 * The unit test runner: every module's suite in one SRunner.  CK_RUN_SUITE,
 * CK_RUN_CASE, CK_FORK and the other CK_* variables narrow or debug a run;
 * TAP and XML, when set, name files for Check's TAP and XML logs.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "escrow/http.h"
#include "tests/suites.h"

int
main(void)
{
	Suite *(*const suites[])(void) = {
		err_suite,
		store_suite,
		shamir_suite,
		keyring_suite,
		auth_suite,
		seal_suite,
		custodian_suite,
		client_suite,
		http_suite,
		conf_suite,
		zone_suite,
		merkle_suite,
	};
	SRunner *sr;
	int failed;

	if (sodium_init() < 0) {
		fprintf(stderr, "check_all: sodium_init failed\n");
		return EXIT_FAILURE;
	}
	/* As in escrowd: before any suite touches jansson. */
	http_json_init();
	sr = srunner_create(NULL);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	if (getenv("TAP") != NULL)
		srunner_set_tap(sr, getenv("TAP"));
	if (getenv("XML") != NULL)
		srunner_set_xml(sr, getenv("XML"));
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
