"""Batches that take the parts of a concatenated dataset in turn: Luvizon
et al.'s training on alternating pose batches (single frames with joint
labels) and action batches (clips with a label).

Each batch holds samples of one part only, so that images and clips of
different shapes never meet in one batch; the parts are visited
round-robin, one batch each, as deephar's ``MultiModelTrainer`` steps the
pose model and then the action model.
"""
import bisect
from typing import Iterator, List, Optional, Sequence

from torch.utils.data import BatchSampler, ConcatDataset, Sampler

from mmactx.registry import DATA_SAMPLERS


def _part_sizes(sampler: Sampler) -> List[int]:
    """Lengths of the parts of the ``ConcatDataset`` (mmengine's or torch's)
    that ``sampler`` draws from (its ``dataset``, or ``data_source`` for
    torch's samplers)."""
    dataset = getattr(sampler, 'dataset', None)
    if dataset is None:
        dataset = getattr(sampler, 'data_source', None)
    if not isinstance(dataset, ConcatDataset):
        raise TypeError(
            f'AlternatingBatchSampler needs a ConcatDataset (its parts are '
            f'the datasets to alternate), got {type(dataset).__name__}; '
            "write dataset=dict(type='ConcatDataset', datasets=[pose, "
            'action])')
    return [len(d) for d in dataset.datasets]


@DATA_SAMPLERS.register_module()
class AlternatingBatchSampler(BatchSampler):
    """Homogeneous batches of the parts of a ``ConcatDataset``, one part
    after the other.

    The indices of ``sampler`` (e.g. mmengine's ``DefaultSampler``, which
    shuffles and shards them between processes) are grouped by the part of
    ``sampler.dataset`` they fall in, keeping their order, and cut into
    batches of that part's batch size. Batches are then yielded round-robin
    over the parts: part 0, part 1, ..., part 0, ... With ``cycle`` a part
    whose batches run out starts over from its first batch until the part
    with the most batches is through (deephar draws pose batches for as
    long as it trains the action model), so an epoch holds
    ``P x max_p(batches_p)`` batches; without it, finished parts are
    skipped and every sample is drawn once.

    Args:
        sampler (Sampler): The index sampler; ``sampler.dataset`` must be a
            ``ConcatDataset``. ``set_epoch`` reaches it through this
            object's ``sampler`` attribute (mmengine's
            ``DistSamplerSeedHook``).
        batch_size (int): The batch size of every part without its own in
            ``batch_sizes`` (the dataloader's ``batch_size``).
        batch_sizes (Sequence[int], optional): One batch size per part
            (e.g. ``[32, 4]``: 32 frames, 4 clips of 8 frames). Defaults to
            ``batch_size`` for all.
        cycle (bool): Restart exhausted parts, see above. Defaults to True.
        drop_last (bool): Drop each part's last incomplete batch. Defaults
            to True (a batch of one breaks BatchNorm).
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 batch_sizes: Optional[Sequence[int]] = None,
                 cycle: bool = True,
                 drop_last: bool = True) -> None:
        super().__init__(sampler, batch_size, drop_last)
        self.part_sizes = _part_sizes(sampler)
        self.offsets = [0]
        for size in self.part_sizes:
            self.offsets.append(self.offsets[-1] + size)
        sizes = [batch_size] * len(self.part_sizes) \
            if batch_sizes is None else [int(b) for b in batch_sizes]
        if len(sizes) != len(self.part_sizes):
            raise ValueError(f'batch_sizes has {len(sizes)} values for a '
                             f'dataset of {len(self.part_sizes)} parts')
        if any(b < 1 for b in sizes):
            raise ValueError(f'batch sizes must be >= 1, got {sizes}')
        self.batch_sizes = sizes
        self.cycle = cycle

    def _part_batches(self) -> List[List[List[int]]]:
        """The batches of each part, from one pass over the sampler."""
        parts: List[List[int]] = [[] for _ in self.part_sizes]
        for index in self.sampler:
            parts[bisect.bisect_right(self.offsets, index) - 1].append(index)
        batches = []
        for indices, size in zip(parts, self.batch_sizes):
            stop = len(indices) - len(indices) % size if self.drop_last \
                else len(indices)
            batches.append([indices[i:i + size]
                            for i in range(0, stop, size)])
        return batches

    def __iter__(self) -> Iterator[List[int]]:
        batches = self._part_batches()
        counts = [len(b) for b in batches]
        if self.cycle and 0 in counts:
            empty = [p for p, n in enumerate(counts) if n == 0]
            raise ValueError(
                f'AlternatingBatchSampler: parts {empty} of the dataset '
                f'give no batch (sizes {self.part_sizes} on this process, '
                f'batch sizes {self.batch_sizes}); every part needs at least '
                'one full batch')
        rounds = max(counts, default=0)
        for step in range(rounds):
            for part, part_batches in enumerate(batches):
                if step < counts[part]:
                    yield part_batches[step]
                elif self.cycle:
                    yield part_batches[step % counts[part]]

    def __len__(self) -> int:
        # one pass over the sampler's indices: how they fall into the parts
        # depends on its shuffle and sharding (cheap: indices only)
        counts = [len(b) for b in self._part_batches()]
        if self.cycle:
            return len(counts) * max(counts, default=0)
        return sum(counts)
