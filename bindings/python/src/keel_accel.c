/*
** keel_accel.c -- the C accelerator of the Python binding (issue 4: a call
** from Python into wasm, and a host-function round trip, under 1 us).
**
** This file is not compiled on its own: keel_build.py appends it to the CFFI
** extension's set_source, so it is compiled into the same shared object as
** the CFFI raw layer and the engine (one copy of the engine per process) and
** sees <Python.h> (included first by CFFI) and "keel.h" (included by the
** set_source preamble). It uses only the public keel.h ABI.
**
** keel._ffi calls _keel_accel_install() once at import; it builds the module
** object "keel._accel" and puts it into sys.modules. That module offers:
**
**   FuncCall(param_kinds, result_kinds)
**       a method descriptor for Func.__call__ of a number-only signature
**       (KEEL_I32/I64/F32/F64 kinds as bytes). It converts the arguments
**       straight into 64-bit slots, calls keel_func_call_raw with the GIL
**       released, and builds the result in C. Anything it does not take
**       (keyword arguments such as timeout=, a wrong count, a value of
**       another type or out of range, a keel.Val, a closed Func) goes to the
**       general Python path, which converts or raises the precise error; so
**       both paths behave the same by construction.
**   host_register(token, weakref, fn) -> index / host_unregister(index, token)
**       the table of host states the trampoline reads: entry 'index' holds
**       a weak reference to the host state of 'token' and its callable,
**       borrowed: the state holds it and never changes it (keel._store
**       registers every host function, and unregisters it when the state
**       dies; indexes are reused, tokens never).
**   host_env_new(index, token, param_kinds, result_kinds) / host_env_free(env),
**   host_callback(), host_finalizer()
**       the C trampoline for number-only host functions, to give to
**       keel_func_new. The env holds only the table index and the token,
**       never a Python object: the store may be freed on any thread without
**       the GIL, and a strong reference from C to the state would hide
**       reference cycles through host closures from Python's garbage
**       collector. A stale env (its state died, the index now names
**       another token) finds a different token and reports the function
**       as garbage-collected.
**   configure(...), set_gc_every_use(flag)
**       the Python helpers for the slow paths (error conversion, result
**       conversion with the precise messages) and the debug switch.
**
** Exceptions raised by a host function travel exactly as on the CFFI path:
** keel._errors.host_error_for wraps them in a KEEL_ERROR_HOST error whose
** payload names the exception; the outer call raises the same object.
*/
#ifdef Py_LIMITED_API
#error "keel_accel.c needs the full CPython API: keel_build.py builds with py_limited_api=False"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Python 3.9 (pyproject's minimum) has no Py_NewRef. */
#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *acc_new_ref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}
#define Py_NewRef(o) acc_new_ref((PyObject *)(o))
#endif

/* Calls with more slots than this take a heap buffer. */
#define ACC_STACK_SLOTS 16

/* ---------------------------------------------------------------- state */

/* Python helpers set by configure(); strong references kept for the life of
   the process (the module is never unloaded). */
static PyObject *acc_func_type;    /* keel.Func */
static PyObject *acc_general_call; /* Func.__call__ of the general path */
static PyObject *acc_raise_error;  /* (func, err_addr) -> raises the error */
static PyObject *acc_host_error;   /* (exc) -> address of a new keel_error */
static PyObject *acc_host_results; /* (state, result) -> tuple of slot bits */
static PyObject *acc_gc_collect;   /* gc.collect */
static int acc_gc_every_use;       /* KEEL_PY_GC_EVERY_USE debug mode */
static PyObject *acc_s_addr;       /* interned "_addr" */

