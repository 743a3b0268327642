/* Placeholder until the CPU miner lands: an importable, empty extension module. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_cpuminer", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__cpuminer(void) { return PyModule_Create(&mod); }
