/* SPDX-License-Identifier: ISC */
/*
 * merkle: the RFC 6962 known answers (tests/vectors/rfc6962-vectors.json,
 * read with jansson from the repository root, where the runner starts),
 * and an independent reference written straight from the RFC text: MTH,
 * PATH and SUBPROOF by recursion over an array of leaf hashes, hashing with
 * crypto_hash_sha256 directly.  The module reads trees from in-memory
 * sources that count lookups and refuse any subtree that is not complete
 * within the size asked about.  Every proof is verified, and each of its
 * damaged forms must fail: a flipped bit in each hash (every bit for the
 * vectors, one random bit elsewhere), leaf or heads, another index, a
 * truncated or extended proof.  Another size fails exactly when it changes
 * the shape of the path, since a proof binds the size no further.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "escrow/merkle.h"
#include "tests/suites.h"

#define VEC_PATH    "tests/vectors/rfc6962-vectors.json"
#define VEC_LEAVES  8
#define VEC_PROOFS  64
#define TREE_MAX    512  /* leaves of the in-memory tree */
#define TREE_LEVELS 10   /* 2^9 = TREE_MAX */
#define RAND_LEAVES 300u /* the random trees: every prefix of these */
#define EXHAUSTIVE  64   /* every pair up to this size, samples above */
#define HB          MERKLE_HASH_BYTES

/* ---- the reference, straight from RFC 6962 section 2.1 ------------- */

static void
ref_leaf(const uint8_t *d, size_t len, uint8_t out[HB])
{
	uint8_t buf[1 + 64];

	ck_assert_uint_le(len, 64);
	buf[0] = 0x00;
	memcpy(buf + 1, d, len);
	crypto_hash_sha256(out, buf, 1 + len);
}

static void
ref_node(const uint8_t l[HB], const uint8_t r[HB], uint8_t out[HB])
{
	uint8_t buf[1 + 2 * HB];

	buf[0] = 0x01;
	memcpy(buf + 1, l, HB);
	memcpy(buf + 1 + HB, r, HB);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

static uint64_t
ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k *= 2;
	return k;
}

/* MTH(D[n]) over leaf hashes d[0..n-1]. */
static void
ref_mth(const uint8_t (*d)[HB], uint64_t n, uint8_t out[HB])
{
	uint8_t l[HB], r[HB];
	uint64_t k;

	if (n == 0) {
		crypto_hash_sha256(out, (const uint8_t *)"", 0);
	} else if (n == 1) {
		memcpy(out, d[0], HB);
	} else {
		k = ref_split(n);
		ref_mth(d, k, l);
		ref_mth(d + k, n - k, r);
		ref_node(l, r, out);
	}
}

static void
ref_path(uint64_t m, const uint8_t (*d)[HB], uint64_t n, uint8_t (*p)[HB],
    size_t *len)
{
	uint64_t k;

	if (n == 1)
		return;
	k = ref_split(n);
	if (m < k) {
		ref_path(m, d, k, p, len);
		ref_mth(d + k, n - k, p[(*len)++]);
	} else {
		ref_path(m - k, d + k, n - k, p, len);
		ref_mth(d, k, p[(*len)++]);
	}
}

static void
ref_subproof(uint64_t m, const uint8_t (*d)[HB], uint64_t n, bool b,
    uint8_t (*p)[HB], size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(d, n, p[(*len)++]);
		return;
	}
	k = ref_split(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, p, len);
		ref_mth(d + k, n - k, p[(*len)++]);
	} else {
		ref_subproof(m - k, d + k, n - k, false, p, len);
		ref_mth(d, k, p[(*len)++]);
	}
}

/* PATH's turns from the root (1 = the sibling is on the right). */
static uint64_t
ref_path_shape(uint64_t m, uint64_t n)
{
	uint64_t shape = 1, k;

	while (n > 1) {
		k = ref_split(n);
		shape <<= 1;
		if (m < k) {
			shape |= 1;
			n = k;
		} else {
			m -= k;
			n -= k;
		}
	}
	return shape;
}

/* SUBPROOF's turns, then whether it ends on a node of the proof. */
static uint64_t
ref_subproof_shape(uint64_t m, uint64_t n)
{
	uint64_t shape = 1, k;
	bool b = true;

	while (m != n) {
		k = ref_split(n);
		shape <<= 1;
		if (m <= k) {
			shape |= 1;
			n = k;
		} else {
			m -= k;
			n -= k;
			b = false;
		}
	}
	return shape << 1 | !b;
}

/* ---- in-memory sources -------------------------------------------- */

struct probe {
	uint64_t limit;   /* leaves of the query under way */
	unsigned calls;   /* lookups it made */
	unsigned fail_at; /* the lookup that fails with -EIO; 0 for none */
	unsigned stray;   /* lookups of anything else than complete subtrees
	                     of the first `limit` leaves */
};

/* A tree of up to TREE_MAX leaves; node[l][i] is subtree (l, i). */
static struct tree {
	struct probe probe;
	uint8_t node[TREE_LEVELS][TREE_MAX][HB];
} tree, built;

/* Every leaf the same, so every subtree of level l has hash h[l]. */
static struct uniform {
	struct probe probe;
	uint8_t h[MERKLE_LEVEL_MAX + 1][HB];
} uni;

static void
probe_reset(struct probe *p, uint64_t limit, unsigned fail_at)
{
	p->limit = limit;
	p->calls = 0;
	p->fail_at = fail_at;
	p->stray = 0;
}

