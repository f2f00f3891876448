/* SPDX-License-Identifier: ISC */
/*
 * Merkle trees as RFC 6962 and RFC 9162 section 2.1 define them, the core
 * of the tamper-evident audit log.  The tree head of n entries is MTH(D[n]):
 * SHA-256("") for no entries, SHA-256(0x00 || entry) for one, and
 * SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) above, where k is the largest
 * power of two below n.  Inclusion proofs are the RFC's PATH, consistency
 * proofs its PROOF, byte for byte, and the verifiers are those of RFC 9162
 * sections 2.1.3.2 and 2.1.4.2.
 *
 * The module owns no storage.  It reads the tree through a struct
 * merkle_source, a callback that returns the hash of a complete (perfect)
 * subtree: at level l and index i, the 2^l leaves [i * 2^l, (i + 1) * 2^l).
 * The audit log stores, in the transaction that appends an entry, the
 * subtrees that the entry completes (merkle_append says which), so that
 * every complete subtree of the log is one lookup away.  Every function
 * that takes a size asks its source only for complete subtrees of the first
 * `size` leaves, and for O(log size) of them; any other node is computed
 * from complete subtrees.  The source may therefore hold a longer log.
 *
 * Sizes are uint64_t and limited to MERKLE_SIZE_MAX (2^63) leaves, so that
 * every proof fits MERKLE_PROOF_MAX hashes and an append creates at most
 * MERKLE_APPEND_MAX subtrees; the verifiers take any size.
 *
 * A proof that does not verify is -ESC_EBADSIG, the code of every failed
 * verification in escrow.  Nothing here is secret; hashes are still
 * compared with sodium_memcmp, as everywhere in escrow.  The module keeps
 * no state, allocates nothing and never writes to the source: it is
 * thread-safe when the source is.  Needs sodium_init() first.
 */
#ifndef ESCROW_MERKLE_H
#define ESCROW_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "escrow/err.h"

#define MERKLE_HASH_BYTES 32 /* SHA-256 */
#define MERKLE_LEVEL_MAX  63 /* the highest subtree level of a tree */
#define MERKLE_SIZE_MAX   ((uint64_t)1 << MERKLE_LEVEL_MAX) /* leaves */
#define MERKLE_PROOF_MAX  64 /* hashes: a seed and a sibling per level */
#define MERKLE_APPEND_MAX 64 /* subtrees one append completes */

/**
 * Put the hash of the complete subtree of 2^level leaves that starts at
 * leaf index * 2^level into `out`; level 0 is the leaf hash.  The module
 * only asks for subtrees that lie within the size it was given, and
 * level <= MERKLE_LEVEL_MAX.
 *
 * Returns 0 or a negative code, which the module returns unchanged.
 */
typedef int merkle_subtree_fn(void *arg, unsigned level, uint64_t index,
    uint8_t out[static MERKLE_HASH_BYTES]);

struct merkle_source {
	merkle_subtree_fn *subtree;
	void *arg; /* borrowed; passed to subtree() */
};

/*
 * A complete subtree, as merkle_append reports it: the hash of leaves
 * [index << level, (index + 1) << level).
 */
struct merkle_node {
	uint64_t index;
	unsigned level;
	uint8_t hash[MERKLE_HASH_BYTES];
};

/**
 * The leaf hash SHA-256(0x00 || entry) of `len` bytes; `entry` may be NULL
 * when len is 0.
 */
void merkle_leaf_hash(const uint8_t *entry, size_t len,
    uint8_t out[static MERKLE_HASH_BYTES]);

/**
 * The interior node hash SHA-256(0x01 || left || right).  `out` may be
 * `left` or `right`.
 */
void merkle_node_hash(const uint8_t left[static MERKLE_HASH_BYTES],
    const uint8_t right[static MERKLE_HASH_BYTES],
    uint8_t out[static MERKLE_HASH_BYTES]);

/**
 * Append the leaf whose hash is `leaf` to a tree of `size` leaves: put the
 * complete subtrees that the new leaf completes into out[0..*count-1], for
 * the caller to store with the entry.  out[0] is the leaf itself (level 0,
 * index `size`), and each next one is the parent of the one before, up to
 * the largest; there are 1 + (number of trailing one bits of size) of them.
 * Each parent needs its left sibling, which `src` must hold (a complete
 * subtree of the first `size` leaves).
 *
 * Returns 0, -ENOSPC if size >= MERKLE_SIZE_MAX (the tree is full), or the
 * error of `src`.  On failure *count is 0.
 */
