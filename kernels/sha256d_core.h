/*
 * sha256d_core.h: the one SHA-256d mining core of joulebench.
 *
 * Written once, compiled several times: by gcc for the CPU paths (portable scalar, 8-lane AVX2,
 * 16-lane AVX-512) and by NVRTC/nvcc for the CUDA kernel. The rounds are generic over a "word
 * vector" type; each includer says what a word vector is and how to operate on it.
 *
 * MACROS THE INCLUDER DEFINES (before including this file):
 *   JB_W              the word-vector type (uint32_t, __m256i, __m512i, unsigned int on CUDA)
 *   JB_FN             qualifiers of every core function, e.g. `static inline`,
 *                     `static inline __attribute__((target("avx512f")))`,
 *                     `static __device__ __forceinline__`
 *   JB_SET1(c)        broadcast the jb_u32 value c to every lane
 *   JB_ADD(a, b)      lane-wise a + b (mod 2^32)
 *   JB_XOR(a, b)      lane-wise a ^ b
 *   JB_ROTR(x, n)     lane-wise rotate right by the literal n (0 < n < 32)
 *   JB_SHR(x, n)      lane-wise logical shift right by the literal n
 *   JB_CH(x, y, z)    (x & y) ^ (~x & z)       (ternlogic 0xCA, LOP3 0xCA, or bitselect)
 *   JB_MAJ(x, y, z)   (x & y) ^ (x & z) ^ (y & z)   (ternlogic/LOP3 0xE8)
 * optional (defaults built from the above):
 *   JB_XOR3(a, b, c)  a ^ b ^ c               (ternlogic/LOP3 0x96)
 *
 * THE HOST-SIDE PRECOMPUTE (once per header, plain C, not compiled under CUDA):
 *   void jb_precompute(jb_pre *p, const unsigned char header[80]);
 * fills `jb_pre`, JB_PRE_WORDS (24) jb_u32 in this order, no padding:
 *   mid[8]   SHA-256 state after the first 64 header bytes (the midstate)
 *   st[8]    state at the start of round 4 of block 2, less the nonce word: with
 *            W3 = the nonce as SHA reads it (bswap32 of the little-endian nonce),
 *            a4 = st[0] + W3, e4 = st[4] + W3, b4..d4 = st[1..3], f4..h4 = st[5..7].
 *            (rounds 0-2 use merkle tail, time, bits only; round 3's nonce-free part is folded)
 *   w16, w17 message words 16 and 17 of block 2 (nonce-free)
 *   w18p     W18 - s0(W3)     w19p  W19 - W3
 *   w31p     W31 - s1(W29) - W24      w32p  W32 - s1(W30) - W25
 *   kw16, kw17   K16 + W16, K17 + W17
 * A CUDA host passes these 24 words to the kernel (the CPU extension exports the same function
 * to Python as bench.mining._cpuminer.precompute).
 *
 * DEVICE-SIDE FUNCTIONS (each lane hashes the header with its own W3):
 *   JB_W jb_sha256d_h7(const jb_pre *p, JB_W w3)
 *       final H7 of the second SHA-256 only (early reject: rounds 57-60 compute e alone,
 *       rounds 61-63 are skipped). H7 is the digest's last 4 bytes read big-endian; the hash's
 *       top 32 bits (little-endian 256-bit reading) are bswap32(H7). A lane is a CANDIDATE when
 *       bswap32(H7) <= (target >> 224); candidates get the full check (host or full function).
 *   void jb_sha256d_full(const jb_pre *p, JB_W w3, JB_W out[8])
 *       all 8 words H0..H7 of the second SHA-256 (digest = H0..H7 each written big-endian).
 *   void jb_hash1(const jb_pre *p, JB_W w3, JB_W h[8])   the first SHA-256 (block 2 from
 *       the midstate), used by both of the above.
 *
 * Folded constants: block 2 has W4 = 0x80000000, W5..W14 = 0, W15 = 640; the second hash has
 * W8 = 0x80000000, W9..W14 = 0, W15 = 256 and starts from the standard IV, so its round 0 is
 * folded into two constants. Under NVRTC (__CUDACC_RTC__) this file includes nothing.
 *
 * Including: the types, constants and jb_precompute need no macros; the functions above are
 * compiled only where JB_W is defined, once per translation unit, so a file may include this
 * header first for jb_pre and again after defining the macros.
 */
