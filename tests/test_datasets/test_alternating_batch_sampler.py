import pytest
from mmengine.dataset import BaseDataset, ConcatDataset, DefaultSampler
from mmengine.runner import Runner
from torch.utils.data import SequentialSampler

import mmactx  # noqa: F401
from mmactx.datasets import AlternatingBatchSampler


class _Part(BaseDataset):
    """A dataset of ``n`` items tagged with its name."""

    def __init__(self, name, n):
        self.name, self.n = name, n
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [dict(part=self.name, index=i) for i in range(self.n)]


def _concat(*sizes):
    return ConcatDataset([_Part(f'p{i}', n) for i, n in enumerate(sizes)])


def _part_of(index, sizes):
    for part, size in enumerate(sizes):
        if index < size:
            return part
        index -= size
    raise AssertionError(index)


def test_batches_alternate_and_hold_one_part():
    sizes = (10, 25)
    data = _concat(*sizes)
    sampler = AlternatingBatchSampler(SequentialSampler(data), batch_size=4,
                                      batch_sizes=[3, 5])
    batches = list(sampler)
    parts = [{_part_of(i, sizes) for i in b} for b in batches]
    assert all(len(p) == 1 for p in parts)
    # part 0: 3 full batches of 3, cycled; part 1: 5 batches of 5
    assert [p.pop() for p in parts] == [0, 1] * 5
    assert [len(b) for b in batches] == [3, 5] * 5
    assert batches[0] == [0, 1, 2] and batches[6] == [0, 1, 2]  # cycled
    assert [i for b in batches[1::2] for i in b] == list(range(10, 35))
    assert len(sampler) == len(batches) == 10


def test_without_cycle_every_sample_once_and_last_batch_kept():
    sizes = (10, 7)
    data = _concat(*sizes)
    sampler = AlternatingBatchSampler(SequentialSampler(data), batch_size=4,
                                      cycle=False, drop_last=False)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(17))
    assert [len(b) for b in batches] == [4, 4, 4, 3, 2]
    assert len(sampler) == 5


def test_shuffled_and_sharded_by_mmengines_sampler():
    sizes = (40, 24)
    data = _concat(*sizes)
    seen = []
    for rank in range(2):
        sampler = DefaultSampler(data, shuffle=True, seed=1)
        sampler.rank, sampler.world_size = rank, 2
        sampler.num_samples = len(data) // 2
        sampler.total_size = len(data)
        batches = list(AlternatingBatchSampler(sampler, 2, drop_last=False,
                                               cycle=False))
        assert all(len({_part_of(i, sizes) for i in b}) == 1
                   for b in batches)
        seen += [i for b in batches for i in b]
    assert sorted(seen) == list(range(64))  # the ranks share the data


def test_built_by_the_runner_and_epoch_reaches_the_sampler():
    loader = Runner.build_dataloader(
        dict(batch_size=2, num_workers=0,
             dataset=_concat(6, 3),
             sampler=dict(type='DefaultSampler', shuffle=True),
             batch_sampler=dict(type='AlternatingBatchSampler',
                                batch_sizes=[3, 1]),
             collate_fn=dict(type='pseudo_collate')),
        seed=0)
    assert isinstance(loader.batch_sampler, AlternatingBatchSampler)
    kinds = [set(batch['part']) for batch in loader]  # pseudo_collate
    assert kinds == [{'p0'}, {'p1'}] * 3
    # DistSamplerSeedHook's path to the sampler's epoch
    loader.batch_sampler.sampler.set_epoch(1)
    assert loader.batch_sampler.sampler.epoch == 1


def test_errors():
    with pytest.raises(TypeError, match='needs a ConcatDataset'):
        AlternatingBatchSampler(SequentialSampler(_Part('a', 4)), 2)
    data = _concat(4, 4)
    with pytest.raises(ValueError, match='2 parts'):
        AlternatingBatchSampler(SequentialSampler(data), 2, batch_sizes=[2])
    with pytest.raises(ValueError, match='>= 1'):
        AlternatingBatchSampler(SequentialSampler(data), 2,
                                batch_sizes=[0, 2])
    with pytest.raises(ValueError, match=r'parts \[1\] of the dataset give '
                       'no batch'):
        list(AlternatingBatchSampler(SequentialSampler(data), 2,
                                     batch_sizes=[2, 5]))
