/* SPDX-License-Identifier: ISC */
/*
 * The HTTP daemon's lifecycle: parse the listen address, bind it ourselves
 * (so that a port in use is -EADDRINUSE, not a log line), read the TLS
 * files, start libmicrohttpd on a dup of the socket with epoll and a pool
 * of worker threads, and on stop quiesce it, let in-flight requests drain
 * for a bounded time, then stop it.  MHD's defaults are unsafe (no idle
 * timeout, about a thousand connections, no per-IP limit, a 32 KiB pool
 * that is freed unwiped), so every limit is set here.  The TLS private key
 * is read into guarded memory and wiped as soon as MHD has handed it to
 * GnuTLS.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "escrow/http_priv.h"

#define PEM_MAX         (64 * 1024) /* bytes of a certificate or key file */
#define LOG_LINE_MAX    512
#define DRAIN_POLL_NSEC 10000000L

/* Both TLS 1.3 and 1.2 only: GnuTLS's "NORMAL" still speaks TLS 1.1. */
static const char tls_priorities[] =
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

/*
 * MHD's messages, one line each on stderr.  MHD ends most of them with a
 * newline and some embed one; control bytes never reach the log.
 */
__attribute__((format(printf, 2, 0))) static void
http_log(void *cls, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t n;

	(void)cls;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	for (char *p = line; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	for (n = strlen(line); n > 0 && line[n - 1] == ' '; n--)
		line[n - 1] = '\0';
	fprintf(stderr, "escrowd: http: %s\n", line);
}

static int
port_parse(const char *s, in_port_t *port)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9' && n < 6; n++)
		v = v * 10 + (unsigned long)(s[n] - '0');
	if (n == 0 || s[n] != '\0' || v > 65535)
		return -EINVAL;
	*port = htons((in_port_t)v);
	return 0;
}

/* "A.B.C.D:PORT" or "[V6]:PORT"; numeric only, no names to resolve. */
static int
listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *end, *port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -EINVAL;
		n = (size_t)(end - s - 1);
		port = end + 2;
		s++;
	} else {
		if ((end = strrchr(s, ':')) == NULL)
			return -EINVAL;
		n = (size_t)(end - s);
		port = end + 1;
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (end[0] == ']' && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		*sslen = sizeof(*sin6);
		return port_parse(port, &sin6->sin6_port);
	}
	if (end[0] == ':' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		*sslen = sizeof(*sin);
		return port_parse(port, &sin->sin_port);
	}
	return -EINVAL;
}

static int
listen_open(const struct sockaddr_storage *ss, socklen_t sslen, int *out)
{
	int fd, one = 1, rc;

	*out = -1;
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (ss->ss_family == AF_INET6 &&
	        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) !=
	            0) ||
	    bind(fd, (const struct sockaddr *)ss, sslen) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/*
 * A whole PEM file as a NUL-terminated string: in guarded memory when it
 * holds a private key, on the heap for a certificate.
 */
static int
pem_read(const char *path, bool secret, char **out)
{
	struct stat st;
	char *buf = NULL;
	size_t n, got = 0;
	ssize_t r;
	int fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = -EINVAL;
		goto out;
	}
	if (st.st_size > PEM_MAX) {
		rc = -EFBIG;
		goto out;
	}
	n = (size_t)st.st_size;
	if ((buf = secret ? sodium_malloc(n + 1) : malloc(n + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < n) {
		if ((r = read(fd, buf + got, n - got)) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO; /* EOF: the file shrank */
			goto out;
		}
		got += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL && secret)
		sodium_free(buf);
	else
		free(buf);
	close(fd);
	return rc;
}

static struct MHD_Daemon *
daemon_start(struct http_server *srv, const struct http_config *cfg, int fd,
    const char *cert, const char *key)
{
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)key },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cert },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0,
		    (void *)(uintptr_t)tls_priorities },
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned flags = HTTP_MHD_FLAGS;
	unsigned int threads = cfg->threads, conn_limit = cfg->conn_limit;
	unsigned int per_ip = cfg->per_ip_limit, timeout = cfg->timeout;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	threads = threads != 0 ? threads : HTTP_THREADS_DEFAULT;
	conn_limit = conn_limit != 0 ? conn_limit : HTTP_CONN_LIMIT_DEFAULT;
	per_ip = per_ip != 0 ? per_ip : HTTP_PER_IP_DEFAULT;
	timeout = timeout != 0 ? timeout : HTTP_TIMEOUT_DEFAULT;
	if (cert != NULL)
		flags |= MHD_USE_TLS;
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0 &&
	    ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger goes first so that MHD's earliest messages use it. */
	return MHD_start_daemon(flags, 0, NULL, NULL, http_access, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
	    conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_POOL_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, srv,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL, MHD_OPTION_ARRAY,
	    cert != NULL ? tls : &tls[3], MHD_OPTION_END);
}

int
http_start(struct http_server **out, const struct http_config *cfg,
    const struct http_route *routes, size_t nroutes, struct escrowd *app)
{
	struct http_server *srv = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const union MHD_DaemonInfo *info;
	char *cert = NULL, *key = NULL; /* key: secret */
	int mhd_fd, rc;

	*out = NULL;
	if (cfg == NULL || cfg->listen == NULL ||
	    (routes == NULL && nroutes > 0) ||
	    (cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = listen_parse(cfg->listen, &ss, &sslen)) != 0)
		goto out;
	if (cfg->tls_cert != NULL &&
	    ((rc = pem_read(cfg->tls_cert, false, &cert)) != 0 ||
	        (rc = pem_read(cfg->tls_key, true, &key)) != 0))
		goto out;
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	srv->fd = -1;
	srv->routes = routes;
	srv->nroutes = nroutes;
	srv->app = app;
	atomic_init(&srv->draining, false);
	if ((rc = listen_open(&ss, sslen, &srv->fd)) != 0)
		goto out;
	/*
	 * MHD closes the socket it is given when it fails to start, and
	 * keeps it after a quiesce: a dup keeps ownership of ours plain.
	 */
	if ((mhd_fd = fcntl(srv->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		rc = -errno;
		goto out;
	}
	if ((srv->daemon = daemon_start(srv, cfg, mhd_fd, cert, key)) == NULL) {
		rc = -EIO;
		goto out;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info != NULL ? info->port : 0;
	*out = srv;
	srv = NULL;
	rc = 0;
out:
	if (srv != NULL) {
		if (srv->fd >= 0)
			close(srv->fd);
		free(srv);
	}
	sodium_free(key); /* GnuTLS has parsed its own copy */
	free(cert);
	return rc;
}

unsigned
http_port(const struct http_server *srv)
{
	return srv != NULL ? srv->port : 0;
}

static long long
elapsed_ns(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - since->tv_sec) * 1000000000LL +
	    (now.tv_nsec - since->tv_nsec);
}

void
http_stop(struct http_server *srv, unsigned grace)
{
	const union MHD_DaemonInfo *info;
	const struct timespec tick = { 0, DRAIN_POLL_NSEC };
	struct timespec start;
	MHD_socket ls;

	if (srv == NULL)
		return;
	atomic_store(&srv->draining, true);
	ls = MHD_quiesce_daemon(srv->daemon);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		info = MHD_get_daemon_info(srv->daemon,
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info == NULL || info->num_connections == 0 ||
		    elapsed_ns(&start) >= (long long)grace * 1000000000LL)
			break;
		nanosleep(&tick, NULL);
	}
	MHD_stop_daemon(srv->daemon);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	close(srv->fd);
	free(srv);
}
