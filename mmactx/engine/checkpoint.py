"""Checkpoints a user gives the tools: loaded weights-only, refused clearly.

:func:`load_local_checkpoint` is the loader of local files that
:func:`mmactx.compat.load_checkpoints_weights_only` registers with
mmengine: it reads with ``weights_only=True`` and turns torch's errors into
a :class:`CheckpointError` that names the file and says what is wrong with
it (empty, truncated, a text file, not a checkpoint, or asking for code),
never suggesting to turn weights-only off. A damaged ``epoch_N.pth`` /
``iter_N.pth`` names the latest earlier checkpoint of its folder that is
intact.

:func:`check_state_dict` (and :class:`CheckpointFitHook`, which runs it
whenever a runner loads a checkpoint) refuses a checkpoint that holds no
weights or whose keys and shapes do not match the model of the config,
where mmengine only logs a warning and goes on with random weights.
"""
import codecs
import os
import os.path as osp
import pickle
import re
import zipfile
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmactx.utils.cli import InputError

# how torch.save's legacy (non-zip) format begins: pickle protocol 2, then
# its magic number as a long
_LEGACY_MAGIC = b'\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19'
_ZIP_MAGIC = b'PK\x03\x04'
_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')
# mmengine's default: checkpoints of a wrapped model start with 'module.'
REVISE_KEYS = ((r'^module\.', ''), )


