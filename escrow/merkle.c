/* SPDX-License-Identifier: ISC */
/*
 * Merkle tree heads, proofs and their verification over a source of
 * complete subtrees.  Every node of the RFC 6962 tree of n leaves covers a
 * range [lo, hi) whose start is a multiple of the largest power of two not
 * above hi - lo, because left children are perfect and a right child is
 * never larger than its left sibling.  Such a range splits, from lo on,
 * into the complete subtrees given by the one bits of hi - lo, largest
 * first, and its hash is their right fold.  The proofs walk the RFC's split
 * from the root down; once the walk turns left its node is perfect, so all
 * further siblings are single lookups and at most one sibling needs a fold.
 */
#include "escrow/merkle.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

_Static_assert(MERKLE_HASH_BYTES == crypto_hash_sha256_BYTES, "SHA-256");
_Static_assert(sizeof(unsigned long long) == sizeof(uint64_t), "ctz, clz");
_Static_assert(MERKLE_APPEND_MAX == MERKLE_LEVEL_MAX + 1,
    "an append completes the leaf and at most one subtree per level above");
_Static_assert(MERKLE_PROOF_MAX == MERKLE_LEVEL_MAX + 1,
    "a consistency proof holds a seed and at most a sibling per level");

void
merkle_leaf_hash(const uint8_t *entry, size_t len,
    uint8_t out[static MERKLE_HASH_BYTES])
{
	static const uint8_t prefix = 0x00;
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&st, entry, len);
	crypto_hash_sha256_final(&st, out);
}

void
merkle_node_hash(const uint8_t left[static MERKLE_HASH_BYTES],
    const uint8_t right[static MERKLE_HASH_BYTES],
    uint8_t out[static MERKLE_HASH_BYTES])
{
	static const uint8_t prefix = 0x01;
	crypto_hash_sha256_state st;

	/* Both inputs are read before `out` is written, so they may alias. */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, left, MERKLE_HASH_BYTES);
	crypto_hash_sha256_update(&st, right, MERKLE_HASH_BYTES);
	crypto_hash_sha256_final(&st, out);
}

/* The RFC's split point: the largest power of two below n, for n >= 2. */
static uint64_t
split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* log2 of a power of two. */
static unsigned
level_of(uint64_t pow2)
{
	return (unsigned)__builtin_ctzll(pow2);
}

/* The complete subtree of `width` (a power of two) leaves from leaf lo. */
static int
fetch(const struct merkle_source *src, uint64_t lo, uint64_t width,
    uint8_t out[static MERKLE_HASH_BYTES])
{
	unsigned level = level_of(width);

	return src->subtree(src->arg, level, lo >> level, out);
}

/*
 * MTH(D[lo:hi]) for hi > lo, where [lo, hi) is a node of the RFC's tree
 * (see the top of the file): one lookup per one bit of hi - lo, folded from
 * the right, MTH(S1 S2 S3) = H(S1, H(S2, S3)).  `out` holds the fold so far
 * and is partly written on failure.
 */
static int
range_hash(const struct merkle_source *src, uint64_t lo, uint64_t hi,
    uint8_t out[static MERKLE_HASH_BYTES])
{
	uint8_t sub[MERKLE_HASH_BYTES];
	uint64_t rem = hi - lo, end = hi, width;
	bool first = true;
	int rc = 0;

	for (; rem != 0; rem &= rem - 1, first = false) {
		width = rem & -rem;
		end -= width;
		if ((rc = fetch(src, end, width, first ? out : sub)) != 0)
			goto out;
		if (!first)
			merkle_node_hash(sub, out, out);
	}
out:
	return rc;
}

/* Proofs are gathered from the root down and handed out leaf first. */
static void
reverse(uint8_t proof[][MERKLE_HASH_BYTES], size_t len)
{
	uint8_t tmp[MERKLE_HASH_BYTES];

	for (size_t i = 0; i < len / 2; i++) {
		memcpy(tmp, proof[i], MERKLE_HASH_BYTES);
		memcpy(proof[i], proof[len - 1 - i], MERKLE_HASH_BYTES);
		memcpy(proof[len - 1 - i], tmp, MERKLE_HASH_BYTES);
	}
}

int
merkle_append(const struct merkle_source *src, uint64_t size,
    const uint8_t leaf[static MERKLE_HASH_BYTES],
    struct merkle_node out[static MERKLE_APPEND_MAX], size_t *count)
{
	uint8_t sib[MERKLE_HASH_BYTES];
	size_t c = 1;
	int rc = 0;

