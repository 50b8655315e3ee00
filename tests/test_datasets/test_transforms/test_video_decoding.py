"""MMDecode's RGB frames: against frames decoded directly with OpenCV, on
videos written here and on the real NTU video; mmaction2's MMDecode (which
needs decord) with its reader swapped for those frames, for the keypoint
rescaling; backends; errors."""
import copy
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
from mmaction.datasets import transforms as mma

from mmactx.datasets.transforms import (MMCompact, MMDecode,
                                        MMUniformSampleFrames)
from mmactx.testing.videos import decode_all
from mmactx.utils.cli import InputError

NTU = 'ntu_sample/S001C001P001R001A001'


def write_video(path: str, T: int = 20, size=(96, 64),
                fourcc: str = 'MJPG') -> str:
    """A video of ``T`` frames of ``size`` (w, h): a moving square on a
    gradient, so that every frame differs."""
    w, h = size
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), 25,
                             (w, h))
    assert writer.isOpened()
    ramp = np.linspace(0, 200, w, dtype=np.uint8)
    for t in range(T):
        img = np.zeros((h, w, 3), np.uint8)
        img[..., 0] = ramp
        img[..., 1] = 8 * t
        x = 3 * t % (w - 10)
        img[10:20, x:x + 10] = 255
        writer.write(img)
    writer.release()
    return path


def rgb_record(path: str, T: int, inds) -> dict:
    return dict(frame_dir=osp.splitext(path)[0], filename=path,
                total_frames=T, modality=['RGB'],
                RGB_inds=np.asarray(inds, np.int32))


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


MODULES = dict(opencv='cv2', pyav='av', decord='decord')


def need(backend: str) -> None:
    """Skip where ``backend``'s module is not installed."""
    if not installed(MODULES[backend]):
        pytest.skip(f'{MODULES[backend]} is not installed')


@pytest.mark.parametrize('ext,fourcc', [('avi', 'MJPG'), ('mp4', 'mp4v'),
                                        ('avi', 'FFV1')])
def test_frames_equal_direct_decoding(tmp_path, ext, fourcc):
    path = write_video(str(tmp_path / f'v.{ext}'), fourcc=fourcc)
    every = decode_all(path)
    assert len(every) == 20
    # unsorted, repeated, first and last frames
    inds = np.array([[5, 0, 5, 19, 7, 7, 7, 12]])
    out = MMDecode()(rgb_record(path, 20, inds))
    assert out['RGB_inds'].shape == (8, )
    imgs = out['imgs']
    assert isinstance(imgs, list) and len(imgs) == 8
    for img, i in zip(imgs, inds[0]):
        assert img.dtype == np.uint8 and img.shape == (64, 96, 3)
        np.testing.assert_array_equal(img, every[i])
    # repeated frames are distinct arrays: an in-place edit of one
    # leaves the others
    imgs[1][:] = 0
    assert imgs[3].any() and not np.shares_memory(imgs[1], imgs[3])


def test_default_filename_and_video_root(tmp_path):
    write_video(str(tmp_path / 'clip.mp4'), fourcc='mp4v')
    rec = dict(frame_dir='clip', total_frames=20, modality=['RGB'],
               RGB_inds=np.arange(4))
    out = MMDecode(video_root=str(tmp_path))(rec)
    assert out['filename'] == 'clip.mp4'  # as mmaction2 names it
    assert len(out['imgs']) == 4


