"""PCKh and MPJPE of mmactx.evaluation.pose_metrics on mmpose's real MPII and
Human3.6M test fixtures, by hand and against mmpose's own metrics."""
import json
import math
import os.path as osp

import numpy as np
import pytest

import mmactx  # noqa: F401  (applies mmactx's compat shims before mmpose)
from mmactx.evaluation.pose_metrics import (MPII_JOINT_NAMES, MPII_PCKH_GROUPS,
                                            MPII_PCKH_JOINTS, MultiBlockMPJPE,
                                            MultiBlockPCKh, mpii_head_sizes,
                                            mpii_joint_index, mpii_pckh,
                                            mpii_pckh_from_head_sizes, mpjpe)
from mmactx.registry import METRICS
from mmactx.testing.mpii import stand_in_head_boxes, write_headbox_file

J = {name: i for i, name in enumerate(MPII_JOINT_NAMES)}


def _mmpose_metainfo(name):
    """mmpose's dataset metainfo file, by absolute path (the relative default
    makes mmpose warn that it looked for it in the working directory)."""
    import mmpose
    return dict(from_file=osp.join(
        osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
        'datasets', f'{name}.py'))


def _evaluate(metric, data_samples):
    metric.process([{}] * len(data_samples), data_samples)
    return metric.evaluate(len(data_samples))


# --------------------------------------------------------------------- MPII
@pytest.fixture(scope='module')
def mpii(shared_data, tmp_path_factory):
    """mmpose's MpiiDataset on test_mpii.json with a head-box file in the
    format of MPII's mpii_gt_val.mat that mmpose reads: ``headboxes_src``
    [2 corners, 2 coords, N], read as np.transpose(..., [2, 0, 1])."""
    from mmpose.datasets import MpiiDataset
    ann_file = shared_data('mmpose_fixtures/mpii/test_mpii.json')
    with open(ann_file) as f:
        joints = np.array([a['joints'] for a in json.load(f)])
    boxes = stand_in_head_boxes(joints)
    headbox_file = str(tmp_path_factory.mktemp('mpii') / 'headboxes.mat')
    write_headbox_file(boxes, headbox_file)
    dataset = MpiiDataset(
        ann_file=ann_file, headbox_file=headbox_file, test_mode=True,
        data_prefix=dict(img=osp.dirname(ann_file)),
        metainfo=_mmpose_metainfo('mpii'))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    return dict(
        infos=infos,
        boxes=boxes,
        gt=np.concatenate([i['keypoints'] for i in infos]).astype(float),
        visible=np.concatenate([i['keypoints_visible']
                                for i in infos]).astype(bool),
        head_size=np.concatenate([i['head_size']
                                  for i in infos]).reshape(-1))


# joints moved by 0.6 head sizes (wrong); every other joint by 0.4 (right)
WRONG = {0: ('right_wrist', 'left_ankle', 'head_top'),
         1: ('right_wrist', 'left_ankle'), 2: ('right_wrist', 'left_ankle'),
         3: ('right_wrist', 'left_ankle'), 4: ('right_wrist', 'left_ankle')}


def _offset_preds(gt, head_size, wrong=WRONG, right=0.4, far=0.6):
    """GT + offsets of ``right`` or ``far`` head sizes, in a direction that
    turns with the joint; pelvis and thorax are always moved ``far`` (they
    must not count)."""
    pred = gt.copy()
    for i in range(len(gt)):
        for j, name in enumerate(MPII_JOINT_NAMES):
            moved = far if (name in wrong.get(i, ())
                            or name in ('pelvis', 'thorax')) else right
            angle = 2 * math.pi * (16 * i + j) / 37
            pred[i, j] += moved * head_size[i] * np.array(
                [math.cos(angle), math.sin(angle)])
    return pred


def _mpii_samples(mpii, preds, blocks=None):
    """mmpose-style data samples (what PackPoseInputs gives the metrics);
    ``preds`` are 1-based like MPII's annotations and are given 0-based, as
    a model predicts them."""
    samples = []
    for i, info in enumerate(mpii['infos']):
        pred = dict(keypoints=preds[i:i + 1] - 1.0)
        if blocks is not None:
            stacked = np.stack([b[i] for b in blocks])  # [K, 16, 2]
            pred['block_keypoints'] = stacked[None] - 1.0
        samples.append(dict(
            gt_instances=dict(keypoints=info['keypoints'],
                              keypoints_visible=info['keypoints_visible'],
                              head_size=info['head_size']),
            pred_instances=pred))
    return samples