#ifndef JB_SHA256D_CORE_H
#define JB_SHA256D_CORE_H

#if defined(__CUDACC_RTC__)
typedef unsigned int jb_u32;
#else
#include <stdint.h>
typedef uint32_t jb_u32;
#endif

/* ---- constants ------------------------------------------------------------------------------ */

#define JB_K0 0x428a2f98u
#define JB_K1 0x71374491u
#define JB_K2 0xb5c0fbcfu
#define JB_K3 0xe9b5dba5u
#define JB_K4 0x3956c25bu
#define JB_K5 0x59f111f1u
#define JB_K6 0x923f82a4u
#define JB_K7 0xab1c5ed5u
#define JB_K8 0xd807aa98u
#define JB_K9 0x12835b01u
#define JB_K10 0x243185beu
#define JB_K11 0x550c7dc3u
#define JB_K12 0x72be5d74u
#define JB_K13 0x80deb1feu
#define JB_K14 0x9bdc06a7u
#define JB_K15 0xc19bf174u
#define JB_K16 0xe49b69c1u
#define JB_K17 0xefbe4786u
#define JB_K18 0x0fc19dc6u
#define JB_K19 0x240ca1ccu
#define JB_K20 0x2de92c6fu
#define JB_K21 0x4a7484aau
#define JB_K22 0x5cb0a9dcu
#define JB_K23 0x76f988dau
#define JB_K24 0x983e5152u
#define JB_K25 0xa831c66du
#define JB_K26 0xb00327c8u
#define JB_K27 0xbf597fc7u
#define JB_K28 0xc6e00bf3u
#define JB_K29 0xd5a79147u
#define JB_K30 0x06ca6351u
#define JB_K31 0x14292967u
#define JB_K32 0x27b70a85u
#define JB_K33 0x2e1b2138u
#define JB_K34 0x4d2c6dfcu
#define JB_K35 0x53380d13u
#define JB_K36 0x650a7354u
#define JB_K37 0x766a0abbu
#define JB_K38 0x81c2c92eu
#define JB_K39 0x92722c85u
#define JB_K40 0xa2bfe8a1u
#define JB_K41 0xa81a664bu
#define JB_K42 0xc24b8b70u
#define JB_K43 0xc76c51a3u
#define JB_K44 0xd192e819u
#define JB_K45 0xd6990624u
#define JB_K46 0xf40e3585u
#define JB_K47 0x106aa070u
#define JB_K48 0x19a4c116u
#define JB_K49 0x1e376c08u
#define JB_K50 0x2748774cu
#define JB_K51 0x34b0bcb5u
#define JB_K52 0x391c0cb3u
#define JB_K53 0x4ed8aa4au
#define JB_K54 0x5b9cca4fu
#define JB_K55 0x682e6ff3u
#define JB_K56 0x748f82eeu
#define JB_K57 0x78a5636fu
#define JB_K58 0x84c87814u
#define JB_K59 0x8cc70208u
#define JB_K60 0x90befffau
#define JB_K61 0xa4506cebu
#define JB_K62 0xbef9a3f7u
#define JB_K63 0xc67178f2u

#define JB_IV0 0x6a09e667u
#define JB_IV1 0xbb67ae85u
#define JB_IV2 0x3c6ef372u
#define JB_IV3 0xa54ff53au
#define JB_IV4 0x510e527fu
#define JB_IV5 0x9b05688cu
#define JB_IV6 0x1f83d9abu
#define JB_IV7 0x5be0cd19u

#define JB_PRE_WORDS 24

typedef struct jb_pre {
    jb_u32 mid[8];
    jb_u32 st[8];
    jb_u32 w16, w17, w18p, w19p, w31p, w32p, kw16, kw17;
} jb_pre;