static int
probe_lookup(struct probe *p, unsigned level, uint64_t index)
{
	p->calls++;
	if (level > MERKLE_LEVEL_MAX || index >= p->limit >> level) {
		p->stray++;
		return -ERANGE;
	}
	return p->calls == p->fail_at ? -EIO : 0;
}

static int
tree_subtree(void *arg, unsigned level, uint64_t index, uint8_t out[HB])
{
	struct tree *t = arg;
	int rc;

	if ((rc = probe_lookup(&t->probe, level, index)) == 0)
		memcpy(out, t->node[level][index], HB);
	return rc;
}

static int
uni_subtree(void *arg, unsigned level, uint64_t index, uint8_t out[HB])
{
	struct uniform *u = arg;
	int rc;

	if ((rc = probe_lookup(&u->probe, level, index)) == 0)
		memcpy(out, u->h[level], HB);
	return rc;
}

static const struct merkle_source tree_src = { tree_subtree, &tree };
static const struct merkle_source built_src = { tree_subtree, &built };
static const struct merkle_source uni_src = { uni_subtree, &uni };

static uint8_t roots[TREE_MAX + 1][HB]; /* reference heads of prefixes */

/* Fill `t` with n leaf hashes and, by the reference, every subtree. */
static void
tree_fill(struct tree *t, const uint8_t (*leaves)[HB], uint64_t n)
{
	for (unsigned l = 0; l < TREE_LEVELS; l++)
		for (uint64_t i = 0; i < n >> l; i++)
			ref_mth(leaves + (i << l), (uint64_t)1 << l,
			    t->node[l][i]);
	for (uint64_t s = 0; s <= n; s++)
		ref_mth(t->node[0], s, roots[s]);
}

/* Append n leaf hashes to the empty `t` with merkle_append alone. */
static void
tree_append(struct tree *t, const struct merkle_source *src,
    const uint8_t (*leaves)[HB], uint64_t n)
{
	struct merkle_node out[MERKLE_APPEND_MAX];
	size_t count;

	for (uint64_t i = 0; i < n; i++) {
		probe_reset(&t->probe, i, 0);
		ck_assert_int_eq(merkle_append(src, i, leaves[i], out, &count),
		    0);
		ck_assert_uint_eq(count, 1 + __builtin_ctzll(~i));
		ck_assert_uint_eq(t->probe.calls, count - 1);
		ck_assert_uint_eq(t->probe.stray, 0);
		for (size_t j = 0; j < count; j++) {
			ck_assert_uint_eq(out[j].level, j);
			ck_assert_uint_eq(out[j].index, i >> j);
			memcpy(t->node[j][i >> j], out[j].hash, HB);
		}
	}
}

static void
random_setup(void)
{
	uint8_t entry[16], leaves[RAND_LEAVES][HB];

	for (unsigned i = 0; i < RAND_LEAVES; i++) {
		randombytes_buf(entry, sizeof(entry));
		ref_leaf(entry, sizeof(entry), leaves[i]);
	}
	tree_fill(&tree, (const uint8_t(*)[HB])leaves, RAND_LEAVES);
}

static void
uniform_setup(void)
{
	merkle_leaf_hash((const uint8_t *)"u", 1, uni.h[0]);
	for (unsigned l = 1; l <= MERKLE_LEVEL_MAX; l++)
		ref_node(uni.h[l - 1], uni.h[l - 1], uni.h[l]);
}

/* ---- the vectors --------------------------------------------------- */

struct vec_proof {
	uint64_t a, b; /* index and size, or old and new size */
	size_t len;
	uint8_t proof[MERKLE_PROOF_MAX][HB];
};

static struct vectors {
	uint8_t leaves[VEC_LEAVES][HB];
	uint8_t roots[VEC_LEAVES + 1][HB];
	struct vec_proof incl[VEC_PROOFS], cons[VEC_PROOFS];
	size_t nincl, ncons;
} vec;

static void
hex_decode(const json_t *j, uint8_t *out, size_t max, size_t *len)
{
	const char *hex = json_string_value(j);

	ck_assert_ptr_nonnull(hex);
	ck_assert_int_eq(
	    sodium_hex2bin(out, max, hex, strlen(hex), NULL, len, NULL), 0);
}

static void
hash_decode(const json_t *j, uint8_t out[HB])
{
	size_t len;

	hex_decode(j, out, HB, &len);
	ck_assert_uint_eq(len, HB);
}

static size_t
proofs_decode(const json_t *arr, const char *a, const char *b,
    struct vec_proof *out)
{
	const json_t *o, *h;
	size_t i, j;

	ck_assert(json_is_array(arr));
	ck_assert_uint_le(json_array_size(arr), VEC_PROOFS);
	json_array_foreach(arr, i, o)
	{
		out[i].a = json_integer_value(json_object_get(o, a));
		out[i].b = json_integer_value(json_object_get(o, b));
		out[i].len = json_array_size(json_object_get(o, "proof"));
		ck_assert_uint_le(out[i].len, MERKLE_PROOF_MAX);
		json_array_foreach(json_object_get(o, "proof"), j, h)
		    hash_decode(h, out[i].proof[j]);
	}
	return json_array_size(arr);
}

