/* SPDX-License-Identifier: ISC */
/*
 * Input and diagnostics shared by escrowctl's verbs.  Anything read here
 * may be a secret (a key, a share, a passphrase), so it goes straight into
 * guarded, locked memory and never through stdio's own line buffers: stdin
 * is read unbuffered in blocks, passphrases with read(2).
 */
#include "escrow/cmd.h"
/* cmd.h comes first and alone: it must compile on its own. */
#include <sys/select.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#define REPEAT_PROMPT "Repeat passphrase: "

/* The signals that must not leave the terminal with echo off. */
static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define TTY_SIGNALS (sizeof(tty_signals) / sizeof(tty_signals[0]))
static volatile sig_atomic_t tty_caught;

int
cmd_input_read(FILE *f, size_t max, char **out, size_t *len)
{
	char *buf;
	size_t n = 0, got;
	int rc = 0;

	*out = NULL;
	*len = 0;
	if ((buf = sodium_malloc(max + 2)) == NULL)
		return -ENOMEM;
	/* No stdio buffer: a secret must not linger in a heap block. */
	setvbuf(f, NULL, _IONBF, 0);
	while ((got = fread(buf + n, 1, max + 1 - n, f)) > 0) {
		n += got;
		if (n > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	if (ferror(f)) {
		rc = errno != 0 ? -errno : -EIO;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	sodium_free(buf);
	return rc;
}

void
cmd_errorf(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "escrowctl %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cmd_getopt(const char *verb, int argc, char **argv, const char *shorts,
    const struct option *longs)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shorts, longs, NULL);
	if (c == '?' || c == ':') {
		cmd_errorf(verb,
		    "bad option or missing argument: '%s' (see --help)",
		    argv[optind - 1]);
		c = '?';
	}
	return c;
}

bool
cmd_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

bool
cmd_hex_exact(const char *s, uint8_t *out, size_t len)
{
	const char *end = NULL;
	size_t n = 0;

	if (s == NULL ||
	    sodium_hex2bin(out, len, s, strlen(s), NULL, &n, &end) != 0 ||
	    end != s + strlen(s) || n != len) {
		sodium_memzero(out, len);
		return false;
	}
	return true;
}

bool
cmd_b64_exact(const char *s, uint8_t *out, size_t len)
{
	const char *end = NULL;
	size_t n = 0;

	if (s == NULL ||
	    sodium_base642bin(out, len, s, strlen(s), NULL, &n, &end,
	        sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + strlen(s) || n != len) {
		sodium_memzero(out, len);
		return false;
	}
	return true;
}

static void
on_tty_signal(int sig)
{
	tty_caught = sig;
}

/*
 * Wait until fd is readable.  The tty signals are blocked everywhere but
 * inside pselect, which unblocks them atomically: a signal that arrives
 * just before we would block is delivered here, not lost while read()
 * sleeps on.  Returns -EINTR once a tty signal was caught.
 */
static int
wait_readable(int fd, const sigset_t *unblocked)
{
	fd_set rfds;

	if (fd >= FD_SETSIZE)
		return -EBADF;
	for (;;) {
		if (tty_caught != 0)
			return -EINTR;
		FD_ZERO(&rfds);
		FD_SET(fd, &rfds);
		if (pselect(fd + 1, &rfds, NULL, NULL, NULL, unblocked) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * Read one line from fd into buf, which holds max + 2 bytes, and
 * NUL-terminate it without its '\n' and one '\r' before it.  Reads stop at
 * the first '\n' or at the end of the input; whatever a block brought in
 * after the '\n' is wiped at once.  With `unblocked` (a terminal), each
 * read waits in wait_readable first, so a tty signal ends it with -EINTR.
 */
static int
read_line(int fd, char *buf, size_t max, size_t *len, const sigset_t *unblocked)
{
	size_t n = 0, got;
	char *nl = NULL;
	ssize_t r;
	int rc;

	while (nl == NULL) {
		if (unblocked != NULL &&
		    (rc = wait_readable(fd, unblocked)) != 0)
			return rc;
		if ((r = read(fd, buf + n, max + 1 - n)) < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
		if (nl == NULL && n > max)
			return -EFBIG;
	}
	got = n;
	if (nl != NULL)
		n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	sodium_memzero(buf + n, got - n);
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int
passphrase_file(const char *file, char *buf, size_t *len)
{
	struct stat st;
	int fd, rc;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		rc = -ESC_EPERM;
	else
		rc = read_line(fd, buf, CMD_PASSPHRASE_MAX, len, NULL);
	(void)close(fd);
	return rc;
}

static int
tty_set(int fd, const struct termios *t)
{
	while (tcsetattr(fd, TCSAFLUSH, t) != 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void
tty_write(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a lost prompt is no reason to fail */
		s += w;
		len -= (size_t)w;
	}
}

/*
 * Ask once: echo off (flushing anything typed ahead, which would have been
 * echoed), prompt, read a line, then put the terminal back as it was and
 * end the silent line with the newline the user typed but did not see.
 */
static int
tty_ask(int fd, const char *prompt, char *buf, size_t *len,
    const sigset_t *unblocked)
{
	struct termios old, quiet;
	int rc, rc2;

	if (tcgetattr(fd, &old) != 0)
		return -errno;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON | ISIG;
	if ((rc = tty_set(fd, &quiet)) != 0)
		return rc;
	tty_write(fd, prompt);
	rc = read_line(fd, buf, CMD_PASSPHRASE_MAX, len, unblocked);
	rc2 = tty_set(fd, &old);
	tty_write(fd, "\n");
	return rc != 0 ? rc : rc2;
}

/*
 * Catch the tty signals, blocked except while waiting for input, for the
 * length of a prompt; *saved receives the old mask and dispositions.
 */
static void
tty_signals_catch(sigset_t *saved_mask, struct sigaction *saved)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tty_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < TTY_SIGNALS; i++)
		sigaddset(&block, tty_signals[i]);
	(void)sigprocmask(SIG_BLOCK, &block, saved_mask);
	tty_caught = 0;
	for (size_t i = 0; i < TTY_SIGNALS; i++)
		(void)sigaction(tty_signals[i], &sa, &saved[i]);
}

/*
 * Unblock first, so that a signal still pending reaches our handler and
 * counts as an interruption, then give the old dispositions back.
 */
static bool
tty_signals_release(const sigset_t *saved_mask, const struct sigaction *saved)
{
	(void)sigprocmask(SIG_SETMASK, saved_mask, NULL);
	for (size_t i = 0; i < TTY_SIGNALS; i++)
		(void)sigaction(tty_signals[i], &saved[i], NULL);
	return tty_caught != 0;
}

static int
passphrase_tty(const char *prompt, bool confirm, char *buf, char *again,
    size_t *len)
{
	struct sigaction saved[TTY_SIGNALS];
	sigset_t saved_mask;
	size_t len2 = 0;
	int fd, rc;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return errno == ENXIO || errno == ENOENT ? -ENXIO : -errno;
	tty_signals_catch(&saved_mask, saved);
	rc = tty_ask(fd, prompt != NULL ? prompt : "Passphrase: ", buf, len,
	    &saved_mask);
	if (rc == 0 && *len > 0 && confirm) {
		rc = tty_ask(fd, REPEAT_PROMPT, again, &len2, &saved_mask);
		if (rc == 0 &&
		    (len2 != *len || sodium_memcmp(buf, again, len2) != 0))
			rc = -ESC_EPASSPHRASE;
	}
	if (tty_signals_release(&saved_mask, saved) && rc == 0)
		rc = -EINTR;
	(void)close(fd);
	return rc;
}

int
cmd_passphrase_read(const char *prompt, bool confirm, const char *file,
    char **out, size_t *len)
{
	char *buf, *again = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	buf = sodium_malloc(CMD_PASSPHRASE_MAX + 2);
	if (file == NULL && confirm)
		again = sodium_malloc(CMD_PASSPHRASE_MAX + 2);
	if (buf == NULL || (file == NULL && confirm && again == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	if (file != NULL)
		rc = passphrase_file(file, buf, len);
	else
		rc = passphrase_tty(prompt, confirm, buf, again, len);
	if (rc == 0 && *len == 0)
		rc = -EINVAL;
	if (rc != 0)
		goto out;
	*out = buf;
	buf = NULL;
out:
	if (rc != 0)
		*len = 0;
	sodium_free(again); /* sodium_free wipes */
	sodium_free(buf);
	return rc;
}

int
cmd_dispatch(const char *who, const struct cmd_verb *verbs, size_t n, int argc,
    char **argv, void (*usage)(FILE *f))
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].main(argc - 1, argv + 1);
	cmd_errorf(who, "unknown verb '%s' (see --help)", argv[1]);
	return 1;
}
