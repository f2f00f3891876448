/* SPDX-License-Identifier: ISC */
/*
 * escrowd: the daemon.  main() hardens the process (no core dumps, not
 * ptrace-able), reads the configuration, opens the store and the seal
 * domain, optionally runs the dev ceremony, serves HTTP until SIGTERM or
 * SIGINT, then drains in-flight requests and wipes every key.
 */
#define _GNU_SOURCE /* prctl */
#include "escrow/escrowd.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "escrow/conf.h"
#include "escrow/dev.h"
#include "escrow/seal.h"
#include "escrow/store.h"
#include "escrow/zone.h"

#define FLUSH_SECONDS 1 /* usage counters reach disk this often */

/*
 * The usage-counter flusher: every FLUSH_SECONDS it writes the zones'
 * in-memory counters in one transaction per zone, so that no request pays
 * for a write.  It stops promptly when told; the last flush happens in
 * zones_close.
 */
struct flusher {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct zones *zones;
};

static void *
flusher_main(void *arg)
{
	struct flusher *f = arg;
	struct timespec ts;
	int rc;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += FLUSH_SECONDS;
		(void)pthread_cond_timedwait(&f->cv, &f->mu, &ts);
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->mu);
		if ((rc = zones_flush(f->zones)) != 0)
			fprintf(stderr,
			    "escrowd: flushing usage counters: %s\n",
			    err_str(rc));
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static const char usage_text[] =
    "usage: escrowd [--config FILE] [--listen ADDR:PORT] [--data DIR]\n"
    "               [--tls-cert FILE --tls-key FILE]\n"
    "               [--allow-plaintext-shares] [--attempt-ttl SECONDS]\n"
    "               [--dev] [--help] [--version]\n"
    "\n"
    "The escrow daemon: split-custody key escrow over a Vault-compatible\n"
    "HTTP API.  Starts sealed; custodians unseal it with their shares.\n"
    "\n"
    "  --config FILE            read settings (flags override them)\n"
    "  --listen ADDR:PORT       where to listen (127.0.0.1:8200)\n"
    "  --data DIR               data directory, mode 0700\n"
    "                           (/var/lib/escrowd; ./var/dev with --dev)\n"
    "  --tls-cert, --tls-key    serve HTTPS with this PEM pair\n"
    "  --allow-plaintext-shares accept and return Vault-style plaintext\n"
    "                           shares (for Vault clients)\n"
    "  --attempt-ttl SECONDS    life of an unseal or rekey attempt (600)\n"
    "  --dev                    dev mode: ./var/dev, three dev custodians,\n"
    "                           initialised and unsealed at start,\n"
    "                           plaintext shares allowed\n";

/* No core file, no ptrace by the same uid, no /proc/PID/mem. */
static void
harden(void)
{
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
}

static int
parse_args(int argc, char **argv, struct conf *c)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "allow-plaintext-shares", no_argument, NULL, 'p' },
		{ "attempt-ttl", required_argument, NULL, 't' },
		{ "dev", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keys[128] = { ['l'] = "listen",
		['d'] = "data",
		['C'] = "tls_cert",
		['K'] = "tls_key",
		['t'] = "attempt_ttl" };
	bool data_set = false;
	unsigned line;
	int o, rc;

	/* The config file first, wherever --config stands. */
	for (int i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--config") == 0 &&
		    (rc = conf_load(c, argv[i + 1], &line)) != 0) {
			if (line != 0)
				fprintf(stderr, "escrowd: %s:%u: %s\n",
				    argv[i + 1], line, conf_str(rc, line));
			else
				fprintf(stderr, "escrowd: %s: %s\n",
				    argv[i + 1], conf_str(rc, 0));
			return 1;
		}
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			break;
		case 'p':
			c->allow_plaintext = true;
			break;
		case 'D':
			c->dev = true;
			c->allow_plaintext = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'V':
			puts("escrowd " ESCROW_VERSION);
			return -1;
		case 'l':
		case 'd':
		case 'C':
		case 'K':
		case 't':
			data_set |= o == 'd';
			if ((rc = conf_set(c, keys[o], optarg)) != 0) {
				fprintf(stderr, "escrowd: %s '%s': %s\n",
				    keys[o], optarg, conf_str(rc, 1));
				return 1;
			}
			break;
		default:
			fputs("escrowd: bad option (see --help)\n", stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "escrowd: unexpected argument '%s'\n",
		    argv[optind]);
		return 1;
	}
	if (c->dev && !data_set)
		snprintf(c->data, sizeof(c->data), "./var/dev");
	if ((*c->tls_cert == '\0') != (*c->tls_key == '\0')) {
		fputs("escrowd: --tls-cert and --tls-key go together\n",
		    stderr);
		return 1;
	}
	return 0;
}