static void
vectors_setup(void)
{
	json_error_t err;
	json_t *root, *leaves;
	uint8_t entry[64];
	char key[4];
	size_t len;

	root = json_load_file(VEC_PATH, 0, &err);
	ck_assert_msg(root != NULL, "%s:%d: %s (run from the repository root)",
	    VEC_PATH, err.line, err.text);
	leaves = json_object_get(root, "leaves_hex");
	ck_assert_uint_eq(json_array_size(leaves), VEC_LEAVES);
	for (size_t i = 0; i < VEC_LEAVES; i++) {
		hex_decode(json_array_get(leaves, i), entry, sizeof(entry),
		    &len);
		merkle_leaf_hash(len == 0 ? NULL : entry, len, vec.leaves[i]);
	}
	for (unsigned s = 0; s <= VEC_LEAVES; s++) {
		snprintf(key, sizeof(key), "%u", s);
		hash_decode(
		    json_object_get(json_object_get(root, "roots"), key),
		    vec.roots[s]);
	}
	vec.nincl = proofs_decode(json_object_get(root, "inclusion"), "index",
	    "size", vec.incl);
	vec.ncons = proofs_decode(json_object_get(root, "consistency"), "old",
	    "new", vec.cons);
	json_decref(root);
	/* The vectors' 8-leaf tree, built by the module alone. */
	memset(&built, 0, sizeof(built));
	tree_append(&built, &built_src, (const uint8_t(*)[HB])vec.leaves,
	    VEC_LEAVES);
}

/* ---- verifying a proof, and damaging it ---------------------------- */

static unsigned
bitlen(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x >>= 1)
		n++;
	return n;
}

static void
flip(uint8_t h[HB], unsigned bit)
{
	h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* Every bit of a hash in turn, or one random bit: for (b = first; ...). */
static unsigned
first_bit(bool all)
{
	return all ? 0 : randombytes_uniform(8 * HB);
}

static unsigned
next_bit(bool all, unsigned bit)
{
	return all ? bit + 1 : 8 * HB;
}

/*
 * Check records the place of every assertion that passes, one write(2)
 * each; the loops below over thousands of proofs assert only on failure.
 */
#define EXPECT(call, want)                                                     \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != (want))                                             \
			ck_abort_msg("%s: %d, expected %d", #call, rc_,        \
			    (want));                                           \
	} while (0)

static void
check_inclusion(const uint8_t leaf[HB], uint64_t index, uint64_t size,
    const uint8_t (*proof)[HB], size_t len, const uint8_t root[HB], bool all)
{
	uint8_t p[MERKLE_PROOF_MAX + 1][HB], l[HB], r[HB];
	const uint64_t sizes[] = { size - 1, size + 1, 2 * size,
		size + 2 + randombytes_uniform(1000) };
	uint64_t other;
	int want;

	ck_assert_uint_le(len, MERKLE_PROOF_MAX);
	memcpy(p, proof, len * HB);
	memcpy(l, leaf, HB);
	memcpy(r, root, HB);
	EXPECT(merkle_verify_inclusion(l, index, size, p, len, r), 0);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = first_bit(all); bit < 8 * HB;
		     bit = next_bit(all, bit)) {
			flip(p[i], bit);
			EXPECT(
			    merkle_verify_inclusion(l, index, size, p, len, r),
			    -ESC_EBADSIG);
			flip(p[i], bit);
		}
	}
	for (unsigned bit = first_bit(all); bit < 8 * HB;
	     bit = next_bit(all, bit)) {
		flip(l, bit);
		EXPECT(merkle_verify_inclusion(l, index, size, p, len, r),
		    -ESC_EBADSIG);
		flip(l, bit);
		flip(r, bit);
		EXPECT(merkle_verify_inclusion(l, index, size, p, len, r),
		    -ESC_EBADSIG);
		flip(r, bit);
	}
	if (size > 1) {
		other = (index + 1 + randombytes_uniform(size - 1)) % size;
		EXPECT(merkle_verify_inclusion(l, other, size, p, len, r),
		    -ESC_EBADSIG);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] <= index)
			continue;
		want = ref_path_shape(index, sizes[i]) ==
		        ref_path_shape(index, size)
		    ? 0
		    : -ESC_EBADSIG;
		EXPECT(merkle_verify_inclusion(l, index, sizes[i], p, len, r),
		    want);
	}
	if (len > 0) {
		EXPECT(merkle_verify_inclusion(l, index, size, p, len - 1, r),
		    -ESC_EBADSIG);
		EXPECT(
		    merkle_verify_inclusion(l, index, size, p + 1, len - 1, r),
		    -ESC_EBADSIG);
	}
	randombytes_buf(p[len], HB);
	EXPECT(merkle_verify_inclusion(l, index, size, p, len + 1, r),
	    -ESC_EBADSIG);
}

