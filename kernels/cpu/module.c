/*
 * bench.mining._cpuminer: the Python binding of the native CPU miner.
 *
 *   paths() -> list[str]            dispatch paths this processor runs, best first
 *   compiled_paths() -> list[str]   every path this build contains
 *   precompute(header80) -> tuple[int, ...]   the JB_PRE_WORDS words of jb_pre (for CUDA hosts)
 *   digest(header80, nonce) -> bytes   sha256d through the core's full 8-word function (checks)
 *   scan(header80, start, count, top, path, threads, capacity) -> (nonces, candidates)
 *       hashes every nonce in [start, start + count) with the GIL released; returns up to
 *       `capacity` candidate nonces (unsorted; bswap32(H7) <= top) and how many candidates
 *       there were in all: candidates > len(nonces) means the buffer overflowed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

#include "miner.h"

#define JB_MAX_CAPACITY (1u << 26) /* 256 MiB of nonces: a bound, not a target */

static PyObject *path_list(int only_supported)
{
    PyObject *out = PyList_New(0);
    for (const jb_path *p = jb_paths; out && p->name; p++) {
        if (only_supported && !p->supported()) continue;
        PyObject *s = PyUnicode_FromString(p->name);
        if (!s || PyList_Append(out, s) < 0) Py_CLEAR(out);
        Py_XDECREF(s);
    }
    return out;
}

static PyObject *py_paths(PyObject *self, PyObject *args)
{
    (void)self, (void)args;
    return path_list(1);
}

static PyObject *py_compiled_paths(PyObject *self, PyObject *args)
{
    (void)self, (void)args;
    return path_list(0);
}

static int header_arg(Py_buffer *buf)
{
    if (buf->len == 80) return 0;
    PyErr_Format(PyExc_ValueError, "a header is 80 bytes, got %zd", buf->len);
    return -1;
}

static PyObject *py_precompute(PyObject *self, PyObject *args)
{
    Py_buffer buf;
    jb_pre pre;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*", &buf)) return NULL;
    if (header_arg(&buf) < 0) { PyBuffer_Release(&buf); return NULL; }
    jb_precompute(&pre, (const unsigned char *)buf.buf);
    PyBuffer_Release(&buf);
    const jb_u32 *w = (const jb_u32 *)&pre;
    PyObject *out = PyTuple_New(JB_PRE_WORDS);
    for (int i = 0; out && i < JB_PRE_WORDS; i++) {
        PyObject *v = PyLong_FromUnsignedLong(w[i]);
        if (!v) { Py_CLEAR(out); break; }
        PyTuple_SET_ITEM(out, i, v);
    }
    return out;
}

static PyObject *py_digest(PyObject *self, PyObject *args)
{
    Py_buffer buf;
    unsigned long long nonce;
    jb_pre pre;
    unsigned char out[32];
    (void)self;
    if (!PyArg_ParseTuple(args, "y*K", &buf, &nonce)) return NULL;
    if (header_arg(&buf) < 0 || nonce > 0xFFFFFFFFull) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "nonce must be a uint32");
        PyBuffer_Release(&buf);
        return NULL;
    }
    jb_precompute(&pre, (const unsigned char *)buf.buf);
    PyBuffer_Release(&buf);
    jb_digest_scalar(&pre, (uint32_t)nonce, out);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

static const char *check_scan_args(long long start, long long count, long long top,
                                   int threads, long long capacity)
{
    if (start < 0 || start > 0xFFFFFFFFLL) return "start must be in [0, 2**32)";
    if (count < 0 || count > 0x100000000LL - start) return "count must be in [0, 2**32 - start]";
    if (top < 0 || top > 0xFFFFFFFFLL) return "top must be a uint32";
    if (threads < 1 || threads > 4096) return "threads must be in [1, 4096]";
    if (capacity < 0 || capacity > JB_MAX_CAPACITY) return "capacity must be in [0, 2**26]";
    return NULL;
}

static PyObject *scan_result(const jb_hits *hits)
{
    uint64_t kept = hits->count < hits->cap ? hits->count : hits->cap;
    PyObject *list = PyList_New((Py_ssize_t)kept);
    for (uint64_t i = 0; list && i < kept; i++) {
        PyObject *v = PyLong_FromUnsignedLong(hits->nonces[i]);
        if (!v) { Py_CLEAR(list); break; }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    if (!list) return NULL;
    return Py_BuildValue("(NK)", list, (unsigned long long)hits->count);
}

static PyObject *py_scan(PyObject *self, PyObject *args)
{
    Py_buffer buf;
    long long start, count, top, capacity;
    const char *name;
    int threads;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*LLLsiL", &buf, &start, &count, &top, &name, &threads,
                          &capacity))
        return NULL;
    const char *bad = check_scan_args(start, count, top, threads, capacity);
    const jb_path *path = jb_find_path(name);
    if (!bad && header_arg(&buf) < 0) bad = "";
    if (!bad && (!path || !path->supported())) bad = "path not available on this CPU";
    if (bad) {
        if (*bad) PyErr_Format(PyExc_ValueError, "%s (path %s)", bad, name);
        PyBuffer_Release(&buf);
        return NULL;
    }
    jb_pre pre;
    jb_precompute(&pre, (const unsigned char *)buf.buf);
    PyBuffer_Release(&buf);
    jb_hits hits = {malloc(sizeof(uint32_t) * (size_t)(capacity > 0 ? capacity : 1)),
                    (uint64_t)capacity, 0};
    if (!hits.nonces) return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    jb_scan_threads(path->scan, &pre, (uint64_t)start, (uint64_t)count, (uint32_t)top, threads,
                    &hits);
    Py_END_ALLOW_THREADS
    PyObject *out = scan_result(&hits);
    free(hits.nonces);
    return out;
}

static PyMethodDef methods[] = {
    {"paths", py_paths, METH_NOARGS, "Dispatch paths this processor runs, best first."},
    {"compiled_paths", py_compiled_paths, METH_NOARGS, "Every path in this build."},
    {"precompute", py_precompute, METH_VARARGS, "The jb_pre words of an 80-byte header."},
    {"digest", py_digest, METH_VARARGS, "sha256d of the header with a nonce, by the core."},
    {"scan", py_scan, METH_VARARGS, "Candidate nonces of a range: (nonces, candidates)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mod = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_cpuminer",
    .m_doc = "The native SHA-256d CPU miner.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__cpuminer(void)
{
    PyObject *m = PyModule_Create(&mod);
    if (m && PyModule_AddIntConstant(m, "PRE_WORDS", JB_PRE_WORDS) < 0) Py_CLEAR(m);
    return m;
}