/* ---- scalar constant expressions (host precompute and folded literals) --------------------- */

#define JB_C_ROTR(x, n) ((jb_u32)(((jb_u32)(x) >> (n)) | ((jb_u32)(x) << (32 - (n)))))
#define JB_C_BSIG0(x) (JB_C_ROTR(x, 2) ^ JB_C_ROTR(x, 13) ^ JB_C_ROTR(x, 22))
#define JB_C_BSIG1(x) (JB_C_ROTR(x, 6) ^ JB_C_ROTR(x, 11) ^ JB_C_ROTR(x, 25))
#define JB_C_SSIG0(x) (JB_C_ROTR(x, 7) ^ JB_C_ROTR(x, 18) ^ ((jb_u32)(x) >> 3))
#define JB_C_SSIG1(x) (JB_C_ROTR(x, 17) ^ JB_C_ROTR(x, 19) ^ ((jb_u32)(x) >> 10))
#define JB_C_CH(x, y, z) ((jb_u32)(((x) & (y)) ^ (~(x) & (z))))
#define JB_C_MAJ(x, y, z) ((jb_u32)(((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z))))

/* Second hash, round 0 from the IV: e1 = JB_H2_E1 + W0, a1 = JB_H2_A1 + W0. */
#define JB_H2_T1 \
    ((jb_u32)(JB_IV7 + JB_C_BSIG1(JB_IV4) + JB_C_CH(JB_IV4, JB_IV5, JB_IV6) + JB_K0))
#define JB_H2_E1 ((jb_u32)(JB_IV3 + JB_H2_T1))
#define JB_H2_A1 ((jb_u32)(JB_H2_T1 + JB_C_BSIG0(JB_IV0) + JB_C_MAJ(JB_IV0, JB_IV1, JB_IV2)))

/* ---- host precompute (plain C; CUDA hosts get these words from the CPU extension) ----------- */

#if !defined(__CUDACC__)

static inline jb_u32 jb_load_be32(const unsigned char *b)
{
    return ((jb_u32)b[0] << 24) | ((jb_u32)b[1] << 16) | ((jb_u32)b[2] << 8) | (jb_u32)b[3];
}

static const jb_u32 jb_k_table[64] = {
    JB_K0,  JB_K1,  JB_K2,  JB_K3,  JB_K4,  JB_K5,  JB_K6,  JB_K7,  JB_K8,  JB_K9,  JB_K10,
    JB_K11, JB_K12, JB_K13, JB_K14, JB_K15, JB_K16, JB_K17, JB_K18, JB_K19, JB_K20, JB_K21,
    JB_K22, JB_K23, JB_K24, JB_K25, JB_K26, JB_K27, JB_K28, JB_K29, JB_K30, JB_K31, JB_K32,
    JB_K33, JB_K34, JB_K35, JB_K36, JB_K37, JB_K38, JB_K39, JB_K40, JB_K41, JB_K42, JB_K43,
    JB_K44, JB_K45, JB_K46, JB_K47, JB_K48, JB_K49, JB_K50, JB_K51, JB_K52, JB_K53, JB_K54,
    JB_K55, JB_K56, JB_K57, JB_K58, JB_K59, JB_K60, JB_K61, JB_K62, JB_K63};

/* Rounds [0, n) of SHA-256 over the message words w on state s (a..h), in place. */
static inline void jb_host_rounds(jb_u32 s[8], const jb_u32 *w, int n)
{
    for (int t = 0; t < n; t++) {
        jb_u32 t1 = s[7] + JB_C_BSIG1(s[4]) + JB_C_CH(s[4], s[5], s[6]) + jb_k_table[t] + w[t];
        jb_u32 t2 = JB_C_BSIG0(s[0]) + JB_C_MAJ(s[0], s[1], s[2]);
        s[7] = s[6]; s[6] = s[5]; s[5] = s[4]; s[4] = s[3] + t1;
        s[3] = s[2]; s[2] = s[1]; s[1] = s[0]; s[0] = t1 + t2;
    }
}