static int acc_configured(void)
{
    if (acc_general_call == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "keel._accel is not configured");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------ value conversion */

/*
 * A Python argument (or host result) into a raw slot (keel_func_call_raw's
 * layout: i32/f32 bits zero-extended, i64/f64 bits). Returns 0, or -1 with
 * NO Python error set when the value is not one the fast path takes; the
 * caller then asks the general path, which accepts it (keel.Val, unusual
 * int subclasses) or raises the precise TypeError/OverflowError. The rules
 * are keel._values' writers: ints (bool included) for i32/i64, signed or
 * unsigned (wrapped); floats or ints (not bool) for f32/f64.
 */
static int acc_to_slot(PyObject *x, uint8_t kind, uint64_t *slot)
{
    if (kind == KEEL_I32 || kind == KEEL_I64) {
        int overflow = 0;
        long long v;
        if (!PyLong_Check(x))
            return -1;
        v = PyLong_AsLongLongAndOverflow(x, &overflow);
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return -1;
        }
        if (overflow) {
            unsigned long long u;
            if (kind == KEEL_I32 || overflow < 0)
                return -1;
            /* i64 accepts 2**63 .. 2**64-1 as unsigned (wrapped) */
            u = PyLong_AsUnsignedLongLong(x);
            if (u == (unsigned long long)-1 && PyErr_Occurred()) {
                PyErr_Clear();
                return -1;
            }
            *slot = (uint64_t)u;
            return 0;
        }
        if (kind == KEEL_I32) {
            if (v < INT32_MIN || v > (long long)UINT32_MAX)
                return -1;
            *slot = (uint32_t)v;
        } else {
            *slot = (uint64_t)v;
        }
        return 0;
    }
    if (kind == KEEL_F32 || kind == KEEL_F64) {
        double d;
        if (PyFloat_CheckExact(x)) {
            d = PyFloat_AS_DOUBLE(x);
        } else if ((PyFloat_Check(x) || PyLong_Check(x)) && !PyBool_Check(x)) {
            d = PyFloat_AsDouble(x); /* a huge int: OverflowError, from the general path */
            if (d == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                return -1;
            }
        } else {
            return -1;
        }
        if (kind == KEEL_F32) {
            /* rounded to single precision, as CFFI stores a float field */
            float f = (float)d;
            uint32_t b;
            memcpy(&b, &f, sizeof b);
            *slot = b;
        } else {
            memcpy(slot, &d, sizeof d);
        }
        return 0;
    }
    return -1;
}

/* A raw slot into a Python value (i32/i64 signed, floats as Python floats). */
static PyObject *acc_from_slot(uint64_t s, uint8_t kind)
{
    switch (kind) {
    case KEEL_I32:
        return PyLong_FromLong((long)(int32_t)(uint32_t)s);
    case KEEL_I64:
        return PyLong_FromLongLong((long long)(int64_t)s);
    case KEEL_F32: {
        uint32_t b = (uint32_t)s;
        float f;
        memcpy(&f, &b, sizeof f);
        return PyFloat_FromDouble((double)f);
    }
    default: {
        double d;
        memcpy(&d, &s, sizeof d);
        return PyFloat_FromDouble(d);
    }
    }
}

/* A keel_val argument of a host callback as a raw slot. */
static uint64_t acc_val_slot(const keel_val *v, uint8_t kind)
{
    if (kind == KEEL_I32 || kind == KEEL_F32)
        return v->of.f32_bits;
    return v->of.f64_bits;
}

/* Kinds from a bytes object: every byte a number kind. */
static int acc_kinds(PyObject *b, const char *what, uint8_t **out, Py_ssize_t *n)
{
    char *p;
    Py_ssize_t i;
    if (PyBytes_AsStringAndSize(b, &p, n) < 0)
        return -1;
    for (i = 0; i < *n; i++) {
        uint8_t k = (uint8_t)p[i];
        if (k != KEEL_I32 && k != KEEL_I64 && k != KEEL_F32 && k != KEEL_F64) {
            PyErr_Format(PyExc_ValueError, "keel._accel: %s: kind %d is not a number kind", what, k);
            return -1;
        }
    }
    *out = (uint8_t *)p;
    return 0;
}

/* ------------------------------------------------------------- FuncCall */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    uint32_t np, nr;
    uint8_t *kinds; /* np parameter kinds, then nr result kinds */
} acc_call;

