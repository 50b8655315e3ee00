"""What the pipeline benchmarks of tools/analysis share: seeding, timing
with a warm-up, mmaction2's numpy-2 alias, machine facts, JSON output."""
import contextlib
import copy
import json
import os
import random
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np


def seed_globals(seed: int) -> None:
    """Seed the generators the transforms draw from (mmaction2's training
    transforms use both numpy's global generator and ``random``)."""
    random.seed(seed)
    np.random.seed(seed)


@contextlib.contextmanager
def preserved_global_rngs() -> Iterator[None]:
    """Restore numpy's and ``random``'s global states afterwards, so that
    running a benchmark in-process (tests) leaves them as they were."""
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


@contextlib.contextmanager
def mmaction_numpy2_compat() -> Iterator[None]:
    """Let mmaction2 1.2.0's reference ``PoseCompact`` and ``MMCompact`` run
    on numpy 2.

    They use ``np.Inf``, an alias numpy 2 removed, so the alias is put back
    while the benchmark runs (only if missing) and removed afterwards, so
    that nothing else in the process comes to depend on it.
    """
    added = not hasattr(np, 'Inf')
    if added:
        np.Inf = np.inf
    try:
        yield
    finally:
        if added:
            del np.Inf


def timed_run(pipeline: Callable[[Dict], Dict], data: Dict, seed: int,
              output: Callable[[Dict], Any] = lambda results: results
              ) -> Tuple[Any, float]:
    """Run ``pipeline`` on a fresh copy of ``data``; return
    ``output(results)`` and the ms it took. The copy and the seeding are
    outside the timed part."""
    data = copy.deepcopy(data)
    seed_globals(seed)
    start = time.perf_counter()
    results = pipeline(data)
    elapsed = time.perf_counter() - start
    return output(results), elapsed * 1e3


def warm_up(pipeline: Callable[[Dict], Dict], data: Dict, seed: int,
            min_ms: float) -> int:
    """Run ``pipeline`` untimed at least once and until ``min_ms`` have
    passed; return the number of calls."""
    calls, spent = 0, 0.
    while calls == 0 or spent < min_ms:
        spent += timed_run(pipeline, data, seed)[1]
        calls += 1
    return calls


def write_json_atomic(obj: Dict, path: str) -> None:
    """Write JSON atomically: an interrupted run never leaves a truncated
    file behind."""
    from mmactx.utils import atomic_write_text
    atomic_write_text(json.dumps(obj, indent=2) + '\n', path)


def loadavg() -> Optional[List[float]]:
    """1, 5 and 15 minute load averages (None where unsupported): a loaded
    machine slows both sides, but not necessarily by the same factor."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None
