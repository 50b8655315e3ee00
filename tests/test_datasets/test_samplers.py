"""ClassBalancedSampler: pyskl's class_prob semantics, mmengine-style."""
import math
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import (BaseDataset, ClassBalancedDataset, ConcatDataset,
                              RepeatDataset)
from mmengine.runner import Runner
from torch.utils.data import ConcatDataset as TorchConcatDataset
from torch.utils.data import Subset

import mmactx.datasets.samplers as samplers_module
from mmactx.datasets import ClassBalancedSampler, save_annotations
from mmactx.registry import DATA_SAMPLERS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _never(results):
    raise AssertionError('the sampler must not run the pipeline')


class LabelDataset(BaseDataset):
    """Records holding only a label; the pipeline fails if it is run."""

    def __init__(self, labels, num_classes=None, **kwargs):
        self.labels = list(labels)
        self.num_classes = num_classes
        super().__init__(pipeline=[_never], **kwargs)

    def load_data_list(self):
        return [dict(label=label) for label in self.labels]


def counts(indices, size):
    return np.bincount(np.asarray(indices), minlength=size)


def as_rank(monkeypatch, rank, world_size):
    monkeypatch.setattr(samplers_module, 'get_dist_info',
                        lambda: (rank, world_size))


def test_registered_in_the_mmactx_scope():
    ds = LabelDataset([0, 1])
    sampler = DATA_SAMPLERS.build(
        dict(type='ClassBalancedSampler', class_prob=[1, 2]),
        default_args=dict(dataset=ds, seed=0))
    assert isinstance(sampler, ClassBalancedSampler)
    assert sorted(sampler) == [0, 1, 1]


def test_integer_multipliers_repeat_every_sample_exactly():
    labels = [0, 1, 2, 1, 0, 2, 2]
    sampler = ClassBalancedSampler(
        LabelDataset(labels), class_prob=[1, 2, 0], seed=3)
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == sampler.epoch_size == 6
    # class 0 once, class 1 twice, class 2 never
    np.testing.assert_array_equal(counts(drawn, 7), [1, 2, 0, 2, 1, 0, 0])


def test_repeat_dataset_multiplies_as_pyskl():
    # pyskl: class_prob x RepeatDataset.times, the indices address the
    # inner samples; the NTU120 setting on 2 samples per class
    labels = np.repeat(np.arange(120), 2)
    repeated = RepeatDataset(LabelDataset(labels, num_classes=120), times=10)
    sampler = ClassBalancedSampler(
        repeated, class_prob=[1] * 60 + [2] * 60, seed=0)
    drawn = np.array(list(sampler))
    assert len(drawn) == sampler.epoch_size == 10 * (120 + 240)
    assert drawn.max() < len(labels)  # each inner sample by its own index
    np.testing.assert_array_equal(
        counts(drawn, len(labels)), np.where(labels < 60, 10, 20))


def test_concat_dataset_offsets_its_parts():
    # torch's ConcatDataset with a RepeatDataset part
    first = LabelDataset([0, 1])
    second = RepeatDataset(LabelDataset([1, 0, 1]), times=2)
    concat = TorchConcatDataset([first, second])
    sampler = ClassBalancedSampler(concat, class_prob=[1, 3], seed=0)
    drawn = counts(list(sampler), len(concat))
    # first: once / 3 times; second (indices 2..4 of 2 + 6): 2x / 6x
    np.testing.assert_array_equal(drawn, [1, 3, 6, 2, 6, 0, 0, 0])


def test_mmengine_concat_dataset():
    concat = ConcatDataset([LabelDataset([0, 1]), LabelDataset([1, 1, 0])])
    sampler = ClassBalancedSampler(concat, class_prob=[0, 2], seed=0)
    np.testing.assert_array_equal(counts(list(sampler), 5),
                                  [0, 2, 2, 2, 0])