/* Fill the nonce-free precompute of an 80-byte header (its nonce bytes are ignored). */
static inline void jb_precompute(jb_pre *p, const unsigned char header[80])
{
    static const jb_u32 iv[8] = {JB_IV0, JB_IV1, JB_IV2, JB_IV3,
                                 JB_IV4, JB_IV5, JB_IV6, JB_IV7};
    jb_u32 w[64], s[8];
    for (int t = 0; t < 16; t++) w[t] = jb_load_be32(header + 4 * t);
    for (int t = 16; t < 64; t++)
        w[t] = JB_C_SSIG1(w[t - 2]) + w[t - 7] + JB_C_SSIG0(w[t - 15]) + w[t - 16];
    for (int i = 0; i < 8; i++) s[i] = iv[i];
    jb_host_rounds(s, w, 64);
    for (int i = 0; i < 8; i++) p->mid[i] = s[i] + iv[i];

    /* Block 2 with W3 = 0: the nonce enters only through W3, which adds linearly. */
    for (int t = 0; t < 3; t++) w[t] = jb_load_be32(header + 64 + 4 * t);
    w[3] = 0; w[4] = 0x80000000u; w[15] = 640u;
    for (int t = 5; t < 15; t++) w[t] = 0;
    for (int i = 0; i < 8; i++) s[i] = p->mid[i];
    jb_host_rounds(s, w, 4);
    for (int i = 0; i < 8; i++) p->st[i] = s[i];
    for (int t = 16; t < 20; t++)
        w[t] = JB_C_SSIG1(w[t - 2]) + w[t - 7] + JB_C_SSIG0(w[t - 15]) + w[t - 16];
    p->w16 = w[16];
    p->w17 = w[17];
    p->w18p = w[18] - JB_C_SSIG0(0u);  /* = s1(W16) + W2 */
    p->w19p = w[19];                   /* = s1(W17) + s0(W4), W3 = 0 here */
    p->w31p = JB_C_SSIG0(w[16]) + 640u;
    p->w32p = JB_C_SSIG0(w[17]) + w[16];
    p->kw16 = JB_K16 + w[16];
    p->kw17 = JB_K17 + w[17];
}

#endif /* !__CUDACC__ */
#endif /* JB_SHA256D_CORE_H */

/* The generic functions: compiled when the includer has defined the word-vector macros. */
#if defined(JB_W) && !defined(JB_SHA256D_CORE_FNS)
#define JB_SHA256D_CORE_FNS

/* ---- generic word-vector operations --------------------------------------------------------- */

#ifndef JB_XOR3
#define JB_XOR3(a, b, c) JB_XOR(JB_XOR(a, b), c)
#endif
#define JB_BSIG0(x) JB_XOR3(JB_ROTR(x, 2), JB_ROTR(x, 13), JB_ROTR(x, 22))
#define JB_BSIG1(x) JB_XOR3(JB_ROTR(x, 6), JB_ROTR(x, 11), JB_ROTR(x, 25))
#define JB_SSIG0(x) JB_XOR3(JB_ROTR(x, 7), JB_ROTR(x, 18), JB_SHR(x, 3))
#define JB_SSIG1(x) JB_XOR3(JB_ROTR(x, 17), JB_ROTR(x, 19), JB_SHR(x, 10))
#define JB_KC(c) JB_SET1((jb_u32)(c))

/* One round: d += T1, h = T1 + S0(a) + Maj(a,b,c); kw is K[t] + W[t]. */
#define JB_RND(a, b, c, d, e, f, g, h, kw)                                           \
    do {                                                                             \
        JB_W t1_ = JB_ADD(JB_ADD(JB_ADD(h, kw), JB_CH(e, f, g)), JB_BSIG1(e));       \
        d = JB_ADD(d, t1_);                                                          \
        h = JB_ADD(JB_ADD(t1_, JB_BSIG0(a)), JB_MAJ(a, b, c));                       \
    } while (0)
