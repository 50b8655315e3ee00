"""demo/demo_multitask.py end to end on a tiny multitask model (random
weights) and a short synthetic video: the output video's frames, the
drawing, the crop geometry, and the refused inputs."""
import os

import cv2
import numpy as np
import pytest
import torch

from mmactx.testing import load_script
from mmactx.testing.videos import decode_all
from mmactx.utils.cli import InputError

pytestmark = pytest.mark.usefixtures('quiet_model_init')

J, A = 17, 3
CONFIG = '''
input_size = (64, 64)
clip_len = 4
model = dict(
    type='MultitaskRecognizer',
    backbone=dict(type='SPNet', num_joints={J}, num_pyramids=2,
                  num_levels=3, with_depth={depth}, stem_channels=8,
                  growth=8, kernel_size=3),
    action_head=dict(
        type='MultitaskActionHead', num_classes={A}, pose_dim={dim},
        feat_channels=24, num_blocks=2, appearance_channels=8,
        pose_cfg=dict(stem_widths=(4, 4, 4), branch_widths=(8, 8),
                      branch_mid=4)),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[127.5] * 3, std=[127.5] * 3,
                           format_shape='NCHW'))
'''
H, W, FRAMES = 96, 128, 10


@pytest.fixture(scope='module')
def demo():
    return load_script('demo/demo_multitask.py')


def write_config(folder, with_depth):
    path = folder / f'tiny_{"3d" if with_depth else "2d"}.py'
    path.write_text(CONFIG.format(J=J, A=A, depth=with_depth,
                                  dim=3 if with_depth else 2))
    return str(path)