static PyObject *acc_call_general(PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    return PyObject_Vectorcall(acc_general_call, args, nargsf, kwnames);
}

/* The handle of a Func wrapper: its _addr (0 once closed). NULL: closed or
   not a Func (the general path explains). */
static keel_func *acc_func_handle(PyObject *self)
{
    PyObject *a;
    void *p;
    if (!PyObject_TypeCheck(self, (PyTypeObject *)acc_func_type))
        return NULL;
    a = PyObject_GetAttr(self, acc_s_addr);
    if (a == NULL) {
        PyErr_Clear();
        return NULL;
    }
    p = PyLong_AsVoidPtr(a);
    Py_DECREF(a);
    if (p == NULL && PyErr_Occurred())
        PyErr_Clear();
    return (keel_func *)p;
}

static PyObject *acc_call_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf,
                                     PyObject *kwnames)
{
    acc_call *c = (acc_call *)callable;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    uint64_t stack[ACC_STACK_SLOTS], *slots = stack;
    size_t nslots, i;
    PyObject *self, *r = NULL;
    keel_func *h;
    keel_error *err;

    if (!acc_configured())
        return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_TypeError, "Func.__call__ needs a Func");
        return NULL;
    }
    self = args[0];
    /* keyword arguments (timeout=) and wrong counts: the general path */
    if (kwnames != NULL || (size_t)(n - 1) != c->np)
        return acc_call_general(args, nargsf, kwnames);
    if (acc_gc_every_use) {
        /* the debug mode: collect at every handle use, before the handle is read */
        PyObject *g = PyObject_CallNoArgs(acc_gc_collect);
        if (g == NULL)
            return NULL;
        Py_DECREF(g);
    }
    nslots = c->np > c->nr ? c->np : c->nr;
    if (nslots == 0)
        nslots = 1;
    if (nslots > ACC_STACK_SLOTS) {
        slots = PyMem_Malloc(nslots * sizeof *slots);
        if (slots == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < c->np; i++) {
        if (acc_to_slot(args[1 + i], c->kinds[i], &slots[i]) < 0) {
            if (slots != stack)
                PyMem_Free(slots);
            return acc_call_general(args, nargsf, kwnames);
        }
    }
    /* The handle after the arguments: converting one may run Python code
       (an int subclass's __float__) that closes the Func. Then a reference
       of our own for the call: another thread may close the Func (release
       the wrapper's reference) while the GIL is released. */
    h = acc_func_handle(self);
    if (h == NULL) {
        if (slots != stack)
            PyMem_Free(slots);
        return acc_call_general(args, nargsf, kwnames); /* raises "Func is closed" */
    }
    keel_func_retain(h);
    Py_BEGIN_ALLOW_THREADS
    err = keel_func_call_raw(h, slots, nslots);
    Py_END_ALLOW_THREADS
    keel_func_release(h);
    if (err != NULL) {
        PyObject *addr = PyLong_FromVoidPtr(err);
        if (addr == NULL) {
            keel_error_free(err);
        } else {
            /* converts and frees err; always raises */
            PyObject *x = PyObject_CallFunctionObjArgs(acc_raise_error, self, addr, NULL);
            Py_DECREF(addr);
            Py_XDECREF(x);
            if (x != NULL && !PyErr_Occurred())
                PyErr_SetString(PyExc_SystemError, "keel: error conversion did not raise");
        }
        goto out;
    }
    if (c->nr == 0) {
        r = Py_NewRef(Py_None);
    } else if (c->nr == 1) {
        r = acc_from_slot(slots[0], c->kinds[c->np]);
    } else {
        r = PyTuple_New(c->nr);
        for (i = 0; r != NULL && i < c->nr; i++) {
            PyObject *v = acc_from_slot(slots[i], c->kinds[c->np + i]);
            if (v == NULL)
                Py_CLEAR(r);
            else
                PyTuple_SET_ITEM(r, i, v);
        }
    }
out:
    if (slots != stack)
        PyMem_Free(slots);
    return r;
}