def test_fractional_part_picks_samples_uniformly_without_replacement():
    # class 0: 200 samples x 0.25 -> exactly 50 distinct picks per epoch;
    # over 400 epochs each sample's count is Binomial(400, 0.25): mean 100,
    # sd 8.66. 5 sd (p ~ 6e-7 per sample) is safe for 200 samples.
    labels = [0] * 200 + [1] * 10
    sampler = ClassBalancedSampler(
        LabelDataset(labels), class_prob=[0.25, 1], seed=1)
    assert sampler.epoch_size == 60
    total = np.zeros(len(labels), dtype=np.int64)
    for epoch in range(400):
        sampler.set_epoch(epoch)
        epoch_counts = counts(list(sampler), len(labels))
        assert epoch_counts[:200].max() == 1  # no repeat within an epoch
        assert epoch_counts[:200].sum() == 50
        np.testing.assert_array_equal(epoch_counts[200:], 1)
        total += epoch_counts
    sd = math.sqrt(400 * 0.25 * 0.75)
    assert np.abs(total[:200] - 100).max() < 5 * sd
    # the picks really vary: a fixed subset would give 0 or 400
    assert total[:200].min() > 0 and total[:200].max() < 400


def test_class_frequencies_on_one_rank_follow_class_prob(monkeypatch):
    # 3 classes x 300 samples, class_prob [1, 2, 0.5]: 1050 draws whose
    # class shares are 2/7, 4/7, 1/7. Rank 0 of 2 gets a shuffled half
    # (525): its class counts are hypergeometric; allow 4 sd.
    labels = np.repeat(np.arange(3), 300)
    prob = np.array([1, 2, 0.5])
    as_rank(monkeypatch, 0, 2)
    sampler = ClassBalancedSampler(
        LabelDataset(labels), class_prob=prob, seed=7)
    assert sampler.epoch_size == 1050 and len(sampler) == 525
    per_class = np.bincount(labels[list(sampler)], minlength=3)
    share = prob * 300 / 1050
    n, big = 525, 1050
    sd = np.sqrt(n * share * (1 - share) * (big - n) / (big - 1))
    assert (np.abs(per_class - n * share) < 4 * sd).all(), per_class
    assert per_class.sum() == 525


@pytest.mark.parametrize('round_up', [True, False])
def test_two_ranks_partition_one_epoch(monkeypatch, round_up):
    labels = [0, 1, 1, 2, 0, 2, 1]
    prob = [1, 0.5, 2]  # 2 + 1 + 4 = 7 draws: odd, so round_up pads one

    def draws(rank, world):
        as_rank(monkeypatch, rank, world)
        s = ClassBalancedSampler(LabelDataset(labels), class_prob=prob,
                                 seed=5, round_up=round_up)
        s.set_epoch(3)
        return list(s), len(s)

    whole, size = draws(0, 1)
    assert size == 7
    (rank0, len0), (rank1, len1) = draws(0, 2), draws(1, 2)
    assert (len(rank0), len(rank1)) == (len0, len1)
    if round_up:
        padded = whole + whole[:1]  # repeats the epoch's first draw
        assert len0 == len1 == 4
    else:
        padded = whole
        assert (len0, len1) == (4, 3)
    assert rank0 == padded[0::2] and rank1 == padded[1::2]


def test_seed_and_epoch_decide_the_order():
    labels = np.repeat(np.arange(4), 25)

    def order(seed, epoch, shuffle=True):
        s = ClassBalancedSampler(LabelDataset(labels), class_prob=[1] * 4,
                                 seed=seed, shuffle=shuffle)
        s.set_epoch(epoch)
        return list(s)

    assert order(0, 0) == order(0, 0)
    assert order(0, 0) != order(0, 1)
    assert order(0, 0) != order(1, 0)
    assert sorted(order(0, 1)) == list(range(100))
    assert order(0, 0, shuffle=False) == list(range(100))


def test_labels_come_from_data_infos_not_the_pipeline():
    ds = LabelDataset([0, 1, 1])
    with pytest.raises(AssertionError, match='must not run the pipeline'):
        ds[0]
    # building and iterating never calls ds[i]
    assert sorted(ClassBalancedSampler(ds, [2, 1], seed=0)) == [0, 0, 1, 2]