/* Half round for the early reject: only d (the next e) is needed. */
#define JB_RND_E(a, b, c, d, e, f, g, h, kw)                                         \
    do {                                                                             \
        d = JB_ADD(d, JB_ADD(JB_ADD(JB_ADD(h, kw), JB_CH(e, f, g)), JB_BSIG1(e)));   \
    } while (0)

/* Round t with the state variables a..h rotated by t mod 8. */
#define JB_R0(kw) JB_RND(a, b, c, d, e, f, g, h, kw)
#define JB_R1(kw) JB_RND(h, a, b, c, d, e, f, g, kw)
#define JB_R2(kw) JB_RND(g, h, a, b, c, d, e, f, kw)
#define JB_R3(kw) JB_RND(f, g, h, a, b, c, d, e, kw)
#define JB_R4(kw) JB_RND(e, f, g, h, a, b, c, d, kw)
#define JB_R5(kw) JB_RND(d, e, f, g, h, a, b, c, kw)
#define JB_R6(kw) JB_RND(c, d, e, f, g, h, a, b, kw)
#define JB_R7(kw) JB_RND(b, c, d, e, f, g, h, a, kw)

/* Round t with a message word w: K[t] + w. */
#define JB_KW(t, w) JB_ADD(JB_KC(JB_K##t), w)
/* Message schedule: W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]. */
#define JB_WS(w2, w7, w15, w16) \
    JB_ADD(JB_ADD(JB_SSIG1(w2), w7), JB_ADD(JB_SSIG0(w15), w16))
/* Round t (rotation r = t mod 8) with W[t] scheduled just before it, to keep few words live:
 * arguments t, t-2, t-7, t-15, t-16. */
#define JB_RW(r, t, t2, t7, t15, t16)                                                \
    JB_W w##t = JB_WS(w##t2, w##t7, w##t15, w##t16);                                 \
    JB_R##r(JB_KW(t, w##t))

/* Rounds 33..55 have no constant words in either hash. */
#define JB_ROUNDS_33_TO_55                                                           \
    JB_RW(1, 33, 31, 26, 18, 17); JB_RW(2, 34, 32, 27, 19, 18);                      \
    JB_RW(3, 35, 33, 28, 20, 19); JB_RW(4, 36, 34, 29, 21, 20);                      \
    JB_RW(5, 37, 35, 30, 22, 21); JB_RW(6, 38, 36, 31, 23, 22);                      \
    JB_RW(7, 39, 37, 32, 24, 23); JB_RW(0, 40, 38, 33, 25, 24);                      \
    JB_RW(1, 41, 39, 34, 26, 25); JB_RW(2, 42, 40, 35, 27, 26);                      \
    JB_RW(3, 43, 41, 36, 28, 27); JB_RW(4, 44, 42, 37, 29, 28);                      \
    JB_RW(5, 45, 43, 38, 30, 29); JB_RW(6, 46, 44, 39, 31, 30);                      \
    JB_RW(7, 47, 45, 40, 32, 31); JB_RW(0, 48, 46, 41, 33, 32);                      \
    JB_RW(1, 49, 47, 42, 34, 33); JB_RW(2, 50, 48, 43, 35, 34);                      \
    JB_RW(3, 51, 49, 44, 36, 35); JB_RW(4, 52, 50, 45, 37, 36);                      \
    JB_RW(5, 53, 51, 46, 38, 37); JB_RW(6, 54, 52, 47, 39, 38);                      \
    JB_RW(7, 55, 53, 48, 40, 39)
/* Rounds 56..63, complete. */
#define JB_ROUNDS_56_TO_63                                                           \
    JB_RW(0, 56, 54, 49, 41, 40); JB_RW(1, 57, 55, 50, 42, 41);                      \
    JB_RW(2, 58, 56, 51, 43, 42); JB_RW(3, 59, 57, 52, 44, 43);                      \
    JB_RW(4, 60, 58, 53, 45, 44); JB_RW(5, 61, 59, 54, 46, 45);                      \
    JB_RW(6, 62, 60, 55, 47, 46); JB_RW(7, 63, 61, 56, 48, 47)

