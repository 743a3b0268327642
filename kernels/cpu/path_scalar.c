/* The portable scalar path: one nonce per lane, one lane; builds with any C11 compiler. */
#include "miner.h"

#define JB_W uint32_t
#define JB_FN static inline
#define JB_SET1(c) ((uint32_t)(c))
#define JB_ADD(a, b) ((uint32_t)((a) + (b)))
#define JB_XOR(a, b) ((uint32_t)((a) ^ (b)))
#define JB_ROTR(x, n) ((uint32_t)(((x) >> (n)) | ((x) << (32 - (n)))))
#define JB_SHR(x, n) ((uint32_t)((x) >> (n)))
#define JB_CH(x, y, z) ((uint32_t)((z) ^ ((x) & ((y) ^ (z)))))
#define JB_MAJ(x, y, z) ((uint32_t)(((x) & (y)) | ((z) & ((x) | (y)))))
#include "sha256d_core.h"

void jb_scan_scalar(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top, jb_hits *hits)
{
    for (uint64_t n = lo; n < hi; n++) {
        uint32_t h7 = jb_sha256d_h7(p, jb_bswap32((uint32_t)n));
        if (jb_bswap32(h7) <= top) jb_hits_add(hits, (uint32_t)n);
    }
}

void jb_digest_scalar(const jb_pre *p, uint32_t nonce, unsigned char out[32])
{
    uint32_t h[8];
    jb_sha256d_full(p, jb_bswap32(nonce), h);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(h[i] >> 8);
        out[4 * i + 3] = (unsigned char)h[i];
    }
}
