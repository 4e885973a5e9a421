"""Compiled hot loop: ``hot_iterate`` serves plain tokens without a Python generator frame.

The runtime's engine (``l0.runtime._engine.drive``, an async generator) owns
all control flow. When it reaches the plain token loop of an attempt it yields
a :class:`Handoff` instead of iterating the source; ``HotStream`` then pulls
from the source itself and returns each plain token to the consumer directly
(content append, token count, watchdog mark). Anything else goes back to the
engine: the item (``hand.item``, ``hand.done = False``), the end of the source
or an abort (``hand.done = True``), or the source's exception (thrown in with
``athrow``). The engine yields the handoff again to resume fast mode.

``HotStream`` is its own awaitable (``__anext__`` and ``__await__`` return
self). Its type gets an ``am_send`` slot, so ``await`` / ``async for`` on
CPython >= 3.10 receive each event without a ``StopIteration``. Futures the
source awaits pass through to the event loop unchanged; ``throw()`` reaches
the source first (cancellation), then the engine. The per-token path calls
the C API directly and checks errors by hand: a Cython ``try`` costs a walk
of the exception-state stack per entry. Pure twin: ``l0._pure.hotloop``.
"""

from cpython.object cimport PyObject, PyTypeObject, Py_TYPE
from cpython.exc cimport PyErr_Clear, PyErr_ExceptionMatches, PyErr_WriteUnraisable
from cpython.ref cimport Py_DECREF
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec

import time as _time

__all__ = ["Handoff", "hot_iterate"]

cdef object _monotonic = _time.monotonic
cdef str _TOKEN_COUNT = "token_count"
cdef str _MARK = "mark"