/* ---- the first SHA-256: block 2 of the header from the midstate ---------------------------- */

JB_FN void jb_hash1(const jb_pre *p, JB_W w3, JB_W hout[8])
{
    /* State at round 4 (rounds 0-3 precomputed, the nonce added to a and e), held in the
     * variables that round 4's rotation (JB_R4) reads as a..h. */
    JB_W e = JB_ADD(JB_SET1(p->st[0]), w3), f = JB_SET1(p->st[1]);
    JB_W g = JB_SET1(p->st[2]), h = JB_SET1(p->st[3]);
    JB_W a = JB_ADD(JB_SET1(p->st[4]), w3), b = JB_SET1(p->st[5]);
    JB_W c = JB_SET1(p->st[6]), d = JB_SET1(p->st[7]);
    /* Rounds 4..15: W4 = 0x80000000, W5..W14 = 0, W15 = 640, all folded into K. */
    JB_R4(JB_KC(JB_K4 + 0x80000000u)); JB_R5(JB_KC(JB_K5));
    JB_R6(JB_KC(JB_K6)); JB_R7(JB_KC(JB_K7));
    JB_R0(JB_KC(JB_K8)); JB_R1(JB_KC(JB_K9)); JB_R2(JB_KC(JB_K10)); JB_R3(JB_KC(JB_K11));
    JB_R4(JB_KC(JB_K12)); JB_R5(JB_KC(JB_K13)); JB_R6(JB_KC(JB_K14));
    JB_R7(JB_KC(JB_K15 + 640u));
    /* Rounds 16..32: schedule terms that are zero or nonce-free are folded. */
    JB_R0(JB_SET1(p->kw16));
    JB_R1(JB_SET1(p->kw17));
    JB_W w18 = JB_ADD(JB_SET1(p->w18p), JB_SSIG0(w3));
    JB_R2(JB_KW(18, w18));
    JB_W w19 = JB_ADD(JB_SET1(p->w19p), w3);
    JB_R3(JB_KW(19, w19));
    JB_W w20 = JB_ADD(JB_SSIG1(w18), JB_KC(0x80000000u));
    JB_R4(JB_KW(20, w20));
    JB_W w21 = JB_SSIG1(w19);
    JB_R5(JB_KW(21, w21));
    JB_W w22 = JB_ADD(JB_SSIG1(w20), JB_KC(640u));
    JB_R6(JB_KW(22, w22));
    JB_W w23 = JB_ADD(JB_SSIG1(w21), JB_SET1(p->w16));
    JB_R7(JB_KW(23, w23));
    JB_W w17 = JB_SET1(p->w17);
    JB_W w24 = JB_ADD(JB_SSIG1(w22), w17);
    JB_R0(JB_KW(24, w24));
    JB_W w25 = JB_ADD(JB_SSIG1(w23), w18);
    JB_R1(JB_KW(25, w25));
    JB_W w26 = JB_ADD(JB_SSIG1(w24), w19);
    JB_R2(JB_KW(26, w26));
    JB_W w27 = JB_ADD(JB_SSIG1(w25), w20);
    JB_R3(JB_KW(27, w27));
    JB_W w28 = JB_ADD(JB_SSIG1(w26), w21);
    JB_R4(JB_KW(28, w28));
    JB_W w29 = JB_ADD(JB_SSIG1(w27), w22);
    JB_R5(JB_KW(29, w29));
    JB_W w30 = JB_ADD(JB_ADD(JB_SSIG1(w28), w23), JB_KC(JB_C_SSIG0(640u)));
    JB_R6(JB_KW(30, w30));
    JB_W w31 = JB_ADD(JB_ADD(JB_SSIG1(w29), w24), JB_SET1(p->w31p));
    JB_R7(JB_KW(31, w31));
    JB_W w32 = JB_ADD(JB_ADD(JB_SSIG1(w30), w25), JB_SET1(p->w32p));
    JB_R0(JB_KW(32, w32));
    JB_ROUNDS_33_TO_55;
    JB_ROUNDS_56_TO_63;
    hout[0] = JB_ADD(a, JB_SET1(p->mid[0])); hout[1] = JB_ADD(b, JB_SET1(p->mid[1]));
    hout[2] = JB_ADD(c, JB_SET1(p->mid[2])); hout[3] = JB_ADD(d, JB_SET1(p->mid[3]));
    hout[4] = JB_ADD(e, JB_SET1(p->mid[4])); hout[5] = JB_ADD(f, JB_SET1(p->mid[5]));
    hout[6] = JB_ADD(g, JB_SET1(p->mid[6])); hout[7] = JB_ADD(h, JB_SET1(p->mid[7]));
}