static void
check_consistency(uint64_t m, uint64_t n, const uint8_t root_m[HB],
    const uint8_t root_n[HB], const uint8_t (*proof)[HB], size_t len, bool all)
{
	uint8_t p[MERKLE_PROOF_MAX + 1][HB], a[HB], b[HB];
	const uint64_t other[][2] = { { m - 1, n }, { m + 1, n }, { m, n - 1 },
		{ m, n + 1 } };
	uint64_t om, on;
	int want;

	ck_assert_uint_le(len, MERKLE_PROOF_MAX);
	memcpy(p, proof, len * HB);
	memcpy(a, root_m, HB);
	memcpy(b, root_n, HB);
	EXPECT(merkle_verify_consistency(m, n, a, b, p, len), 0);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = first_bit(all); bit < 8 * HB;
		     bit = next_bit(all, bit)) {
			flip(p[i], bit);
			EXPECT(merkle_verify_consistency(m, n, a, b, p, len),
			    -ESC_EBADSIG);
			flip(p[i], bit);
		}
	}
	for (unsigned bit = first_bit(all); bit < 8 * HB;
	     bit = next_bit(all, bit)) {
		flip(a, bit);
		EXPECT(merkle_verify_consistency(m, n, a, b, p, len),
		    -ESC_EBADSIG);
		flip(a, bit);
		flip(b, bit);
		EXPECT(merkle_verify_consistency(m, n, a, b, p, len),
		    -ESC_EBADSIG);
		flip(b, bit);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		om = other[i][0];
		on = other[i][1];
		if (om == 0 || om > on)
			continue;
		want = ref_subproof_shape(om, on) == ref_subproof_shape(m, n)
		    ? 0
		    : -ESC_EBADSIG;
		EXPECT(merkle_verify_consistency(om, on, a, b, p, len), want);
	}
	if (len > 0) {
		EXPECT(merkle_verify_consistency(m, n, a, b, p, len - 1),
		    -ESC_EBADSIG);
		EXPECT(merkle_verify_consistency(m, n, a, b, p + 1, len - 1),
		    -ESC_EBADSIG);
	}
	randombytes_buf(p[len], HB);
	EXPECT(merkle_verify_consistency(m, n, a, b, p, len + 1), -ESC_EBADSIG);
}

/* The module's proof for (index, size) of the random tree, checked. */
static void
inclusion_pair(uint64_t index, uint64_t size)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB], want[MERKLE_PROOF_MAX][HB];
	size_t len = 99, wlen = 0;

	probe_reset(&tree.probe, size, 0);
	EXPECT(merkle_inclusion_proof(&tree_src, index, size, proof, &len), 0);
	if (tree.probe.stray != 0 || tree.probe.calls > 2 * bitlen(size))
		ck_abort_msg("PATH(%llu, D[%llu]): %u lookups, %u stray",
		    (unsigned long long)index, (unsigned long long)size,
		    tree.probe.calls, tree.probe.stray);
	ref_path(index, (const uint8_t(*)[HB])tree.node[0], size, want, &wlen);
	if (len != wlen || memcmp(proof, want, len * HB) != 0)
		ck_abort_msg("PATH(%llu, D[%llu])", (unsigned long long)index,
		    (unsigned long long)size);
	check_inclusion(tree.node[0][index], index, size,
	    (const uint8_t(*)[HB])proof, len, roots[size], false);
}

static void
consistency_pair(uint64_t m, uint64_t n)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB], want[MERKLE_PROOF_MAX][HB];
	size_t len = 99, wlen = 0;

	probe_reset(&tree.probe, n, 0);
	EXPECT(merkle_consistency_proof(&tree_src, m, n, proof, &len), 0);
	if (tree.probe.stray != 0 || tree.probe.calls > 2 * bitlen(n) + 1)
		ck_abort_msg("PROOF(%llu, D[%llu]): %u lookups, %u stray",
		    (unsigned long long)m, (unsigned long long)n,
		    tree.probe.calls, tree.probe.stray);
	ref_subproof(m, (const uint8_t(*)[HB])tree.node[0], n, true, want,
	    &wlen);
	if (len != wlen || memcmp(proof, want, len * HB) != 0)
		ck_abort_msg("PROOF(%llu, D[%llu])", (unsigned long long)m,
		    (unsigned long long)n);
	check_consistency(m, n, roots[m], roots[n], (const uint8_t(*)[HB])proof,
	    len, false);
}

/* ---- leaf and node hashes ------------------------------------------ */

START_TEST(test_merkle_leaf_hash_matches_reference)
{
	uint8_t entry[64], got[HB], want[HB];

	randombytes_buf(entry, sizeof(entry));
	for (size_t len = 0; len <= sizeof(entry); len++) {
		merkle_leaf_hash(entry, len, got);
		ref_leaf(entry, len, want);
		ck_assert_mem_eq(got, want, HB);
	}
	merkle_leaf_hash(NULL, 0, got);
	ref_leaf(entry, 0, want);
	ck_assert_mem_eq(got, want, HB);
}
END_TEST

START_TEST(test_merkle_node_hash_matches_reference_and_may_alias)
{
	uint8_t l[HB], r[HB], x[HB], want[HB];

	randombytes_buf(l, HB);
	randombytes_buf(r, HB);
	ref_node(l, r, want);
	merkle_node_hash(l, r, x);
	ck_assert_mem_eq(x, want, HB);
	memcpy(x, l, HB);
	merkle_node_hash(x, r, x);
	ck_assert_mem_eq(x, want, HB);
	memcpy(x, r, HB);
	merkle_node_hash(l, x, x);
	ck_assert_mem_eq(x, want, HB);
}
END_TEST

/* ---- the RFC 6962 vectors ------------------------------------------ */

START_TEST(test_merkle_root_matches_vectors)
{
	uint8_t got[HB], want[HB];

	for (uint64_t s = 0; s <= VEC_LEAVES; s++) {
		probe_reset(&built.probe, s, 0);
		ck_assert_int_eq(merkle_root(&built_src, s, got), 0);
		ck_assert_mem_eq(got, vec.roots[s], HB);
		ref_mth((const uint8_t(*)[HB])vec.leaves, s, want);
		ck_assert_mem_eq(want, vec.roots[s], HB);
		ck_assert_uint_eq(built.probe.stray, 0);
	}
}
END_TEST