cdef extern from *:
    """
    #include "structmember.h"
    #if PY_VERSION_HEX < 0x030A0000
    #error "l0._speedups.hotloop needs CPython >= 3.10 (PyIter_Send, am_send)"
    #endif

    /* What `async for` awaits for the next item of `it` (GET_ANEXT): __anext__()
       resolved to its await iterator. New reference, or NULL with an exception. */
    static PyObject *l0_hot_anext(PyObject *it) {
        PyTypeObject *t = Py_TYPE(it);
        PyObject *aw, *res;
        unaryfunc getter;
        if (PyAsyncGen_CheckExact(it)) {
            return t->tp_as_async->am_anext(it);  /* asend objects are their own await iterators */
        }
        if (t->tp_as_async == NULL || t->tp_as_async->am_anext == NULL) {
            PyErr_Format(PyExc_TypeError, "'async for' requires an object with __anext__ method, got %.100s",
                         t->tp_name);
            return NULL;
        }
        aw = t->tp_as_async->am_anext(it);
        if (aw == NULL || PyCoro_CheckExact(aw)) {
            return aw;
        }
        getter = Py_TYPE(aw)->tp_as_async != NULL ? Py_TYPE(aw)->tp_as_async->am_await : NULL;
        if (getter == NULL) {
            PyErr_Format(PyExc_TypeError, "'async for' received an invalid object from __anext__: %.100s",
                         Py_TYPE(aw)->tp_name);
            Py_DECREF(aw);
            return NULL;
        }
        res = getter(aw);
        Py_DECREF(aw);
        if (res != NULL && !PyIter_Check(res)) {
            PyErr_Format(PyExc_TypeError, "__await__() returned non-iterator of type '%.100s'",
                         Py_TYPE(res)->tp_name);
            Py_DECREF(res);
            return NULL;
        }
        return res;
    }

    /* The pending exception as a normalized instance carrying its traceback (new reference). */
    static PyObject *l0_hot_fetch(void) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        if (t == NULL) {
            return PyObject_CallNoArgs(PyExc_SystemError);
        }
        PyErr_NormalizeException(&t, &v, &tb);
        if (tb != NULL) {
            PyException_SetTraceback(v, tb);
            Py_DECREF(tb);
        }
        Py_DECREF(t);
        return v;
    }

    /* Lets Cython propagate the exception that is already set. */
    static int l0_hot_propagate(void) {
        return -1;
    }

    /* inner.throw(*args) as a send result: 1 (yielded *out), 0 (returned *out), -1 (error set). */
    static int l0_hot_throw(PyObject *inner, PyObject *args, PyObject **out) {
        PyObject *meth, *res, *typ, *val;
        *out = NULL;
        meth = PyObject_GetAttrString(inner, "throw");
        if (meth == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
                return -1;
            }
            PyErr_Clear();
            meth = PyObject_GetAttrString(inner, "close");
            if (meth == NULL) {
                PyErr_Clear();
            } else {
                res = PyObject_CallNoArgs(meth);
                Py_DECREF(meth);
                if (res == NULL) {
                    return -1;
                }
                Py_DECREF(res);
            }
            typ = PyTuple_GET_ITEM(args, 0);
            val = PyTuple_GET_SIZE(args) > 1 ? PyTuple_GET_ITEM(args, 1) : Py_None;
            if (PyExceptionInstance_Check(typ)) {
                PyErr_SetObject((PyObject *)Py_TYPE(typ), typ);
            } else {
                PyErr_SetObject(typ, val);
            }
            return -1;
        }
        res = PyObject_Call(meth, args, NULL);
        Py_DECREF(meth);
        if (res != NULL) {
            *out = res;
            return 1;
        }
        if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
            PyObject *t, *v, *tb;
            PyErr_Fetch(&t, &v, &tb);
            PyErr_NormalizeException(&t, &v, &tb);
            res = ((PyStopIterationObject *)v)->value;
            Py_INCREF(res);
            Py_XDECREF(t);
            Py_XDECREF(v);
            Py_XDECREF(tb);
            *out = res;
            return 0;
        }
        return -1;
    }

    /* Byte offset of an object slot named `name` of `tp`, or -1. */
    static Py_ssize_t l0_hot_slot_offset(PyObject *tp, const char *name) {
        PyObject *descr;
        PyMemberDef *m;
        if (!PyType_Check(tp)) {
            return -1;
        }
        descr = PyDict_GetItemString(((PyTypeObject *)tp)->tp_dict, name);
        if (descr == NULL || Py_TYPE(descr) != &PyMemberDescr_Type) {
            return -1;
        }
        m = ((PyMemberDescrObject *)descr)->d_member;
        if (m->type != T_OBJECT_EX || (m->flags & READONLY)) {
            return -1;
        }
        return m->offset;
    }

    /* The object in slot `offset` of `o` (borrowed; NULL when unset). */
    static CYTHON_INLINE PyObject *l0_hot_slot(PyObject *o, Py_ssize_t offset) {
        return *(PyObject **)((char *)o + offset);
    }

    /* One positional call; a bound method is unwrapped so the call skips method_vectorcall. */
    static CYTHON_INLINE PyObject *l0_hot_call1(PyObject *func, PyObject *arg) {
        if (Py_TYPE(func) == &PyMethod_Type) {
            PyObject *args[3] = {NULL, PyMethod_GET_SELF(func), arg};
            return PyObject_Vectorcall(PyMethod_GET_FUNCTION(func), args + 1, 2, NULL);
        }
        return PyObject_CallOneArg(func, arg);
    }

    /* token_count store: straight into a dict when it is one. */
    static CYTHON_INLINE int l0_hot_store(PyObject *fields, PyObject *key, long long n) {
        int rc;
        PyObject *value = PyLong_FromLongLong(n);
        if (value == NULL) {
            return -1;
        }
        rc = PyDict_CheckExact(fields) ? PyDict_SetItem(fields, key, value) : PyObject_SetItem(fields, key, value);
        Py_DECREF(value);
        return rc;
    }

    typedef PyObject *(*l0_hot_step_fn)(PyObject *, PyObject *, int *);
    static l0_hot_step_fn l0_hot_step = NULL;

    /* am_send: the event comes back as PYGEN_RETURN, no StopIteration is created. */
    static PySendResult l0_hot_am_send(PyObject *self, PyObject *arg, PyObject **presult) {
        int done = 0;
        PyObject *res = l0_hot_step(self, arg, &done);
        *presult = res;
        if (res == NULL) {
            return PYGEN_ERROR;
        }
        return done ? PYGEN_RETURN : PYGEN_NEXT;
    }

    static int l0_hot_install(PyTypeObject *tp, l0_hot_step_fn step) {
        if (tp->tp_as_async == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "HotStream has no async slots");
            return -1;
        }
        l0_hot_step = step;
        tp->tp_as_async->am_send = l0_hot_am_send;
    #ifdef Py_TPFLAGS_HAVE_AM_SEND
        tp->tp_flags |= Py_TPFLAGS_HAVE_AM_SEND;
    #endif
        PyType_Modified(tp);
        return 0;
    }
    """
    ctypedef object (*l0_hot_step_fn)(object, object, int*)
    PyObject* l0_hot_anext(object it)
    object l0_hot_fetch()
    int l0_hot_propagate() except -1
    int l0_hot_throw(object inner, object args, PyObject** out)
    Py_ssize_t l0_hot_slot_offset(object tp, const char* name)
    PyObject* l0_hot_slot(object o, Py_ssize_t offset)
    PyObject* l0_hot_call1(object func, object arg)
    int l0_hot_store(object fields, object key, long long n)
    int l0_hot_install(PyTypeObject* tp, l0_hot_step_fn step) except -1
    # The C API without Cython's automatic error checks: the hot path checks by hand.
    int l0_send "PyIter_Send"(object iter, object arg, PyObject** presult)
    PyObject* l0_call1 "PyObject_CallOneArg"(object func, object arg)
    PyObject* l0_call0 "PyObject_CallNoArgs"(object func)
    int l0_setattr "PyObject_SetAttr"(object o, object name, object value)
    PyObject* l0_float "PyFloat_FromDouble"(double value)
    long long l0_as_longlong "PyLong_AsLongLong"(object o)
    PyObject* PyErr_Occurred()
    bint PyUnicode_CheckExact(PyObject* o)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject* o)
    void l0_decref "Py_DECREF"(PyObject* o)


