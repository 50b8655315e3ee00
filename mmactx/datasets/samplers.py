"""Class-specific resampling of the training set, as pyskl does it.

pyskl's NTU RGB+D 120 X-Sub PoseC3D configs set ``class_prob=[1] * 60 +
[2] * 60`` on the training dataset; its ``build_dataloader`` then uses
``ClassSpecificDistributedSampler``. Despite the name, ``class_prob`` is a
per-class *multiplier*, not a probability: in every epoch each sample of
class ``c`` is drawn ``floor(m_c)`` times, and ``int(frac(m_c) * n_c)`` of
the ``n_c`` samples of the class, chosen at random without replacement,
once more. Under a ``RepeatDataset`` of ``times`` the multiplier becomes
``m_c * times``. An epoch therefore holds ``sum_c m_c * n_c`` draws (up to
the rounding of the fractional parts), not ``len(dataset)``.

:class:`ClassBalancedSampler` reproduces those semantics as an mmengine
sampler that distributes like :class:`mmengine.dataset.DefaultSampler`.
"""
import math
from numbers import Integral
from typing import Iterator, List, Optional, Sequence, Sized, Tuple

import numpy as np
import torch
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import print_log
from torch.utils.data import ConcatDataset, Sampler

from mmactx.registry import DATA_SAMPLERS

# multipliers and their products with RepeatDataset's ``times`` are rounded
# to this many decimals so that e.g. 0.29 * 100 gives 29 whole draws, not
# 28 plus a fractional 0.999...
_DECIMALS = 9


def _sample_label(info: dict, index: int) -> int:
    """The single integer class of one data info dict."""
    if not isinstance(info, dict) or 'label' not in info:
        raise KeyError(f'ClassBalancedSampler: sample {index} has no '
                       "'label' in its data info")
    label = info['label']
    if isinstance(label, np.ndarray) and label.ndim == 0:
        label = label.item()
    if not isinstance(label, (Integral, np.integer)) or isinstance(
            label, (bool, np.bool_)):
        raise TypeError(
            f'ClassBalancedSampler: sample {index} has label {label!r} of '
            f'type {type(label).__name__}; one integer class per sample is '
            'needed (multi-label datasets are not supported)')
    if label < 0:
        raise ValueError(
            f'ClassBalancedSampler: sample {index} has negative label '
            f'{label}')
    return int(label)


def index_labels(
    dataset: Sized
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, List[Optional[int]]]:
    """Labels of a dataset's distinct samples, read without the pipeline.

    Wrappers are unfolded: a ``RepeatDataset`` of ``times`` contributes its
    inner samples once each, with a repeat count of ``times`` (its indices
    ``0 .. len(inner) - 1`` address exactly those samples); a
    ``ConcatDataset`` contributes each part at its offset.

    Args:
        dataset (Sized): A dataset with ``get_data_info(i)['label']``
            (mmengine's ``BaseDataset``), or mmengine's ``RepeatDataset`` /
            a ``ConcatDataset`` of such datasets.

    Returns:
        tuple: ``indices`` [K] int64 (indices into ``dataset``), ``labels``
        [K] int64, ``repeats`` [K] int64 (how many times each index stands
        for one epoch of ``dataset``), and the ``num_classes`` attributes of
        the innermost datasets (None where they have none).

    Raises:
        TypeError: For ``ClassBalancedDataset`` (it already resamples) or a
            dataset that cannot give labels without loading samples.
    """
    if isinstance(dataset, ClassBalancedDataset):
        raise TypeError(
            'ClassBalancedSampler cannot wrap ClassBalancedDataset, which '
            'already resamples by class (repeat factors); use one of them')
    if isinstance(dataset, RepeatDataset):
        idx, labels, reps, classes = index_labels(dataset.dataset)
        return idx, labels, reps * int(dataset.times), classes
    if isinstance(dataset, ConcatDataset):
        parts = [index_labels(d) for d in dataset.datasets]
        starts = [0] + list(dataset.cumulative_sizes[:-1])
        return (np.concatenate([p[0] + s for p, s in zip(parts, starts)]),
                np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]),
                [c for p in parts for c in p[3]])
    if not hasattr(dataset, 'get_data_info'):
        raise TypeError(
            'ClassBalancedSampler needs the labels of '
            f"{type(dataset).__name__} through get_data_info(i)['label'] "
            "(mmengine's BaseDataset, RepeatDataset or ConcatDataset); this "
            'dataset (or wrapper) has no get_data_info')
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    n = len(dataset)
    labels = np.array(
        [_sample_label(dataset.get_data_info(i), i) for i in range(n)],
        dtype=np.int64)
    return (np.arange(n, dtype=np.int64), labels, np.ones(n, dtype=np.int64),
            [getattr(dataset, 'num_classes', None)])


