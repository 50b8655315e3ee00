"""deephar's NTU clip sampling (random stride in training, every stride-4
clip starting at multiples of 7 at test time) and the test-time flip views,
on index sets worked out by hand and on the real NTU sample + video."""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import Resize

from mmactx.datasets.transforms import MMDecode, ShareFrameInds
from mmactx.datasets.transforms.clip_sampling import (AppendFlipViews,
                                                      StrideJitterSampleFrames)
from mmactx.registry import TRANSFORMS
from mmactx.skeletons import get_layout

NTU = 'ntu_sample/S001C001P001R001A001'


def clips(results):
    """frame_inds as [num_clips, clip_len]."""
    return results['frame_inds'].reshape(results['num_clips'], -1).tolist()


def run(sampler, total_frames, **extra):
    return sampler(dict(frame_dir='S001C001P001R001A001',
                        total_frames=total_frames, **extra))


def test_test_clips_are_deephars():
    """Starts every 7 subsampled frames (14 record frames), stride 4 (8
    record frames), as many as fit: 103 frames are 52 subsampled ones, a
    clip spans 29 of them, so starts 0, 7, 14, 21."""
    sampler = StrideJitterSampleFrames(test_mode=True)
    out = run(sampler, 103)
    assert out['clip_len'] == 8 and out['frame_interval'] == 8
    assert out['num_clips'] == 4 and out['frame_inds'].dtype == np.int32
    assert clips(out) == [list(range(s, s + 57, 8)) for s in (0, 14, 28, 42)]
    # 57 frames: 29 subsampled, one clip exactly
    assert clips(run(sampler, 57)) == [list(range(0, 57, 8))]
    # 300 frames: 150 subsampled, starts 0..119: 18 clips
    out = run(sampler, 300)
    assert out['num_clips'] == 18 and clips(out)[-1][0] == 2 * 119
    # capped: clips 0, 8 (linspace 8.5, rounded to even) and 17
    capped = run(StrideJitterSampleFrames(test_mode=True, max_test_clips=3),
                 300)
    assert [c[0] for c in clips(capped)] == [0, 2 * 56, 2 * 119]
    assert clips(capped)[1] == list(range(112, 112 + 57, 8))
    # a cap above the count keeps them all
    assert run(StrideJitterSampleFrames(test_mode=True, max_test_clips=9),
               103)['num_clips'] == 4


@pytest.mark.parametrize('test_mode', [False, True])
def test_short_videos_lower_the_stride_then_repeat_the_last_frame(
        test_mode):
    sampler = StrideJitterSampleFrames(test_mode=test_mode)
    # 30 frames, 15 subsampled: no stride >= 3 fits; stride 2 spans 15
    out = run(sampler, 30)
    assert out['frame_interval'] == 4 and clips(out) == [
        list(range(0, 29, 4))]
    # 5 frames, 3 subsampled (0, 2, 4): stride 1, padded with the last
    out = run(sampler, 5)
    assert out['frame_interval'] == 2
    assert clips(out) == [[0, 2, 4, 4, 4, 4, 4, 4]]
    assert clips(run(sampler, 1)) == [[0] * 8]


def test_one_test_clip_is_centred_where_none_fits():
    # 40 frames, 20 subsampled: stride 2 spans 15, centred at start 2
    out = run(StrideJitterSampleFrames(test_mode=True), 40)
    assert out['num_clips'] == 1 and out['frame_interval'] == 4
    assert clips(out) == [list(range(4, 33, 4))]


