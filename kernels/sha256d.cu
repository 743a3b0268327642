/*
 * sha256d.cu: the CUDA nonce search of joulebench, built at run time by NVRTC (through CuPy)
 * for the device's own architecture, and by nvcc in the tests (register and spill checks).
 *
 * The rounds are the shared core's (sha256d_core.h, also compiled for the CPU paths); this file
 * only says what a word is on a GPU and how the search is laid out:
 *   - one word per thread (JB_W = 32-bit unsigned); rotates are funnel shifts (SHF.R.W), the
 *     three-input logic (Ch, Maj, the xor of three rotates) is written as plain expressions
 *     that ptxas folds into single LOP3 instructions, and chained adds become IADD3;
 *   - JB_IMAD_ADDS=1 builds a variant that moves the adds and plain shifts from the ALU pipe
 *     (which the SHF and LOP3 instructions saturate) to the FMA pipe as IMADs, and =2 also
 *     one rotate of each Sigma1; the miner times the variants on the device, keeps the fastest;
 *   - the host precompute (midstate, rounds 0-3 of block 2, nonce-free message words: 24
 *     words, the core's jb_pre) arrives as kernel parameters, so every nonce-free value is a
 *     constant-bank operand or a uniform register, never per-thread work;
 *   - each thread hashes JB_NONCES_PER_THREAD consecutive nonces;
 *   - early reject: only the final H7 is computed (rounds 61-63 of the second hash skipped);
 *     a nonce whose hash's top 32 bits (bswap of H7) are <= target_hi is a candidate;
 *   - candidates go to a bounded global list through an atomic counter; a full list raises
 *     the overflow flag instead of writing past the end. The host re-hashes every candidate
 *     with hashlib before reporting it.
 * Under NVRTC (__CUDACC_RTC__) nothing is included from the system.
 */

#define JB_W jb_u32
#define JB_FN static __device__ __forceinline__
#define JB_XOR(a, b) ((a) ^ (b))
#define JB_XOR3(a, b, c) ((a) ^ (b) ^ (c))
#define JB_ROTR(x, n) __funnelshift_r((x), (x), (n))
#define JB_CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define JB_MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

#ifndef JB_IMAD_ADDS
#define JB_IMAD_ADDS 0
#endif
#if !JB_IMAD_ADDS
/* Plain words: ptxas picks IADD3 (ALU pipe) or IMAD.IADD (FMA pipe) for each add itself. */
#define JB_SET1(c) ((jb_u32)(c))
#define JB_ADD(a, b) ((a) + (b))
#define JB_SHR(x, n) ((x) >> (n))
#else
/* Pipe balancing: SHF and LOP3 run only on the ALU pipe, and there they are the bulk of the
 * work. So every add of two per-thread values becomes an IMAD (a * 1 + b), which issues to the
 * FMA pipe; the 1 lives in constant memory, so ptxas cannot turn it back into an IADD3.
 * Constants (JB_SET1) get their own type, so that adding one stays a plain add with an
 * immediate or constant-bank operand. The schedule's plain right shifts become the high word
 * of a product (IMAD.HI), also on the FMA pipe. */
__constant__ unsigned int jb_one = 1u;
struct jb_k {
    unsigned int v;
    __device__ __forceinline__ operator unsigned int() const { return v; }
};
#define JB_SET1(c) (jb_k{(unsigned int)(c)})
static __device__ __forceinline__ unsigned int jb_add(unsigned int a, unsigned int b)
{
#if defined(__CUDA_ARCH__)
    unsigned int r;
    asm("mad.lo.u32 %0, %1, %2, %3;" : "=r"(r) : "r"(a), "r"(jb_one), "r"(b));
    return r;
#else /* the tests' host emulation of this file */
    return a * jb_one + b;
#endif
}
static __device__ __forceinline__ unsigned int jb_add(jb_k a, unsigned int b) { return a.v + b; }
static __device__ __forceinline__ unsigned int jb_add(unsigned int a, jb_k b) { return a + b.v; }
#define JB_ADD(a, b) jb_add((a), (b))
#define JB_SHR(x, n) __umulhi((x), 1u << (32 - (n)))
#if JB_IMAD_ADDS >= 2
/* Level 2 also moves one of the three rotates of each round's Sigma1 to the FMA pipe: the
 * 64-bit product x * 2^(32-n) holds x << (32-n) in its low word and x >> n in its high word
 * (IMAD.WIDE), and their sum (an IMAD) is the rotate. Rotates stay lazy (jb_rot) until the
 * three-way xor, which knows which sigma it is computing. */
struct jb_rot {
    unsigned int x;
    int n;
};
#undef JB_ROTR
#define JB_ROTR(x, n) (jb_rot{(unsigned int)(x), (n)})
static __device__ __forceinline__ unsigned int jb_rotr(jb_rot r)
{
    return __funnelshift_r(r.x, r.x, r.n);
}
/* The powers of two sit in constant memory: a literal one would let ptxas split the product
 * back into two shifts on the ALU pipe. */