class CheckpointError(InputError):
    """A checkpoint file that cannot be used; the message names it.

    Attributes:
        path (str): The file.
        alternative (str | None): An earlier checkpoint of the same folder
            that is intact, where the file is a damaged ``epoch_N.pth`` or
            ``iter_N.pth``.
    """

    def __init__(self, message: str, path: str = '',
                 alternative: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path
        self.alternative = alternative


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """The checkpoint asks for a global that a weights-only load refuses
    (it could run code); also a ``pickle.UnpicklingError``."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint file does not exist; also a ``FileNotFoundError``."""


def intact_zip(path: str) -> bool:
    """Whether ``path`` is a complete zip archive (torch.save's format)
    whose members all pass their CRC check; nothing is unpickled."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError):
        return False


def earlier_intact_checkpoint(path: str) -> Optional[str]:
    """The latest ``epoch_K.pth`` (or ``iter_K.pth``) with ``K < N`` beside
    a damaged ``epoch_N.pth`` that is an intact zip, or None (also for a
    file not named so)."""
    match = _NUMBERED.match(osp.basename(path))
    if match is None:
        return None
    kind, number = match.group(1), int(match.group(2))
    folder = osp.dirname(path) or '.'
    earlier = []
    for name in os.listdir(folder):
        other = _NUMBERED.match(name)
        if other and other.group(1) == kind and int(other.group(2)) < number:
            earlier.append((int(other.group(2)), osp.join(folder, name)))
    for _, candidate in sorted(earlier, reverse=True):
        if intact_zip(candidate):
            return candidate
    return None


def _as_text(head: bytes) -> Optional[str]:
    """The start of a file as text, if it is printable UTF-8 (a character
    cut at the end of ``head`` is dropped), else None."""
    try:
        text = codecs.getincrementaldecoder('utf-8')().decode(head)
    except UnicodeDecodeError:
        return None
    if all(c.isprintable() or c in '\t\r\n' for c in text):
        return text
    return None


def _what_is_wrong(path: str,
                   error: BaseException) -> Optional[Tuple[str, bool]]:
    """What a failed weights-only load of ``path`` says about the file,
    without torch's advice, and whether the file is damaged (rather than
    refused for the code it asks for); None when the file is a complete
    torch.save zip archive, i.e. the error is not about the file (e.g. a
    ``map_location`` of a device this machine lacks)."""
    inner = error.__context__ or error
    text = str(inner)
    asked = re.search(r'GLOBAL (\S+)', text)
    if asked or 'getattr(' in text:
        what = (f'GLOBAL {asked.group(1)}' if asked else
                text.split(';')[0].replace('checkpoint asks for ', ''))
        return (f'it asks for {what}, which a weights-only load refuses: '
                'either it holds objects that could run code when loaded, '
                'or the file is damaged. mmactx loads checkpoints '
                'weights-only (tensors, containers, numpy arrays, '
                "mmengine's log buffers)", False)
    with open(path, 'rb') as f:
        head = f.read(512)
    if head.startswith(_ZIP_MAGIC):
        if intact_zip(path):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
            if any(n.endswith('/data.pkl') for n in names):
                return None
            return ('it is a zip archive but not a PyTorch checkpoint (no '
                    f'data.pkl among {names[:3]})', True)
        return ('it is truncated or damaged: not the complete zip archive '
                'torch.save writes, so its writing or copying was cut off',
                True)
    if head.startswith(_LEGACY_MAGIC):
        return ('it is truncated or damaged (torch.save\'s legacy format, '
                f'{type(inner).__name__})', True)
    text = _as_text(head)
    if text is not None:
        first = text.strip().splitlines()[0][:60] if text.strip() else ''
        return (f'it is a text file, not a PyTorch checkpoint (it begins '
                f'with {first!r})', True)
    return ('it is not a PyTorch checkpoint: neither the zip format of '
            f'torch.save nor its legacy format (it begins with '
            f'{head[:8]!r})', True)


def load_local_checkpoint(filename: str, map_location: Any = None) -> Any:
    """``torch.load(filename, map_location, weights_only=True)`` with clear
    errors.

    Args:
        filename (str): A local file (``~`` is expanded).
        map_location: As for :func:`torch.load`.

    Returns:
        The loaded object (usually a dict with ``state_dict``).

    Raises:
        CheckpointNotFoundError: The file does not exist.
        UnsafeCheckpointError: It asks for a global a weights-only load
            refuses (a ``pickle.UnpicklingError`` too).
        CheckpointError: It is a folder, empty, truncated, a text file or
            no checkpoint; ``alternative`` names an earlier intact one.
    """
    filename = osp.expanduser(filename)
    if osp.isdir(filename):
        raise CheckpointError(f'checkpoint {filename} is a folder, not a '
                              '.pth file', filename)
    if not osp.isfile(filename):
        raise CheckpointNotFoundError(f'checkpoint {filename} does not exist',
                                      filename)
    if osp.getsize(filename) == 0:
        reason, damaged = ('it is empty (0 bytes): its writing never '
                           'happened or was cut off'), True
    else:
        try:
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
        except Exception as e:  # noqa: BLE001 - translated below
            verdict = _what_is_wrong(filename, e)
            if verdict is None:
                raise
            reason, damaged = verdict
    message = f'cannot load checkpoint {filename}: {reason}'
    if not damaged:
        raise UnsafeCheckpointError(message, filename)
    alternative = earlier_intact_checkpoint(filename)
    if alternative is not None:
        message += (f'. The latest earlier checkpoint of its folder that is '
                    f'intact is {alternative}')
    raise CheckpointError(message, filename, alternative)


def state_dict_of(checkpoint: Any, filename: str) -> Mapping:
    """The weights of a loaded checkpoint: its ``state_dict`` entry, or the
    checkpoint itself when it is a plain state dict (names -> tensors).

    Raises:
        CheckpointError: if it holds neither, naming its top-level keys.
    """
    if isinstance(checkpoint, Mapping) and 'state_dict' in checkpoint:
        weights = checkpoint['state_dict']
        if isinstance(weights, Mapping) and all(
                isinstance(v, torch.Tensor) for v in weights.values()):
            return weights
        raise CheckpointError(
            f"checkpoint {filename}: its 'state_dict' is not a dict of "
            f'tensors (got {type(weights).__name__})', filename)
    if isinstance(checkpoint, Mapping) and checkpoint and all(
            isinstance(k, str) and isinstance(v, torch.Tensor)
            for k, v in checkpoint.items()):
        return checkpoint
    keys = (sorted(map(str, checkpoint))[:8]
            if isinstance(checkpoint, Mapping) else None)
    held = (f'its top-level keys are {keys}' if keys is not None else
            f'it holds a {type(checkpoint).__name__}')
    raise CheckpointError(
        f"checkpoint {filename} holds no weights: no 'state_dict' entry and "
        f'not a plain state dict of tensors ({held})', filename)


def examples(keys: Sequence[str], limit: int = 3) -> str:
    """The first ``limit`` keys, and how many more there are."""
    shown = ', '.join(keys[:limit])
    return shown + (f' and {len(keys) - limit} more' if len(keys) > limit
                    else '')


def load_weights(path: str) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint file, loaded weights-only, without a
    ``module.`` prefix (a checkpoint of a wrapped model).

    Raises:
        CheckpointError: The file is missing, damaged, unsafe or holds no
            weights (an :class:`InputError`, naming it).
    """
    checkpoint = load_local_checkpoint(path, map_location='cpu')
    weights = state_dict_of(checkpoint, path)
    return {re.sub(r'^module\.', '', k): v for k, v in weights.items()}