ESC_MUST_CHECK int merkle_append(const struct merkle_source *src, uint64_t size,
    const uint8_t leaf[static MERKLE_HASH_BYTES],
    struct merkle_node out[static MERKLE_APPEND_MAX], size_t *count);

/**
 * The tree head MTH(D[size]) of the first `size` leaves, from one lookup
 * per one bit of `size` (its decomposition into complete subtrees).  A size
 * of 0 gives SHA-256("") without a lookup.
 *
 * Returns 0, -EINVAL if size > MERKLE_SIZE_MAX, or the error of `src`.  On
 * failure `out` is all zeroes.
 */
ESC_MUST_CHECK int merkle_root(const struct merkle_source *src, uint64_t size,
    uint8_t out[static MERKLE_HASH_BYTES]);

/**
 * The inclusion proof PATH(index, D[size]) of RFC 6962 section 2.1.1:
 * proof[0..*len-1], the sibling nearest the leaf first, at most
 * MERKLE_LEVEL_MAX hashes.  Uses at most twice the bit length of `size`
 * lookups.
 *
 * Returns 0, -EINVAL if index >= size (so always for size 0) or size >
 * MERKLE_SIZE_MAX, or the error of `src`.  On failure *len is 0.
 */
ESC_MUST_CHECK int merkle_inclusion_proof(const struct merkle_source *src,
    uint64_t index, uint64_t size,
    uint8_t proof[static MERKLE_PROOF_MAX][MERKLE_HASH_BYTES], size_t *len);

/**
 * The consistency proof PROOF(m, D[n]) of RFC 6962 section 2.1.2 between
 * the first m leaves and the first n: proof[0..*len-1], at most
 * MERKLE_PROOF_MAX hashes.  The proof for m = n is empty.  RFC 6962 defines
 * no proof from the empty tree, which every tree extends.  Uses at most
 * twice the bit length of n, plus one, lookups.
 *
 * Returns 0, -EINVAL if m is 0, m > n or n > MERKLE_SIZE_MAX, or the error
 * of `src`.  On failure *len is 0.
 */
ESC_MUST_CHECK int merkle_consistency_proof(const struct merkle_source *src,
    uint64_t m, uint64_t n,
    uint8_t proof[static MERKLE_PROOF_MAX][MERKLE_HASH_BYTES], size_t *len);

/**
 * Verify that `leaf` (a leaf hash, see merkle_leaf_hash) is leaf `index` of
 * the tree of `size` leaves whose head is `root`, given the inclusion proof
 * proof[0..len-1] (RFC 9162 section 2.1.3.2).  `proof` may be NULL when len
 * is 0; a proof of the wrong length does not verify.
 *
 * Note that the proof binds the leaf to `root`; it binds `size` only as
 * far as the path's shape depends on it (a proof for index 0 of 3 leaves
 * also verifies as one of 4, against the same root).  The size comes with
 * the signed tree head.
 *
 * Returns 0, -EINVAL if index >= size, or -ESC_EBADSIG if the proof does
 * not verify.
 */
ESC_MUST_CHECK int merkle_verify_inclusion(
    const uint8_t leaf[static MERKLE_HASH_BYTES], uint64_t index, uint64_t size,
    const uint8_t proof[][MERKLE_HASH_BYTES], size_t len,
    const uint8_t root[static MERKLE_HASH_BYTES]);

/**
 * Verify that the tree of n leaves whose head is `root_n` extends the tree
 * of m leaves whose head is `root_m`, given the consistency proof
 * proof[0..len-1] (RFC 9162 section 2.1.4.2 for m < n).  For m = n, which
 * RFC 9162 leaves out, the proof must be empty and the heads equal.
 * `proof` may be NULL when len is 0.
 *
 * Returns 0, -EINVAL if m is 0 or m > n, or -ESC_EBADSIG if the proof does
 * not verify.
 */
ESC_MUST_CHECK int merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t root_m[static MERKLE_HASH_BYTES],
    const uint8_t root_n[static MERKLE_HASH_BYTES],
    const uint8_t proof[][MERKLE_HASH_BYTES], size_t len);

#endif /* ESCROW_MERKLE_H */
