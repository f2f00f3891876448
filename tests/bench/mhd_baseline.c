/* SPDX-License-Identifier: ISC */
/*
 * The benchmark's peer: libmicrohttpd run exactly as escrowd runs it (the
 * same mode flags, pool size, limits and memory pool, taken from
 * escrow/http_priv.h) but doing nothing, answering every request with one
 * small fixed JSON body.  bench_http.sh sets escrowd's requests per second
 * against this, so the ratio measures what the HTTP layer and the handlers
 * add over MHD itself, on the same machine in the same run.
 *
 * Usage: mhd_baseline PORT.  Port 0 picks a free one.  Prints
 * "mhd_baseline: listening on 127.0.0.1:PORT" once serving, then runs until
 * SIGTERM or SIGINT.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escrow/http_priv.h"

static const char body[] = "{\"type\":\"shamir\",\"initialized\":true,"
                           "\"sealed\":false,\"t\":3,\"n\":5,\"progress\":0}";

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	static int first;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (*con_cls == NULL) { /* headers only: come back for the body */
		*con_cls = &first;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(sizeof(body) - 1,
	    (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	        "application/json") != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	sigset_t ss;
	char *end;
	unsigned long port;
	int sig;

	if (argc != 2 || (port = strtoul(argv[1], &end, 10)) > 65535 ||
	    *end != '\0' || end == argv[1]) {
		fprintf(stderr, "usage: mhd_baseline PORT\n");
		return 2;
	}
	/* Before MHD's threads exist, so that they inherit the mask. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	sa.sin_port = htons((in_port_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(HTTP_MHD_FLAGS, 0, NULL, NULL, answer, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, HTTP_THREADS_DEFAULT,
	    MHD_OPTION_CONNECTION_LIMIT, HTTP_CONN_LIMIT_DEFAULT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_PER_IP_DEFAULT,
	    MHD_OPTION_CONNECTION_TIMEOUT, HTTP_TIMEOUT_DEFAULT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_POOL_MEMORY,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "mhd_baseline: cannot start on port %lu\n",
		    port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("mhd_baseline: listening on 127.0.0.1:%u\n",
	    info != NULL ? (unsigned)info->port : 0u);
	fflush(stdout);
	sigwait(&ss, &sig);
	MHD_stop_daemon(d);
	return 0;
}