START_TEST(test_merkle_inclusion_proof_matches_vectors)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	const struct vec_proof *v;
	size_t len;

	ck_assert_uint_eq(vec.nincl, 36);
	for (size_t i = 0; i < vec.nincl; i++) {
		v = &vec.incl[i];
		probe_reset(&built.probe, v->b, 0);
		ck_assert_int_eq(
		    merkle_inclusion_proof(&built_src, v->a, v->b, proof, &len),
		    0);
		ck_assert_uint_eq(built.probe.stray, 0);
		ck_assert_uint_eq(len, v->len);
		ck_assert_mem_eq(proof, v->proof, len * HB);
		check_inclusion(vec.leaves[v->a], v->a, v->b, v->proof, len,
		    vec.roots[v->b], true);
	}
}
END_TEST

START_TEST(test_merkle_consistency_proof_matches_vectors)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	const struct vec_proof *v;
	size_t len;

	ck_assert_uint_eq(vec.ncons, 36);
	for (size_t i = 0; i < vec.ncons; i++) {
		v = &vec.cons[i];
		probe_reset(&built.probe, v->b, 0);
		ck_assert_int_eq(merkle_consistency_proof(&built_src, v->a,
		                     v->b, proof, &len),
		    0);
		ck_assert_uint_eq(built.probe.stray, 0);
		ck_assert_uint_eq(len, v->len);
		ck_assert_mem_eq(proof, v->proof, len * HB);
		check_consistency(v->a, v->b, vec.roots[v->a], vec.roots[v->b],
		    v->proof, len, true);
	}
}
END_TEST

/* ---- merkle_append ------------------------------------------------- */

START_TEST(test_merkle_append_equals_reference_subtrees)
{
	memset(&built, 0, sizeof(built));
	tree_append(&built, &built_src, (const uint8_t(*)[HB])tree.node[0],
	    RAND_LEAVES);
	for (unsigned l = 0; l < TREE_LEVELS; l++)
		for (uint64_t i = 0; i < RAND_LEAVES >> l; i++)
			ck_assert_mem_eq(built.node[l][i], tree.node[l][i], HB);
}
END_TEST

START_TEST(test_merkle_append_up_to_size_max)
{
	struct merkle_node out[MERKLE_APPEND_MAX];
	size_t count;

	probe_reset(&uni.probe, MERKLE_SIZE_MAX - 1, 0);
	ck_assert_int_eq(
	    merkle_append(&uni_src, MERKLE_SIZE_MAX - 1, uni.h[0], out, &count),
	    0);
	ck_assert_uint_eq(count, MERKLE_APPEND_MAX);
	ck_assert_uint_eq(uni.probe.calls, MERKLE_APPEND_MAX - 1);
	ck_assert_uint_eq(uni.probe.stray, 0);
	for (unsigned l = 0; l < count; l++) {
		ck_assert_uint_eq(out[l].level, l);
		ck_assert_uint_eq(out[l].index, (MERKLE_SIZE_MAX - 1) >> l);
		ck_assert_mem_eq(out[l].hash, uni.h[l], HB);
	}
}
END_TEST

START_TEST(test_merkle_append_enospc_when_full)
{
	struct merkle_node out[MERKLE_APPEND_MAX];
	size_t count = 99;

	probe_reset(&uni.probe, MERKLE_SIZE_MAX, 0);
	ck_assert_int_eq(
	    merkle_append(&uni_src, MERKLE_SIZE_MAX, uni.h[0], out, &count),
	    -ENOSPC);
	ck_assert_uint_eq(count, 0);
	count = 99;
	ck_assert_int_eq(
	    merkle_append(&uni_src, UINT64_MAX, uni.h[0], out, &count),
	    -ENOSPC);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(uni.probe.calls, 0);
}
END_TEST

START_TEST(test_merkle_append_passes_source_errors)
{
	struct merkle_node out[MERKLE_APPEND_MAX];
	size_t count;
	unsigned k;
	int rc;

	/* 255 leaves: the 256th completes 8 subtrees above itself. */
	for (k = 1;; k++) {
		probe_reset(&tree.probe, 255, k);
		count = 99;
		rc = merkle_append(&tree_src, 255, tree.node[0][255], out,
		    &count);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, -EIO);
		ck_assert_uint_eq(count, 0);
	}
	ck_assert_uint_eq(k, 9);
}
END_TEST

/* ---- merkle_root --------------------------------------------------- */

START_TEST(test_merkle_root_matches_reference)
{
	uint8_t got[HB];

	for (uint64_t s = 0; s <= RAND_LEAVES; s++) {
		probe_reset(&tree.probe, s, 0);
		ck_assert_int_eq(merkle_root(&tree_src, s, got), 0);
		ck_assert_mem_eq(got, roots[s], HB);
		ck_assert_uint_eq(tree.probe.calls, __builtin_popcountll(s));
		ck_assert_uint_eq(tree.probe.stray, 0);
	}
}
END_TEST

