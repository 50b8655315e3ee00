"""The converters on real files of the public releases (../shared/data):
an NTU RGB+D take and five Kinetics-skeleton videos."""
import glob
import os.path as osp

import numpy as np

from mmactx.datasets.converters.kinetics import convert_release_file
from mmactx.datasets.converters.ntu import convert_ntu_file
from mmactx.skeletons import COCO, NTU25

NTU_TAKE = 'ntu_sample/S001C001P001R001A001.skeleton'


def test_ntu_take_drink_water(shared_data):
    out = convert_ntu_file(shared_data(NTU_TAKE))
    rec3d, rec2d = out['3d'], out['2d']
    # A001 "drink water", one body, 103 frames
    assert rec3d['label'] == rec2d['label'] == 0
    assert rec3d['frame_dir'] == 'S001C001P001R001A001'
    assert rec3d['total_frames'] == rec2d['total_frames'] == 103
    assert rec3d['keypoint'].shape == (1, 103, 25, 3)
    kp = rec3d['keypoint'][0].astype(np.float64)
    spine_mid = NTU25.joints.index('spine_mid')
    np.testing.assert_allclose(kp[0, spine_mid], 0, atol=1e-3)  # centred
    # a standing adult, in metres: head 0.5-1 m above the spine base
    head, base = NTU25.joints.index('head'), NTU25.joints.index('spine_base')
    rise = kp[:, head, 1] - kp[:, base, 1]
    assert 0.5 < np.median(rise) < 1.0
    # colour-camera pixels of the 1920x1080 video, COCO-17
    assert rec2d['img_shape'] == (1080, 1920)
    kp2d, score = rec2d['keypoint'][0], rec2d['keypoint_score'][0]
    seen = score > 0
    assert seen[:, COCO.joints.index('left_wrist')].all()
    assert (kp2d[seen] >= 0).all()
    assert (kp2d[seen] < np.array([1920, 1080])).all()


def raw_joint_line(path: str, frame: int, joint: int) -> list:
    """The 12 values of a joint of a one-body file, parsed directly: line 1
    is the frame count, then per frame the body count, the body line, the
    joint count and 25 joint lines."""
    with open(path) as f:
        lines = f.read().split('\n')
    assert lines[1 + frame * 28] == '1'  # one body in this frame
    return [float(v) for v in lines[1 + frame * 28 + 3 + joint].split()]


def test_ntu_take_depth_is_the_raw_z_column(shared_data):
    path = shared_data(NTU_TAKE)
    rec = convert_ntu_file(path, layout_2d='ntu', with_depth=True)['2d']
    depth = rec['keypoint_depth']
    assert depth.dtype == np.float32 and depth.shape == (1, 103, 25)
    for frame, joint in [(0, 0), (0, 3), (17, 11), (58, 24), (102, 7)]:
        x, y, z, *_, state = raw_joint_line(path, frame, joint)
        assert state > 0  # tracked or inferred: depth kept
        assert depth[0, frame, joint] == np.float32(z), (frame, joint)
        np.testing.assert_allclose(rec['keypoint'][0, frame, joint],
                                   raw_joint_line(path, frame, joint)[5:7],
                                   rtol=1e-3)
    # a person 3.4-4.1 m from the camera
    assert 3.3 < depth.min() and depth.max() < 4.2


def test_kinetics_skeleton_release_files(shared_data):
    folder = shared_data('kinetics_skeleton/kinetics_train')
    files = sorted(glob.glob(osp.join(folder, '*.json')))
    assert len(files) == 5
    labels = set()
    for path in files:
        rec = convert_release_file(path)['2d']
        assert rec['frame_dir'] == osp.splitext(osp.basename(path))[0]
        assert rec['img_shape'] == (256, 340)
        kp, score = rec['keypoint'], rec['keypoint_score']
        assert kp.shape[2:] == (17, 2) and kp.shape[1] == rec['total_frames']
        assert np.isfinite(kp).all() and (score >= 0).all()
        drawn = score > 0
        assert drawn.any()
        # pixels of the 340x256 frame; OpenPose places a few joints just
        # past the right edge (up to x = 352.5 in ___qijXy2f0)
        assert (kp[drawn] >= 0).all()
        assert (kp[drawn] <= np.array([340, 256]) * 1.1).all()
        labels.add(rec['label'])
    assert labels == set(range(5))  # this copy's labels are 0..4
