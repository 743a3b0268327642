/*
 * miner.h: what the CPU miner's files share: the hit buffer, the scan functions of each
 * dispatch path, and the multithreaded driver.
 *
 * A scan function hashes every nonce in [lo, hi) of one header (through its jb_pre
 * precompute) and records each CANDIDATE nonce: bswap32(H7) <= top, with top the target's
 * most significant 32-bit word. Candidates get a full 256-bit check on the host.
 */
#ifndef JB_CPU_MINER_H
#define JB_CPU_MINER_H

#include <stdint.h>

#include "sha256d_core.h"

/* Compile-time availability of the x86 paths (run-time checks are in dispatch.c); define
 * JB_NO_X86_PATHS to build the portable path alone, as on any other processor. */
#if !defined(JB_NO_X86_PATHS) && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define JB_HAVE_X86_PATHS 1
#else
#define JB_HAVE_X86_PATHS 0
#endif

/* The bounded result buffer shared by all threads. `count` counts every candidate seen, also
 * those that did not fit: count > cap means overflow, reported, never silently dropped. */
typedef struct jb_hits {
    uint32_t *nonces;
    uint64_t cap;
    uint64_t count; /* updated atomically */
} jb_hits;

void jb_hits_add(jb_hits *hits, uint32_t nonce);

typedef void (*jb_scan_fn)(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top,
                           jb_hits *hits);

/* One dispatch path: its name, whether this CPU runs it, and its scan function. */
typedef struct jb_path {
    const char *name;
    int (*supported)(void);
    jb_scan_fn scan;
} jb_path;

void jb_scan_scalar(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top, jb_hits *hits);
/* The 32-byte sha256d digest of one nonce through the core's full function (jb_sha256d_full). */
void jb_digest_scalar(const jb_pre *p, uint32_t nonce, unsigned char out[32]);
#if JB_HAVE_X86_PATHS
void jb_scan_avx2(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top, jb_hits *hits);
void jb_scan_avx512(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top, jb_hits *hits);
void jb_scan_shani(const jb_pre *p, uint64_t lo, uint64_t hi, uint32_t top, jb_hits *hits);
#endif

/* Every path compiled in, best first; terminated by a NULL name. */
extern const jb_path jb_paths[];
const jb_path *jb_find_path(const char *name);

/* Scan [start, start + count) on up to `threads` threads (count <= 2^32 - start); a thread
 * that cannot be started only leaves more of the range to the others and the calling thread. */
void jb_scan_threads(jb_scan_fn scan, const jb_pre *p, uint64_t start, uint64_t count,
                    uint32_t top, int threads, jb_hits *hits);

static inline uint32_t jb_bswap32(uint32_t x)
{
    return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

#endif /* JB_CPU_MINER_H */