def _check_class_prob(class_prob: Sequence[float], labels: np.ndarray,
                      classes: List[Optional[int]]) -> np.ndarray:
    """Validate ``class_prob`` against the dataset; return it as float64."""
    try:
        prob = np.asarray(class_prob, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError('class_prob must be a sequence of numbers, got '
                        f'{class_prob!r}') from e
    if prob.ndim != 1:
        raise TypeError('class_prob must be a 1-D sequence of per-class '
                        f'multipliers, got shape {prob.shape}')
    declared = {c for c in classes if c is not None}
    if len(declared) > 1:
        raise ValueError('the wrapped datasets disagree on num_classes: '
                         f'{sorted(declared)}')
    if declared:
        expected, source = declared.pop(), 'num_classes of the dataset'
    else:
        expected = int(labels.max()) + 1 if labels.size else 0
        source = 'the largest label + 1 (the dataset has no num_classes)'
    if len(prob) != expected:
        raise ValueError(f'class_prob has {len(prob)} entries but there are '
                         f'{expected} classes ({source})')
    if labels.size and labels.max() >= len(prob):
        raise ValueError(f'label {int(labels.max())} has no entry in '
                         f'class_prob (length {len(prob)})')
    if not np.isfinite(prob).all():
        raise ValueError(f'class_prob must be finite, got {prob.tolist()}')
    if (prob < 0).any():
        raise ValueError('class_prob must be non-negative, got '
                         f'{prob[prob < 0].tolist()} at classes '
                         f'{np.flatnonzero(prob < 0).tolist()}')
    if not prob.any():
        raise ValueError('class_prob is all zero: no sample would be drawn')
    return prob


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(Sampler):
    """Draw each class's samples ``class_prob[c]`` times per epoch (pyskl).

    pyskl's ``ClassSpecificDistributedSampler`` semantics, as an mmengine
    sampler: per epoch every sample of class ``c`` is drawn ``floor(m)``
    times and ``int(frac(m) * n_c)`` distinct samples of the class, picked
    at random, once more, where ``m = class_prob[c]`` times the
    ``RepeatDataset`` ``times`` that holds the sample. Integer multipliers
    are thus exact repetitions, and only the fractional part is random
    (without replacement within a class); no sample is drawn i.i.d. with
    replacement. ``class_prob=[1] * 60 + [2] * 60`` on NTU120 sees every
    sample of classes 60-119 twice per epoch. The draws of one epoch are
    then shuffled, padded and split over ranks as
    :class:`mmengine.dataset.DefaultSampler` does; all of it depends only
    on ``seed`` and the epoch, so every rank computes the same list.

    Labels are read once, at construction, with
    ``dataset.get_data_info(i)['label']`` (no sample goes through the
    pipeline). mmengine's ``RepeatDataset`` and ``ConcatDataset`` are
    unfolded; ``ClassBalancedDataset`` or a dataset without
    ``get_data_info`` raise a ``TypeError`` naming it. pyskl uses it for
    training only; validation and test keep ``DefaultSampler``.

    Args:
        dataset (Sized): The dataset (the runner passes it).
        class_prob (Sequence[float]): Per-class multipliers, one per class
            (the dataset's ``num_classes``, else the largest label + 1),
            finite, >= 0 and not all zero. Unitless counts per epoch.
            (pyskl also takes a dict or a shorter list, a missing class
            counting 1; here every class needs its entry.)
        shuffle (bool): Shuffle the draws of each epoch. With False they
            come in index order (the fractional picks still change with
            the epoch). Defaults to True.
        seed (int, optional): Random seed, the same on every rank. None
            takes one synchronised over ranks, as ``DefaultSampler``.
        round_up (bool): Pad the epoch (by repeating its first draws) to a
            multiple of the world size, as ``DefaultSampler``. Defaults to
            True.

    Attributes:
        epoch_size (int): Draws per epoch over all ranks, before padding.
        num_samples (int): Draws per epoch on this rank (``len(self)``).
    """

    def __init__(self,
                 dataset: Sized,
                 class_prob: Sequence[float],
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self.round_up = round_up

        indices, labels, repeats, classes = index_labels(dataset)
        self.class_prob = _check_class_prob(class_prob, labels, classes)
        # (whole copies, extra picks, members) per (class, repeat) group
        self._groups = []
        groups = sorted(set(zip(labels.tolist(), repeats.tolist())))
        for label, rep in groups:
            members = indices[(labels == label) & (repeats == rep)]
            mul = round(float(self.class_prob[label]) * rep, _DECIMALS)
            whole = math.floor(mul)
            extra = math.floor(
                round((mul - whole) * len(members), _DECIMALS))
            self._groups.append((whole, extra, members))
        self.epoch_size = sum(w * len(m) + e for w, e, m in self._groups)
        if self.epoch_size == 0:
            raise ValueError(
                'class_prob draws no sample from this dataset (every class '
                'with a positive multiplier has too few samples for its '
                'fractional part)')

        if self.round_up:
            self.num_samples = math.ceil(self.epoch_size / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil(
                (self.epoch_size - self.rank) / self.world_size)
            self.total_size = self.epoch_size
        print_log(
            f'ClassBalancedSampler: {self.epoch_size} draws per epoch from '
            f'{len(dataset)} indices ({len(self.class_prob)} classes, '
            f'multipliers {self.class_prob.min():g}-'
            f'{self.class_prob.max():g})',
            logger='current')

    def epoch_indices(self) -> np.ndarray:
        """All ranks' draws of the current epoch, before padding.

        Returns:
            np.ndarray: [epoch_size] int64 indices into the dataset.
        """
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        chunks = []
        for whole, extra, members in self._groups:
            if whole:
                chunks.append(np.tile(members, whole))
            if extra:
                pick = torch.randperm(len(members), generator=g)[:extra]
                chunks.append(members[pick.numpy()])
        indices = np.concatenate(chunks)
        if self.shuffle:
            order = torch.randperm(len(indices), generator=g).numpy()
            return indices[order]
        return np.sort(indices, kind='stable')

    def __iter__(self) -> Iterator[int]:
        """This rank's indices of the current epoch."""
        indices = self.epoch_indices()
        if self.round_up:
            indices = np.resize(indices, self.total_size)
        return iter(indices[self.rank:self.total_size:self.world_size]
                    .tolist())

    def __len__(self) -> int:
        """Draws per epoch on this rank."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch: it seeds the fractional picks and the shuffle.

        Args:
            epoch (int): Epoch number.
        """
        self.epoch = epoch
