/* SPDX-License-Identifier: ISC */
/*
 * escrowd's configuration file and values.  Parsing is strict: a typo
 * in a key or a value stops the daemon with the line number, rather than
 * starting it with a setting the operator did not mean.
 */
#include "escrow/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (64 * 1024)

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8200");
	snprintf(c->data, sizeof(c->data), "/var/lib/escrowd");
	c->attempt_ttl = 600;
	c->threads = 2;
}

static int
set_str(char *dst, size_t cap, const char *v)
{
	if (*v == '\0')
		return -EINVAL;
	if (strlen(v) >= cap)
		return -ENAMETOOLONG;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
set_uint(unsigned *dst, const char *v, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -EINVAL;
	*dst = (unsigned)n;
	return 0;
}

int
conf_set(struct conf *c, const char *key, const char *v)
{
	if (strcmp(key, "listen") == 0)
		return set_str(c->listen, sizeof(c->listen), v);
	if (strcmp(key, "data") == 0)
		return set_str(c->data, sizeof(c->data), v);
	if (strcmp(key, "tls_cert") == 0)
		return set_str(c->tls_cert, sizeof(c->tls_cert), v);
	if (strcmp(key, "tls_key") == 0)
		return set_str(c->tls_key, sizeof(c->tls_key), v);
	if (strcmp(key, "attempt_ttl") == 0)
		return set_uint(&c->attempt_ttl, v, 1, 86400);
	if (strcmp(key, "threads") == 0)
		return set_uint(&c->threads, v, 1, 64);
	if (strcmp(key, "allow_plaintext_shares") == 0) {
		if (strcmp(v, "true") == 0)
			c->allow_plaintext = true;
		else if (strcmp(v, "false") == 0)
			c->allow_plaintext = false;
		else
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Parse one line in place; 0 for a blank or comment line too. */
static int
parse_line(struct conf *c, char *line)
{
	char *hash = strchr(line, '#'), *eq, *key, *val;

	if (hash != NULL)
		*hash = '\0';
	key = trim(line);
	if (*key == '\0')
		return 0;
	if ((eq = strchr(key, '=')) == NULL)
		return -ESC_EMALFORMED;
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	return conf_set(c, key, val);
}

int
conf_load(struct conf *c, const char *path, unsigned *line)
{
	char *buf = NULL, *p, *nl;
	FILE *f;
	size_t n;
	int rc = 0;

	*line = 0;
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	if ((buf = malloc(FILE_MAX + 2)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	errno = 0;
	n = fread(buf, 1, FILE_MAX + 1, f);
	if (ferror(f)) {
		rc = errno != 0 ? -errno : -EIO; /* EISDIR for a directory */
		goto out;
	}
	if (n > FILE_MAX) {
		rc = -EFBIG;
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) { /* a NUL byte: not a text file */
		for (p = buf, *line = 1; *p != '\0'; p++)
			*line += *p == '\n';
		rc = -ESC_EMALFORMED;
		goto out;
	}
	for (p = buf; rc == 0 && *p != '\0'; p = nl) {
		(*line)++;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		else
			nl = p + strlen(p);
		rc = parse_line(c, p);
	}
	if (rc == 0)
		*line = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

const char *
conf_str(int rc, unsigned line)
{
	if (line == 0 && rc != -ENOENT && rc != -EINVAL && rc != -ENAMETOOLONG)
		return err_str(rc);
	switch (rc) {
	case -ENOENT:
		return line == 0 ? err_str(rc) : "unknown key";
	case -EINVAL:
		return "bad value";
	case -ENAMETOOLONG:
		return "value too long";
	case -ESC_EMALFORMED:
		return "not a 'key = value' line";
	default:
		return err_str(rc);
	}
}