def test_mpii_fixture_format(mpii):
    # 5 single-person annotations, 16 joints; samples 2 and 3 (051423444,
    # 004645041) lack both ankles
    assert mpii['gt'].shape == (5, 16, 2)
    assert [i['img_path'][-13:] for i in mpii['infos']] == [
        '005808361.jpg', '052475643.jpg', '051423444.jpg', '004645041.jpg',
        '060754485.jpg']
    missing = {(i, MPII_JOINT_NAMES[j]) for i, j in zip(
        *np.nonzero(~mpii['visible']))}
    assert missing == {(2, 'right_ankle'), (2, 'left_ankle'),
                       (3, 'right_ankle'), (3, 'left_ankle')}
    # our head boxes went through mmpose's .mat reader to the same sizes,
    # so the [2, 2, N] layout is the one mmpose expects
    np.testing.assert_allclose(mpii['head_size'],
                               mpii_head_sizes(mpii['boxes']), rtol=1e-6)
    assert (mpii['head_size'] > 20).all()


def test_mpii_joint_names():
    assert len(MPII_PCKH_JOINTS) == 14
    assert 'pelvis' not in MPII_PCKH_JOINTS
    assert 'thorax' not in MPII_PCKH_JOINTS
    assert mpii_joint_index('head_top') == 9
    assert mpii_joint_index('pelvis') == 6
    with pytest.raises(KeyError, match='not an MPII joint'):
        mpii_joint_index('nose')


def test_mpii_pckh_by_hand_and_against_mmpose(mpii):
    from mmpose.evaluation.metrics import MpiiPCKAccuracy
    pred = _offset_preds(mpii['gt'], mpii['head_size'])
    # by hand: 14 counted joints in samples 0, 1, 4 and 12 in samples 2, 3
    # -> 66; wrong: right wrist x5, left ankle x3 (visible in 0, 1, 4),
    # head top x1 -> 57 / 66
    ours = mpii_pckh(pred, mpii['gt'], mpii['visible'], mpii['boxes'])
    assert ours['Total'] == pytest.approx(100 * 57 / 66)
    assert ours['Head'] == pytest.approx(80.0)
    assert ours['Wrist'] == pytest.approx(50.0)  # right 0 %, left 100 %
    assert ours['Ankle'] == pytest.approx(50.0)  # right 3/3, left 0/3
    for group in ('Shoulder', 'Elbow', 'Hip', 'Knee'):
        assert ours[group] == pytest.approx(100.0)
    assert ours['upper_neck'] == pytest.approx(100.0)
    assert ours['right_wrist'] == 0.0
    assert set(ours) == {'Total', *MPII_PCKH_GROUPS, *MPII_PCKH_JOINTS}

    samples = _mpii_samples(mpii, pred)
    theirs = _evaluate(MpiiPCKAccuracy(thr=0.5, prefix='mmpose'), samples)
    ours_metric = _evaluate(MultiBlockPCKh(), samples)
    assert theirs['mmpose/PCK'] == pytest.approx(ours['Total'])
    assert ours_metric['mpii/PCKh'] == pytest.approx(ours['Total'])
    assert ours_metric['mpii/best_block'] == 0
    assert ours_metric['mpii/PCKh_block0'] == ours_metric['mpii/PCKh']
    for group in MPII_PCKH_GROUPS:
        assert theirs[f'mmpose/{group} PCK'] == pytest.approx(ours[group])
        assert ours_metric[f'mpii/PCKh_{group}'] == pytest.approx(
            ours[group])


def test_mpii_pckh_perfect_and_all_wrong(mpii):
    gt, vis, boxes = mpii['gt'], mpii['visible'], mpii['boxes']
    assert mpii_pckh(gt, gt, vis, boxes)['Total'] == 100.0
    far = _offset_preds(gt, mpii['head_size'], right=0.6)
    assert mpii_pckh(far, gt, vis, boxes)['Total'] == 0.0
    # ... but 0.6 head sizes pass at thr=0.7
    assert mpii_pckh(far, gt, vis, boxes, thr=0.7)['Total'] == 100.0