START_TEST(test_merkle_root_at_size_max)
{
	uint8_t got[HB], want[HB];

	probe_reset(&uni.probe, MERKLE_SIZE_MAX, 0);
	ck_assert_int_eq(merkle_root(&uni_src, MERKLE_SIZE_MAX, got), 0);
	ck_assert_mem_eq(got, uni.h[MERKLE_LEVEL_MAX], HB);
	ck_assert_uint_eq(uni.probe.calls, 1);
	/* 2^63 - 1 leaves: H(h62, H(h61, ... H(h1, h0))). */
	memcpy(want, uni.h[0], HB);
	for (unsigned l = 1; l < MERKLE_LEVEL_MAX; l++)
		ref_node(uni.h[l], want, want);
	probe_reset(&uni.probe, MERKLE_SIZE_MAX - 1, 0);
	ck_assert_int_eq(merkle_root(&uni_src, MERKLE_SIZE_MAX - 1, got), 0);
	ck_assert_mem_eq(got, want, HB);
	ck_assert_uint_eq(uni.probe.calls, MERKLE_LEVEL_MAX);
	ck_assert_uint_eq(uni.probe.stray, 0);
}
END_TEST

START_TEST(test_merkle_root_einval_above_size_max)
{
	const uint64_t sizes[] = { MERKLE_SIZE_MAX + 1, UINT64_MAX };
	uint8_t got[HB];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		probe_reset(&uni.probe, UINT64_MAX, 0);
		memset(got, 0xff, HB);
		ck_assert_int_eq(merkle_root(&uni_src, sizes[i], got), -EINVAL);
		ck_assert(sodium_is_zero(got, HB));
		ck_assert_uint_eq(uni.probe.calls, 0);
	}
}
END_TEST

START_TEST(test_merkle_root_passes_source_errors)
{
	uint8_t got[HB];
	unsigned k;
	int rc;

	for (k = 1;; k++) {
		probe_reset(&tree.probe, 300, k);
		memset(got, 0xff, HB);
		if ((rc = merkle_root(&tree_src, 300, got)) == 0)
			break;
		ck_assert_int_eq(rc, -EIO);
		ck_assert(sodium_is_zero(got, HB));
	}
	ck_assert_uint_eq(k, 1 + __builtin_popcountll(300));
}
END_TEST

/* ---- merkle_inclusion_proof ---------------------------------------- */

START_TEST(test_merkle_inclusion_proof_matches_reference)
{
	uint64_t pick[5];

	for (uint64_t size = 1; size <= EXHAUSTIVE; size++)
		for (uint64_t index = 0; index < size; index++)
			inclusion_pair(index, size);
	for (uint64_t size = EXHAUSTIVE + 1; size <= RAND_LEAVES; size++) {
		pick[0] = 0;
		pick[1] = size / 2;
		pick[2] = size - 1;
		pick[3] = randombytes_uniform(size);
		pick[4] = randombytes_uniform(size);
		for (size_t i = 0; i < 5; i++)
			inclusion_pair(pick[i], size);
	}
}
END_TEST

START_TEST(test_merkle_inclusion_proof_at_size_max)
{
	const uint64_t indices[] = { 0, 1, MERKLE_SIZE_MAX / 2,
		MERKLE_SIZE_MAX - 2, MERKLE_SIZE_MAX - 1,
		0x5a5a5a5a5a5a5a5aULL };
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	size_t len;

	/* In the perfect tree, the sibling at level l is subtree h[l]. */
	for (size_t i = 0; i < sizeof(indices) / sizeof(indices[0]); i++) {
		probe_reset(&uni.probe, MERKLE_SIZE_MAX, 0);
		ck_assert_int_eq(merkle_inclusion_proof(&uni_src, indices[i],
		                     MERKLE_SIZE_MAX, proof, &len),
		    0);
		ck_assert_uint_eq(len, MERKLE_LEVEL_MAX);
		ck_assert_mem_eq(proof, uni.h, len * HB);
		ck_assert_uint_eq(uni.probe.calls, MERKLE_LEVEL_MAX);
		ck_assert_uint_eq(uni.probe.stray, 0);
		ck_assert_int_eq(merkle_verify_inclusion(uni.h[0], indices[i],
		                     MERKLE_SIZE_MAX,
		                     (const uint8_t(*)[HB])proof, len,
		                     uni.h[MERKLE_LEVEL_MAX]),
		    0);
	}
}
END_TEST

START_TEST(test_merkle_inclusion_proof_einval)
{
	const uint64_t bad[][2] = { { 0, 0 }, { 5, 5 }, { 6, 5 },
		{ 0, MERKLE_SIZE_MAX + 1 }, { UINT64_MAX - 1, UINT64_MAX } };
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		probe_reset(&uni.probe, UINT64_MAX, 0);
		len = 99;
		ck_assert_int_eq(merkle_inclusion_proof(&uni_src, bad[i][0],
		                     bad[i][1], proof, &len),
		    -EINVAL);
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(uni.probe.calls, 0);
	}
}
END_TEST

START_TEST(test_merkle_inclusion_proof_passes_source_errors)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	size_t len;
	unsigned k;
	int rc;

	/* Leaf 100 of 300: its first right sibling, [128, 300), is a fold. */
	for (k = 1;; k++) {
		probe_reset(&tree.probe, 300, k);
		len = 99;
		rc = merkle_inclusion_proof(&tree_src, 100, 300, proof, &len);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, -EIO);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_uint_gt(k, 9);
}
END_TEST

/* ---- merkle_consistency_proof -------------------------------------- */

