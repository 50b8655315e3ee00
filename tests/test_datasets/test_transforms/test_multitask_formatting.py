"""PackMultitaskInputs: pose samples and action clips in the form that
MultitaskRecognizer and the pose metrics read."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate

import mmactx  # noqa: F401  (registries)
from mmactx.datasets.transforms.multitask_formatting import PackMultitaskInputs
from mmactx.evaluation.pose_metrics import MultiBlockMPJPE, MultiBlockPCKh
from mmactx.models.multitask_recognizer import MultitaskRecognizer, batch_task
from mmactx.registry import TRANSFORMS


def _pose_results(num_joints=16, dims=2):
    img = np.arange(8 * 6 * 3, dtype=np.uint8).reshape(8, 6, 3)
    return dict(img=img,
                img_path='a.jpg',
                img_shape=(8, 6),
                crop_matrix=np.eye(2, 3),
                input_size=(6, 8),
                gt_coords=np.full((num_joints, dims), 0.5, np.float32),
                gt_coords_valid=np.ones((num_joints, dims), bool),
                gt_visible=np.ones(num_joints, np.float32))


def test_pack_pose_inputs_and_targets():
    results = _pose_results()
    results.update(gt_keypoints=np.ones((1, 16, 2)) * 7,
                   gt_keypoints_visible=np.ones((1, 16)), head_size=12.5)
    packed = PackMultitaskInputs('pose')(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 8, 6)
    # HWC -> CHW, channel order untouched
    assert torch.equal(inputs[:, 2, 1], torch.from_numpy(results['img'][2,
                                                                        1]))
    assert isinstance(sample, ActionDataSample)
    assert sample.metainfo['task'] == 'pose'
    assert sample.metainfo['img_path'] == 'a.jpg'
    assert sample.metainfo['input_size'] == (6, 8)
    assert 'frame_dir' not in sample.metainfo
    assert 'gt_coords' in sample.keys()  # a data field: .to() moves it
    assert sample.gt_coords.dtype == torch.float32
    assert sample.gt_coords_valid.dtype == torch.bool
    assert sample.gt_instances.keypoints.shape == (1, 16, 2)
    assert sample.gt_instances.keypoints_visible.shape == (1, 16)
    assert sample.gt_instances.head_size.tolist() == [[12.5]]

    # what MultitaskRecognizer reads of a batch of them
    batch = pseudo_collate([packed, PackMultitaskInputs('pose')(
        _pose_results())])
    assert batch_task(batch['data_samples']) == 'pose'
    fake = SimpleNamespace(pose_dim=2)
    target, valid, visible = MultitaskRecognizer._pose_targets(
        fake, batch['data_samples'], torch.zeros(2, 16, 2))
    assert target.shape == (2, 16, 2) and valid.all()
    assert visible.shape == (2, 16)

    # and MultiBlockPCKh: predictions at the gt minus its 1 px offset
    metric = MultiBlockPCKh()
    sample.pred_instances = dict(keypoints=np.ones((1, 16, 2)) * 6)
    metric.process([{}], [sample])
    assert metric.evaluate(1)['mpii/PCKh'] == 100.0


def test_pack_pose_lifting_target_for_mpjpe():
    results = _pose_results(17, 3)
    target = np.random.RandomState(0).rand(1, 17, 3)
    results.update(lifting_target=target,
                   lifting_target_visible=np.ones((1, 17)), root_depth=5.)
    sample = PackMultitaskInputs('pose')(results)['data_samples']
    assert sample.metainfo['root_depth'] == 5.0
    assert sample.gt_instances.lifting_target.shape == (1, 17, 3)
    assert 'keypoints' not in sample.gt_instances
    metric = MultiBlockMPJPE(scale=1000)
    sample.pred_instances = dict(keypoints=target + 0.01)  # a shift: 0 mm
    metric.process([{}], [sample])
    assert metric.evaluate(1)['h36m/MPJPE'] == pytest.approx(0, abs=1e-3)


def test_pack_pose_from_a_one_frame_clip_and_errors():
    results = _pose_results()
    results['imgs'] = [results.pop('img')]
    assert PackMultitaskInputs('pose')(results)['inputs'].shape == (3, 8, 6)
    results['imgs'] = results['imgs'] * 2
    with pytest.raises(ValueError, match="img_path='a.jpg'.*holds 2"):
        PackMultitaskInputs('pose')(results)
    results = _pose_results()
    del results['gt_coords']
    with pytest.raises(KeyError, match='PoseCoordTargets'):
        PackMultitaskInputs('pose')(results)
    with pytest.raises(ValueError, match="task must be one of"):
        PackMultitaskInputs('segmentation')


def _clip(num_frames, **extra):
    frames = [np.full((4, 5, 3), i, np.uint8) for i in range(num_frames)]
    return dict(imgs=frames, label=3, frame_dir='v1', **extra)


def test_pack_action_single_clip():
    packed = PackMultitaskInputs('action')(_clip(8, clip_len=8, num_clips=1))
    assert packed['inputs'].shape == (8, 3, 4, 5)
    assert packed['inputs'].dtype == torch.uint8
    assert packed['inputs'][5, :, 0, 0].tolist() == [5, 5, 5]
    sample = packed['data_samples']
    assert sample.metainfo['task'] == 'action'
    assert sample.metainfo['frame_dir'] == 'v1'
    assert sample.gt_label.tolist() == [3]
    batch = pseudo_collate([packed, packed])
    assert MultitaskRecognizer._labels(batch['data_samples']).tolist() == [
        3, 3]


def test_pack_action_views():
    packed = PackMultitaskInputs('action')(_clip(12, clip_len=4,
                                                 num_clips=3))
    assert packed['inputs'].shape == (3, 4, 3, 4, 5)
    assert packed['inputs'][1, 2, 0, 0, 0] == 6  # clip 1, frame 2
    packed = PackMultitaskInputs('action')(_clip(4, clip_len=4, num_views=1))
    assert packed['inputs'].shape == (1, 4, 3, 4, 5)
    # clip_len per modality, as ShareFrameInds leaves it
    packed = PackMultitaskInputs('action')(_clip(
        8, clip_len=dict(RGB=4, Pose=4), num_clips=2))
    assert packed['inputs'].shape == (2, 4, 3, 4, 5)
    with pytest.raises(ValueError, match='do not split into clips'):
        PackMultitaskInputs('action')(_clip(10, clip_len=4, num_clips=3))
    with pytest.raises(ValueError, match='set num_clips or num_views'):
        PackMultitaskInputs('action')(_clip(8, clip_len=4))
    results = _clip(4)
    del results['label']
    with pytest.raises(KeyError, match='no label'):
        PackMultitaskInputs('action')(results)


def test_registered():
    t = TRANSFORMS.build(dict(type='PackMultitaskInputs', task='action'))
    assert isinstance(t, PackMultitaskInputs) and "'action'" in repr(t)
