/* SPDX-License-Identifier: ISC */
/*
 * escrowd's one route table: every path the daemon serves, the methods it
 * takes, and its handler.  Paths are below /v1/; ":" matches one segment.
 */
#include "escrow/escrowd.h"

const struct http_route escrowd_routes[] = {
	{ HTTP_GET | HTTP_PUT, "sys/init", http_sys_init },
	{ HTTP_GET, "sys/seal-status", http_sys_seal_status },
	{ HTTP_PUT, "sys/unseal", http_sys_unseal },
	{ HTTP_PUT, "sys/seal", http_sys_seal },
	{ HTTP_GET | HTTP_HEAD, "sys/health", http_sys_health },
	{ HTTP_GET, "sys/leader", http_sys_leader },
	{ HTTP_GET | HTTP_PUT | HTTP_DELETE, "sys/rekey/init",
	    http_rekey_init },
	{ HTTP_PUT, "sys/rekey/update", http_rekey_update },
	{ HTTP_GET | HTTP_PUT | HTTP_DELETE, "sys/rekey/verify",
	    http_rekey_verify },
	{ HTTP_PUT, "sys/rotate", http_sys_rotate },
	{ HTTP_GET, "sys/key-status", http_sys_key_status },
	{ HTTP_PUT, "auth/token/create", http_token_create },
	{ HTTP_GET, "auth/token/lookup-self", http_token_lookup_self },
	{ HTTP_PUT, "auth/token/revoke-self", http_token_revoke_self },
	{ HTTP_GET | HTTP_PUT | HTTP_LIST, "escrow/custodians",
	    http_custodians },
	{ HTTP_GET, "escrow/custodians/:/share", http_custodian_share },
	{ HTTP_GET | HTTP_PUT, "escrow/unseal", http_ceremony },
	{ HTTP_GET | HTTP_PUT, "escrow/rekey", http_ceremony },
	{ HTTP_GET | HTTP_PUT, "escrow/rekey/verify", http_ceremony },
	{ HTTP_LIST, "transit/keys", http_transit_keys },
	{ HTTP_GET | HTTP_PUT | HTTP_DELETE,
	    "transit/keys/:", http_transit_key },
	{ HTTP_PUT, "transit/keys/:/:", http_transit_key_action },
	{ HTTP_PUT, "transit/encrypt/:", http_transit_encrypt },
	{ HTTP_PUT, "transit/decrypt/:", http_transit_decrypt },
	{ HTTP_PUT, "transit/rewrap/:", http_transit_rewrap },
	{ HTTP_PUT, "transit/datakey/:/:", http_transit_datakey },
};

const size_t escrowd_nroutes =
    sizeof(escrowd_routes) / sizeof(escrowd_routes[0]);