static PyObject *acc_call_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    PyObject *pk, *rk;
    uint8_t *p, *q;
    Py_ssize_t np, nr;
    acc_call *c;
    if (kw != NULL && PyDict_GET_SIZE(kw) != 0) {
        PyErr_SetString(PyExc_TypeError, "FuncCall takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "SS:FuncCall", &pk, &rk))
        return NULL;
    if (acc_kinds(pk, "parameter", &p, &np) < 0 || acc_kinds(rk, "result", &q, &nr) < 0)
        return NULL;
    c = (acc_call *)type->tp_alloc(type, 0);
    if (c == NULL)
        return NULL;
    c->kinds = PyMem_Malloc((size_t)(np + nr) + 1);
    if (c->kinds == NULL) {
        Py_DECREF(c);
        return PyErr_NoMemory();
    }
    memcpy(c->kinds, p, (size_t)np);
    memcpy(c->kinds + np, q, (size_t)nr);
    c->np = (uint32_t)np;
    c->nr = (uint32_t)nr;
    c->vectorcall = acc_call_vectorcall;
    return (PyObject *)c;
}

static void acc_call_dealloc(PyObject *o)
{
    acc_call *c = (acc_call *)o;
    PyMem_Free(c->kinds);
    Py_TYPE(o)->tp_free(o);
}

/* A method descriptor: f.__call__ is a bound method; type slots call it
   unbound with the Func first (Py_TPFLAGS_METHOD_DESCRIPTOR). */
static PyObject *acc_call_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None)
        return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static PyObject *acc_call_repr(PyObject *o)
{
    acc_call *c = (acc_call *)o;
    return PyUnicode_FromFormat("<keel._accel.FuncCall %u params, %u results>", c->np, c->nr);
}

static PyTypeObject acc_call_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "keel._accel.FuncCall",
    .tp_basicsize = sizeof(acc_call),
    .tp_dealloc = acc_call_dealloc,
    .tp_vectorcall_offset = offsetof(acc_call, vectorcall),
    .tp_repr = acc_call_repr,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "Func.__call__ for a number-only signature (see keel_accel.c).",
    .tp_descr_get = acc_call_get,
    .tp_new = acc_call_new,
};

/*
 * The per-signature Func classes are Python heap types, so calling an
 * instance goes through slot_tp_call: a lookup of __call__ and a second
 * call through the descriptor (about 70 ns here). fast_class(cls) points
 * the class's tp_call straight at acc_func_tp_call, which finds the
 * class's FuncCall in the class dict and runs it; behaviour is the same
 * (a class whose __call__ is not a FuncCall is called the normal way).
 * CPython resets tp_call itself if __call__ is ever assigned on the class.
 */
static PyObject *acc_s_call; /* interned "__call__" */

static PyObject *acc_func_tp_call(PyObject *self, PyObject *args, PyObject *kw)
{
    PyObject *stack[ACC_STACK_SLOTS + 1], **argv = stack, *c, *r;
    Py_ssize_t n = PyTuple_GET_SIZE(args), i;
    PyTypeObject *t = Py_TYPE(self);
    c = t->tp_dict != NULL ? PyDict_GetItemWithError(t->tp_dict, acc_s_call) : NULL;
    if (c == NULL || !Py_IS_TYPE(c, &acc_call_type)) {
        PyObject *m;
        if (PyErr_Occurred())
            return NULL;
        m = PyObject_GetAttr(self, acc_s_call);
        if (m == NULL)
            return NULL;
        r = PyObject_Call(m, args, kw);
        Py_DECREF(m);
        return r;
    }
    if (n + 1 > ACC_STACK_SLOTS + 1) {
        argv = PyMem_Malloc((size_t)(n + 1) * sizeof *argv);
        if (argv == NULL)
            return PyErr_NoMemory();
    }
    argv[0] = self;
    for (i = 0; i < n; i++)
        argv[1 + i] = PyTuple_GET_ITEM(args, i);
    Py_INCREF(c);
    if (kw != NULL && PyDict_GET_SIZE(kw) != 0)
        r = PyObject_VectorcallDict(acc_general_call, argv, (size_t)(n + 1), kw);
    else
        r = acc_call_vectorcall(c, argv, (size_t)(n + 1), NULL);
    Py_DECREF(c);
    if (argv != stack)
        PyMem_Free(argv);
    return r;
}