static void
dev_banner(const struct escrowd *app, const char *token)
{
	printf("escrowd: dev: root token: %s\n"
	       "  try:  export VAULT_ADDR=http://%s VAULT_TOKEN=%s\n"
	       "        bin/escrowctl status\n"
	       "        echo hello | bin/escrowctl encrypt --zone profiles\n",
	    token, app->listen, token);
	fflush(stdout);
}

static int
serve(struct escrowd *app, const struct conf *c, const sigset_t *sigs,
    char *dev_token)
{
	struct http_config hc = { .listen = c->listen, .threads = c->threads };
	struct http_server *srv = NULL;
	struct flusher fl = { PTHREAD_MUTEX_INITIALIZER,
		PTHREAD_COND_INITIALIZER, false, app->zones };
	pthread_t flt;
	int rc, sig = 0;

	hc.tls_cert = *c->tls_cert != '\0' ? c->tls_cert : NULL;
	hc.tls_key = *c->tls_key != '\0' ? c->tls_key : NULL;
	rc = http_start(&srv, &hc, escrowd_routes, escrowd_nroutes, app);
	if (rc != 0) {
		fprintf(stderr, "escrowd: cannot listen on %s: %s\n", c->listen,
		    err_str(rc));
		return rc;
	}
	/* The bound port, not the asked one: with port 0 the kernel chose.
	 * Tests read this line to find the daemon. */
	snprintf(app->listen, sizeof(app->listen), "%.*s:%u",
	    (int)(strrchr(c->listen, ':') - c->listen), c->listen,
	    http_port(srv));
	printf("escrowd: listening on %s (%s), data in %s\n", app->listen,
	    hc.tls_cert != NULL ? "https" : "http", c->data);
	fflush(stdout);
	if (c->dev) {
		dev_banner(app, dev_token);
		sodium_memzero(dev_token, 65);
	}
	if ((rc = pthread_create(&flt, NULL, flusher_main, &fl)) != 0) {
		fprintf(stderr, "escrowd: flusher thread: %s\n", strerror(rc));
		http_stop(srv, 0);
		return -rc;
	}
	while (sigwait(sigs, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	printf("escrowd: %s: draining requests, then sealing\n",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	fflush(stdout);
	http_stop(srv, 5);
	pthread_mutex_lock(&fl.mu);
	fl.stop = true;
	pthread_cond_signal(&fl.cv);
	pthread_mutex_unlock(&fl.mu);
	pthread_join(flt, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct escrowd app = { 0 };
	struct seal_config sc = { 0 };
	struct conf c;
	char token[65] = "";
	sigset_t sigs;
	int rc;

	if (sodium_init() < 0) {
		fputs("escrowd: libsodium failed to initialise\n", stderr);
		return 1;
	}
	harden();
	http_json_init();
	conf_defaults(&c);
	if ((rc = parse_args(argc, argv, &c)) != 0)
		return rc < 0 ? 0 : 1;
	/* Worker threads inherit this mask: only sigwait sees the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	umask(0077);
	if (c.dev && strcmp(c.data, "./var/dev") == 0)
		(void)mkdir("./var", 0700); /* the default dev data's parent */
	if ((rc = store_open(&app.st, c.data, NULL)) != 0) {
		fprintf(stderr, "escrowd: data directory %s: %s\n", c.data,
		    rc == -EPERM ? "group or others may access it; it must "
		                   "be mode 0700 (chmod 700)"
		                 : err_str(rc));
		return 1;
	}
	sc.attempt_ttl = c.attempt_ttl;
	sc.allow_plaintext = c.allow_plaintext;
	if ((rc = seal_open(&app.seal, app.st, &sc)) != 0) {
		fprintf(stderr, "escrowd: %s: %s\n", c.data, err_str(rc));
		goto out;
	}
	if ((rc = zones_open(&app.zones, app.st, app.seal)) != 0) {
		fprintf(stderr, "escrowd: zones: %s\n", err_str(rc));
		goto out;
	}
	app.allow_plaintext = c.allow_plaintext;
	app.started = (uint64_t)time(NULL);
	snprintf(app.listen, sizeof(app.listen), "%s", c.listen);
	if (c.dev &&
	    ((rc = dev_bootstrap(app.seal, c.data, stdout, token)) != 0 ||
	        (rc = dev_zones(app.zones, stdout)) != 0))
		goto out;
	rc = serve(&app, &c, &sigs, token);
	sodium_memzero(token, sizeof(token));
out:
	zones_close(app.zones); /* flushes counters, wipes cached zone keys */
	seal_close(app.seal);   /* wipes M, the keyring and every attempt */
	store_close(app.st);
	return rc == 0 ? 0 : 1;
}
