"""Heatmap frames, text, atomic video writing, and the visualization hook."""
import os

import cv2
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mmactx.engine import PoseVisualizationHook
from mmactx.visualization import heatmap_frames, put_text_lines, write_video


def test_heatmap_frames_take_the_channel_maximum():
    volume = np.zeros((3, 4, 8, 16), np.float32)
    volume[1, 2, 3, 5] = 1.0
    volume[2, 2, 3, 5] = 0.2
    frames = heatmap_frames(volume, size=32)
    assert frames.shape == (4, 32, 64, 3) and frames.dtype == np.uint8
    hot = cv2.applyColorMap(np.full((1, 1), 255, np.uint8),
                            cv2.COLORMAP_INFERNO)[0, 0]
    np.testing.assert_array_equal(frames[2, 13, 21], hot)  # pixel (3, 5)x4
    assert (frames[0] == frames[0, 0, 0]).all()  # empty frame: one colour


def test_write_video_round_trip_and_atomic(tmp_path):
    frames = heatmap_frames(np.random.rand(2, 5, 16, 16), size=64)
    put_text_lines(frames[0], ['truth: 3 wave'])
    path = str(tmp_path / 'v.mp4')
    write_video(frames, path, fps=5)
    cap = cv2.VideoCapture(path)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    assert os.listdir(tmp_path) == ['v.mp4']  # no temporary file left
    with pytest.raises(ValueError, match='no frames'):
        write_video([], str(tmp_path / 'w.mp4'))
    assert os.listdir(tmp_path) == ['v.mp4']


def test_hook_writes_one_video_per_sample(tmp_path):
    labels = tmp_path / 'labels.txt'
    labels.write_text('wave\nclap\n')
    hook = PoseVisualizationHook(enable=True, out_dir=str(tmp_path / 'vis'),
                                 label_map=str(labels), interval=2)
    inputs = [torch.rand(4, 17, 6, 16, 16) for _ in range(3)]
    outputs = []
    for k in range(3):
        s = ActionDataSample().set_gt_label(k % 2)
        s.set_pred_score(torch.tensor([0.3, 0.7]))
        outputs.append(s)
    hook.after_val_iter(None, 0, dict(inputs=inputs), outputs)
    # samples 0 and 2 (interval 2)
    assert sorted(os.listdir(tmp_path / 'vis')) == ['val_0.mp4', 'val_2.mp4']
    assert hook._name(1) == '1 clap' and hook._name(5) == '5'
    PoseVisualizationHook(enable=False, out_dir=str(tmp_path / 'off')
                          ).after_val_iter(None, 0, dict(inputs=inputs),
                                           outputs)
    assert not (tmp_path / 'off').exists()


def test_hook_renders_keypoint_clips_with_the_models_preprocessor(
        tmp_path, monkeypatch):
    """Device configs pack keypoint clips; the hook draws their volumes."""
    from types import SimpleNamespace

    from mmactx.models import HeatmapDataPreprocessor
    from mmactx.testing.poses import make_pose_sample, pose_clips
    sample = make_pose_sample(np.random.RandomState(0), persons=1, spread=4)
    clips = torch.from_numpy(pose_clips([sample], 1))  # [1, M, T, V, 3]
    preprocessor = HeatmapDataPreprocessor(dict(sigma=0.6))
    runner = SimpleNamespace(model=SimpleNamespace(
        data_preprocessor=preprocessor))
    out = ActionDataSample(metainfo=dict(img_shape=sample['img_shape']))
    out.set_gt_label(0).set_pred_score(torch.tensor([0.6, 0.4]))
    drawn = []
    hook = PoseVisualizationHook(enable=True, out_dir=str(tmp_path))
    import mmactx.engine.hooks as hooks
    real = hooks.heatmap_frames

    def spy(volume, *args, **kwargs):
        drawn.append(volume)
        return real(volume, *args, **kwargs)

    monkeypatch.setattr(hooks, 'heatmap_frames', spy)
    hook.after_val_iter(runner, 0, dict(inputs=[clips]), [out])
    expected = preprocessor.render(clips[None], sample['img_shape'],
                                   False)[0, 0].numpy()
    assert drawn[0].shape == expected.shape  # [C, T, H, W], not a clip
    np.testing.assert_array_equal(drawn[0], expected)
    assert os.listdir(tmp_path) == ['val_0.mp4']


@pytest.mark.parametrize('small, large', [((540, 960), (1080, 1920)),
                                          ((480, 640), (1440, 1920))])
def test_text_and_lines_keep_their_size_relative_to_the_frame(small, large):
    from mmactx.skeletons import COCO
    from mmactx.visualization import draw_skeletons

    def share(shape, draw):
        frame = np.zeros(shape + (3, ), np.uint8)
        draw(frame, shape)
        ink = frame.max(-1) > 127  # anti-aliased fringes left out
        rows = np.flatnonzero(ink.any(1))
        return ink.mean(), (rows[-1] - rows[0] + 1) / shape[0]

    def text(frame, shape):
        put_text_lines(frame, ['drink water: 0.93', 'eat meal: 0.02'])

    def skeleton(frame, shape):
        h, w = shape
        kp = np.zeros((1, COCO.num_joints, 2))
        kp[0, :, 0] = np.linspace(0.3, 0.7, COCO.num_joints) * w
        kp[0, :, 1] = np.linspace(0.2, 0.9, COCO.num_joints) * h
        draw_skeletons(frame, kp)

    for draw in (text, skeleton):
        (ink_s, tall_s), (ink_l, tall_l) = (share(small, draw),
                                            share(large, draw))
        # same share of the frame covered (strokes grow with the frame),
        # same height relative to it
        assert ink_l == pytest.approx(ink_s, rel=0.3), draw.__name__
        assert tall_l == pytest.approx(tall_s, rel=0.15), draw.__name__