static PyObject *acc_fast_class(PyObject *mod, PyObject *cls)
{
    PyTypeObject *t = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) || acc_func_type == NULL ||
        !PyType_IsSubtype(t, (PyTypeObject *)acc_func_type)) {
        PyErr_SetString(PyExc_TypeError, "keel._accel.fast_class: expected a subclass of keel.Func");
        return NULL;
    }
    t->tp_call = acc_func_tp_call;
    PyType_Modified(t);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------ host trampoline */

/* The host table (only touched with the GIL held). An entry owns a strong
   reference to a weakref object (never to the state): the weakrefs of
   entries still registered at interpreter shutdown are simply kept. */
typedef struct {
    PyObject *wr;   /* weakref to the host state, or NULL when free */
    PyObject *fn;   /* the state's callable (borrowed: valid while the state lives) */
    uint64_t token; /* the state's token, 0 when free */
} acc_host_slot;

static acc_host_slot *acc_hosts;
static size_t acc_nhosts, acc_caphosts;
static size_t *acc_free_hosts; /* free indexes (a stack) */
static size_t acc_nfree, acc_capfree;

static PyObject *acc_host_register(PyObject *mod, PyObject *args)
{
    unsigned long long token;
    PyObject *wr, *fn;
    size_t i;
    if (!PyArg_ParseTuple(args, "KOO:host_register", &token, &wr, &fn))
        return NULL;
    if (!PyWeakref_CheckRef(wr)) {
        PyErr_SetString(PyExc_TypeError, "keel._accel.host_register: expected a weakref");
        return NULL;
    }
    if (token == 0) {
        PyErr_SetString(PyExc_ValueError, "keel._accel.host_register: token 0 is reserved");
        return NULL;
    }
    if (acc_nfree > 0) {
        i = acc_free_hosts[--acc_nfree];
    } else {
        if (acc_nhosts == acc_caphosts) {
            size_t cap = acc_caphosts ? 2 * acc_caphosts : 64;
            acc_host_slot *t = PyMem_Realloc(acc_hosts, cap * sizeof *t);
            size_t *f = PyMem_Realloc(acc_free_hosts, cap * sizeof *f);
            if (t != NULL)
                acc_hosts = t;
            if (f != NULL)
                acc_free_hosts = f;
            if (t == NULL || f == NULL)
                return PyErr_NoMemory();
            acc_caphosts = acc_capfree = cap;
        }
        i = acc_nhosts++;
    }
    acc_hosts[i].wr = Py_NewRef(wr);
    acc_hosts[i].fn = fn;
    acc_hosts[i].token = token;
    return PyLong_FromSize_t(i);
}

static PyObject *acc_host_unregister(PyObject *mod, PyObject *args)
{
    Py_ssize_t i;
    unsigned long long token;
    if (!PyArg_ParseTuple(args, "nK:host_unregister", &i, &token))
        return NULL;
    if (i >= 0 && (size_t)i < acc_nhosts && acc_hosts[i].token == token && token != 0) {
        /* the free stack has room for every index (acc_capfree == acc_caphosts) */
        acc_hosts[i].token = 0;
        acc_hosts[i].fn = NULL;
        Py_CLEAR(acc_hosts[i].wr);
        acc_free_hosts[acc_nfree++] = (size_t)i;
    }
    Py_RETURN_NONE;
}

typedef struct {
    size_t index;    /* entry of the host table */
    uint64_t token;  /* the token that entry must still hold */
    uint32_t np, nr;
    uint8_t kinds[]; /* np parameter kinds, then nr result kinds */
} acc_host_env;

/* The host state of an env (new reference), or NULL when it was
   garbage-collected. */