/* ---- the second SHA-256: the 32-byte digest x[0..7], one block from the IV ---------------- */

/* Declares the state and runs rounds 1..55 (round 0 folded): the part both endings share. */
#define JB_HASH2_TO_ROUND_56(x)                                                      \
    /* state at round 1 in the variables round 1's rotation (JB_R1) reads as a..h */ \
    JB_W h = JB_ADD(JB_KC(JB_H2_A1), x[0]), a = JB_KC(JB_IV0);                       \
    JB_W b = JB_KC(JB_IV1), c = JB_KC(JB_IV2);                                       \
    JB_W d = JB_ADD(JB_KC(JB_H2_E1), x[0]), e = JB_KC(JB_IV4);                       \
    JB_W f = JB_KC(JB_IV5), g = JB_KC(JB_IV6);                                       \
    JB_R1(JB_KW(1, x[1])); JB_R2(JB_KW(2, x[2])); JB_R3(JB_KW(3, x[3]));             \
    JB_R4(JB_KW(4, x[4])); JB_R5(JB_KW(5, x[5])); JB_R6(JB_KW(6, x[6]));             \
    JB_R7(JB_KW(7, x[7]));                                                           \
    JB_R0(JB_KC(JB_K8 + 0x80000000u)); JB_R1(JB_KC(JB_K9)); JB_R2(JB_KC(JB_K10));    \
    JB_R3(JB_KC(JB_K11)); JB_R4(JB_KC(JB_K12)); JB_R5(JB_KC(JB_K13));                \
    JB_R6(JB_KC(JB_K14)); JB_R7(JB_KC(JB_K15 + 256u));                               \
    JB_W w16 = JB_ADD(JB_SSIG0(x[1]), x[0]);                                         \
    JB_R0(JB_KW(16, w16));                                                           \
    JB_W w17 = JB_ADD(JB_ADD(JB_SSIG0(x[2]), x[1]), JB_KC(JB_C_SSIG1(256u)));        \
    JB_R1(JB_KW(17, w17));                                                           \
    JB_W w18 = JB_ADD(JB_ADD(JB_SSIG1(w16), JB_SSIG0(x[3])), x[2]);                  \
    JB_R2(JB_KW(18, w18));                                                           \
    JB_W w19 = JB_ADD(JB_ADD(JB_SSIG1(w17), JB_SSIG0(x[4])), x[3]);                  \
    JB_R3(JB_KW(19, w19));                                                           \
    JB_W w20 = JB_ADD(JB_ADD(JB_SSIG1(w18), JB_SSIG0(x[5])), x[4]);                  \
    JB_R4(JB_KW(20, w20));                                                           \
    JB_W w21 = JB_ADD(JB_ADD(JB_SSIG1(w19), JB_SSIG0(x[6])), x[5]);                  \
    JB_R5(JB_KW(21, w21));                                                           \
    JB_W w22 = JB_ADD(JB_ADD(JB_SSIG1(w20), JB_SSIG0(x[7])),                         \
                      JB_ADD(x[6], JB_KC(256u)));                                    \
    JB_R6(JB_KW(22, w22));                                                           \
    JB_W w23 = JB_ADD(JB_ADD(JB_SSIG1(w21), w16),                                    \
                      JB_ADD(x[7], JB_KC(JB_C_SSIG0(0x80000000u))));                 \
    JB_R7(JB_KW(23, w23));                                                           \
    JB_W w24 = JB_ADD(JB_ADD(JB_SSIG1(w22), w17), JB_KC(0x80000000u));               \
    JB_R0(JB_KW(24, w24));                                                           \
    JB_W w25 = JB_ADD(JB_SSIG1(w23), w18);                                           \
    JB_R1(JB_KW(25, w25));                                                           \
    JB_W w26 = JB_ADD(JB_SSIG1(w24), w19);                                           \
    JB_R2(JB_KW(26, w26));                                                           \
    JB_W w27 = JB_ADD(JB_SSIG1(w25), w20);                                           \
    JB_R3(JB_KW(27, w27));                                                           \
    JB_W w28 = JB_ADD(JB_SSIG1(w26), w21);                                           \
    JB_R4(JB_KW(28, w28));                                                           \
    JB_W w29 = JB_ADD(JB_SSIG1(w27), w22);                                           \
    JB_R5(JB_KW(29, w29));                                                           \
    JB_W w30 = JB_ADD(JB_ADD(JB_SSIG1(w28), w23), JB_KC(JB_C_SSIG0(256u)));          \
    JB_R6(JB_KW(30, w30));                                                           \
    JB_W w31 = JB_ADD(JB_ADD(JB_SSIG1(w29), w24), JB_ADD(JB_SSIG0(w16), JB_KC(256u))); \
    JB_R7(JB_KW(31, w31));                                                           \
    JB_RW(0, 32, 30, 25, 17, 16);                                                    \
    JB_ROUNDS_33_TO_55