	*count = 0;
	if (size >= MERKLE_SIZE_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	out[0].level = 0;
	out[0].index = size;
	memcpy(out[0].hash, leaf, MERKLE_HASH_BYTES);
	/*
	 * The node at `level` that holds the new leaf has index size >> level.
	 * While that index is odd the node is a right child, complete now,
	 * and its left sibling was complete before: their parent is complete.
	 * size < 2^63 has at most 63 one bits, so c stays within
	 * MERKLE_APPEND_MAX.
	 */
	for (unsigned level = 0; ((size >> level) & 1) != 0; level++) {
		rc = src->subtree(src->arg, level, (size >> level) - 1, sib);
		if (rc != 0)
			goto out;
		out[c].level = level + 1;
		out[c].index = size >> (level + 1);
		merkle_node_hash(sib, out[c - 1].hash, out[c].hash);
		c++;
	}
	*count = c;
out:
	return rc;
}

int
merkle_root(const struct merkle_source *src, uint64_t size,
    uint8_t out[static MERKLE_HASH_BYTES])
{
	int rc = 0;

	if (size > MERKLE_SIZE_MAX) {
		rc = -EINVAL;
		goto out;
	}
	if (size == 0)
		crypto_hash_sha256(out, (const uint8_t *)"", 0);
	else
		rc = range_hash(src, 0, size, out);
out:
	if (rc != 0)
		memset(out, 0, MERKLE_HASH_BYTES);
	return rc;
}

int
merkle_inclusion_proof(const struct merkle_source *src, uint64_t index,
    uint64_t size, uint8_t proof[static MERKLE_PROOF_MAX][MERKLE_HASH_BYTES],
    size_t *len)
{
	uint64_t lo = 0, hi = size, k;
	size_t n = 0;
	int rc = 0;

	*len = 0;
	if (index >= size || size > MERKLE_SIZE_MAX) {
		rc = -EINVAL;
		goto out;
	}
	/*
	 * PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, else
	 * PATH(m - k, D[k:n]) : MTH(D[0:k]).  Each step halves a range of
	 * at most 2^63 leaves, so there are at most 63 of them.
	 */
	while (hi - lo > 1) {
		k = split(hi - lo);
		if (index < lo + k) {
			rc = range_hash(src, lo + k, hi, proof[n]);
			hi = lo + k;
		} else {
			rc = fetch(src, lo, k, proof[n]);
			lo += k;
		}
		if (rc != 0)
			goto out;
		n++;
	}
	reverse(proof, n);
	*len = n;
out:
	return rc;
}

int
merkle_consistency_proof(const struct merkle_source *src, uint64_t m,
    uint64_t n, uint8_t proof[static MERKLE_PROOF_MAX][MERKLE_HASH_BYTES],
    size_t *len)
{
	uint64_t lo = 0, hi = n, k;
	size_t c = 0;
	bool whole = true; /* SUBPROOF's b: [lo, hi) starts the old tree */
	int rc = 0;

	*len = 0;
	if (m == 0 || m > n || n > MERKLE_SIZE_MAX) {
		rc = -EINVAL;
		goto out;
	}
	/*
	 * SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) when
	 * m <= k, else SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]), down to
	 * the node [lo, m), which the proof includes unless b.  lo < m <= hi
	 * throughout, so a range under way has two leaves or more.
	 */
	while (hi != m) {
		k = split(hi - lo);
		if (m <= lo + k) {
			rc = range_hash(src, lo + k, hi, proof[c]);
			hi = lo + k;
		} else {
			rc = fetch(src, lo, k, proof[c]);
			lo += k;
			whole = false;
		}
		if (rc != 0)
			goto out;
		c++;
	}
	if (!whole) {
		if ((rc = range_hash(src, lo, hi, proof[c])) != 0)
			goto out;
		c++;
	}
	reverse(proof, c);
	*len = c;
out:
	return rc;
}

int
merkle_verify_inclusion(const uint8_t leaf[static MERKLE_HASH_BYTES],
    uint64_t index, uint64_t size, const uint8_t proof[][MERKLE_HASH_BYTES],
    size_t len, const uint8_t root[static MERKLE_HASH_BYTES])
{
	uint8_t r[MERKLE_HASH_BYTES];
	uint64_t fn, sn;
	int rc = -ESC_EBADSIG;

	if (index >= size) {
		rc = -EINVAL;
		goto out;
	}
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_BYTES);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			goto out;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			merkle_node_hash(r, proof[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn == 0 && sodium_memcmp(r, root, MERKLE_HASH_BYTES) == 0)
		rc = 0;
out:
	return rc;
}

int
merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t root_m[static MERKLE_HASH_BYTES],
    const uint8_t root_n[static MERKLE_HASH_BYTES],
    const uint8_t proof[][MERKLE_HASH_BYTES], size_t len)
{
	uint8_t fr[MERKLE_HASH_BYTES], sr[MERKLE_HASH_BYTES];
	uint64_t fn, sn;
	size_t i = 0;
	int rc = -ESC_EBADSIG;

	if (m == 0 || m > n) {
		rc = -EINVAL;
		goto out;
	}
	if (m == n) {
		if (len == 0 &&
		    sodium_memcmp(root_m, root_n, MERKLE_HASH_BYTES) == 0)
			rc = 0;
		goto out;
	}
	if (len == 0)
		goto out;
	/* A power of two m is a node of both trees: its head is the seed. */
	memcpy(fr, (m & (m - 1)) == 0 ? root_m : proof[i++], MERKLE_HASH_BYTES);
	memcpy(sr, fr, MERKLE_HASH_BYTES);
	fn = m - 1;
	sn = n - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			goto out;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			merkle_node_hash(sr, proof[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn == 0 && sodium_memcmp(fr, root_m, MERKLE_HASH_BYTES) == 0 &&
	    sodium_memcmp(sr, root_n, MERKLE_HASH_BYTES) == 0)
		rc = 0;
out:
	return rc;
}
