"""The few array operations whose spelling differs between numpy and torch.

The renderer of :mod:`mmactx.rendering.render` is written once, with the
operators and the functions numpy and torch share by name (``where``,
``minimum``, ``clip``, ``trunc``, ...); what they spell differently (dtypes,
devices, in-place calls, the scatter of maxima) goes through
:func:`array_ops`. torch is imported only when a tensor comes.
"""
from types import ModuleType
from typing import Any, Union

import numpy as np

# An array of either library: np.ndarray or torch.Tensor.
Array = Any


class NumpyOps:
    """numpy's spelling of the renderer's operations (float32, intp)."""

    xp: ModuleType = np

    @staticmethod
    def arange(n: int, like: Array, integer: bool = False) -> Array:
        """``[0, n)`` as float32, or intp with ``integer``."""
        return np.arange(n, dtype=np.intp if integer else np.float32)

    @staticmethod
    def ones(shape: tuple, like: Array) -> Array:
        return np.ones(shape, dtype=np.float32)

    @staticmethod
    def as_float(x: Array) -> Array:
        """float32, without a copy when it already is."""
        return x.astype(np.float32, copy=False)

    @staticmethod
    def as_index(x: Array) -> Array:
        """Whole numbers as the index dtype."""
        return x.astype(np.intp)

    @staticmethod
    def from_host(x: np.ndarray, like: Array) -> Array:
        """A host numpy array where ``like`` lives."""
        return x

    @staticmethod
    def to_host(x: Array) -> np.ndarray:
        return x

    @staticmethod
    def clip_(x: Array, lo: float, hi: float) -> Array:
        return np.clip(x, lo, hi, out=x)

    @staticmethod
    def exp_(x: Array) -> Array:
        return np.exp(x, out=x)

    @staticmethod
    def argsort(keys: Array) -> Array:
        """Stable ascending order."""
        return np.argsort(keys, kind='stable')

    @staticmethod
    def bincount(keys: Array, size: int) -> np.ndarray:
        """Counts of the values ``[0, size)`` of int ``keys``, on the host.
        """
        return np.bincount(keys, minlength=size)

    @staticmethod
    def scatter_max(flat: Array, index: Array, values: Array) -> None:
        """``flat[index] = max(flat[index], values)``, repeated indices
        included."""
        np.maximum.at(flat, index, values)

    @staticmethod
    def zeros(shape: tuple, like: Array) -> Array:
        return np.zeros(shape, dtype=np.float32)

    @staticmethod
    def clip_min_(x: Array, lo: float) -> Array:
        return np.maximum(x, lo, out=x)

    @staticmethod
    def flatnonzero(x: Array) -> Array:
        """Indices of the true items of a 1D bool array."""
        return np.flatnonzero(x)

    @staticmethod
    def scatter_add(flat: Array, index: Array, values: Array) -> None:
        """``flat[index] += values``, repeated indices included."""
        np.add.at(flat, index, values)

    @staticmethod
    def repeat(x: Array, counts: Array) -> Array:
        """Each item of 1D ``x`` repeated ``counts`` times."""
        return np.repeat(x, counts)


class TorchOps:
    """torch's spelling, on the device of the tensors given."""

    def __init__(self) -> None:
        import torch
        self.xp: ModuleType = torch

    def arange(self, n: int, like: Array, integer: bool = False) -> Array:
        torch = self.xp
        return torch.arange(n, dtype=torch.long if integer else torch.float32,
                            device=like.device)

    def ones(self, shape: tuple, like: Array) -> Array:
        return self.xp.ones(shape, dtype=self.xp.float32, device=like.device)

    def as_float(self, x: Array) -> Array:
        return x.float()

    def as_index(self, x: Array) -> Array:
        return x.long()

    def from_host(self, x: np.ndarray, like: Array) -> Array:
        # non_blocking: from pageable memory the copy is staged before the
        # call returns, without waiting for the device's queued work
        return self.xp.from_numpy(np.ascontiguousarray(x)).to(
            like.device, non_blocking=True)

    def to_host(self, x: Array) -> np.ndarray:
        return x.cpu().numpy()

    def clip_(self, x: Array, lo: float, hi: float) -> Array:
        return x.clamp_(lo, hi)

    def exp_(self, x: Array) -> Array:
        return x.exp_()

    def argsort(self, keys: Array) -> Array:
        return self.xp.argsort(keys, stable=True)

    def bincount(self, keys: Array, size: int) -> np.ndarray:
        # the one transfer to the host of a rendering (patch sizes must be
        # known there)
        return self.to_host(self.xp.bincount(keys, minlength=size))

    def scatter_max(self, flat: Array, index: Array, values: Array) -> None:
        flat.scatter_reduce_(0, index, values, 'amax')

    def zeros(self, shape: tuple, like: Array) -> Array:
        return self.xp.zeros(shape, dtype=self.xp.float32,
                             device=like.device)

    def clip_min_(self, x: Array, lo: float) -> Array:
        return x.clamp_(min=lo)

    def flatnonzero(self, x: Array) -> Array:
        # a transfer to the host: the number of items
        return self.xp.nonzero(x).reshape(-1)

    def scatter_add(self, flat: Array, index: Array, values: Array) -> None:
        flat.index_add_(0, index, values)

    def repeat(self, x: Array, counts: Array) -> Array:
        return self.xp.repeat_interleave(x, counts)


NUMPY_OPS = NumpyOps()
_torch_ops = None


def array_ops(x: Array) -> Union[NumpyOps, TorchOps]:
    """The operations of the library ``x`` belongs to (numpy or torch)."""
    if isinstance(x, np.ndarray):
        return NUMPY_OPS
    global _torch_ops
    if _torch_ops is None:
        _torch_ops = TorchOps()
    return _torch_ops


def array_namespace(x: Array) -> ModuleType:
    """The module of ``x``'s library: ``numpy`` or ``torch``."""
    return array_ops(x).xp
