/*
 * The SHA extensions path: sha256rnds2 does two rounds per instruction on the state held as
 * ABEF/CDGH, so it has its own round structure; it starts from the same jb_pre precompute
 * (midstate, state at round 4, message words 16..19) and stops the second hash after round 61,
 * where the state already holds e61 (= the final h before the IV is added back).
 * JB_SHA_LANES independent nonces are interleaved to hide the instruction's latency.
 */
#include "miner.h"

#if JB_HAVE_X86_PATHS
#include <immintrin.h>

#define JB_TARGET __attribute__((target("sha,sse4.1")))
#define JB_SHA_LANES 4
/* Four words w0..w3 as one message vector, W[t] in dword t mod 4. */
#define WV(w0, w1, w2, w3) _mm_set_epi32((int)(w3), (int)(w2), (int)(w1), (int)(w0))

JB_TARGET static inline __attribute__((always_inline)) void
quad(__m128i *abef, __m128i *cdgh, __m128i kw)
{
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, kw);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(kw, 0x0E));
}

/* W[4g..4g+3] from the four previous message vectors. */
JB_TARGET static inline __attribute__((always_inline)) __m128i
sched(__m128i m0, __m128i m1, __m128i m2, __m128i m3)
{
    __m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4));
    return _mm_sha256msg2_epu32(x, m3);
}

/* Rounds 4g.. of every lane from message vectors m[g % 4] (scheduling first when g >= 4). */
#define JB_GROUPS(from, to, m, abef, cdgh, kconst)                                       \
    for (int g = from; g < to; g++)                                                      \
        for (int l = 0; l < JB_SHA_LANES; l++) {                                         \
            if (g >= 4) m[g % 4][l] = sched(m[g % 4][l], m[(g + 1) % 4][l],              \
                                            m[(g + 2) % 4][l], m[(g + 3) % 4][l]);       \
            quad(&abef[l], &cdgh[l], _mm_add_epi32(m[g % 4][l], kconst[g]));             \
        }

JB_TARGET static void kvec(__m128i k[16])
{
    for (int g = 0; g < 16; g++)
        k[g] = WV(jb_k_table[4 * g], jb_k_table[4 * g + 1], jb_k_table[4 * g + 2],
                  jb_k_table[4 * g + 3]);
}

/* H7 of sha256d for JB_SHA_LANES nonce words. */
JB_TARGET static inline __attribute__((always_inline)) void
h7_lanes(const jb_pre *p, const __m128i k[16], const uint32_t w3[JB_SHA_LANES],
         uint32_t h7[JB_SHA_LANES])
{
    __m128i abef[JB_SHA_LANES], cdgh[JB_SHA_LANES], m[4][JB_SHA_LANES];
    const __m128i mid_abef = WV(p->mid[5], p->mid[4], p->mid[1], p->mid[0]);
    const __m128i mid_cdgh = WV(p->mid[7], p->mid[6], p->mid[3], p->mid[2]);
    for (int l = 0; l < JB_SHA_LANES; l++) {
        abef[l] = WV(p->st[5], p->st[4] + w3[l], p->st[1], p->st[0] + w3[l]);
        cdgh[l] = WV(p->st[7], p->st[6], p->st[3], p->st[2]);
        /* W16..W19 from the precompute; W4..W15 are the padding constants. */
        uint32_t s0w3 = JB_C_SSIG0(w3[l]);
        m[0][l] = WV(p->w16, p->w17, p->w18p + s0w3, p->w19p + w3[l]);
        m[1][l] = WV(0x80000000u, 0, 0, 0);
        m[2][l] = _mm_setzero_si128();
        m[3][l] = WV(0, 0, 0, 640u);
        quad(&abef[l], &cdgh[l], _mm_add_epi32(m[1][l], k[1]));
    }
    for (int l = 0; l < JB_SHA_LANES; l++) quad(&abef[l], &cdgh[l], k[2]);
    for (int l = 0; l < JB_SHA_LANES; l++) quad(&abef[l], &cdgh[l], _mm_add_epi32(m[3][l], k[3]));
    /* m[0] holds W16..19 already: rounds 16..19 without scheduling, then the rest. */
    for (int l = 0; l < JB_SHA_LANES; l++) quad(&abef[l], &cdgh[l], _mm_add_epi32(m[0][l], k[4]));
    JB_GROUPS(5, 16, m, abef, cdgh, k);
    /* The digest of hash 1 is the message of hash 2, from the IV. */
    for (int l = 0; l < JB_SHA_LANES; l++) {
        __m128i x = _mm_shuffle_epi32(_mm_add_epi32(abef[l], mid_abef), 0x1B); /* A B E F */
        __m128i y = _mm_shuffle_epi32(_mm_add_epi32(cdgh[l], mid_cdgh), 0x1B); /* C D G H */
        m[0][l] = _mm_unpacklo_epi64(x, y);
        m[1][l] = _mm_unpackhi_epi64(x, y);
        m[2][l] = WV(0x80000000u, 0, 0, 0);
        m[3][l] = WV(0, 0, 0, 256u);
        abef[l] = WV(JB_IV5, JB_IV4, JB_IV1, JB_IV0);
        cdgh[l] = WV(JB_IV7, JB_IV6, JB_IV3, JB_IV2);
    }
    JB_GROUPS(0, 15, m, abef, cdgh, k);
    for (int l = 0; l < JB_SHA_LANES; l++) { /* rounds 60, 61 only: F then holds e61 */
        m[3][l] = sched(m[3][l], m[0][l], m[1][l], m[2][l]);
        __m128i kw = _mm_add_epi32(m[3][l], k[15]);
        cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], kw);
        h7[l] = (uint32_t)_mm_cvtsi128_si32(cdgh[l]) + JB_IV7;
    }
}

JB_TARGET void jb_scan_shani(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top,
                             jb_hits *hits)
{
    const jb_pre pre = *p; /* a local copy: nothing the hit recorder does can alias it */
    __m128i k[16];
    uint32_t w3[JB_SHA_LANES], h7[JB_SHA_LANES];
    kvec(k);
    for (uint64_t n = lo; n < hi; n += JB_SHA_LANES) {
        for (int l = 0; l < JB_SHA_LANES; l++) w3[l] = jb_bswap32((uint32_t)n + (uint32_t)l);
        h7_lanes(&pre, k, w3, h7);
        for (int l = 0; l < JB_SHA_LANES; l++)
            if (jb_bswap32(h7[l]) <= top && n + (uint64_t)l < hi)
                jb_hits_add(hits, (uint32_t)n + (uint32_t)l);
    }
}
#endif