__constant__ unsigned int jb_pow2[32] = {
    1u << 0,  1u << 1,  1u << 2,  1u << 3,  1u << 4,  1u << 5,  1u << 6,  1u << 7,
    1u << 8,  1u << 9,  1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14, 1u << 15,
    1u << 16, 1u << 17, 1u << 18, 1u << 19, 1u << 20, 1u << 21, 1u << 22, 1u << 23,
    1u << 24, 1u << 25, 1u << 26, 1u << 27, 1u << 28, 1u << 29, 1u << 30, 1u << 31};
static __device__ __forceinline__ unsigned int jb_rotr_fma(jb_rot r)
{
#if defined(__CUDA_ARCH__)
    unsigned long long p;
    asm("mul.wide.u32 %0, %1, %2;" : "=l"(p) : "r"(r.x), "r"(jb_pow2[32 - r.n]));
#else /* the tests' host emulation of this file */
    unsigned long long p = (unsigned long long)r.x * jb_pow2[32 - r.n];
#endif
    return jb_add((unsigned int)p, (unsigned int)(p >> 32));
}
static __device__ __forceinline__ unsigned int jb_xor3(jb_rot a, jb_rot b, jb_rot c)
{
    /* Sigma1 rotates by 6, 11, 25 (a.n is a literal after inlining). Doing the same in
     * Sigma0 tips the balance the other way: ptxas then moves adds back to the ALU. */
    return jb_rotr(a) ^ jb_rotr(b) ^ (a.n == 6 ? jb_rotr_fma(c) : jb_rotr(c));
}
static __device__ __forceinline__ unsigned int jb_xor3(jb_rot a, jb_rot b, unsigned int c)
{
    return jb_rotr(a) ^ jb_rotr(b) ^ c; /* the message-schedule sigmas: c is a plain shift */
}
#undef JB_XOR3
#define JB_XOR3(a, b, c) jb_xor3((a), (b), (c))
#endif
#endif

#include "sha256d_core.h"

#ifndef JB_NONCES_PER_THREAD
#define JB_NONCES_PER_THREAD 32
#endif
#ifndef JB_BLOCK_THREADS
#define JB_BLOCK_THREADS 256
#endif

/* Byte swap: SHA-256 reads the little-endian nonce big-endian, and the hash's top 32 bits in
 * the little-endian 256-bit reading are H7 byte-swapped. */
static __device__ __forceinline__ jb_u32 jb_bswap32(jb_u32 x)
{
    return __byte_perm(x, 0u, 0x0123u);
}

/* Record one candidate: slot from the counter, or the overflow flag when the list is full. */
static __device__ __noinline__ void jb_record(jb_u32 nonce, jb_u32 *found, jb_u32 *counter,
                                              jb_u32 capacity)
{
    jb_u32 slot = atomicAdd(&counter[0], 1u);
    if (slot < capacity)
        found[slot] = nonce;
    else
        atomicExch(&counter[1], 1u);
}

/* The 24 precompute words arrive as scalars (p0..p23, the order of jb_pre): scalar kernel
 * arguments need nothing from the launcher beyond 32-bit integers. */
#define JB_P(i) jb_u32 p##i
extern "C" __global__ void __launch_bounds__(JB_BLOCK_THREADS)
sha256d_search(JB_P(0), JB_P(1), JB_P(2), JB_P(3), JB_P(4), JB_P(5), JB_P(6), JB_P(7),
               JB_P(8), JB_P(9), JB_P(10), JB_P(11), JB_P(12), JB_P(13), JB_P(14), JB_P(15),
               JB_P(16), JB_P(17), JB_P(18), JB_P(19), JB_P(20), JB_P(21), JB_P(22), JB_P(23),
               jb_u32 nonce_start, jb_u32 nonce_count, jb_u32 target_hi,
               jb_u32 *found, jb_u32 *counter, jb_u32 capacity)
{
    const jb_pre pre = {{p0, p1, p2, p3, p4, p5, p6, p7},
                        {p8, p9, p10, p11, p12, p13, p14, p15},
                        p16, p17, p18, p19, p20, p21, p22, p23};
    const jb_u32 first = (blockIdx.x * blockDim.x + threadIdx.x) * JB_NONCES_PER_THREAD;
    if (first >= nonce_count)
        return;
    const jb_u32 n = min(nonce_count - first, (jb_u32)JB_NONCES_PER_THREAD);
    jb_u32 nonce = nonce_start + first;
#pragma unroll 1
    for (jb_u32 i = 0; i < n; i++, nonce++) {
        jb_u32 h7 = jb_sha256d_h7(&pre, jb_bswap32(nonce));
        if (jb_bswap32(h7) <= target_hi)
            jb_record(nonce, found, counter, capacity);
    }
}
