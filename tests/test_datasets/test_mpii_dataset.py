"""MpiiPoseDataset on mmpose's real MPII fixture: parity with mmpose 1.3's
MpiiDataset, the full train pipeline of a pose batch, and bad records."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmcv.transforms import LoadImageFromFile

import mmactx  # noqa: F401  (registries, compat shims)
from mmactx.datasets.annotation_io import (AnnotationError,
                                           AnnotationFileNotFoundError)
from mmactx.datasets.mpii_dataset import MpiiPoseDataset, mpii_crop_window
from mmactx.datasets.transforms.multitask_formatting import PackMultitaskInputs
from mmactx.datasets.transforms.pose_crop import (ChannelPower, CropAffine,
                                                  PoseCoordTargets,
                                                  RandomCropJitter)
from mmactx.registry import DATASETS
from mmactx.testing.mpii import stand_in_head_boxes, write_headbox_file


@pytest.fixture(scope='module')
def mpii(shared_data, tmp_path_factory):
    ann_file = shared_data('mmpose_fixtures/mpii/test_mpii.json')
    with open(ann_file) as f:
        records = json.load(f)
    headbox_file = str(tmp_path_factory.mktemp('mpii') / 'headboxes.mat')
    write_headbox_file(
        stand_in_head_boxes(np.array([r['joints'] for r in records])),
        headbox_file)
    return dict(ann_file=ann_file, headbox_file=headbox_file,
                records=records, img=osp.dirname(ann_file))


def _ours(mpii, **kwargs):
    return MpiiPoseDataset(ann_file=mpii['ann_file'],
                           headbox_file=mpii['headbox_file'],
                           data_prefix=dict(img=mpii['img']), **kwargs)


def test_parity_with_mmpose_mpii_dataset(mpii):
    from mmactx.compat import allow_mmpose_import
    allow_mmpose_import()  # mmcv-lite has no compiled ops (mmpose#3250)
    import mmpose
    from mmpose.datasets import MpiiDataset
    theirs = MpiiDataset(
        ann_file=mpii['ann_file'], headbox_file=mpii['headbox_file'],
        data_prefix=dict(img=mpii['img']), test_mode=True,
        metainfo=dict(from_file=osp.join(
            osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
            'datasets', 'mpii.py')))
    ours = _ours(mpii, test_mode=True)
    assert len(ours) == len(theirs) == 5
    for i in range(5):
        a, b = ours.get_data_info(i), theirs.get_data_info(i)
        assert a['img_path'] == b['img_path']
        # mmpose keeps MPII's 1-based joints; ours adds 0-based ones
        np.testing.assert_array_equal(a['gt_keypoints'], b['keypoints'])
        np.testing.assert_array_equal(a['keypoint'][0], b['keypoints'] - 1)
        np.testing.assert_array_equal(a['gt_keypoints_visible'],
                                      b['keypoints_visible'])
        np.testing.assert_allclose(a['crop_center'], b['bbox_center'][0],
                                   rtol=1e-6)
        # the window is mmpose's bbox_scale x GetBBoxCenterScale's 1.25
        assert a['crop_size'] == pytest.approx(1.25 * b['bbox_scale'][0, 0],
                                               rel=1e-6)
        assert a['head_size'] == pytest.approx(b['head_size'].item(),
                                               rel=1e-6)


def test_crop_window_is_the_papers():
    # deephar: objpos + (0, 12 s'), window 200 s', s' = 1.25 scale
    window = mpii_crop_window((101., 51.), 2.0)
    np.testing.assert_allclose(window['crop_center'], [100, 50 + 12 * 2.5])
    assert window['crop_size'] == 200 * 2.5
    # no objpos (-1): no shift, as mmpose
    window = mpii_crop_window((-1., 51.), 2.0)
    np.testing.assert_allclose(window['crop_center'], [-2, 50])


def test_train_pipeline_on_the_fixture(mpii):
    np.random.seed(0)
    pipeline = [
        LoadImageFromFile(),
        RandomCropJitter(rotation=40, rotation_step=5, scales=(0.7, 1., 1.3),
                         flip_ratio=0.5),
        CropAffine(input_size=(256, 256), layout='mpii'),
        ChannelPower(),
        PoseCoordTargets('mpii'),
        PackMultitaskInputs('pose'),
    ]
    dataset = _ours(mpii, pipeline=pipeline)
    assert dataset.metainfo['layout'] == 'mpii'
    flips = set()
    for _ in range(3):
        for i in range(len(dataset)):
            packed = dataset[i]
            inputs, sample = packed['inputs'], packed['data_samples']
            assert inputs.shape == (3, 256, 256)
            assert inputs.dtype == torch.uint8 and inputs.float().std() > 5
            assert sample.metainfo['task'] == 'pose'
            assert sample.metainfo['crop_matrix'].shape == (2, 3)
            flips.add(sample.metainfo['crop_flip'])
            coords, visible = sample.gt_coords, sample.gt_visible
            assert coords.shape == (16, 2) and visible.shape == (16, )
            inside = visible > 0
            assert inside.sum() >= 8
            assert ((coords[inside] >= 0) & (coords[inside] < 1)).all()
            assert sample.gt_coords_valid[inside].all()
            assert sample.gt_instances.keypoints.shape == (1, 16, 2)
            assert sample.gt_instances.head_size.shape == (1, 1)
    assert flips == {True, False}


def test_targets_map_back_to_the_annotation(mpii):
    """Without jitter, the inverse crop matrix takes the [0, 1] targets back
    to the 0-based joints (= annotation - 1)."""
    from mmactx.pose_coords import (apply_affine, denormalize_coords,
                                    invert_affine)
    pipeline = [LoadImageFromFile(), CropAffine(layout='mpii'),
                PoseCoordTargets('mpii'), PackMultitaskInputs('pose')]
    dataset = _ours(mpii, pipeline=pipeline, test_mode=True)
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        back = apply_affine(
            denormalize_coords(sample.gt_coords.double().numpy(), (256, 256)),
            invert_affine(sample.metainfo['crop_matrix']))
        labelled = sample.gt_coords_valid[:, 0].numpy()
        np.testing.assert_allclose(
            back[labelled] + 1,
            sample.gt_instances.keypoints[0].numpy()[labelled], atol=1e-3)


def _write(tmp_path, records):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(records))
    return str(path)


def test_bad_records_are_named(mpii, tmp_path):
    record = dict(mpii['records'][0])
    bad = dict(record, joints=record['joints'][:15])
    with pytest.raises(AnnotationError,
                       match=r"bad.json: record 1 \(image='005808361.jpg'\):"
                       r" field 'joints': must have shape \(16, 2\)"):
        MpiiPoseDataset(_write(tmp_path, [record, bad]))
    with pytest.raises(AnnotationError, match="field 'scale': must be a "
                       'positive number'):
        MpiiPoseDataset(_write(tmp_path, [dict(record, scale=-1)]))
    with pytest.raises(AnnotationError, match="field 'center': missing"):
        MpiiPoseDataset(_write(tmp_path, [
            {k: v for k, v in record.items() if k != 'center'}]))
    with pytest.raises(AnnotationError, match='expected a list of records'):
        MpiiPoseDataset(_write(tmp_path, {'a': 1}))
    with pytest.raises(AnnotationFileNotFoundError, match='does not exist'):
        MpiiPoseDataset(str(tmp_path / 'none.json'))
    with pytest.raises(AnnotationError, match='1 head boxes for 2 records'):
        write_headbox_file(np.zeros((1, 2, 2)), str(tmp_path / 'hb.mat'))
        MpiiPoseDataset(_write(tmp_path, [record, record]),
                        headbox_file=str(tmp_path / 'hb.mat'))


def test_registered(mpii):
    dataset = DATASETS.build(
        dict(type='MpiiPoseDataset', ann_file=mpii['ann_file'],
             data_prefix=dict(img=mpii['img'])))
    assert len(dataset) == 5 and 'head_size' not in dataset.get_data_info(0)


def test_perfect_predictions_score_full_pckh_through_the_model_mapping(mpii):
    """The whole evaluation chain of the MPII config: a prediction equal to
    the crop targets goes through ``MultitaskRecognizer``'s mapping back to
    the image (flip and rotation included) and scores PCKh 100; a prediction
    off by half a head size fails."""
    from mmactx.evaluation import MultiBlockPCKh
    from mmactx.models.multitask_recognizer import image_poses
    np.random.seed(1)
    pipeline = [LoadImageFromFile(),
                RandomCropJitter(rotation=40, rotation_step=5,
                                 flip_ratio=0.5),
                CropAffine(layout='mpii'), PoseCoordTargets('mpii'),
                PackMultitaskInputs('pose')]
    dataset = _ours(mpii, pipeline=pipeline, test_mode=True)
    metric = MultiBlockPCKh()
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        target = sample.gt_coords.double()
        blocks = image_poses(torch.stack([target, target + 0.2]),
                             sample.metainfo, i)
        sample.pred_instances = dict(block_keypoints=blocks[None])
        metric.process([{}], [sample])
    out = metric.evaluate(len(dataset))
    assert out['mpii/PCKh_block0'] == pytest.approx(100)
    assert out['mpii/PCKh_block1'] < 50