def check_stream_checkpoints(checkpoints: Dict[str, str], out: str) -> None:
    """Refuse, before any work, what a tool that merges single-stream
    checkpoints into a multi-stream one cannot use: a checkpoint that is not
    a file, one file given for two streams, and an output that is a folder
    or would replace an input.

    Args:
        checkpoints (dict): stream name (e.g. ``'rgb_only'``) -> file.
        out (str): The checkpoint to write.

    Raises:
        InputError: naming the stream and the file.
    """
    from mmactx.utils.fileio import refuse_overwriting_inputs
    for stream, path in checkpoints.items():
        if not osp.isfile(path):
            what = 'is a folder' if osp.isdir(path) else 'does not exist'
            raise InputError(f'the {stream} checkpoint {path} {what}')
    if osp.isdir(out):
        raise InputError(f'--out {out} is a folder; name the .pth file to '
                         'write')
    items = list(checkpoints.items())
    for i, (stream_a, a) in enumerate(items):
        for stream_b, b in items[i + 1:]:
            if osp.samefile(a, b):
                raise InputError(f'{a} and {b} are the same file; give the '
                                 f'{stream_a} and the {stream_b} '
                                 'checkpoints')
    refuse_overwriting_inputs([out], list(checkpoints.values()))


def state_dict_mismatch(model: torch.nn.Module, weights: Mapping,
                        revise_keys: Sequence[Tuple[str, str]] = REVISE_KEYS
                        ) -> Tuple[List[str], int]:
    """How ``weights`` differ from ``model.state_dict()``, one phrase per
    kind (empty when they match): keys whose shapes differ, keys the
    checkpoint lacks (BatchNorm's ``num_batches_tracked`` excepted, as in
    mmengine) and keys the model lacks, each with the first few.

    Args:
        model (nn.Module): The model (a wrapper is unwrapped).
        weights (Mapping): Name -> tensor.
        revise_keys: ``(pattern, replacement)`` applied to the names first,
            as mmengine does (strips ``module.``).

    Returns:
        tuple[list[str], int]: The phrases, and how many of the model's
        weights the checkpoint holds with the right shape.
    """
    if is_model_wrapper(model):
        model = model.module
    revised = {}
    for name, tensor in weights.items():
        for pattern, replacement in revise_keys:
            name = re.sub(pattern, replacement, name)
        revised[name] = tensor
    expected = model.state_dict()
    shapes = [
        f'{k} (checkpoint {list(revised[k].shape)}, model '
        f'{list(v.shape)})' for k, v in expected.items()
        if k in revised and tuple(revised[k].shape) != tuple(v.shape)
    ]
    missing = [k for k in expected if k not in revised
               and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in revised if k not in expected]
    fitting = sum(k in revised and tuple(revised[k].shape) == tuple(v.shape)
                  for k, v in expected.items())
    problems = []
    if shapes:
        problems.append(f'{len(shapes)} shapes differ: {examples(shapes)}')
    if missing:
        problems.append(f'{len(missing)} weights of the model are missing '
                        f'from it: {examples(missing)}')
    if unexpected:
        problems.append(f'{len(unexpected)} of its weights are not in the '
                        f'model: {examples(unexpected)}')
    return problems, fitting


def check_state_dict(model: torch.nn.Module,
                     checkpoint: Any,
                     filename: str,
                     hint: str = '',
                     partial: bool = False) -> None:
    """Refuse a checkpoint that holds no weights or does not fit ``model``.

    Args:
        model (nn.Module): The model built from the config.
        checkpoint: The loaded checkpoint.
        filename (str): Its file, for the message.
        hint (str): Appended to the message (what to do instead).
        partial (bool): Accept a checkpoint of which only some weights fit
            (fine-tuning with another head); refuse only one of which none
            does. Defaults to False.

    Raises:
        CheckpointError: naming the file and the first mismatching keys.
    """
    problems, fitting = state_dict_mismatch(
        model, state_dict_of(checkpoint, filename))
    if partial and fitting == 0:
        raise CheckpointError(
            f'checkpoint {filename}: none of its weights fits the model of '
            'the config: ' + '; '.join(problems), filename)
    if problems and not partial:
        raise CheckpointError(
            f'checkpoint {filename} does not fit the model of the config: '
            + '; '.join(problems) + ' (is it the checkpoint of another '
            'config or number of classes?)' + (f'. {hint}' if hint else ''),
            filename)


class CheckpointFitHook(Hook):
    """Runs :func:`check_state_dict` whenever the runner loads a checkpoint
    (``load_from``, ``resume``, a test checkpoint), before the weights go
    into the model; mmengine would only warn and keep random weights.

    Args:
        filename (str): The checkpoint the runner will load, for the
            message.
        hint (str): What to do instead, appended to the message.
        partial (bool): See :func:`check_state_dict`. Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, filename: str, hint: str = '',
                 partial: bool = False) -> None:
        self.filename = filename
        self.hint = hint
        self.partial = partial

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        check_state_dict(runner.model, checkpoint, self.filename, self.hint,
                         self.partial)