cdef inline object _take(PyObject* ref):
    """Own the new reference ``ref`` as an object."""
    obj = <object>ref
    Py_DECREF(obj)
    return obj


cdef class Handoff:
    """What the engine hands the hot iterator (and what comes back).

    Set by the engine before it yields the handoff: ``it`` (the source's async
    iterator), ``coerce`` (item -> Event), ``append`` (the content buffer's),
    ``fields`` (mapping that receives ``token_count``, or None when the state
    counts by itself), ``n`` (token count),
    ``next_due`` (token count at which a check is due), ``due`` (None, or a
    callable run at that token once it is appended and counted, returning
    the next due count or -1), ``watchdog`` (or None) and ``clock`` (its time
    source). ``aborted`` is set by ``abort()``. Set by the hot iterator when it
    hands control back: ``n``, ``done``, ``item`` and ``appended`` (the item
    is a token already appended, counted and checked by ``due``, which
    returned -1).
    """

    cdef public object event_type, token_type, it, coerce, append, fields, watchdog, clock, item, due
    cdef public long long n, next_due
    cdef public bint aborted, done, appended

    def __init__(self, event_type, token_type):
        self.event_type = event_type
        self.token_type = token_type
        self.n = 0
        self.next_due = 0
        self.aborted = False
        self.done = False
        self.appended = False