def test_frame_folder_backend(tmp_path):
    path = write_video(str(tmp_path / 'v.avi'))
    every = decode_all(path)
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t, img in enumerate(every):  # lossless PNG: exact frames back
        cv2.imwrite(str(folder / f'img_{t + 1:05d}.png'),
                    cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    rec = dict(frame_dir=str(folder), total_frames=20, modality=['RGB'],
               RGB_inds=np.array([3, 3, 0, 19]))
    out = MMDecode(backend='frames',
                   filename_tmpl='img_{:05d}.png')(copy.deepcopy(rec))
    for img, i in zip(out['imgs'], rec['RGB_inds']):
        np.testing.assert_array_equal(img, every[i])
    # a gap in the folder
    (folder / 'img_00004.png').unlink()
    with pytest.raises(InputError, match='cannot read .*img_00004.png'):
        MMDecode(backend='frames',
                 filename_tmpl='img_{:05d}.png')(copy.deepcopy(rec))
    rec['frame_dir'] = str(tmp_path / 'nowhere')
    with pytest.raises(InputError, match='frame folder .*nowhere not found'):
        MMDecode(backend='frames')(rec)


@pytest.mark.parametrize('backend', ['opencv', 'pyav', 'decord'])
def test_backends_agree(tmp_path, backend):
    """Every installed backend gives OpenCV's frames up to codec rounding:
    mean absolute difference <= 2 grey levels, none above 40 (MJPEG's
    IDCT and chroma upsampling differ between decoders)."""
    module = dict(opencv='cv2', pyav='av', decord='decord')[backend]
    if not installed(module):
        pytest.skip(f'{module} is not installed')
    path = write_video(str(tmp_path / 'v.avi'))
    every = decode_all(path).astype(np.int16)
    inds = np.array([0, 4, 4, 11, 19])
    out = MMDecode(backend=backend)(rgb_record(path, 20, inds))
    got = np.stack(out['imgs']).astype(np.int16)
    assert got.shape == every[inds].shape
    diff = np.abs(got - every[inds])
    assert diff.mean() <= 2 and diff.max() <= 40


@pytest.mark.parametrize('backend', ['pyav', 'decord'])
def test_missing_backend_names_install(backend):
    module = dict(pyav='av', decord='decord')[backend]
    if installed(module):
        pytest.skip(f'{module} is installed')
    with pytest.raises(ImportError,
                       match=f'{backend}.*pip install {module}'):
        MMDecode(backend=backend)


def test_bad_arguments():
    with pytest.raises(ValueError, match='backend must be one of'):
        MMDecode(backend='ffmpeg')
    with pytest.raises(ValueError, match='io_backend="disk"'):
        MMDecode(io_backend='petrel')
    with pytest.raises(ValueError, match='max_shortfall'):
        MMDecode(max_shortfall=-1)
    rec = dict(modality=['Depth'], Depth_inds=np.arange(3))
    with pytest.raises(NotImplementedError, match="'Depth'"):
        MMDecode()(rec)


@pytest.mark.parametrize('backend', list(MODULES))
def test_missing_and_undecodable(tmp_path, backend):
    need(backend)
    missing = str(tmp_path / 'S001.mp4')
    with pytest.raises(InputError, match=r"record .*S001.* video .*S001\.mp4"
                       r" not found"):
        MMDecode(backend=backend)(rgb_record(missing, 20, [0]))
    junk = tmp_path / 'junk.mp4'
    junk.write_bytes(b'not a video at all' * 100)
    with pytest.raises(InputError, match='junk.mp4'):
        MMDecode(backend=backend)(rgb_record(str(junk), 20, [0]))


@pytest.mark.parametrize('backend', list(MODULES))
def test_short_video(tmp_path, backend):
    need(backend)
    path = write_video(str(tmp_path / 'v.avi'), T=18)
    every = decode_all(path).astype(np.int16)
    # two frames short: tolerated, indices past the end take the last frame
    out = MMDecode(backend=backend)(rgb_record(path, 20, [0, 17, 18, 19]))
    for img, i in zip(out['imgs'], [0, 17, 17, 17]):
        assert np.abs(img - every[i]).mean() <= 2
    out = MMDecode(backend=backend)(rgb_record(path, 20, [18, 19]))
    assert np.abs(out['imgs'][0] - every[17]).mean() <= 2
    # three frames short: refused, naming both counts
    with pytest.raises(InputError,
                       match='has 18 frames but the record needs 21 '
                       r'\(3 short; at most 2'):
        MMDecode(backend=backend)(rgb_record(path, 21, [0]))
    with pytest.raises(InputError, match='has 18 frames but .* needs 20'):
        MMDecode(backend=backend, max_shortfall=0)(
            rgb_record(path, 20, [0]))


def test_indices_out_of_range(tmp_path):
    path = write_video(str(tmp_path / 'v.avi'), T=10)
    with pytest.raises(InputError, match='frame index 12 out of range: .*'
                       'has 10 frames'):
        MMDecode()(rgb_record(path, 10, [3, 12]))
    with pytest.raises(InputError, match='no RGB frame index'):
        MMDecode()(rgb_record(path, 10, []))
    with pytest.raises(InputError, match='negative frame index -1'):
        MMDecode()(rgb_record(path, 10, [-1, 3]))
    rec = rgb_record(path, 10, [3, 9])
    rec['video_frame_inds'] = np.arange(5)
    with pytest.raises(InputError, match='outside its 5 video_frame_inds'):
        MMDecode()(rec)


def test_video_frame_inds_map_skeleton_to_video(tmp_path):
    path = write_video(str(tmp_path / 'v.avi'), T=20)
    every = decode_all(path)
    rec = rgb_record(path, 4, [0, 1, 2, 3])
    rec['video_frame_inds'] = np.array([2, 3, 7, 19])
    out = MMDecode()(rec)
    for img, i in zip(out['imgs'], [2, 3, 7, 19]):
        np.testing.assert_array_equal(img, every[i])


def patch_mmaction_reader(monkeypatch, frames_of):
    """mmaction2's MMDecode with decord swapped for ``frames_of(path)``
    ([T, H, W, 3] RGB), so that the rest of it runs as released."""
    monkeypatch.setattr(mma.MMDecode, '_get_video_reader',
                        lambda self, filename: frames_of(filename))
    monkeypatch.setattr(mma.MMDecode, '_decord_load_frames',
                        lambda self, reader, inds: list(reader[inds]))


def test_rescaled_keypoints_match_mmaction(tmp_path, monkeypatch):
    """Frames 96x64 against a 1920x1080 annotation: keypoints x * 96/1920,
    y * 64/1080, img_shape (64, 96), as mmaction2."""
    path = write_video(str(tmp_path / 'v.avi'), T=20)
    patch_mmaction_reader(monkeypatch, decode_all)
    rng = np.random.RandomState(0)
    kp = rng.uniform(0, 1000, (2, 20, 17, 2)).astype(np.float16)
    rec = dict(frame_dir=str(tmp_path / 'v'), filename=path,
               total_frames=20, img_shape=(1080, 1920),
               original_shape=(1080, 1920), keypoint=kp,
               modality='RGB', label=3)
    sampler = MMUniformSampleFrames(dict(RGB=8, Pose=16), 2, True)
    got = MMDecode()(sampler(copy.deepcopy(rec)))
    want = mma.MMDecode()(sampler(copy.deepcopy(rec)))
    assert got['img_shape'] == want['img_shape'] == (64, 96)
    assert got['original_shape'] == (64, 96)
    np.testing.assert_array_equal(got['keypoint'], want['keypoint'])
    np.testing.assert_array_equal(got['keypoint_score'],
                                  want['keypoint_score'])
    np.testing.assert_array_equal(np.stack(got['imgs']),
                                  np.stack(want['imgs']))
    np.testing.assert_allclose(
        got['keypoint'][..., 0],
        kp[:, got['Pose_inds']].astype(np.float32)[..., 0] * 96 / 1920,
        rtol=1e-6)


def test_keypoint_depth_follows_pose_inds_unscaled(tmp_path):
    """keypoint_depth (metres) is taken at Pose_inds as float32 and, unlike
    the pixel keypoints, not rescaled to the 96x64 frames."""
    path = write_video(str(tmp_path / 'v.avi'), T=20)
    rng = np.random.RandomState(1)
    kp = rng.uniform(0, 1000, (2, 20, 25, 2)).astype(np.float16)
    depth = rng.uniform(2, 4, (2, 20, 25)).astype(np.float32)
    rec = dict(frame_dir='S001C001P001R001A001', filename=path,
               total_frames=20, img_shape=(1080, 1920),
               original_shape=(1080, 1920), keypoint=kp,
               keypoint_depth=depth, modality=['RGB', 'Pose'],
               RGB_inds=np.array([0, 5]), Pose_inds=np.array([3, 3, 19, 0]))
    out = MMDecode()(copy.deepcopy(rec))
    assert out['keypoint_depth'].dtype == np.float32
    np.testing.assert_array_equal(out['keypoint_depth'],
                                  depth[:, [3, 3, 19, 0]])
    np.testing.assert_allclose(out['keypoint'][..., 0],
                               kp[:, [3, 3, 19, 0]].astype(np.float32)[..., 0]
                               * 96 / 1920,
                               rtol=1e-6)
    rec['keypoint_depth'] = depth[:, :10]
    with pytest.raises(ValueError, match=r"S001C001P001R001A001'?: "
                       r'keypoint_depth of shape \(2, 10, 25\)'):
        MMDecode()(rec)


@pytest.mark.parametrize('test_mode', [False, True])
def test_real_ntu_pipeline_matches_mmaction(shared_data, monkeypatch,
                                            np_inf_patch, test_mode):
    """Sample, decode, crop the real NTU pair (1920x1080 .avi, 103 frames)
    as mmaction2 does (its MMDecode reading the frames through cv2)."""
    from mmactx.datasets.converters.ntu import convert_ntu_file
    video = shared_data(NTU + '_rgb.avi')
    rec = convert_ntu_file(shared_data(NTU + '.skeleton'))['2d']
    rec.update(filename=video, modality='RGB')
    del rec['video_frame_inds']  # mmaction2 does not know it
    cache = {}

    def frames_of(path):
        if path not in cache:
            cache[path] = decode_all(path)
        return cache[path]

    patch_mmaction_reader(monkeypatch, frames_of)
    every = frames_of(video)
    assert every.shape == (103, 1080, 1920, 3)
    clip_len = dict(RGB=4, Pose=8)
    ours = [MMUniformSampleFrames(clip_len, 1, test_mode), MMDecode(),
            MMCompact()]
    theirs = [mma.MMUniformSampleFrames(clip_len, 1, test_mode),
              mma.MMDecode(), mma.MMCompact()]
    got, want = copy.deepcopy(rec), copy.deepcopy(rec)
    np.random.seed(3)
    for t in ours:
        got = t(got)
    np.random.seed(3)
    for t in theirs:
        want = t(want)
    assert got['img_shape'] == want['img_shape']
    h, w = got['img_shape']
    assert abs(h - w) <= 1 and 300 < h < 1080  # square box, person
    np.testing.assert_array_equal(got['RGB_inds'], want['RGB_inds'])
    np.testing.assert_array_equal(got['keypoint'], want['keypoint'])
    np.testing.assert_array_equal(np.stack(got['imgs']),
                                  np.stack(want['imgs']))


@pytest.fixture
def np_inf_patch(monkeypatch):
    monkeypatch.setattr(np, 'Inf', np.inf, raising=False)


@pytest.mark.parametrize('backend', ['opencv', 'pyav', 'decord'])
def test_real_ntu_backends(shared_data, backend):
    """The real NTU .avi through every installed backend: OpenCV's frames
    (within the tolerance of :func:`test_backends_agree`; 0 where
    measured, all three use FFmpeg's decoders)."""
    module = dict(opencv='cv2', pyav='av', decord='decord')[backend]
    if not installed(module):
        pytest.skip(f'{module} is not installed')
    video = shared_data(NTU + '_rgb.avi')
    inds = np.array([0, 10, 10, 57, 102])
    out = MMDecode(backend=backend)(rgb_record(video, 103, inds))
    every = decode_all(video).astype(np.int16)
    diff = np.abs(np.stack(out['imgs']).astype(np.int16) - every[inds])
    assert diff.mean() <= 2 and diff.max() <= 40


def test_real_ntu_matches_mmaction_decord(shared_data, np_inf_patch):
    """Where decord is installed, mmaction2's own MMDecode (decord) and
    mmactx's decord backend give the same frames and keypoints."""
    if not installed('decord'):
        pytest.skip('decord is not installed (mmaction2 MMDecode needs it)')
    from mmactx.datasets.converters.ntu import convert_ntu_file
    rec = convert_ntu_file(shared_data(NTU + '.skeleton'))['2d']
    rec.update(filename=shared_data(NTU + '_rgb.avi'), modality='RGB')
    del rec['video_frame_inds']
    sampler = MMUniformSampleFrames(dict(RGB=8, Pose=32), 2, True)
    got = MMDecode(backend='decord')(sampler(copy.deepcopy(rec)))
    want = mma.MMDecode()(sampler(copy.deepcopy(rec)))
    # mmaction2's decord get_batch sometimes corrupts part of the last
    # frame of this .avi (mean 1.3 grey levels): not an exact match
    diff = np.abs(np.stack(got['imgs']).astype(np.int16) -
                  np.stack(want['imgs']))
    assert diff.mean() <= 2
    np.testing.assert_array_equal(got['keypoint'], want['keypoint'])
    assert got['img_shape'] == want['img_shape']