def test_mpii_multi_block_picks_the_best(mpii):
    good = _offset_preds(mpii['gt'], mpii['head_size'], wrong={})
    bad = _offset_preds(mpii['gt'], mpii['head_size'])
    for blocks, best in (((bad, good), 1), ((good, bad, bad), 0)):
        result = _evaluate(MultiBlockPCKh(prefix='x'),
                           _mpii_samples(mpii, good, blocks))
        assert result['x/best_block'] == best
        assert result['x/PCKh'] == 100.0
        assert result['x/PCKh_Wrist'] == 100.0  # the best block's groups
        for k, block in enumerate(blocks):
            expected = 100.0 if block is good else 100 * 57 / 66
            assert result[f'x/PCKh_block{k}'] == pytest.approx(expected)


def test_pckh_threshold_is_inclusive_unlike_mmpose():
    """The paper and MPII count a joint exactly at 0.5 head sizes correct;
    mmpose 1.3's MpiiPCKAccuracy uses ``<`` and counts it wrong."""
    from mmpose.evaluation.metrics import MpiiPCKAccuracy
    gt = np.tile(np.arange(32, dtype=float).reshape(1, 16, 2) * 10, (2, 1, 1))
    pred = gt + np.array([10.0, 0.0])  # exactly 0.5 x head size 20
    vis = np.ones((2, 16), bool)
    assert mpii_pckh_from_head_sizes(pred, gt, vis, [20., 20.])['Total'] == 100
    samples = [dict(gt_instances=dict(keypoints=gt[i:i + 1],
                                      keypoints_visible=vis[i:i + 1],
                                      head_size=np.array([[20.0]])),
                    pred_instances=dict(keypoints=pred[i:i + 1] - 1))
               for i in range(2)]
    assert _evaluate(MpiiPCKAccuracy(prefix='m'), samples)['m/PCK'] == 0.0
    assert _evaluate(MultiBlockPCKh(), samples)['mpii/PCKh'] == 100.0


def test_mpii_pckh_errors(mpii):
    gt, vis, boxes = mpii['gt'], mpii['visible'], mpii['boxes']
    with pytest.raises(ValueError, match='pred and gt shapes differ'):
        mpii_pckh(gt[:, :15], gt, vis, boxes)
    with pytest.raises(ValueError, match=r'gt must have shape \[N, 16, 2\]'):
        mpii_pckh(gt[:, :15], gt[:, :15], vis[:, :15], boxes)
    with pytest.raises(ValueError, match='visible must have shape'):
        mpii_pckh(gt, gt, vis[:4], boxes)
    with pytest.raises(ValueError, match=r'head_boxes must have shape'):
        mpii_pckh(gt, gt, vis, boxes[:, 0])
    with pytest.raises(ValueError, match='one size per sample'):
        mpii_pckh(gt, gt, vis, boxes[:4])
    flat = boxes.copy()
    flat[1, 1] = flat[1, 0]
    with pytest.raises(ValueError, match=r'head box of sample\(s\) \[1\]'):
        mpii_pckh(gt, gt, vis, flat)
    # only pelvis and thorax visible: nothing PCKh counts
    only_trunk = np.zeros_like(vis)
    only_trunk[:, [J['pelvis'], J['thorax']]] = True
    with pytest.raises(ValueError, match='no visible joint'):
        mpii_pckh(gt, gt, only_trunk, boxes)
    with pytest.raises(ValueError, match='thr must be positive'):
        mpii_pckh(gt, gt, vis, boxes, thr=0)


def test_mpii_never_visible_joint_is_nan(mpii):
    vis = mpii['visible'].copy()
    vis[:, J['left_wrist']] = False
    result = mpii_pckh(mpii['gt'], mpii['gt'], vis, mpii['boxes'])
    assert math.isnan(result['left_wrist'])
    assert result['Wrist'] == 100.0 and result['Total'] == 100.0