static PyObject *acc_host_state(const acc_host_env *env)
{
    PyObject *st;
    if (env->index >= acc_nhosts || acc_hosts[env->index].token != env->token)
        return NULL;
#if PY_VERSION_HEX >= 0x030D0000
    /* PyWeakref_GetObject is deprecated from 3.13 */
    if (PyWeakref_GetRef(acc_hosts[env->index].wr, &st) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return st;
#else
    st = PyWeakref_GetObject(acc_hosts[env->index].wr);
    if (st == NULL) {
        PyErr_Clear();
        return NULL;
    }
    return st == Py_None ? NULL : Py_NewRef(st);
#endif
}

/* The Python exception being raised as a keel_error for the engine (the
   same KEEL_ERROR_HOST error keel._errors.host_error_for makes on the CFFI
   path, so the outer call raises the same object). */
static keel_error *acc_host_error_from_python(void)
{
    PyObject *t, *v, *tb, *addr;
    keel_error *err = NULL;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL && v != NULL)
        PyException_SetTraceback(v, tb);
    if (v != NULL) {
        addr = PyObject_CallOneArg(acc_host_error, v);
        if (addr != NULL) {
            err = (keel_error *)PyLong_AsVoidPtr(addr);
            Py_DECREF(addr);
        }
    }
    PyErr_Clear();
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    return err != NULL ? err : keel_error_new_trap("keel: a Python host function failed");
}

/* The host function's result into the result values: the fast conversions
   first, else the general writers (keel._func._host_result_bits), which
   wrap unsigned ints, take keel.Val, or raise the precise TypeError. */
static int acc_host_write(const acc_host_env *env, PyObject *st, PyObject *res, keel_val *results)
{
    const uint8_t *rk = env->kinds + env->np;
    uint64_t s;
    PyObject *bits;
    uint32_t i;
    if (env->nr == 0 && res == Py_None)
        return 0;
    if (env->nr == 1 && acc_to_slot(res, rk[0], &s) == 0) {
        if (rk[0] == KEEL_I32 || rk[0] == KEEL_F32)
            results[0].of.f32_bits = (uint32_t)s;
        else
            results[0].of.f64_bits = s;
        return 0;
    }
    if (env->nr > 1 && PyTuple_CheckExact(res) && PyTuple_GET_SIZE(res) == env->nr) {
        uint64_t tmp[ACC_STACK_SLOTS];
        int ok = env->nr <= ACC_STACK_SLOTS;
        for (i = 0; ok && i < env->nr; i++)
            ok = acc_to_slot(PyTuple_GET_ITEM(res, i), rk[i], &tmp[i]) == 0;
        if (ok) {
            for (i = 0; i < env->nr; i++) {
                if (rk[i] == KEEL_I32 || rk[i] == KEEL_F32)
                    results[i].of.f32_bits = (uint32_t)tmp[i];
                else
                    results[i].of.f64_bits = tmp[i];
            }
            return 0;
        }
    }
    bits = PyObject_CallFunctionObjArgs(acc_host_results, st, res, NULL);
    if (bits == NULL)
        return -1;
    if (!PyTuple_Check(bits) || PyTuple_GET_SIZE(bits) != env->nr) {
        Py_DECREF(bits);
        PyErr_SetString(PyExc_SystemError, "keel: _host_result_bits returned a wrong value");
        return -1;
    }
    for (i = 0; i < env->nr; i++) {
        unsigned long long u = PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(bits, i));
        if (u == (unsigned long long)-1 && PyErr_Occurred()) {
            Py_DECREF(bits);
            return -1;
        }
        if (rk[i] == KEEL_I32 || rk[i] == KEEL_F32)
            results[i].of.f32_bits = (uint32_t)u;
        else
            results[i].of.f64_bits = (uint64_t)u;
    }
    Py_DECREF(bits);
    return 0;
}

/* The keel_host_callback of every number-only Python host function. Runs
   with the GIL released by the outer call (or on a thread Python never saw):
   it takes the GIL for the Python part only. */
