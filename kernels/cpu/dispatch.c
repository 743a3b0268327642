/* The dispatch table: which paths are compiled in and which this processor can run. */
#include <string.h>

#include "miner.h"

static int always(void) { return 1; }

#if JB_HAVE_X86_PATHS
static int has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

static int has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

/* gcc 12 does not know "sha" for __builtin_cpu_supports: ask CPUID leaf 7 (EBX bit 29). */
static int has_shani(void)
{
    unsigned int a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a < 7) return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    __builtin_cpu_init();
    return ((b >> 29) & 1u) && __builtin_cpu_supports("sse4.1");
}
#endif

const jb_path jb_paths[] = {
#if JB_HAVE_X86_PATHS
    {"avx512", has_avx512, jb_scan_avx512},
    {"sha-ni", has_shani, jb_scan_shani},
    {"avx2", has_avx2, jb_scan_avx2},
#endif
    {"scalar", always, jb_scan_scalar},
    {NULL, NULL, NULL},
};

const jb_path *jb_find_path(const char *name)
{
    for (const jb_path *p = jb_paths; p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}