def test_training_draws_every_stride_and_start():
    sampler = StrideJitterSampleFrames()
    np.random.seed(0)
    first = [run(sampler, 300)['frame_inds'] for _ in range(300)]
    np.random.seed(0)
    again = [run(sampler, 300)['frame_inds'] for _ in range(300)]
    np.testing.assert_array_equal(first, again)  # seeded by np.random

    np.random.seed(1)
    strides, starts = {}, {}
    for _ in range(600):
        out = run(sampler, 300)
        inds = out['frame_inds']
        assert out['num_clips'] == 1 and len(inds) == 8
        step = out['frame_interval']
        np.testing.assert_array_equal(np.diff(inds), step)
        assert inds[0] % 2 == 0 and 0 <= inds[0] and inds[-1] < 300
        strides[step] = strides.get(step, 0) + 1
        starts.setdefault(step, set()).add(int(inds[0]) // 2)
    assert set(strides) == {6, 8, 10}  # strides 3, 4, 5 of frames step 2
    assert min(strides.values()) > 150  # about 200 each
    # stride 5 spans 36 of the 150 subsampled frames: starts 0..114
    assert min(starts[10]) == 0 and max(starts[10]) == 114
    assert max(starts[6]) <= 150 - 22

    # 40 frames (20 subsampled): every stride is lowered to 2
    assert {run(sampler, 40)['frame_interval'] for _ in range(20)} == {4}


def test_start_index_errors_and_registry():
    sampler = TRANSFORMS.build(dict(type='StrideJitterSampleFrames',
                                    test_mode=True, clip_len=2, strides=(1, ),
                                    frame_step=1, test_stride=1,
                                    test_start_step=3))
    out = run(sampler, 7, start_index=1)
    assert clips(out) == [[1, 2], [4, 5]]  # starts 0, 3 (5 is past 5)
    with pytest.raises(ValueError, match="'S001C001P001R001A001': "
                       'total_frames=0'):
        run(sampler, 0)
    with pytest.raises(ValueError, match="'S001C001P001R001A001': "
                       r'total_frames=5 but keypoint has shape '
                       r'\(1, 4, 3, 2\)'):
        run(sampler, 5, keypoint=np.zeros((1, 4, 3, 2)))
    for bad, match in [(dict(strides=()), 'strides'),
                       (dict(strides=(0, 2)), 'strides'),
                       (dict(clip_len=0), 'clip_len'),
                       (dict(frame_step=1.5), 'frame_step'),
                       (dict(test_start_step=0), 'test_start_step'),
                       (dict(max_test_clips=0), 'max_test_clips')]:
        with pytest.raises(ValueError, match=match):
            StrideJitterSampleFrames(**bad)
    assert 'strides=(3, 4, 5)' in repr(StrideJitterSampleFrames())


def dotted_sample(num_frames=4, h=40, w=60, seed=0):
    """Black frames with a bright dot under each visible COCO joint; joint
    3 of person 0 is missing in every frame (0, 0 with score 0)."""
    rng = np.random.RandomState(seed)
    kp = np.stack([rng.randint(1, w - 1, (1, num_frames, 17)),
                   rng.randint(1, h - 1, (1, num_frames, 17))],
                  -1).astype(np.float32)
    score = rng.uniform(0.5, 1, (1, num_frames, 17)).astype(np.float32)
    kp[:, :, 3], score[:, :, 3] = 0, 0
    depth = rng.uniform(2, 4, (1, num_frames, 17)).astype(np.float32)
    imgs = []
    for t in range(num_frames):
        img = np.zeros((h, w, 3), np.uint8)
        for x, y in kp[0, t].astype(int):
            img[y, x] = 255
        img[0, 0] = 0  # the missing joint draws nothing
        imgs.append(img)
    return dict(frame_dir='S001C001P001R001A001', imgs=imgs, keypoint=kp,
                keypoint_score=score, keypoint_depth=depth,
                img_shape=(h, w), num_clips=2, clip_len=2)


def test_flip_views_keep_dots_under_their_joints():
    rec = dotted_sample()
    want = copy.deepcopy(rec)
    out = AppendFlipViews('coco')(rec)
    assert out['num_clips'] == 4 and out['flip_views'] is True
    assert len(out['imgs']) == 8 and out['keypoint'].shape == (1, 8, 17, 2)
    for t in range(4):
        np.testing.assert_array_equal(out['imgs'][t], want['imgs'][t])
        mirrored = out['imgs'][4 + t]
        assert mirrored.flags.c_contiguous
        np.testing.assert_array_equal(mirrored, want['imgs'][t][:, ::-1])
        for v in range(17):
            if v == 4:  # mirrors joint 3 (left ear), missing
                continue
            x, y = out['keypoint'][0, 4 + t, v].astype(int)
            assert mirrored[y, x].min() == 255, (t, v)
    coco = get_layout('coco')
    lw, rw = coco.joint_index('left_wrist'), coco.joint_index('right_wrist')
    # the mirrored person's left wrist is where the right one was, mirrored
    np.testing.assert_array_equal(
        out['keypoint'][0, 4:, lw],
        np.stack([59 - want['keypoint'][0, :, rw, 0],
                  want['keypoint'][0, :, rw, 1]], -1))
    np.testing.assert_array_equal(out['keypoint'][:, :4], want['keypoint'])
    # missing stays missing: the left ear (3) becomes the right ear (4)
    assert (out['keypoint'][0, 4:, 4] == 0).all()
    assert (out['keypoint_score'][0, 4:, 4] == 0).all()
    flip = coco.flip_index()
    for key in ('keypoint_score', 'keypoint_depth'):
        np.testing.assert_array_equal(out[key][:, :4], want[key])
        np.testing.assert_array_equal(out[key][:, 4:], want[key][:, :, flip])
    # the depth is not mirrored: the right wrist's depth goes to the left
    np.testing.assert_array_equal(out['keypoint_depth'][0, 4:, lw],
                                  want['keypoint_depth'][0, :, rw])


def test_flip_views_of_stacked_frames_and_poses_alone():
    rec = dotted_sample()
    rec['imgs'] = np.stack(rec['imgs'])
    out = AppendFlipViews('coco')(rec)
    assert out['imgs'].shape == (8, 40, 60, 3)
    np.testing.assert_array_equal(out['imgs'][4:], out['imgs'][:4, :, ::-1])
    poses = dotted_sample()
    del poses['imgs']
    out2 = AppendFlipViews('coco')(poses)
    np.testing.assert_array_equal(out2['keypoint'], out['keypoint'])
    frames = dotted_sample()
    for key in ('keypoint', 'keypoint_score', 'keypoint_depth'):
        del frames[key]
    assert len(AppendFlipViews()(frames)['imgs']) == 8


@pytest.mark.parametrize('edit,layout,match', [
    (lambda r: r.update(flip_views=True), 'coco', 'already set'),
    (lambda r: [r.pop('imgs'), r.pop('keypoint')], 'coco', 'neither'),
    (lambda r: None, None, r'needs a layout'),
    (lambda r: None, 'nturgb+d', "17 joints, layout 'nturgb\\+d' has 25"),
    (lambda r: r.update(img_shape=(40, 61)), 'coco', 'img_shape'),
    (lambda r: r.update(keypoint_depth=np.zeros((1, 3, 17))), 'coco',
     r'keypoint_depth of shape \(1, 3, 17\)'),
])
def test_flip_views_errors_name_the_record(edit, layout, match):
    rec = dotted_sample()
    edit(rec)
    with pytest.raises(ValueError, match="'S001C001P001R001A001'.*" + match):
        AppendFlipViews(layout)(rec)


def test_real_ntu_clips_frames_poses_and_flip(shared_data):
    """The real take (103 frames, 1920x1080 .avi): two test clips decoded
    with their poses and depths at the same frames, resized, flipped."""
    from mmactx.datasets.converters.ntu import convert_ntu_file
    rec = convert_ntu_file(shared_data(NTU + '.skeleton'), layout_2d='ntu',
                           with_depth=True)['2d']
    rec['filename'] = shared_data(NTU + '_rgb.avi')
    pipeline = [StrideJitterSampleFrames(test_mode=True, max_test_clips=2),
                ShareFrameInds(), MMDecode(),
                Resize(scale=(96, 54), keep_ratio=False),
                AppendFlipViews('nturgb+d')]
    out = copy.deepcopy(rec)
    for t in pipeline:
        out = t(out)
    inds = [0, 8, 16, 24, 32, 40, 48, 56, 42, 50, 58, 66, 74, 82, 90, 98]
    np.testing.assert_array_equal(out['frame_inds'], inds)
    np.testing.assert_array_equal(out['RGB_inds'], inds)
    np.testing.assert_array_equal(out['Pose_inds'], inds)
    assert out['num_clips'] == 4 and out['clip_len'] == dict(RGB=8, Pose=8)
    assert len(out['imgs']) == 32 and out['imgs'][0].shape == (54, 96, 3)
    np.testing.assert_array_equal(np.stack(out['imgs'][16:]),
                                  np.stack(out['imgs'][:16])[:, :, ::-1])
    kp = out['keypoint']
    assert kp.shape == (1, 32, 25, 2)
    want = rec['keypoint'][:, inds].astype(np.float32) * [96 / 1920,
                                                          54 / 1080]
    np.testing.assert_allclose(kp[:, :16], want, rtol=1e-5)
    flip = get_layout('nturgb+d').flip_index()
    np.testing.assert_allclose(kp[:, 16:, :, 0], 95 - want[:, :, flip, 0],
                               rtol=1e-5)
    # depth in metres: the raw values at the same frames, never rescaled
    depth = rec['keypoint_depth'][:, inds]
    np.testing.assert_array_equal(out['keypoint_depth'][:, :16], depth)
    np.testing.assert_array_equal(out['keypoint_depth'][:, 16:],
                                  depth[:, :, flip])
    # the person is in the frame: the head is inside it, in both views
    head = get_layout('nturgb+d').joint_index('head')
    assert ((kp[0, :, head] > 0) & (kp[0, :, head] < [96, 54])).all()