/* Final H7 of sha256d for each lane's nonce word w3; rounds 57..60 only as far as e. */
JB_FN JB_W jb_sha256d_h7(const jb_pre *p, JB_W w3)
{
    JB_W x[8];
    jb_hash1(p, w3, x);
    JB_HASH2_TO_ROUND_56(x);
    JB_RW(0, 56, 54, 49, 41, 40);
    /* From here only e matters: H7 = IV7 + h64 = IV7 + e61, and e61 = a57 + T1(round 60);
     * each half round below adds T1 to the variable that holds the next e. */
    JB_W w57 = JB_WS(w55, w50, w42, w41);
    JB_RND_E(h, a, b, c, d, e, f, g, JB_KW(57, w57));
    JB_W w58 = JB_WS(w56, w51, w43, w42);
    JB_RND_E(g, h, a, b, c, d, e, f, JB_KW(58, w58));
    JB_W w59 = JB_WS(w57, w52, w44, w43);
    JB_RND_E(f, g, h, a, b, c, d, e, JB_KW(59, w59));
    JB_W w60 = JB_WS(w58, w53, w45, w44);
    JB_RND_E(e, f, g, h, a, b, c, d, JB_KW(60, w60));
    return JB_ADD(h, JB_KC(JB_IV7)); /* e61, in round 61's rotation */
}

/* All eight final words H0..H7 of sha256d for each lane's nonce word w3. */
JB_FN void jb_sha256d_full(const jb_pre *p, JB_W w3, JB_W out[8])
{
    JB_W x[8];
    jb_hash1(p, w3, x);
    JB_HASH2_TO_ROUND_56(x);
    JB_ROUNDS_56_TO_63;
    out[0] = JB_ADD(a, JB_KC(JB_IV0)); out[1] = JB_ADD(b, JB_KC(JB_IV1));
    out[2] = JB_ADD(c, JB_KC(JB_IV2)); out[3] = JB_ADD(d, JB_KC(JB_IV3));
    out[4] = JB_ADD(e, JB_KC(JB_IV4)); out[5] = JB_ADD(f, JB_KC(JB_IV5));
    out[6] = JB_ADD(g, JB_KC(JB_IV6)); out[7] = JB_ADD(h, JB_KC(JB_IV7));
}

#endif /* JB_W */
