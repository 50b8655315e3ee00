"""Frames and poses of the same sampled instants (ShareFrameInds) packed
per frame (FormatFramePoses), through mmaction2's keypoint-aware crops and
flips: the data side of IntegralAction."""
import copy
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

from mmactx.datasets.synthetic_video import FPS, generate_video_sample
from mmactx.datasets.transforms import FormatFramePoses, ShareFrameInds
from mmactx.registry import TRANSFORMS
from mmactx.skeletons import COCO
from mmactx.visualization import write_video


def record(tmp_path):
    """A synthetic 60-frame clip of one person holding a ball, its video
    written where ``filename`` points."""
    rec, frames = generate_video_sample(np.random.default_rng(0), 0, 'clip',
                                        num_frames=60, num_persons=1)
    path = str(tmp_path / 'clip.mp4')
    write_video(frames, path, FPS)
    return dict(rec, filename=path, start_index=0)


def pipeline(flip_ratio: float = 0.5, spatial: bool = True) -> Compose:
    steps = [dict(type='SampleFrames', clip_len=8, frame_interval=4,
                  num_clips=1),
             dict(type='ShareFrameInds'), dict(type='MMDecode')]
    if spatial:
        steps += [
            dict(type='Resize', scale=(-1, 128)),
            dict(type='MultiScaleCrop', input_size=112,
                 scales=(1, .875, .75, .66), random_crop=False,
                 max_wh_scale_gap=1),
            dict(type='Resize', scale=(112, 112), keep_ratio=False),
            dict(type='Flip', flip_ratio=flip_ratio, left_kp=COCO.left,
                 right_kp=COCO.right)]
    steps += [dict(type='FormatShape', input_format='NCHW'),
              dict(type='FormatFramePoses', max_persons=3)]
    return Compose([TRANSFORMS.build(s) for s in steps])


def run(pipe, rec, seed=0):
    np.random.seed(seed)
    random.seed(seed)
    return pipe(dict(rec))


def test_frames_and_poses_of_the_same_instants(tmp_path):
    rec = record(tmp_path)
    out = run(pipeline(spatial=False), rec)
    inds = out['RGB_inds']
    np.testing.assert_array_equal(inds, out['Pose_inds'])
    assert out['modality'] == ['RGB', 'Pose']
    assert out['clip_len'] == {'RGB': 8, 'Pose': 8}
    assert out['imgs'].shape == (8, 3, *rec['img_shape'])
    kp = out['keypoints']
    assert kp.shape == (8, 3, 17, 3) and kp.dtype == np.float32
    np.testing.assert_array_equal(kp[:, 0, :, :2],
                                  rec['keypoint'][0, inds])
    np.testing.assert_array_equal(kp[:, 0, :, 2],
                                  rec['keypoint_score'][0, inds])
    assert np.isnan(kp[:, 1:, :, :2]).all() and (kp[:, 1:, :, 2] == 0).all()


def test_crop_and_flip_move_frames_and_poses_together(tmp_path):
    rec = record(tmp_path)
    kept, flipped = (run(pipeline(ratio), rec, seed=3) for ratio in (0., 1.))
    assert kept['imgs'].shape == (8, 3, 112, 112)
    np.testing.assert_array_equal(flipped['imgs'], kept['imgs'][..., ::-1])
    a, b = kept['keypoints'][:, 0], flipped['keypoints'][:, 0]
    seen = a[..., 2] > 0
    # mmaction2's Flip: x -> w - x for every frame and person, left and
    # right joints swapped
    order = COCO.flip_index()
    np.testing.assert_allclose(b[:, order][..., 0][seen],
                               112 - a[..., 0][seen], atol=1e-4)
    np.testing.assert_allclose(b[:, order][..., 1][seen], a[..., 1][seen],
                               atol=1e-4)
    # the packed batch feeds IntegralAction's renderer
    from mmactx.rendering import PoseMapSpec, render_pose_maps
    maps = render_pose_maps(torch.from_numpy(kept['keypoints'][None]),
                            PoseMapSpec('coco', img_shape=(112, 112)))
    assert maps.shape == (1, 8, 17 + 2 * len(COCO.limbs), 56, 56)
    assert maps[:, :, :17].amax() > 0.5


def test_refusals():
    with pytest.raises(ValueError, match='already per modality'):
        ShareFrameInds()(dict(frame_inds=np.arange(4),
                              clip_len=dict(RGB=4)))
    with pytest.raises(ValueError, match='at least one modality'):
        ShareFrameInds(modalities=())
    with pytest.raises(ValueError, match=r'4 persons, FormatFramePoses\('
                       r'max_persons=3\)'):
        FormatFramePoses(3)(dict(frame_dir='x',
                                 keypoint=np.zeros((4, 2, 17, 2))))


def test_flip_takes_the_left_and_right_joints_of_a_layout():
    from mmaction.datasets.transforms import Flip as MMActionFlip
    kp = np.random.default_rng(0).uniform(0, 50, (2, 3, 17, 2))
    results = dict(keypoint=kp.astype(np.float32), img_shape=(60, 60),
                   modality='Pose',
                   keypoint_score=np.ones((2, 3, 17), np.float32))
    ours = TRANSFORMS.build(dict(type='Flip', flip_ratio=1, layout='coco'))
    theirs = MMActionFlip(flip_ratio=1, left_kp=COCO.left,
                          right_kp=COCO.right)
    a, b = ours(copy.deepcopy(results)), theirs(copy.deepcopy(results))
    np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    # every frame and person: left and right swapped, x mirrored
    np.testing.assert_allclose(a['keypoint'][..., COCO.left[0], 0],
                               60 - kp[..., COCO.right[0], 0], atol=1e-4)
    assert "layout='coco'" in repr(ours)
    with pytest.raises(ValueError, match='layout or left_kp/right_kp'):
        TRANSFORMS.build(dict(type='Flip', layout='coco', left_kp=[1],
                              right_kp=[2]))