def test_multi_block_pckh_errors(mpii):
    samples = _mpii_samples(mpii, mpii['gt'])
    samples[0]['pred_instances']['block_keypoints'] = np.zeros((1, 2, 16, 2))
    metric = MultiBlockPCKh()
    metric.process([], samples)
    with pytest.raises(ValueError, match='different numbers of prediction'):
        metric.compute_metrics(metric.results)
    bad = _mpii_samples(mpii, mpii['gt'])[:1]
    bad[0]['pred_instances']['keypoints'] = np.zeros((1, 16, 3))
    with pytest.raises(ValueError, match=r'\[1, J, 2\]'):
        MultiBlockPCKh().process([], bad)
    del bad[0]['gt_instances']['head_size']
    with pytest.raises(KeyError, match='headbox_file'):
        MultiBlockPCKh().process([], bad)


def test_metrics_are_registered():
    assert isinstance(METRICS.build(dict(type='MultiBlockPCKh')),
                      MultiBlockPCKh)
    metric = METRICS.build(dict(type='MultiBlockMPJPE', scale=1000))
    assert isinstance(metric, MultiBlockMPJPE) and metric.scale == 1000


# --------------------------------------------------------------------- H36M
@pytest.fixture(scope='module')
def h36m(shared_data):
    """mmpose's Human36mDataset on test_h36m_body3d.npz: 4 frames of S1, S5,
    S7, S8; ``S`` [4, 17, 4] is (x, y, z, visible) in metres, camera frame;
    joint 0 is the pelvis (root)."""
    from mmpose.datasets import Human36mDataset
    ann_file = shared_data('mmpose_fixtures/h36m/test_h36m_body3d.npz')
    root = osp.dirname(ann_file)
    dataset = Human36mDataset(
        ann_file=ann_file, data_root=root, data_prefix=dict(img=root),
        camera_param_file='cameras.pkl', test_mode=True,
        metainfo=_mmpose_metainfo('h36m'))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    raw = np.load(ann_file)
    return dict(
        infos=infos, raw=raw,
        gt=np.concatenate([i['lifting_target'] for i in infos]).astype(float),
        valid=np.concatenate([i['lifting_target_visible']
                              for i in infos]).astype(bool))


# joint j (1..16) is moved by 10 * j mm after root-centring; every joint of
# sample i also by a common translation (which root-centring removes)
JOINT_SHIFT = np.array([10.0 * j for j in range(17)])


def _h36m_preds(gt_mm):
    pred = gt_mm.copy()
    for i in range(len(gt_mm)):
        for j in range(17):
            angle = 2 * math.pi * (17 * i + j) / 23
            pred[i, j] += JOINT_SHIFT[j] * np.array(
                [math.cos(angle), 0.6 * math.sin(angle),
                 0.8 * math.sin(angle)])
        pred[i] += np.array([300.0, -200.0, 500.0 + 100 * i])
    return pred


def _h36m_samples(h36m, preds, blocks=None):
    samples = []
    for i, info in enumerate(h36m['infos']):
        pred = dict(keypoints=preds[i:i + 1])
        if blocks is not None:
            pred['block_keypoints'] = np.stack([b[i] for b in blocks])[None]
        samples.append(dict(
            gt_instances=dict(
                lifting_target=info['lifting_target'],
                lifting_target_visible=info['lifting_target_visible']),
            pred_instances=pred, target_img_path=info['target_img_path']))
    return samples


def test_h36m_fixture_format(h36m):
    raw = h36m['raw']
    assert set(raw.files) == {'imgname', 'center', 'scale', 'part', 'S'}
    assert raw['S'].shape == (4, 17, 4) and raw['part'].shape == (4, 17, 3)
    assert h36m['gt'].shape == (4, 17, 3) and h36m['valid'].all()
    np.testing.assert_allclose(h36m['gt'], raw['S'][..., :3], rtol=1e-6)
    # metres, in front of the camera
    assert (4 < h36m['gt'][:, 0, 2]).all() and (h36m['gt'][:, 0, 2] < 7).all()


