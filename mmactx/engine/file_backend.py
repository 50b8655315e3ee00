"""Checkpoints that are never half-written.

mmengine writes a checkpoint with ``LocalBackend.put``, which opens the
final file and writes into it, so a run killed while saving leaves a
truncated ``epoch_N.pth`` that ``--resume`` then fails on. mmactx registers
:class:`AtomicLocalBackend` as mmengine's ``local`` backend when
:mod:`mmactx.engine` is imported (as every mmactx config does through its
registries): the bytes go to a hidden temporary beside the file, which is
renamed over it when complete (:func:`mmactx.utils.atomic_path`; the
temporary of a killed writer is removed by the next write of that file).
"""
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend

from mmactx.utils.fileio import atomic_path


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose writes appear whole or not at
    all."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically (folders are made)."""
        with atomic_path(str(filepath)) as tmp, open(tmp, 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write the text ``obj`` to ``filepath`` atomically."""
        self.put(obj.encode(encoding), filepath)


register_backend('local', AtomicLocalBackend, force=True, prefixes='')