START_TEST(test_merkle_consistency_proof_matches_reference)
{
	uint64_t pick[6];

	for (uint64_t n = 1; n <= EXHAUSTIVE; n++)
		for (uint64_t m = 1; m <= n; m++)
			consistency_pair(m, n);
	for (uint64_t n = EXHAUSTIVE + 1; n <= RAND_LEAVES; n++) {
		pick[0] = 1;
		pick[1] = n / 2;
		pick[2] = n - 1;
		pick[3] = n;
		pick[4] = 1 + randombytes_uniform(n);
		pick[5] = 1 + randombytes_uniform(n);
		for (size_t i = 0; i < 6; i++)
			consistency_pair(pick[i], n);
	}
}
END_TEST

START_TEST(test_merkle_consistency_proof_at_size_max)
{
	const uint64_t old[] = { 1, 3, MERKLE_SIZE_MAX / 2, MERKLE_SIZE_MAX - 1,
		MERKLE_SIZE_MAX };
	const size_t lens[] = { 63, 64, 1, 64, 0 };
	uint8_t proof[MERKLE_PROOF_MAX][HB], root_m[HB];
	size_t len;

	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		probe_reset(&uni.probe, old[i], 0);
		ck_assert_int_eq(merkle_root(&uni_src, old[i], root_m), 0);
		probe_reset(&uni.probe, MERKLE_SIZE_MAX, 0);
		ck_assert_int_eq(merkle_consistency_proof(&uni_src, old[i],
		                     MERKLE_SIZE_MAX, proof, &len),
		    0);
		ck_assert_uint_eq(len, lens[i]);
		ck_assert_uint_le(uni.probe.calls, 2 * 64 + 1);
		ck_assert_uint_eq(uni.probe.stray, 0);
		ck_assert_int_eq(merkle_verify_consistency(old[i],
		                     MERKLE_SIZE_MAX, root_m,
		                     uni.h[MERKLE_LEVEL_MAX],
		                     (const uint8_t(*)[HB])proof, len),
		    0);
	}
}
END_TEST

START_TEST(test_merkle_consistency_proof_einval)
{
	const uint64_t bad[][2] = { { 0, 0 }, { 0, 5 }, { 6, 5 },
		{ 1, MERKLE_SIZE_MAX + 1 },
		{ MERKLE_SIZE_MAX + 1, MERKLE_SIZE_MAX + 1 } };
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		probe_reset(&uni.probe, UINT64_MAX, 0);
		len = 99;
		ck_assert_int_eq(merkle_consistency_proof(&uni_src, bad[i][0],
		                     bad[i][1], proof, &len),
		    -EINVAL);
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(uni.probe.calls, 0);
	}
}
END_TEST

START_TEST(test_merkle_consistency_proof_passes_source_errors)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB];
	size_t len;
	unsigned k;
	int rc;

	/* 37 to 300 leaves: a seed, left siblings and a folded right one. */
	for (k = 1;; k++) {
		probe_reset(&tree.probe, 300, k);
		len = 99;
		rc = merkle_consistency_proof(&tree_src, 37, 300, proof, &len);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, -EIO);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_uint_gt(k, 9);
}
END_TEST

/* ---- the verifiers' own errors and limits -------------------------- */

START_TEST(test_merkle_verify_inclusion_einval)
{
	ck_assert_int_eq(
	    merkle_verify_inclusion(tree.node[0][0], 0, 0, NULL, 0, roots[0]),
	    -EINVAL);
	ck_assert_int_eq(merkle_verify_inclusion(tree.node[0][3], 3, 3,
	                     (const uint8_t(*)[HB])tree.node[0], 2, roots[3]),
	    -EINVAL);
	ck_assert_int_eq(merkle_verify_inclusion(tree.node[0][0], UINT64_MAX,
	                     UINT64_MAX, NULL, 0, roots[0]),
	    -EINVAL);
}
END_TEST

/*
 * 2^64 - 1 equal leaves: the proof for leaf 0 is h0 .. h62, then the
 * right half R = H(h62, H(h61, ... H(h1, h0))), and the head is H(h63, R).
 * Also the consistency of its left half, whose proof is R alone.
 */
START_TEST(test_merkle_verify_takes_any_size)
{
	uint8_t proof[MERKLE_PROOF_MAX][HB], root[HB];

	memcpy(proof, uni.h, MERKLE_LEVEL_MAX * HB);
	memcpy(proof[MERKLE_LEVEL_MAX], uni.h[0], HB);
	for (unsigned l = 1; l < MERKLE_LEVEL_MAX; l++)
		ref_node(uni.h[l], proof[MERKLE_LEVEL_MAX],
		    proof[MERKLE_LEVEL_MAX]);
	ref_node(uni.h[MERKLE_LEVEL_MAX], proof[MERKLE_LEVEL_MAX], root);
	ck_assert_int_eq(merkle_verify_inclusion(uni.h[0], 0, UINT64_MAX,
	                     (const uint8_t(*)[HB])proof, MERKLE_PROOF_MAX,
	                     root),
	    0);
	ck_assert_int_eq(merkle_verify_consistency(MERKLE_SIZE_MAX, UINT64_MAX,
	                     uni.h[MERKLE_LEVEL_MAX], root,
	                     (const uint8_t(*)[HB])proof + MERKLE_LEVEL_MAX, 1),
	    0);
	flip(proof[MERKLE_LEVEL_MAX], 0);
	ck_assert_int_eq(merkle_verify_inclusion(uni.h[0], 0, UINT64_MAX,
	                     (const uint8_t(*)[HB])proof, MERKLE_PROOF_MAX,
	                     root),
	    -ESC_EBADSIG);
}
END_TEST

