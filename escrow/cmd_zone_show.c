/* SPDX-License-Identifier: ISC */
/*
 * A zone's key info as escrowctl prints it for people: the config as
 * "Label  value" lines, then one row per live key version, oldest first,
 * with its state, creation time, use counts and last use, times in UTC.
 * Everything printed comes from the service, so strings reach the
 * terminal only when they are plain words; anything else shows as "?".
 */
#include "escrow/cmd.h"
/* cmd.h comes first and alone: it must compile on its own. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escrow/zone.h"

#define TIME_BYTES 32 /* "2026-01-02 03:04:05" */

/* A string member of `o` made only of [a-z0-9._-], else "?". */
static const char *
word(const json_t *o, const char *key)
{
	const char *s = cmd_json_str(o, key);

	if (s == NULL || *s == '\0' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(s))
		return "?";
	return s;
}

static long long
num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* Unix seconds as UTC, or `none` for 0 and below. */
static void
utc(char buf[static TIME_BYTES], long long t, const char *none)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, TIME_BYTES, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, TIME_BYTES, "%s", none);
}

void
cmd_zone_print_config(const json_t *data)
{
	long long period = num(data, "auto_rotate_period");
	long long min_enc = num(data, "min_encryption_version");

	printf("%-24s%s\n", "Zone", word(data, "name"));
	printf("%-24s%s\n", "Type", word(data, "type"));
	printf("%-24s%lld\n", "Latest version", num(data, "latest_version"));
	printf("%-24s%lld\n", "Min decryption version",
	    num(data, "min_decryption_version"));
	printf("%-24s%lld%s\n", "Min encryption version", min_enc,
	    min_enc == 0 ? " (latest)" : "");
	printf("%-24s%lld\n", "Min available version",
	    num(data, "min_available_version"));
	printf("%-24s%s\n", "Deletion allowed",
	    cmd_json_true(data, "deletion_allowed") ? "true" : "false");
	if (period <= 0)
		printf("%-24s%s\n", "Auto-rotate period", "off");
	else if (period % 3600 == 0)
		printf("%-24s%lld s (%lldh)\n", "Auto-rotate period", period,
		    period / 3600);
	else
		printf("%-24s%lld s\n", "Auto-rotate period", period);
}

void
cmd_zone_print_versions(const json_t *data)
{
	const json_t *versions = json_object_get(data, "versions"), *v;
	long long n = num(data, "latest_version");
	unsigned latest = n < 0     ? 0
	    : n > ZONE_VERSIONS_MAX ? ZONE_VERSIONS_MAX
	                            : (unsigned)n;
	char key[16], created[TIME_BYTES], used[TIME_BYTES];

	printf("%7s  %-12s  %-19s  %11s  %11s  %7s  %s\n", "Version", "State",
	    "Created (UTC)", "Encryptions", "Decryptions", "Rewraps",
	    "Last use (UTC)");
	/* By number, not by the object's order, which JSON leaves open. */
	for (unsigned i = 1; i <= latest; i++) {
		snprintf(key, sizeof(key), "%u", i);
		if (!json_is_object(v = json_object_get(versions, key)))
			continue;
		utc(created, num(v, "created"), "?");
		utc(used, num(v, "last_used"), "never");
		printf("%7u  %-12s  %-19s  %11lld  %11lld  %7lld  %s\n", i,
		    word(v, "state"), created, num(v, "encryptions"),
		    num(v, "decryptions"), num(v, "rewraps"), used);
	}
}