def test_mpjpe_by_hand_and_against_mmpose(h36m):
    from mmpose.evaluation.metrics import MPJPE
    gt = h36m['gt'] * 1000
    pred = _h36m_preds(gt)
    # by hand: per sample sum_j 10 j = 1360 mm over 17 joints
    expected = 1360 / 17
    assert mpjpe(pred, gt, root=0) == pytest.approx(expected)
    # MultiBlockMPJPE on the dataset's metres, scaled to mm
    metres = _h36m_samples(h36m, pred / 1000)
    ours = _evaluate(MultiBlockMPJPE(scale=1000), metres)
    assert ours['h36m/MPJPE'] == pytest.approx(expected)
    assert ours['h36m/best_block'] == 0
    # mmpose's MPJPE does not root-centre: the same number on root-centred
    # poses, a larger (absolute) one otherwise
    centred = _h36m_samples(h36m, pred - pred[:, :1])
    for s, g in zip(centred, gt):
        s['gt_instances']['lifting_target'] = (g - g[:1])[None]
    theirs = _evaluate(MPJPE(mode='mpjpe', prefix='m'), centred)
    assert theirs['m/MPJPE'] == pytest.approx(expected)
    assert _evaluate(MultiBlockMPJPE(), centred)['h36m/MPJPE'] == \
        pytest.approx(theirs['m/MPJPE'])
    absolute = _h36m_samples(h36m, pred)
    for s, g in zip(absolute, gt):
        s['gt_instances']['lifting_target'] = g[None]
    assert _evaluate(MPJPE(prefix='m'), absolute)['m/MPJPE'] > 300


def test_mpjpe_valid_mask(h36m):
    gt = h36m['gt'] * 1000
    pred = _h36m_preds(gt)
    valid = np.ones((4, 17), bool)
    valid[:, 16] = False  # drop the joint with the largest error
    assert mpjpe(pred, gt, 0, valid) == pytest.approx((1360 - 160) / 16)
    samples = _h36m_samples(h36m, pred)
    for s in samples:
        s['gt_instances']['lifting_target'] = s['gt_instances'][
            'lifting_target'] * 1000
        s['gt_instances']['lifting_target_visible'] = valid[:1]
    assert _evaluate(MultiBlockMPJPE(), samples)['h36m/MPJPE'] == \
        pytest.approx((1360 - 160) / 16)


def test_mpjpe_multi_block_picks_the_best(h36m):
    gt = h36m['gt'] * 1000
    far = _h36m_preds(gt)
    near = gt + (far - gt) / 2  # half the offsets: 40 mm
    samples = _h36m_samples(h36m, far, blocks=(far, near, far))
    result = _evaluate(MultiBlockMPJPE(prefix='x'), [
        dict(s, gt_instances=dict(lifting_target=g[None]))
        for s, g in zip(samples, gt)])
    assert result['x/best_block'] == 1
    assert result['x/MPJPE'] == pytest.approx(680 / 17)
    assert result['x/MPJPE_block0'] == pytest.approx(1360 / 17)
    assert result['x/MPJPE_block2'] == pytest.approx(1360 / 17)


def test_mpjpe_errors(h36m):
    gt = h36m['gt'] * 1000
    with pytest.raises(ValueError, match='pred and gt shapes differ'):
        mpjpe(gt[:, :16], gt)
    with pytest.raises(ValueError, match=r'gt must have shape \[N, J, 3\]'):
        mpjpe(gt[..., :2], gt[..., :2])
    with pytest.raises(ValueError, match='root must be a joint index'):
        mpjpe(gt, gt, root=17)
    with pytest.raises(ValueError, match='valid must have shape'):
        mpjpe(gt, gt, valid=np.ones((4, 16), bool))
    with pytest.raises(ValueError, match='no valid joint'):
        mpjpe(gt, gt, valid=np.zeros((4, 17), bool))
    no_root = np.ones((4, 17), bool)
    no_root[2, 0] = False
    with pytest.raises(ValueError, match=r'root joint 0 is not valid in '
                       r'sample\(s\) \[2\]'):
        mpjpe(gt, gt, valid=no_root)
    samples = _h36m_samples(h36m, gt[..., :2])
    with pytest.raises(ValueError, match=r'\[1, J, 3\]'):
        MultiBlockMPJPE().process([], samples)
    with pytest.raises(ValueError, match='scale must be positive'):
        MultiBlockMPJPE(scale=0)