static keel_error *acc_host_cb(void *envp, keel_caller *caller, const keel_val *args, size_t nargs,
                               keel_val *results, size_t nresults)
{
    const acc_host_env *env = envp;
    PyObject *stack[ACC_STACK_SLOTS + 1], **argv = stack;
    PyObject *st = NULL, *fn = NULL, *res = NULL;
    keel_error *err = NULL;
    size_t i, built = 0;
    PyGILState_STATE g = PyGILState_Ensure();

    (void)caller;
    st = acc_host_state(env);
    if (st == NULL) {
        err = keel_error_new_trap("keel: the Python host function was garbage-collected");
        goto out;
    }
    if (nargs != env->np || nresults != env->nr) {
        /* the ABI checks calls against the function type: cannot happen */
        PyErr_Format(PyExc_TypeError, "keel: host function called with %zu arguments and %zu result "
                     "slots, declared %u and %u", nargs, nresults, env->np, env->nr);
        goto fail;
    }
    /* alive: the state is, and it holds fn */
    fn = Py_NewRef(acc_hosts[env->index].fn);
    /* argv[0] is spare for PY_VECTORCALL_ARGUMENTS_OFFSET */
    if (nargs + 1 > ACC_STACK_SLOTS + 1) {
        argv = PyMem_Malloc((nargs + 1) * sizeof *argv);
        if (argv == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
    }
    for (built = 0; built < nargs; built++) {
        argv[1 + built] = acc_from_slot(acc_val_slot(&args[built], env->kinds[built]), env->kinds[built]);
        if (argv[1 + built] == NULL)
            break;
    }
    if (built == nargs)
        res = PyObject_Vectorcall(fn, argv + 1, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    for (i = 0; i < built; i++)
        Py_DECREF(argv[1 + i]);
    if (argv != stack)
        PyMem_Free(argv);
    if (res == NULL || acc_host_write(env, st, res, results) < 0)
        goto fail;
    goto out;
fail:
    err = acc_host_error_from_python();
out:
    Py_XDECREF(res);
    Py_XDECREF(fn);
    Py_XDECREF(st);
    PyGILState_Release(g);
    return err;
}

/* The env's finalizer: called when the store is freed, on any thread, with
   or without the GIL; it touches no Python object. */
static void acc_host_fin(void *env)
{
    free(env);
}

static PyObject *acc_host_env_new(PyObject *mod, PyObject *args)
{
    unsigned long long token;
    Py_ssize_t index;
    PyObject *pk, *rk;
    uint8_t *p, *q;
    Py_ssize_t np, nr;
    acc_host_env *env;
    if (!PyArg_ParseTuple(args, "nKSS:host_env_new", &index, &token, &pk, &rk))
        return NULL;
    if (index < 0) {
        PyErr_SetString(PyExc_ValueError, "keel._accel.host_env_new: negative index");
        return NULL;
    }
    if (acc_kinds(pk, "parameter", &p, &np) < 0 || acc_kinds(rk, "result", &q, &nr) < 0)
        return NULL;
    /* malloc, not PyMem: acc_host_fin frees it without the GIL */
    env = malloc(sizeof *env + (size_t)(np + nr) + 1);
    if (env == NULL)
        return PyErr_NoMemory();
    env->index = (size_t)index;
    env->token = token;
    env->np = (uint32_t)np;
    env->nr = (uint32_t)nr;
    memcpy(env->kinds, p, (size_t)np);
    memcpy(env->kinds + np, q, (size_t)nr);
    return PyLong_FromVoidPtr(env);
}

static PyObject *acc_host_env_free(PyObject *mod, PyObject *addr)
{
    void *p = PyLong_AsVoidPtr(addr);
    if (p == NULL && PyErr_Occurred())
        return NULL;
    free(p);
    Py_RETURN_NONE;
}

static PyObject *acc_host_callback(PyObject *mod, PyObject *unused)
{
    keel_host_callback cb = acc_host_cb;
    uintptr_t u;
    memcpy(&u, &cb, sizeof u); /* a function pointer as an address */
    return PyLong_FromSize_t(u);
}

static PyObject *acc_host_finalizer(PyObject *mod, PyObject *unused)
{
    void (*fin)(void *) = acc_host_fin;
    uintptr_t u;
    memcpy(&u, &fin, sizeof u);
    return PyLong_FromSize_t(u);
}

/* --------------------------------------------------------------- module */

static PyObject *acc_configure(PyObject *mod, PyObject *args, PyObject *kw)
{
    static char *names[] = {"func_type", "general_call", "raise_error", "host_error", "host_results",
                            "gc_collect", NULL};
    PyObject *o[6];
    PyObject **dst[6] = {&acc_func_type, &acc_general_call, &acc_raise_error, &acc_host_error,
                         &acc_host_results, &acc_gc_collect};
    int i;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!OOOOO:configure", names, &PyType_Type, &o[0], &o[1],
                                     &o[2], &o[3], &o[4], &o[5]))
        return NULL;
    for (i = 0; i < 6; i++)
        Py_XSETREF(*dst[i], Py_NewRef(o[i]));
    Py_RETURN_NONE;
}