def save_checkpoint(demo_module, config, path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmactx.registry import MODELS
    init_default_scope('mmactx')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


@pytest.fixture(scope='module')
def assets(demo, tmp_path_factory):
    root = tmp_path_factory.mktemp('demo_multitask')
    rng = np.random.default_rng(0)
    video = str(root / 'in.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (W, H))
    frames = []
    for t in range(FRAMES):
        frame = np.full((H, W, 3), 40, np.uint8)
        frame += rng.integers(0, 10, frame.shape, dtype=np.uint8)
        cv2.circle(frame, (40 + 4 * t, 50), 12, (0, 120, 200), -1)
        writer.write(frame)
        frames.append(frame)
    writer.release()
    out = dict(root=root, video=video)
    for depth in (False, True):
        cfg = write_config(root, depth)
        out[depth] = (cfg, save_checkpoint(demo, cfg,
                                           root / f'ckpt_{depth}.pth'))
    (root / 'labels.txt').write_text('wave\nsquat\nclap\n')
    return out


def read_video(path):
    """Every frame of ``path``, BGR (as the demo reads and writes them)."""
    return decode_all(path)[..., ::-1]


@pytest.mark.parametrize('with_depth', [False, True])
def test_demo_draws_pose_inset_and_labels(demo, assets, with_depth):
    cfg, ckpt = assets[with_depth]
    out = str(assets['root'] / f'out_{with_depth}.mp4')
    # random weights give flat heatmaps (visibility ~ 4 / 64): threshold 0
    result = demo.main([assets['video'], out, '--config', cfg,
                        '--checkpoint', ckpt, '--label-map',
                        str(assets['root'] / 'labels.txt'),
                        '--threshold', '0'])
    assert [p for p in os.listdir(assets['root']) if 'tmp' in p] == []
    assert result['num_frames'] == FRAMES and result['clip_len'] == 4
    assert result['stride'] == 4 and result['layout'] == 'coco'
    assert [c['start'] for c in result['clips']] == [0, 4, 8]
    assert all(c['name'] in ('wave', 'squat', 'clap')
               for c in result['clips'])
    src, got = read_video(assets['video']), read_video(out)
    assert got.shape == (FRAMES, H, W, 3)
    diff = np.abs(got.astype(int) - src.astype(int)).max(-1)  # [T, H, W]
    # the label track along the bottom
    assert (diff[:, -8:] > 60).mean() > 0.05
    # the joints' white dots where the model put them
    from mmengine.config import Config
    model, _ = demo.load_model(cfg, ckpt, 'cpu')
    matrix = demo.crop_matrix((W, H), (64, 64))
    res = demo.run_model(model, assets['video'], matrix, (64, 64), 4, 4)
    assert res['coords'].shape == (FRAMES, J, 3 if with_depth else 2)
    pts = demo.to_frame_pixels(res['coords'][0], matrix, (64, 64))
    for x, y in np.round(pts).astype(int):
        if x < W - 40 and 0 < y < H - 20:  # away from inset and track
            patch = got[0, y - 1:y + 2, x - 1:x + 2]
            assert patch.min(-1).max() > 150
    # the 3D inset in the top right corner, only with depth
    inset = diff[:, 2:26, W - 26:W - 2]
    assert ((inset > 60).mean() > 0.2) == with_depth
    assert Config.fromfile(cfg).input_size == (64, 64)


def test_crop_matrix_round_trip(demo):
    from mmactx.pose_coords import apply_affine

    # centred square of side min(h, w): the frame centre -> crop centre
    m = demo.crop_matrix((640, 480), (256, 256))
    np.testing.assert_allclose(apply_affine(np.array([320., 240.]), m),
                               [128, 128])
    np.testing.assert_allclose(m[0, 0], 256 / 480)
    # --bbox: made square x1.25 around its centre
    m = demo.crop_matrix((640, 480), (256, 256), (100, 50, 180, 250))
    np.testing.assert_allclose(m[0, 0], 256 / (1.25 * 200))
    np.testing.assert_allclose(apply_affine(np.array([140., 150.]), m),
                               [128, 128])
    # predictions come back through the inverse
    norm = np.array([[0.5, 0.5], [0., 0.], [1., 1.]])
    np.testing.assert_allclose(demo.to_frame_pixels(norm, m, (256, 256)),
                               [[140, 150], [15, 25], [265, 275]])


def test_refused_inputs(demo, assets, tmp_path):
    cfg2, ckpt2 = assets[False]
    cfg3, _ = assets[True]
    out = str(tmp_path / 'out.mp4')
    with pytest.raises(InputError, match='video .*missing.mp4 does not'):
        demo.main([str(tmp_path / 'missing.mp4'), out, '--config', cfg2,
                   '--checkpoint', ckpt2])
    other = tmp_path / 'other.py'
    other.write_text("model = dict(type='SPNet', num_joints=17)\n")
    with pytest.raises(InputError, match='not a MultitaskRecognizer'):
        demo.main([assets['video'], out, '--config', str(other),
                   '--checkpoint', ckpt2])
    # a 2D checkpoint for the 3D model: the depth layers are missing
    with pytest.raises(InputError, match='does not fit the model .*: '
                       r'.* missing from it: backbone\.blocks\.0\.depth_conv'):
        demo.main([assets['video'], out, '--config', cfg3,
                   '--checkpoint', ckpt2])
    with pytest.raises(InputError, match=r'--stride must be in \[1, clip'):
        demo.main([assets['video'], out, '--config', cfg2,
                   '--checkpoint', ckpt2, '--stride', '5'])
    with pytest.raises(InputError, match='would replace an input'):
        demo.main([assets['video'], assets['video'], '--config', cfg2,
                   '--checkpoint', ckpt2])
    with pytest.raises(InputError, match="layout 'mpii' has 16 joints"):
        demo.main([assets['video'], out, '--config', cfg2,
                   '--checkpoint', ckpt2, '--layout', 'mpii'])
    with pytest.raises(InputError, match='unknown skeleton layout'):
        demo.main([assets['video'], out, '--config', cfg2,
                   '--checkpoint', ckpt2, '--layout', 'nope'])
    assert not os.path.exists(out)


def test_overlapping_clips_and_bbox(demo, assets):
    cfg, ckpt = assets[True]
    out = str(assets['root'] / 'out_stride.mp4')
    result = demo.main([assets['video'], out, '--config', cfg,
                        '--checkpoint', ckpt, '--stride', '3',
                        '--clip-len', '5', '--bbox', '20', '30', '70', '90'])
    # clips start every 3 frames; the last ones are padded
    assert [c['start'] for c in result['clips']] == [0, 3, 6, 9]
    assert result['clip_len'] == 5 and result['num_frames'] == FRAMES
    assert read_video(out).shape == (FRAMES, H, W, 3)
    model, _ = demo.load_model(cfg, ckpt, 'cpu')
    matrix = demo.crop_matrix((W, H), (64, 64), (20, 30, 70, 90))
    res = demo.run_model(model, assets['video'], matrix, (64, 64), 5, 3)
    assert res['coords'].shape == (FRAMES, J, 3)
    assert res['visibility'].shape == (FRAMES, J)
    assert res['scores'].shape == (4, A)
    np.testing.assert_allclose(res['scores'].sum(-1), 1, rtol=1e-5)