START_TEST(test_merkle_verify_rejects_overlong_proofs)
{
	uint8_t proof[2 * MERKLE_PROOF_MAX][HB];

	randombytes_buf(proof, sizeof(proof));
	ck_assert_int_eq(merkle_verify_inclusion(tree.node[0][5], 5, 300,
	                     (const uint8_t(*)[HB])proof, 2 * MERKLE_PROOF_MAX,
	                     roots[300]),
	    -ESC_EBADSIG);
	ck_assert_int_eq(merkle_verify_consistency(5, 300, roots[5], roots[300],
	                     (const uint8_t(*)[HB])proof, 2 * MERKLE_PROOF_MAX),
	    -ESC_EBADSIG);
}
END_TEST

START_TEST(test_merkle_verify_consistency_einval)
{
	ck_assert_int_eq(
	    merkle_verify_consistency(0, 0, roots[0], roots[0], NULL, 0),
	    -EINVAL);
	ck_assert_int_eq(
	    merkle_verify_consistency(0, 5, roots[0], roots[5], NULL, 0),
	    -EINVAL);
	ck_assert_int_eq(
	    merkle_verify_consistency(6, 5, roots[6], roots[5], NULL, 0),
	    -EINVAL);
}
END_TEST

START_TEST(test_merkle_verify_consistency_equal_sizes)
{
	ck_assert_int_eq(
	    merkle_verify_consistency(7, 7, roots[7], roots[7], NULL, 0), 0);
	ck_assert_int_eq(
	    merkle_verify_consistency(7, 7, roots[7], roots[8], NULL, 0),
	    -ESC_EBADSIG);
	ck_assert_int_eq(merkle_verify_consistency(7, 7, roots[7], roots[7],
	                     (const uint8_t(*)[HB])roots[7], 1),
	    -ESC_EBADSIG);
}
END_TEST

START_TEST(test_merkle_verify_consistency_rejects_empty_proof)
{
	/* Even for m = 4, whose head is the seed the verifier prepends. */
	ck_assert_int_eq(
	    merkle_verify_consistency(4, 8, roots[4], roots[8], NULL, 0),
	    -ESC_EBADSIG);
	ck_assert_int_eq(
	    merkle_verify_consistency(3, 8, roots[3], roots[8], NULL, 0),
	    -ESC_EBADSIG);
}
END_TEST

/* ---- the suite ----------------------------------------------------- */

/*
 * An unchecked fixture: it runs in the runner's own process, so the trees,
 * whose hashes no test changes, are built once for all the TCases.
 */
static void
trees_setup(void)
{
	static bool done;

	if (done)
		return;
	random_setup();
	uniform_setup();
	done = true;
}

Suite *
merkle_suite(void)
{
	Suite *s = suite_create("merkle");
	TCase *tc;

	tc = tcase_create("hash");
	tcase_add_test(tc, test_merkle_leaf_hash_matches_reference);
	tcase_add_test(tc,
	    test_merkle_node_hash_matches_reference_and_may_alias);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, vectors_setup, NULL);
	tcase_add_test(tc, test_merkle_root_matches_vectors);
	tcase_add_test(tc, test_merkle_inclusion_proof_matches_vectors);
	tcase_add_test(tc, test_merkle_consistency_proof_matches_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("append");
	tcase_add_unchecked_fixture(tc, trees_setup, NULL);
	tcase_add_test(tc, test_merkle_append_equals_reference_subtrees);
	tcase_add_test(tc, test_merkle_append_up_to_size_max);
	tcase_add_test(tc, test_merkle_append_enospc_when_full);
	tcase_add_test(tc, test_merkle_append_passes_source_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("root");
	tcase_add_unchecked_fixture(tc, trees_setup, NULL);
	tcase_add_test(tc, test_merkle_root_matches_reference);
	tcase_add_test(tc, test_merkle_root_at_size_max);
	tcase_add_test(tc, test_merkle_root_einval_above_size_max);
	tcase_add_test(tc, test_merkle_root_passes_source_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("inclusion");
	tcase_add_unchecked_fixture(tc, trees_setup, NULL);
	tcase_add_test(tc, test_merkle_inclusion_proof_matches_reference);
	tcase_add_test(tc, test_merkle_inclusion_proof_at_size_max);
	tcase_add_test(tc, test_merkle_inclusion_proof_einval);
	tcase_add_test(tc, test_merkle_inclusion_proof_passes_source_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("consistency");
	tcase_add_unchecked_fixture(tc, trees_setup, NULL);
	tcase_add_test(tc, test_merkle_consistency_proof_matches_reference);
	tcase_add_test(tc, test_merkle_consistency_proof_at_size_max);
	tcase_add_test(tc, test_merkle_consistency_proof_einval);
	tcase_add_test(tc, test_merkle_consistency_proof_passes_source_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_unchecked_fixture(tc, trees_setup, NULL);
	tcase_add_test(tc, test_merkle_verify_inclusion_einval);
	tcase_add_test(tc, test_merkle_verify_takes_any_size);
	tcase_add_test(tc, test_merkle_verify_rejects_overlong_proofs);
	tcase_add_test(tc, test_merkle_verify_consistency_einval);
	tcase_add_test(tc, test_merkle_verify_consistency_equal_sizes);
	tcase_add_test(tc, test_merkle_verify_consistency_rejects_empty_proof);
	suite_add_tcase(s, tc);
	return s;
}
