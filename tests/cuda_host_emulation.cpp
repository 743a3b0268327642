/*
 * Runs kernels/sha256d.cu, the exact source NVRTC compiles, on the CPU: the few CUDA builtins
 * it uses are given plain C++ definitions here, and the grid is walked block by block, thread
 * by thread. A machine without a GPU thereby checks the kernel's own word macros, nonce layout,
 * early reject and candidate list against hashlib (tests/test_cuda_build.py).
 *
 * argv: 24 precompute words, nonce_start, nonce_count, target_hi, capacity, block_threads
 *       (all decimal). Prints "count overflow" then one candidate nonce per line.
 */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

struct jb_dim3 {
    unsigned x, y, z;
};
static jb_dim3 blockIdx, blockDim, threadIdx;

#define __global__
#define __device__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __constant__
#define __CUDACC__ 1 /* the core leaves out its host precompute under CUDA */
using std::min;

static inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned shift)
{
    unsigned long long both = ((unsigned long long)hi << 32) | lo;
    return (unsigned)(both >> (shift & 31u));
}

static inline unsigned __byte_perm(unsigned x, unsigned y, unsigned selector)
{
    unsigned long long bytes = ((unsigned long long)y << 32) | x;
    unsigned out = 0;
    for (int i = 0; i < 4; i++) {
        unsigned pick = (selector >> (4 * i)) & 7u;
        out |= (unsigned)((bytes >> (8 * pick)) & 0xffu) << (8 * i);
    }
    return out;
}

static inline unsigned __umulhi(unsigned a, unsigned b)
{
    return (unsigned)(((unsigned long long)a * b) >> 32);
}

static inline unsigned atomicAdd(unsigned *p, unsigned v)
{
    unsigned old = *p;
    *p = old + v;
    return old;
}

static inline unsigned atomicExch(unsigned *p, unsigned v)
{
    unsigned old = *p;
    *p = v;
    return old;
}

#include "../kernels/sha256d.cu"

int main(int argc, char **argv)
{
    if (argc != 1 + 24 + 5) {
        std::fprintf(stderr, "usage: 24 precompute words, start, count, target_hi, capacity, "
                             "block_threads\n");
        return 2;
    }
    unsigned v[29];
    for (int i = 0; i < 29; i++) v[i] = (unsigned)std::strtoul(argv[i + 1], nullptr, 10);
    unsigned start = v[24], count = v[25], target_hi = v[26], capacity = v[27];
    blockDim = {v[28], 1, 1};
    std::vector<unsigned> found(capacity + 1);
    unsigned counter[2] = {0, 0};
    unsigned long long per_block = (unsigned long long)blockDim.x * JB_NONCES_PER_THREAD;
    unsigned blocks = (unsigned)((count + per_block - 1) / per_block);
    for (blockIdx.x = 0; blockIdx.x < blocks; blockIdx.x++)
        for (threadIdx.x = 0; threadIdx.x < blockDim.x; threadIdx.x++)
            sha256d_search(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                           v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18], v[19],
                           v[20], v[21], v[22], v[23], start, count, target_hi, found.data(),
                           counter, capacity);
    std::printf("%u %u\n", counter[0], counter[1]);
    for (unsigned i = 0; i < std::min(counter[0], capacity); i++) std::printf("%u\n", found[i]);
    return 0;
}