cdef class HotStream:
    """The consumer's async iterator over the engine ``drive`` (see the module docstring).

    Its own awaitable: ``__anext__`` and ``__await__`` return self; ``send``,
    ``throw`` and ``close`` act on the request in flight. ``ag_await`` is not
    None while a request waits for the source or the engine (the watchdog and
    ``abort()`` read it).
    """

    cdef object drive
    cdef Handoff hand
    cdef object inner        # the awaitable in flight: the source's (inner_fast) or the engine's
    cdef bint inner_fast
    cdef bint fast           # the engine is parked at ``yield hand``
    cdef bint mark_pending   # a token was handed out: stamp the watchdog before the next wait
    cdef object slots_of     # the event type whose slot offsets are cached
    cdef Py_ssize_t off_type, off_text
    cdef object __weakref__

    def __cinit__(self, drive):
        self.drive = drive
        self.off_type = self.off_text = -1

    def __aiter__(self):
        return self

    def __anext__(self):
        if self.inner is not None:
            # Another request is in flight (resuming it goes through send/throw, not here).
            raise RuntimeError("anext(): asynchronous generator is already running")
        return self

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        cdef int done = 0
        res = self._step(0, None, &done)
        if done:
            raise StopIteration(res)
        return res

    def send(self, value):
        cdef int done = 0
        res = self._step(0, value, &done)
        if done:
            raise StopIteration(res)
        return res

    def throw(self, typ, val=None, tb=None):
        cdef int done = 0
        if val is None and tb is None:
            args = (typ,)
        elif isinstance(val, BaseException) and (tb is None or tb is val.__traceback__):
            args = (val,)  # the one-argument form (the three-argument one is deprecated from 3.12)
        else:
            args = (typ, val, tb)
        res = self._step(1, args, &done)
        if done:
            raise StopIteration(res)
        return res

    def close(self):
        """Abandon the request in flight (the engine and the source stay as they are)."""
        inner = self.inner
        self.inner = None
        if inner is not None:
            closer = getattr(inner, "close", None)
            if closer is not None:
                closer()

    def aclose(self):
        """Close the engine (and with it the attempt and its source)."""
        self.close()
        self.fast = False
        return self.drive.aclose()

    @property
    def ag_await(self):
        if self.inner is not None and self.inner_fast:
            return self.inner
        return self.drive.ag_await

    cdef inline void _to_engine(self, object item, bint done) noexcept:
        hand = self.hand
        hand.item = item
        hand.done = done
        self.fast = False

    cdef object _throw_to_engine(self):
        """Hand the pending exception (the source's, or from serving a token) to the engine."""
        failed = l0_hot_fetch()
        self._to_engine(None, False)
        self.inner = self.drive.athrow(failed)
        self.inner_fast = False

    cdef int _mark(self, Handoff hand) except -1:
        """Stamp the watchdog: the wait for the next event starts now."""
        cdef timespec ts
        cdef PyObject* now
        wd = hand.watchdog
        if wd is None:
            return 0
        clock = hand.clock
        if clock is _monotonic:
            clock_gettime(CLOCK_MONOTONIC, &ts)
            # Same arithmetic as time.monotonic(): integer nanoseconds / 1e9.
            now = l0_float((<double>(<long long>ts.tv_sec * 1000000000LL + ts.tv_nsec)) / 1e9)
        else:
            now = l0_call0(clock)
        if now == NULL:
            return 1
        value = _take(now)
        if l0_setattr(wd, _MARK, value) < 0:
            return 1
        return 0

    cdef object _step(self, int how, object arg, int* done):
        """Advance the request in flight: ``send(arg)`` (how 0) or ``throw(*arg)`` (how 1).

        Returns what to hand the awaiting coroutine: ``done[0] = 1`` for the
        next event (the request is complete), 0 for a future to pass up.
        """
        cdef PyObject* raw = NULL
        cdef PyObject* slot
        cdef int status
        cdef bint from_source, due
        cdef long long next_due
        cdef Handoff hand
        cdef object ev
        while True:
            if self.inner is None:
                if how == 1:
                    # Nothing in flight: the engine is at a yield, throw it there.
                    self.fast = False
                    self.inner = self.drive.athrow(*arg)
                    self.inner_fast = False
                    how = 0
                    arg = None
                elif not self.fast:
                    self.inner = self.drive.asend(arg)
                    self.inner_fast = False
                    arg = None
                else:
                    hand = self.hand
                    if hand.aborted:
                        self._to_engine(None, True)
                        continue
                    raw = l0_hot_anext(hand.it)
                    if raw == NULL:
                        self._throw_to_engine()
                        continue
                    self.inner = _take(raw)
                    self.inner_fast = True
                    arg = None
            from_source = self.inner_fast
            if how == 0:
                status = l0_send(self.inner, arg, &raw)
            else:
                status = l0_hot_throw(self.inner, arg, &raw)
                how = 0
            if status == 1:  # the awaitable yielded (a future): pass it up, the request stays in flight
                if from_source and self.mark_pending:
                    # The wait for the provider starts now. Stamping here rather than per token is
                    # equivalent for the watchdog (it can only run while the source waits, or while
                    # the consumer holds an event, when the mark is not read) and costs nothing
                    # for tokens that arrive without a wait.
                    self.mark_pending = False
                    if self._mark(self.hand):
                        PyErr_WriteUnraisable(self)
                done[0] = 0
                return _take(raw)
            self.inner = None
            arg = None
            if status < 0:
                if not from_source:
                    l0_hot_propagate()  # the engine's error (StopAsyncIteration at its end) goes to the consumer
                if PyErr_ExceptionMatches(StopAsyncIteration):
                    PyErr_Clear()
                    self._to_engine(None, True)
                else:
                    self._throw_to_engine()
                continue
            ev = _take(raw)
            if not from_source:
                if type(ev) is Handoff:
                    self.hand = <Handoff>ev
                    self.fast = True
                    self.mark_pending = False
                    continue
                done[0] = 1
                return ev
            hand = self.hand
            if Py_TYPE(ev) is not <PyTypeObject*>hand.event_type:
                if type(ev) is not str:
                    self._to_engine(ev, False)
                    continue
                raw = l0_call1(hand.coerce, ev)
                if raw == NULL:
                    self._throw_to_engine()
                    continue
                ev = _take(raw)
                if Py_TYPE(ev) is not <PyTypeObject*>hand.event_type:
                    self._to_engine(ev, False)
                    continue
            if self.slots_of is not hand.event_type:
                self.slots_of = hand.event_type
                self.off_type = l0_hot_slot_offset(hand.event_type, b"type")
                self.off_text = l0_hot_slot_offset(hand.event_type, b"text")
            if self.off_type < 0 or self.off_text < 0:
                self._to_engine(ev, False)  # not a slotted event type: the engine reads it
                continue
            slot = l0_hot_slot(ev, self.off_type)
            if slot != <PyObject*>hand.token_type:
                self._to_engine(ev, False)
                continue
            slot = l0_hot_slot(ev, self.off_text)
            if slot != NULL and PyUnicode_CheckExact(slot):
                if PyUnicode_GET_LENGTH(slot):
                    due = hand.n + 1 == hand.next_due
                    if due and hand.due is None:
                        self._to_engine(ev, False)
                        continue
                    raw = l0_hot_call1(hand.append, <object>slot)
                    if raw == NULL:
                        self._throw_to_engine()
                        continue
                    l0_decref(raw)
                    hand.n += 1
                    if hand.fields is not None and l0_hot_store(hand.fields, _TOKEN_COUNT, hand.n) < 0:
                        self._throw_to_engine()
                        continue
                    if due:
                        raw = l0_call0(hand.due)
                        if raw == NULL:
                            self._throw_to_engine()
                            continue
                        next_due = l0_as_longlong(<object>raw)
                        l0_decref(raw)
                        if next_due < 0:
                            if next_due == -1 and PyErr_Occurred() != NULL:
                                self._throw_to_engine()
                                continue
                            hand.appended = True
                            self._to_engine(ev, False)
                            continue
                        hand.next_due = next_due
            elif slot != <PyObject*>None:
                self._to_engine(ev, False)
                continue
            self.mark_pending = True
            done[0] = 1
            return ev


cdef object _hot_step(object self, object arg, int* done):
    return (<HotStream>self)._step(0, arg, done)


l0_hot_install(<PyTypeObject*>HotStream, _hot_step)


def hot_iterate(drive):
    """The async iterator a stream hands its consumer: ``drive``'s events, plain tokens served directly.

    ``drive`` is the runtime's engine generator; it yields events, or a
    :class:`Handoff` to switch to fast mode. The result supports ``__anext__``,
    ``aclose()`` (closes ``drive``) and ``ag_await`` (not None while waiting
    for the source or the engine, which the timeout watchdog reads).
    """
    return HotStream(drive)
