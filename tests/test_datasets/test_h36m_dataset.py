"""H36MPoseDataset on mmpose's real Human3.6M fixture (4 frames of S1, S5,
S7, S8): parity with mmpose 1.3's Human36mDataset, the camera-space
convention of S, the 3D pose-batch pipeline, and bad files."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmcv.transforms import LoadImageFromFile

import mmactx  # noqa: F401  (registries, compat shims)
from mmactx.datasets.annotation_io import AnnotationError, safe_load_pickle
from mmactx.datasets.h36m_dataset import H36MPoseDataset, parse_h36m_imgname
from mmactx.datasets.transforms.multitask_formatting import PackMultitaskInputs
from mmactx.datasets.transforms.pose_crop import (BoxFromKeypoints, CropAffine,
                                                  PoseCoordTargets,
                                                  RandomCropJitter)
from mmactx.evaluation.pose_metrics import MultiBlockMPJPE
from mmactx.pose_coords import denormalize_depth
from mmactx.registry import DATASETS
from mmactx.skeletons import get_layout

H36M = get_layout('h36m')


@pytest.fixture(scope='module')
def h36m(shared_data):
    ann_file = shared_data('mmpose_fixtures/h36m/test_h36m_body3d.npz')
    root = osp.dirname(ann_file)
    return dict(ann_file=ann_file, root=root,
                cameras=osp.join(root, 'cameras.pkl'))


def _ours(h36m, **kwargs):
    return H36MPoseDataset(ann_file=h36m['ann_file'],
                           camera_param_file=h36m['cameras'],
                           data_prefix=dict(img=h36m['root']), **kwargs)


def test_parity_with_mmpose_human36m_dataset(h36m):
    from mmactx.compat import allow_mmpose_import
    allow_mmpose_import()  # mmcv-lite has no compiled ops (mmpose#3250)
    import mmpose
    from mmpose.datasets import Human36mDataset
    theirs = Human36mDataset(
        ann_file=h36m['ann_file'], data_root=h36m['root'],
        data_prefix=dict(img=h36m['root']), camera_param_file='cameras.pkl',
        test_mode=True, metainfo=dict(from_file=osp.join(
            osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
            'datasets', 'h36m.py')))
    ours = _ours(h36m, test_mode=True)
    assert len(ours) == len(theirs) == 4
    root = H36M.joint_index('pelvis')
    for i in range(4):
        a, b = ours.get_data_info(i), theirs.get_data_info(i)
        assert a['img_path'] == osp.join(h36m['root'],
                                         b['target_img_path'][0])
        np.testing.assert_array_equal(a['keypoint'][0], b['keypoints'])
        np.testing.assert_array_equal(a['keypoint_score'][0],
                                      b['keypoints_visible'])
        # mmpose's lifting target is absolute; ours is root-relative
        absolute = b['lifting_target'].astype(np.float64)
        np.testing.assert_allclose(a['lifting_target'],
                                   absolute - absolute[:, root:root + 1],
                                   atol=1e-6)
        np.testing.assert_allclose(a['root_joint_3d'], absolute[0, root],
                                   rtol=1e-6)
        np.testing.assert_allclose(a['keypoint_depth'][0, 0],
                                   absolute[0, :, 2], rtol=1e-6)
        np.testing.assert_allclose(a['crop_center'], b['center'][0], rtol=1e-6)
        assert a['crop_size'] == pytest.approx(200 * 1.25 * b['scale'])
        np.testing.assert_allclose(a['camera_param']['f'],
                                   np.ravel(b['camera_param']['f']))


def test_s_is_camera_space_metres(h36m):
    """Projecting S with the intrinsics alone gives part (to < 0.2 px:
    only lens distortion differs), so no R, T is applied."""
    for info in _ours(h36m).data_list:
        cam = info['camera_param']
        xyz = info['lifting_target'][0] + info['root_joint_3d']
        assert 3 < xyz[:, 2].min() and xyz[:, 2].max() < 8  # metres away
        proj = xyz[:, :2] / xyz[:, 2:] * cam['f'] + cam['c']
        np.testing.assert_allclose(proj, info['keypoint'][0, 0], atol=0.2)


def test_crop_window_is_one_and_a_half_joint_boxes(h36m):
    """mmpose's scale is 1.2 x the joints' box / 200; with padding 1.25 the
    window equals BoxFromKeypoints(scale=1.5)."""
    for info in _ours(h36m).data_list:
        box = BoxFromKeypoints(scale=1.5)(dict(info))
        np.testing.assert_allclose(box['crop_center'], info['crop_center'],
                                   atol=1e-3)
        assert box['crop_size'] == pytest.approx(info['crop_size'], rel=1e-5)


def test_pipeline_3d_targets_and_mpjpe(h36m):
    np.random.seed(0)
    pipeline = [
        LoadImageFromFile(),
        RandomCropJitter(rotation=40, rotation_step=5, scales=(0.7, 1., 1.3),
                         flip_ratio=0.5),
        CropAffine(input_size=(256, 256), layout='h36m'),
        PoseCoordTargets('h36m', depth_span=2.0, root='pelvis'),
        PackMultitaskInputs('pose'),
    ]
    dataset = _ours(h36m, pipeline=pipeline)
    metric = MultiBlockMPJPE(scale=1000)
    for i in range(len(dataset)):
        packed = dataset[i]
        sample = packed['data_samples']
        assert packed['inputs'].shape == (3, 256, 256)
        assert sample.gt_coords.shape == (17, 3)
        assert sample.gt_coords_valid.all()
        inside = sample.gt_visible > 0
        assert inside.sum() >= 10
        assert ((sample.gt_coords[inside] >= 0)
                & (sample.gt_coords[inside] <= 1)).all()
        assert sample.gt_coords[H36M.joint_index('pelvis'), 2] == 0.5
        # the depth target maps back to the camera-space depth
        info = dataset.get_data_info(i)
        root_z = sample.metainfo['root_depth']
        z = denormalize_depth(sample.gt_coords[:, 2].double(), root_z, 2.0)
        flip = H36M.flip_index() if sample.metainfo['crop_flip'] else range(
            17)
        np.testing.assert_allclose(
            z.numpy(), info['keypoint_depth'][0, 0, list(flip)], atol=1e-5)
        assert 'camera_param' in sample.metainfo
        sample.pred_instances = dict(
            keypoints=sample.gt_instances.lifting_target + 0.5)
        metric.process([{}], [sample])
    assert metric.evaluate(4)['h36m/MPJPE'] == pytest.approx(0, abs=1e-3)


def test_parse_imgname():
    assert parse_h36m_imgname('S1/S1_Directions_1.54138969/'
                              'S1_Directions_1.54138969_000001.jpg') == (
                                  'S1', 'Directions_1', '54138969')
    with pytest.raises(ValueError, match='not an H36M image name'):
        parse_h36m_imgname('frame_0001.jpg')


def test_bad_files(h36m, tmp_path):
    with np.load(h36m['ann_file']) as npz:
        data = {k: npz[k] for k in npz.files}
    path = str(tmp_path / 'bad.npz')
    np.savez(path, **dict(data, part=data['part'][:, :16]))
    with pytest.raises(AnnotationError, match=r"field 'part' must have "
                       r'shape \(4, 17, 3\)'):
        H36MPoseDataset(path)
    s = data['S'].copy()
    s[2, 0, 3] = 0
    np.savez(path, **dict(data, S=s))
    with pytest.raises(AnnotationError, match=r"record 2 \(imgname='S7/.*"
                       "field 'S': the root joint 'pelvis' is not visible"):
        H36MPoseDataset(path)
    np.savez(path, **{k: v for k, v in data.items() if k != 'S'})
    with pytest.raises(AnnotationError, match=r"missing keys \['S'\]"):
        H36MPoseDataset(path)
    np.savez(path, **dict(data, imgname=data['imgname'].astype(object)))
    with pytest.raises(AnnotationError, match='not a plain npz'):
        H36MPoseDataset(path)
    # a camera file without S8's camera
    cameras = safe_load_pickle(h36m['cameras'])
    cameras = {k: v for k, v in cameras.items() if k[0] != 'S8'}
    cam_path = tmp_path / 'cameras.pkl'
    cam_path.write_bytes(pickle.dumps(cameras))
    with pytest.raises(AnnotationError, match=r"record 3 .*no camera "
                       r"\('S8', '55011271'\)"):
        H36MPoseDataset(h36m['ann_file'], camera_param_file=str(cam_path))


def test_registered(h36m):
    dataset = DATASETS.build(dict(type='H36MPoseDataset',
                                  ann_file=h36m['ann_file']))
    assert len(dataset) == 4 and dataset.metainfo['layout'] == 'h36m'
    assert 'camera_param' not in dataset.get_data_info(0)
    assert isinstance(torch.as_tensor(dataset.get_data_info(0)['keypoint']),
                      torch.Tensor)


def test_perfect_predictions_give_zero_mpjpe_through_the_model_mapping(h36m):
    """The paper's H36M evaluation chain: crop targets -> image pixels and
    depth (the ground-truth root depth) -> the inverse pinhole projection
    (``MultitaskRecognizer``'s ``image_poses``) gives back the camera-space
    joints of ``S``: a prediction equal to the targets is off only by what
    the data's own 2D labels (``part``, with the lens distortion) and the
    pinhole inverse of ``S`` differ, computed here directly."""
    from mmactx.models.multitask_recognizer import image_poses
    np.random.seed(2)
    pipeline = [LoadImageFromFile(),
                RandomCropJitter(rotation=30, scales=(0.7, 1.3),
                                 flip_ratio=0.5),
                CropAffine(layout='h36m'),
                PoseCoordTargets('h36m', depth_span=2.0, root='pelvis'),
                PackMultitaskInputs('pose')]
    dataset = _ours(h36m, pipeline=pipeline)
    metric = MultiBlockMPJPE(scale=1000)
    floor = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        cam = info['camera_param']
        uv = info['keypoint'][0, 0]
        z = info['keypoint_depth'][0, 0, :, None]
        unprojected = np.concatenate(
            [(uv - np.ravel(cam['c'])) * z / np.ravel(cam['f']), z], 1)
        floor.append(unprojected - unprojected[0] -
                     info['lifting_target'][0])
        sample = dataset[i]['data_samples']
        target = sample.gt_coords.double()
        shifted = target.clone()
        shifted[1:, 2] += 0.05  # all but the root 10 cm too deep
        blocks = image_poses(torch.stack([target, shifted]), sample.metainfo,
                             i)
        sample.pred_instances = dict(block_keypoints=blocks[None])
        metric.process([{}], [sample])
    out = metric.compute_metrics(metric.results)
    floor = 1000 * np.linalg.norm(np.stack(floor), axis=-1).mean()
    assert 1 < floor < 5  # mm: pixel-level disagreement of part and S
    assert out['MPJPE_block0'] == pytest.approx(floor, abs=0.05)
    assert 90 < out['MPJPE_block1'] < 110  # 10 cm on 16 of 17 joints
