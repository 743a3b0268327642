/*
 * The multithreaded driver: threads take fixed-size chunks of the nonce range from a shared
 * counter (so a busy core simply takes fewer chunks) and record candidates in one buffer.
 */
#include <stdlib.h>

#include "miner.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#endif

#define JB_CHUNK 65536u /* nonces per work item: ~1-5 ms on one core, small enough to balance */

#if defined(_MSC_VER)
static uint64_t fetch_add(volatile uint64_t *v, uint64_t d)
{
    return (uint64_t)InterlockedExchangeAdd64((volatile LONG64 *)v, (LONG64)d);
}
#else
static uint64_t fetch_add(uint64_t *v, uint64_t d)
{
    return __atomic_fetch_add(v, d, __ATOMIC_RELAXED);
}
#endif

void jb_hits_add(jb_hits *hits, uint32_t nonce)
{
    uint64_t i = fetch_add(&hits->count, 1);
    if (i < hits->cap) hits->nonces[i] = nonce;
}

typedef struct job {
    jb_scan_fn scan;
    const jb_pre *p;
    uint64_t start, end, next; /* next: offset of the next unclaimed chunk (atomic) */
    uint32_t top;
    jb_hits *hits;
} job;

static void run_job(job *j)
{
    for (;;) {
        uint64_t lo = j->start + fetch_add(&j->next, JB_CHUNK);
        if (lo >= j->end) return;
        uint64_t hi = lo + JB_CHUNK < j->end ? lo + JB_CHUNK : j->end;
        j->scan(j->p, lo, hi, j->top, j->hits);
    }
}

#if defined(_WIN32)
static DWORD WINAPI thread_main(LPVOID arg) { run_job((job *)arg); return 0; }
#else
static void *thread_main(void *arg) { run_job((job *)arg); return NULL; }
#endif

void jb_scan_threads(jb_scan_fn scan, const jb_pre *p, uint64_t start, uint64_t count,
                    uint32_t top, int threads, jb_hits *hits)
{
    job j = {scan, p, start, start + count, 0, top, hits};
    uint64_t chunks = (count + JB_CHUNK - 1) / JB_CHUNK;
    int extra = threads - 1, started = 0;
    if ((uint64_t)extra >= chunks) extra = chunks > 0 ? (int)chunks - 1 : 0;
#if defined(_WIN32)
    HANDLE *tid = extra > 0 ? malloc(sizeof(HANDLE) * (size_t)extra) : NULL;
#else
    pthread_t *tid = extra > 0 ? malloc(sizeof(pthread_t) * (size_t)extra) : NULL;
#endif
    if (!tid) extra = 0; /* no memory for thread handles: this thread does it all */
    for (; started < extra; started++) {
#if defined(_WIN32)
        tid[started] = CreateThread(NULL, 0, thread_main, &j, 0, NULL);
        if (!tid[started]) break; /* fewer workers; the range still gets done */
#else
        if (pthread_create(&tid[started], NULL, thread_main, &j) != 0) break; /* fewer workers */
#endif
    }
    run_job(&j); /* the calling thread works too; the others share what is left */
    for (int i = 0; i < started; i++) {
#if defined(_WIN32)
        WaitForSingleObject(tid[i], INFINITE);
        CloseHandle(tid[i]);
#else
        pthread_join(tid[i], NULL);
#endif
    }
    free(tid);
}