static PyObject *acc_set_gc_every_use(PyObject *mod, PyObject *flag)
{
    int on = PyObject_IsTrue(flag);
    if (on < 0)
        return NULL;
    acc_gc_every_use = on;
    Py_RETURN_NONE;
}

static PyMethodDef acc_methods[] = {
    {"configure", (PyCFunction)(void (*)(void))acc_configure, METH_VARARGS | METH_KEYWORDS,
     "configure(func_type, general_call, raise_error, host_error, host_results, gc_collect)"},
    {"host_register", acc_host_register, METH_VARARGS,
     "host_register(token, weakref, fn) -> index of the host table entry"},
    {"host_unregister", acc_host_unregister, METH_VARARGS, "host_unregister(index, token)"},
    {"set_gc_every_use", acc_set_gc_every_use, METH_O, "Collect at every handle use (debug mode)."},
    {"fast_class", acc_fast_class, METH_O, "Call a per-signature Func class's FuncCall directly."},
    {"host_env_new", acc_host_env_new, METH_VARARGS,
     "host_env_new(index, token, param_kinds, result_kinds) -> address of the trampoline's env"},
    {"host_env_free", acc_host_env_free, METH_O, "Free an env keel_func_new did not take."},
    {"host_callback", acc_host_callback, METH_NOARGS, "The trampoline's address (keel_host_callback)."},
    {"host_finalizer", acc_host_finalizer, METH_NOARGS, "The env finalizer's address."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef acc_module = {
    PyModuleDef_HEAD_INIT, "keel._accel",
    "The C accelerator of keel's number-only calls and host functions (keel_accel.c).", -1,
    acc_methods, NULL, NULL, NULL, NULL,
};

/* Called once by keel._ffi (through CFFI, so without the GIL): builds
   keel._accel and puts it into sys.modules. Returns 0, or -1 after
   reporting the Python error as unraisable. */
int _keel_accel_install(void)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *m = NULL;
    int rc = -1;
    if (acc_s_addr == NULL && (acc_s_addr = PyUnicode_InternFromString("_addr")) == NULL)
        goto out;
    if (acc_s_call == NULL && (acc_s_call = PyUnicode_InternFromString("__call__")) == NULL)
        goto out;
    if (PyType_Ready(&acc_call_type) < 0)
        goto out;
    m = PyModule_Create(&acc_module);
    if (m == NULL)
        goto out;
    Py_INCREF(&acc_call_type);
    if (PyModule_AddObject(m, "FuncCall", (PyObject *)&acc_call_type) < 0) {
        Py_DECREF(&acc_call_type);
        goto out;
    }
    if (PyDict_SetItemString(PyImport_GetModuleDict(), "keel._accel", m) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        PyErr_WriteUnraisable(NULL);
    Py_XDECREF(m);
    PyGILState_Release(g);
    return rc;
}
