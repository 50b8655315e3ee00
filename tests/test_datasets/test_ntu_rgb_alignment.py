"""The NTU converter's 2D skeletons (colour-camera pixels) land on the person
in the RGB frames of the real pair S001C001P001R001A001 (.skeleton and
_rgb.avi, 103 frames, 1920x1080), decoded with MMDecode.

Ground truth read by hand off frames 0, 50 and 100 (a woman in a black
T-shirt and patterned leggings drinking from a white cup, standing in front
of a white wall on a dark grey floor): a box around her and the centres of
her face, waist (bottom of the shirt) and ankles, in full-resolution pixels
(x, y). Over all frames, the chest (40% of the way from the middle of the
shoulders to the middle of the hips) and the nose must be on the person (the
black shirt, or skin where a hand passes), while the same points 200 px to
the right are on the white wall: colours told apart by
:func:`person_coloured`.
"""
import cv2
import numpy as np
import pytest

from mmactx.datasets.converters.ntu import convert_ntu_file
from mmactx.datasets.transforms import MMDecode

NTU = 'ntu_sample/S001C001P001R001A001'
# COCO-17 joints of the converter's 2D record
NOSE, L_SHO, R_SHO, L_HIP, R_HIP, L_ANK, R_ANK = 0, 5, 6, 11, 12, 15, 16

#: frame -> (x0, y0, x1, y1) box around the person, read by hand
BOXES = {0: (993, 287, 1112, 727), 50: (985, 287, 1100, 727),
         100: (980, 285, 1097, 727)}
#: frame -> hand-read (x, y) of the face centre, middle of the waist and
#: middle of the two ankles
POINTS = {
    0: dict(face=(1035, 322), waist=(1042, 515), ankles=(1044, 697)),
    50: dict(face=(1033, 328), waist=(1042, 515), ankles=(1044, 697)),
    100: dict(face=(1045, 322), waist=(1040, 515), ankles=(1044, 697)),
}
TOLERANCE = 40  # pixels, about a fifth of the person's width


@pytest.fixture
def ntu_pair(shared_data):
    record = convert_ntu_file(shared_data(NTU + '.skeleton'))['2d']
    record.update(filename=shared_data(NTU + '_rgb.avi'),
                  modality=['RGB', 'Pose'])
    return record


def decode(record: dict, frames) -> dict:
    """MMDecode of the skeleton frames ``frames`` (RGB and poses)."""
    rec = dict(record)
    rec['RGB_inds'] = rec['Pose_inds'] = np.asarray(frames)
    return MMDecode()(rec)


def joints(out: dict, k: int) -> np.ndarray:
    """Visible joints [V', 2] (pixels) of person 0 in the k-th frame."""
    kp = out['keypoint'][0, k]
    return kp[(kp != 0).any(-1)]


def test_joints_at_hand_read_positions(ntu_pair):
    assert ntu_pair['total_frames'] == 103
    assert ntu_pair['img_shape'] == (1080, 1920)
    frames = sorted(POINTS)
    out = decode(ntu_pair, frames)
    assert out['img_shape'] == (1080, 1920)  # no rescaling
    for k, t in enumerate(frames):
        kp = out['keypoint'][0, k]
        x0, y0, x1, y1 = BOXES[t]
        visible = joints(out, k)
        assert len(visible) >= 12, f'frame {t}'
        assert (visible >= (x0 - TOLERANCE / 2, y0 - TOLERANCE / 2)).all()
        assert (visible <= (x1 + TOLERANCE / 2, y1 + TOLERANCE / 2)).all()
        found = dict(face=kp[NOSE], waist=kp[[L_HIP, R_HIP]].mean(0),
                     ankles=kp[[L_ANK, R_ANK]].mean(0))
        for part, where in POINTS[t].items():
            dist = np.linalg.norm(found[part] - where)
            assert dist < TOLERANCE, (t, part, found[part], where)


def patch_colours(out: dict, points: np.ndarray,
                  shift: int = 0) -> np.ndarray:
    """Median RGB [N, 3] of the 9x9 patch at ``points`` [N, 2] (pixels) of
    the N frames, moved ``shift`` pixels to the right."""
    centre = points.round().astype(int) + (shift, 0)
    x, y = centre[:, 0, None, None], centre[:, 1, None, None]
    dy, dx = np.mgrid[-4:5, -4:5]
    imgs = np.stack(out['imgs'])
    patch = imgs[np.arange(len(imgs))[:, None, None], y + dy, x + dx]
    return np.median(patch.reshape(len(imgs), -1, 3), axis=1)


def chest(out: dict) -> np.ndarray:
    """[N, 2]: 40% of the way from mid-shoulders to mid-hips (below the
    hands and cup in most frames)."""
    kp = out['keypoint'][0]
    return 0.6 * kp[:, [L_SHO, R_SHO]].mean(1) + \
        0.4 * kp[:, [L_HIP, R_HIP]].mean(1)


def person_coloured(rgb: np.ndarray) -> np.ndarray:
    """[N] bool: black shirt (every channel < 40) or skin (red above blue
    by > 20); the wall (about (198, 204, 205)) and the dark grey floor are
    neither."""
    rgb = rgb.astype(float)
    return (rgb.max(-1) < 40) | (rgb[:, 0] - rgb[:, 2] > 20)


def test_chest_and_nose_on_the_person_in_every_frame(ntu_pair):
    for start in range(0, 103, 26):  # ~160 MB of frames at a time
        frames = np.arange(start, min(start + 26, 103))
        out = decode(ntu_pair, frames)
        assert len(out['imgs']) == len(frames)
        nose = out['keypoint'][0, :, NOSE]
        for name, points in (('chest', chest(out)), ('nose', nose)):
            on = patch_colours(out, points)
            assert person_coloured(on).all(), (name, frames, on)
            beside = patch_colours(out, points, shift=200)
            assert not person_coloured(beside).any(), (name, beside)


def test_alignment_survives_compressed_video(ntu_pair, tmp_path):
    """Frames re-encoded at 960x540 (as tools/data/compress_ntu_videos.py
    makes them): MMDecode halves the 1920x1080 keypoints and sets
    img_shape, and the joints stay on the person."""
    src = cv2.VideoCapture(ntu_pair['filename'])
    small = str(tmp_path / 'S001C001P001R001A001.avi')
    writer = cv2.VideoWriter(small, cv2.VideoWriter_fourcc(*'MJPG'), 30,
                             (960, 540))
    for _ in range(12):
        ok, img = src.read()
        assert ok
        writer.write(cv2.resize(img, (960, 540),
                                interpolation=cv2.INTER_AREA))
    writer.release()
    src.release()
    rec = dict(ntu_pair, filename=small, total_frames=12,
               keypoint=ntu_pair['keypoint'][:, :12],
               keypoint_score=ntu_pair['keypoint_score'][:, :12],
               video_frame_inds=ntu_pair['video_frame_inds'][:12])
    out = decode(rec, [0, 6, 11])
    full = decode(ntu_pair, [0, 6, 11])
    assert out['img_shape'] == out['original_shape'] == (540, 960)
    assert out['imgs'][0].shape == (540, 960, 3)
    np.testing.assert_allclose(out['keypoint'], full['keypoint'] / 2)
    assert person_coloured(patch_colours(out, chest(out))).all()
    assert not person_coloured(patch_colours(out, chest(out), 100)).any()
    x, y = out['keypoint'][0, 0, NOSE]
    assert np.hypot(x - 1035 / 2, y - 322 / 2) < TOLERANCE / 2
