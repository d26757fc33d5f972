"""Compiled rule kernels.

Every rule of the world -- a tool's op, a scenario's judge -- is written once as a *kernel*: a
function over the state array ``S`` (``(B, D)`` ``int32``) that loops over the rows it is given and
updates each row with plain scalar code. The single env runs a kernel on its one row, the native
vector env on all of its rows; both run the same compiled code, so there is no second
implementation of any rule, and a batched step costs one call per tool and per judge instead of
dozens of numpy calls.

Kernels are compiled by numba (``@kernel`` is ``numba.njit(cache=True)``): the first call in a
fresh checkout compiles and caches the machine code on disk (``nogil=True`` too: a kernel holds no
Python objects) (next to the source, or numba's
user-wide cache when the source folder is read-only); later processes load it. Layout facts
(column indices, static tables) are passed as arguments, because a world's tables can grow at run
time (paths an LLM names are interned). Set ``NUMBA_DISABLE_JIT=1`` to run the kernels as plain
Python (slow, but a debugger can step through them) and ``NUMBA_BOUNDSCHECK=1`` to check every
index.

Conventions: rows are independent worlds, so a kernel that handles row ``i`` touches only row
``i`` of ``S`` (and of the event array ``E``); a state cell holds small non-negative integers
unless its field says otherwise. Integers are numba's, not Python's: fixed width (overflow
wraps), ``//`` and ``%`` floor like Python's, an unsigned and a signed 64-bit operand give a
float, and index -1 wraps to the last element with no bounds check: guard ids that may be -1
("no such file") before indexing. See CONTRIBUTING.md for habits that made kernels fast.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import numba

F = TypeVar("F", bound=Callable)


def kernel(fn: F) -> F:
    """Compile ``fn`` as a rule kernel (see module docstring)."""
    return numba.njit(cache=True, nogil=True)(fn)


__all__ = ["kernel"]