@pytest.mark.parametrize('class_prob, match', [
    ([1, 1], 'class_prob has 2 entries but there are 3 classes'),
    ([1, -1, 1], r'non-negative, got \[-1.0\] at classes \[1\]'),
    ([1, float('nan'), 1], 'must be finite'),
    ([1, float('inf'), 1], 'must be finite'),
    ([0, 0, 0], 'all zero'),
    ([[1, 1, 1]], '1-D sequence'),
    (['a', 'b', 'c'], 'sequence of numbers'),
])
def test_class_prob_errors(class_prob, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ClassBalancedSampler(LabelDataset([0, 1, 2]), class_prob, seed=0)


def test_length_follows_num_classes_when_the_dataset_has_it():
    ds = LabelDataset([0, 1], num_classes=4)  # classes 2, 3 absent here
    sampler = ClassBalancedSampler(ds, [1, 1, 5, 5], seed=0)
    assert sorted(sampler) == [0, 1]
    with pytest.raises(ValueError, match=r'3 entries .* 4 classes \(num_cl'):
        ClassBalancedSampler(ds, [1, 1, 1], seed=0)
    with pytest.raises(ValueError, match='largest label'):
        ClassBalancedSampler(LabelDataset([0, 3]), [1, 1, 1], seed=0)


def test_fractions_too_small_to_draw_anything():
    with pytest.raises(ValueError, match='draws no sample'):
        ClassBalancedSampler(LabelDataset([0, 1, 1]), [0, 0.4], seed=0)


@pytest.mark.parametrize('labels, match', [
    ([[0, 1]], 'multi-label datasets are not supported'),
    ([True], 'multi-label'),
    ([-1], 'negative label -1'),
])
def test_label_errors(labels, match):
    with pytest.raises((TypeError, ValueError), match=match):
        ClassBalancedSampler(LabelDataset(labels), [1, 1], seed=0)


def test_wrappers_it_cannot_read_are_named():
    inner = LabelDataset([0, 1, 1])
    balanced = ClassBalancedDataset(inner, oversample_thr=0.5,
                                    lazy_init=True)
    with pytest.raises(TypeError, match='cannot wrap ClassBalancedDataset'):
        ClassBalancedSampler(balanced, [1, 1], seed=0)
    with pytest.raises(TypeError, match='labels of Subset'):
        ClassBalancedSampler(Subset(inner, [0, 1]), [1, 1], seed=0)


def ntu120_annotations(path):
    """A 2D NTU120 file in the real layout: 2 samples per class."""
    rng = np.random.RandomState(0)
    records, train = [], []
    for label in range(120):
        for take in range(2):
            name = f'S001C001P{take + 1:03d}R001A{label + 1:03d}'
            kp = rng.uniform(300, 700, (1, 20, 17, 2)).astype(np.float16)
            records.append(dict(
                frame_dir=name, label=label, total_frames=20,
                img_shape=(1080, 1920), original_shape=(1080, 1920),
                keypoint=kp, keypoint_score=np.ones((1, 20, 17), np.float16)))
            train.append(name)
    save_annotations(path, records,
                     dict(xsub_train=train, xsub_val=train[:2]),
                     num_classes=120)


@pytest.mark.parametrize('name', [
    'ntu120_xsub_joint.py', 'ntu120_xsub_limb.py',
    'device/ntu120_xsub_joint.py', 'device/ntu120_xsub_limb.py'
])
def test_ntu120_xsub_configs_train_with_pyskl_class_prob(tmp_path, name):
    ann = str(tmp_path / 'ntu120_2d.pkl')
    ntu120_annotations(ann)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'posec3d', name))
    loader_cfg = cfg.train_dataloader
    loader_cfg.dataset.dataset.ann_file = ann
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    sampler = loader.sampler
    assert isinstance(sampler, ClassBalancedSampler)
    assert sampler.class_prob.tolist() == [1] * 60 + [2] * 60
    # RepeatDataset x10 of 240 samples: 10 x (120 + 2 x 120) draws
    assert len(sampler) == sampler.epoch_size == 3600
    assert len(loader) == math.ceil(3600 / cfg.train_dataloader.batch_size)
    # validation and test keep the plain sampler
    assert cfg.val_dataloader.sampler.type == 'DefaultSampler'
    assert cfg.test_dataloader.sampler.type == 'DefaultSampler'
