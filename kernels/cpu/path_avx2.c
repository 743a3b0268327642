/* The 8-lane AVX2 path: the shared core on __m256i (rotates from two shifts). */
#include "miner.h"

#if JB_HAVE_X86_PATHS
#include <immintrin.h>

#define JB_TARGET __attribute__((target("avx2")))
#define JB_W __m256i
#define JB_FN static inline __attribute__((always_inline)) JB_TARGET
#define JB_SET1(c) _mm256_set1_epi32((int)(c))
#define JB_ADD(a, b) _mm256_add_epi32(a, b)
#define JB_XOR(a, b) _mm256_xor_si256(a, b)
#define JB_ROTR(x, n) _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - (n)))
#define JB_SHR(x, n) _mm256_srli_epi32(x, n)
#define JB_CH(x, y, z) _mm256_xor_si256(z, _mm256_and_si256(x, _mm256_xor_si256(y, z)))
#define JB_MAJ(x, y, z) \
    _mm256_or_si256(_mm256_and_si256(x, y), _mm256_and_si256(z, _mm256_or_si256(x, y)))
#include "sha256d_core.h"

JB_TARGET void jb_scan_avx2(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top,
                            jb_hits *hits)
{
    const jb_pre pre = *p; /* a local copy: nothing the hit recorder does can alias it */
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i bswap = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
                                           3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    const __m256i vtop = _mm256_set1_epi32((int)top);
    for (uint64_t n = lo; n < hi; n += 8) {
        __m256i nonce = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)n), lane);
        __m256i h7 = _mm256_shuffle_epi8(jb_sha256d_h7(&pre, _mm256_shuffle_epi8(nonce, bswap)),
                                         bswap);
        /* unsigned h7 <= top  <=>  min(h7, top) == h7 */
        __m256i le = _mm256_cmpeq_epi32(_mm256_min_epu32(h7, vtop), h7);
        unsigned m = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(le));
        if (__builtin_expect(m != 0, 0)) {
            if (hi - n < 8) m &= (1u << (hi - n)) - 1u;
            for (; m; m &= m - 1) jb_hits_add(hits, (uint32_t)n + (uint32_t)__builtin_ctz(m));
        }
    }
}
#endif
