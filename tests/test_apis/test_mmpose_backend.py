"""The mmpose pose backend with real mmpose 1.3 (RTMPose-t, random weights:
no weights can be downloaded here). It runs in a subprocess, because the
backend puts stand-ins for torchvision and mmcv._ext into sys.modules."""
import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import json, os, sys
    import cv2, numpy as np, torch
    import mmpose, skimage
    from mmactx.apis import MMPosePoseEstimator
    config = os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'configs',
                          'body_2d_keypoint', 'rtmpose', 'coco',
                          'rtmpose-t_8xb256-420e_coco-256x192.py')
    ckpt = sys.argv[1]
    torch.manual_seed(0)
    first = MMPosePoseEstimator(config, None, boxes='frame')
    torch.save(dict(state_dict=first.model.state_dict(), meta={}), ckpt)
    torch.manual_seed(1)
    loaded = MMPosePoseEstimator(config, ckpt, boxes='frame')
    same = all(torch.equal(a, b) for a, b in zip(
        first.model.state_dict().values(), loaded.model.state_dict().values()))
    photo = cv2.imread(os.path.join(os.path.dirname(skimage.__file__), 'data',
                                    'camera.png'))
    whole = loaded(photo, 0, 0)
    boxed = MMPosePoseEstimator(config, ckpt)(photo, 0, 0)
    try:
        sys.modules['torchvision'].transforms.ToPILImage()
        stand_in = 'callable'
    except RuntimeError as e:
        stand_in = str(e)
    print(json.dumps(dict(
        same=same, stand_in=stand_in,
        whole=[list(whole.keypoints.shape), float(whole.keypoints.min()),
               float(whole.keypoints.max()), float(whole.scores.min()),
               float(whole.scores.max()), str(whole.keypoints.dtype)],
        boxed=len(boxed))))
''')


@pytest.mark.slow
def test_rtmpose_with_weights_only_checkpoint(tmp_path):
    out = subprocess.run(
        [sys.executable, '-c', SCRIPT, str(tmp_path / 'rtmpose_t.pth')],
        capture_output=True, text=True, timeout=600,
        env={**__import__('os').environ, 'MMACTX_CACHE': str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result['same']  # the checkpoint loaded (weights-only)
    shape, lo, hi, smin, smax, dtype = result['whole']
    assert shape == [1, 17, 2] and dtype == 'float32'
    # random weights decode anywhere in the model's input crop: the 512x512
    # box padded by 1.25 and widened to 192:256, i.e. x in [-64, 575],
    # y in [-171, 682]
    assert -172 <= lo and hi <= 683
    assert 0 <= smin <= smax <= 1
    assert result['boxed'] == 1  # one box from MediaPipe, one pose
    assert 'torchvision is not installed' in result['stand_in']
