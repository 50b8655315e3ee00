"""mmactx.visualization.multitask: the multitask demo's drawing (2D pose,
3D side-view inset, label track)."""
import numpy as np
import pytest

from mmactx.skeletons import COCO
from mmactx.visualization.multitask import (class_color, draw_label_track,
                                            draw_pose_2d, draw_pose_3d_inset,
                                            pose_3d_canvas)

J = COCO.num_joints


def pose(seed=0):
    rng = np.random.default_rng(seed)
    coords = rng.uniform(0.3, 0.7, (J, 3))
    return coords


def test_draw_pose_2d_draws_only_visible_joints():
    frame = np.zeros((120, 160, 3), np.uint8)
    kp = pose()[:, :2] * [160, 120]
    vis = np.full(J, 0.9)
    vis[0] = 0.5  # at the threshold: left out
    out = draw_pose_2d(frame, kp, vis, COCO)
    assert out is frame and frame.any()
    x, y = np.round(kp[0]).astype(int)
    # the nose (hidden) has no white dot unless a bone crosses it
    lone = np.zeros_like(frame)
    draw_pose_2d(lone, kp, np.where(np.arange(J) == 0, 0.9, 0.0), COCO)
    assert (lone[y, x] == 255).all()  # visible alone: its dot is drawn
    hidden = np.zeros_like(frame)
    draw_pose_2d(hidden, kp, np.zeros(J), COCO)
    assert not hidden.any()


def test_draw_pose_2d_errors():
    frame = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match=r'keypoints must be \[J, 2\]'):
        draw_pose_2d(frame, np.zeros((J, 3)), None, COCO)
    with pytest.raises(ValueError, match='has 17 joints, the pose 5'):
        draw_pose_2d(frame, np.zeros((5, 2)), None, COCO)
    with pytest.raises(ValueError, match=r'visibility must be \[J\]'):
        draw_pose_2d(frame, np.zeros((J, 2)), np.zeros(4), COCO)


def test_3d_canvas_side_view_shows_depth():
    near = pose()
    near[:, 2] = 0.3
    far = near.copy()
    far[:, 2] = 0.7
    a = pose_3d_canvas(near, None, COCO, 64, title='')
    b = pose_3d_canvas(far, None, COCO, 64, title='')
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    # seen from the side, depth is horizontal: farther poses lie right
    cols_a = np.flatnonzero((a[1:-1, 1:-1] > 150).any(axis=(0, 2)))
    cols_b = np.flatnonzero((b[1:-1, 1:-1] > 150).any(axis=(0, 2)))
    assert cols_b.mean() > cols_a.mean() + 10
    with pytest.raises(ValueError, match=r'coords must be \[J, 3\]'):
        pose_3d_canvas(near[:, :2], None, COCO, 64)
    with pytest.raises(ValueError, match='>= 16 pixels'):
        pose_3d_canvas(near, None, COCO, 8)


def test_3d_inset_in_top_right_corner():
    frame = np.zeros((200, 300, 3), np.uint8)
    draw_pose_3d_inset(frame, pose(), np.ones(J), COCO, fraction=0.3)
    changed = frame.any(-1)
    ys, xs = np.nonzero(changed)
    assert ys.max() < 100 and xs.min() > 150
    with pytest.raises(ValueError, match=r'fraction must be in \(0, 1\]'):
        draw_pose_3d_inset(frame, pose(), None, COCO, fraction=1.5)


def test_label_track_band_text_and_timeline():
    frame = np.full((240, 320, 3), 200, np.uint8)
    draw_label_track(frame, 'wave 0.87', labels=[0, 1, 1, 2], position=0.5)
    assert (frame[:150] == 200).all()  # the top is untouched
    bottom = frame[-20:]
    assert (bottom < 200).any() and (bottom == 255).any()  # band + text
    # the timeline's first segment has class 0's colour
    band = frame[150:]
    assert (band == class_color(0)).all(-1).any()
    assert (band == class_color(2)).all(-1).any()
    assert class_color(3) != class_color(2)
