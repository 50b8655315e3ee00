"""tools/data/compress_ntu_videos.py: sizes, frames, frame rate, content,
resuming (also after SIGKILL), atomic outputs, the failure report, bad
input, and the real NTU RGB+D video."""
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time
from typing import List, Tuple

import cv2
import numpy as np
import pytest

from mmactx.datasets.converters.videos import (REPORT_NAME, compress_videos,
                                               output_name, probe,
                                               scaled_size)
from mmactx.utils.cli import InputError, run_cli

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'data', 'compress_ntu_videos.py')
sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))

import compress_ntu_videos  # noqa: E402

#: mp4v (MPEG-4 Part 2) at OpenCV's default bit rate keeps these smooth test
#: frames above this PSNR against the input resized with INTER_AREA (the
#: real NTU video measures 39 dB); a wrong size, a shifted or a missing
#: frame falls far below it
MIN_PSNR = 30.0


def frame(index: int, width: int, height: int) -> np.ndarray:
    """A smooth BGR test frame: gradients and a red box that moves."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([x * 255 // width, y * 255 // height,
                      np.full_like(x, (index * 40) % 256)], -1)
    image = image.astype(np.uint8)
    s = min(width, height)
    x0, y0 = s // 8 + index * s // 20, s // 4
    cv2.rectangle(image, (x0, y0), (x0 + s // 4, y0 + s // 4), (0, 0, 255),
                  -1)
    return image


def write_avi(path: str, frames: int = 5, size: Tuple[int, int] = (1280,
                                                                   720),
              fps: float = 25.0) -> str:
    """An MJPEG ``.avi`` of ``frames`` test frames of ``size`` (w, h)."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), fps,
                             size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(frame(i, *size))
    writer.release()
    return path


def read_all(path: str) -> List[np.ndarray]:
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    return frames


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def leftovers(folder) -> List[str]:
    """Hidden (temporary) files in ``folder``."""
    return [n for n in os.listdir(folder) if n.startswith('.')]


@pytest.mark.parametrize('size,short,expected', [
    ((1920, 1080), 540, (960, 540)),
    ((1280, 720), 540, (960, 540)),
    ((720, 1280), 540, (540, 960)),
    ((1000, 700), 540, (772, 540)),
    ((1920, 1080), 360, (640, 360)),
    ((640, 480), 540, (640, 480)),  # never upscaled
    ((641, 481), 540, (640, 480)),  # only made even
])
def test_scaled_size(size, short, expected):
    assert scaled_size(*size, short) == expected


def test_scaled_size_refuses_empty():
    with pytest.raises(ValueError, match='a 1x5 video cannot be encoded'):
        scaled_size(1, 5)


def test_output_name():
    assert output_name('/a/S001C001P001R001A001_rgb.avi') == \
        'S001C001P001R001A001.mp4'
    assert output_name('clip.avi') == 'clip.mp4'


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """Input folder: two landscape and one portrait video, a broken file
    and a truncated one; the outputs of one run."""
    root = tmp_path_factory.mktemp('compress')
    src = root / 'nturgb+d_rgb'
    src.mkdir()
    write_avi(str(src / 'S001C001P001R001A001_rgb.avi'))
    write_avi(str(src / 'S001C002P001R001A001_rgb.avi'), fps=30.0)
    write_avi(str(src / 'S001C003P001R001A001_rgb.avi'), size=(720, 1280))
    (src / 'S002C001P001R001A001_rgb.avi').write_bytes(b'RIFF not a video')
    full = write_avi(str(root / 'full.avi'), frames=20)
    data = open(full, 'rb').read()
    (src / 'S002C002P001R001A001_rgb.avi').write_bytes(
        data[:len(data) // 2])
    (src / 'notes.txt').write_text('not a video')
    out = root / 'nturgbd_videos'
    result = compress_videos(str(src), str(out), workers=0, progress=False)
    return src, out, result


def test_outputs(videos):
    src, out, result = videos
    assert result['compressed'] == 3 and result['done_before'] == 0
    assert result['failed'] == {'truncated': 1, 'undecodable': 1}
    assert result['frames'] == 15
    assert sorted(os.listdir(out)) == [
        'S001C001P001R001A001.mp4', 'S001C002P001R001A001.mp4',
        'S001C003P001R001A001.mp4', REPORT_NAME]
    expected = {'S001C001P001R001A001': ((960, 540), 25.0),
                'S001C002P001R001A001': ((960, 540), 30.0),
                'S001C003P001R001A001': ((540, 960), 25.0)}
    for name, (size, fps) in expected.items():
        info = probe(str(out / f'{name}.mp4'))
        assert (info.width, info.height) == size
        assert info.frames == 5
        assert info.fps == pytest.approx(fps)
        decoded = read_all(str(out / f'{name}.mp4'))
        inputs = read_all(str(src / f'{name}_rgb.avi'))
        assert len(decoded) == len(inputs) == 5
        for got, given in zip(decoded, inputs):
            assert got.shape == (size[1], size[0], 3)
            want = cv2.resize(given, size, interpolation=cv2.INTER_AREA)
            assert psnr(got, want) > MIN_PSNR
        # a frame of the neighbouring time is clearly further away
        want = cv2.resize(inputs[1], size, interpolation=cv2.INTER_AREA)
        assert psnr(decoded[0], want) < psnr(decoded[1], want) - 3


def test_report(videos):
    _, out, _ = videos
    lines = (out / REPORT_NAME).read_text().split('\n')
    assert 'short side 540, fourcc mp4v' in lines[0]
    assert lines[1:6] == ['converted: 3', 'skipped: 2', '  truncated: 1',
                          '  undecodable: 1', '']
    assert 'S002C001P001R001A001_rgb.avi\tundecodable\t' in lines[7]
    assert lines[8] == ('S002C002P001R001A001_rgb.avi\ttruncated\t10 of the '
                        '20 frames its header counts could be decoded')
    assert leftovers(out) == []


def test_second_run_does_nothing(videos, capsys):
    src, out, _ = videos
    names = [n for n in os.listdir(out) if n.endswith('.mp4')]
    stamps = {n: os.stat(out / n).st_mtime_ns for n in names}
    compress_ntu_videos.main([str(src), str(out), '--workers', '0',
                              '--no-progress'])
    printed = capsys.readouterr().out
    assert 'compressed 0 videos, 3 were done before, failed 2' in printed
    assert {n: os.stat(out / n).st_mtime_ns for n in names} == stamps
    assert 'done earlier: 3' in (out / REPORT_NAME).read_text()


def test_other_short_side_redoes(videos, tmp_path):
    src, out, _ = videos
    copy = tmp_path / 'out'
    shutil.copytree(out, copy)
    result = compress_videos(str(src), str(copy), short_side=360,
                             progress=False)
    assert result['compressed'] == 3 and result['done_before'] == 0
    info = probe(str(copy / 'S001C003P001R001A001.mp4'))
    assert (info.width, info.height, info.frames) == (360, 640, 5)


def test_stale_temporary_removed(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    write_avi(str(src / 'S001C001P001R001A001_rgb.avi'), size=(320, 240))
    out = tmp_path / 'out'
    out.mkdir()
    # what a writer killed mid-video leaves (a pid that cannot run)
    stale = out / '.S001C001P001R001A001.mp4.999999999-abc.tmp.mp4'
    stale.write_bytes(b'half a video')
    result = compress_videos(str(src), str(out), progress=False)
    assert result['compressed'] == 1
    assert leftovers(out) == []
    info = probe(str(out / 'S001C001P001R001A001.mp4'))
    assert (info.width, info.height, info.frames) == (320, 240, 5)


def test_nothing_compressed(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    (src / 'S001C001P001R001A001_rgb.avi').write_bytes(b'')
    out = tmp_path / 'out'
    with pytest.raises(InputError,
                       match=r'none of the 1 videos could be compressed; '
                       r'the reasons are in .*compress_report\.txt'):
        compress_videos(str(src), str(out), progress=False)
    assert 'undecodable' in (out / REPORT_NAME).read_text()
    assert os.listdir(out) == [REPORT_NAME]


def test_bad_input(tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'S001C001P001R001A001.avi').write_bytes(b'')
    src = tmp_path / 'in'
    src.mkdir()
    write_avi(str(src / 'S001C001P001R001A001_rgb.avi'), frames=1,
              size=(64, 48))
    a_file = tmp_path / 'file.txt'
    a_file.write_text('x')
    cases = [
        ((str(tmp_path / 'nope'), str(tmp_path / 'o')), {},
         r'nope: no such folder'),
        ((str(a_file), str(tmp_path / 'o')), {},
         r'file\.txt is a file, not a folder of videos'),
        ((str(empty), str(tmp_path / 'o')), {},
         r'empty: no \*_rgb\.avi files found'),
        ((str(src), str(a_file)), {},
         r'output folder .*file\.txt is a file'),
        ((str(src), str(tmp_path / 'o')), dict(short_side=541),
         r'--short-side 541: must be an even number'),
        ((str(src), str(tmp_path / 'o')), dict(short_side=0),
         r'--short-side 0: must be an even number'),
        ((str(src), str(tmp_path / 'o')), dict(workers=-1),
         r'--workers -1: must be 0 or more'),
        ((str(src), str(tmp_path / 'o')), dict(fourcc='avc'),
         r'--fourcc \'avc\': a fourcc has 4 characters'),
        ((str(src), str(tmp_path / 'o')), dict(fourcc='zzzz'),
         r'--fourcc zzzz: this OpenCV .* cannot write it'),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(InputError, match=message):
            compress_videos(*args, progress=False, **kwargs)
    assert not osp.exists(tmp_path / 'o')


def test_cli_exit_code(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        run_cli(compress_ntu_videos.main,
                [str(tmp_path / 'nope'), str(tmp_path / 'o')],
                prog='compress_ntu_videos.py')
    assert info.value.code == 2
    err = ' '.join(capsys.readouterr().err.split())
    assert err.startswith('compress_ntu_videos.py: error: ')
    assert 'nope: no such folder' in err


def live_members(group: int) -> List[int]:
    """Processes of a process group that still run (zombies excluded)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if fields[0] != 'Z' and int(fields[2]) == group:
            pids.append(int(pid))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not osp.isdir('/proc/self'), reason='needs /proc')
def test_killed_run_resumes(tmp_path):
    """SIGKILL to the run (its process only, as ``kill -9 PID`` does) once
    some outputs exist: its workers exit by themselves; the same command
    again finishes the rest, keeps what was done and leaves no temporary
    file."""
    src = tmp_path / 'in'
    src.mkdir()
    names = [f'S001C001P{p:03d}R001A001' for p in range(1, 9)]
    for name in names:
        write_avi(str(src / f'{name}_rgb.avi'), frames=20)
    out = tmp_path / 'out'
    command = [sys.executable, TOOL, str(src), str(out), '--workers', '2',
               '--no-progress']
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            if osp.isdir(out) and any(
                    n.endswith('.mp4') and not n.startswith('.')
                    for n in os.listdir(out)):
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 20
        while live_members(proc.pid) and time.time() < deadline:
            time.sleep(0.1)
        assert live_members(proc.pid) == [], 'workers outlived the run'
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == -signal.SIGKILL, 'the run ended before the kill'
    done = {n: os.stat(out / n).st_mtime_ns for n in os.listdir(out)
            if n.endswith('.mp4') and not n.startswith('.')}
    assert 0 < len(done) < len(names)

    finished = subprocess.run(command, cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert f'{len(done)} were done before, failed 0' in finished.stdout
    assert sorted(os.listdir(out)) == sorted(
        [f'{n}.mp4' for n in names] + [REPORT_NAME])
    for name, stamp in done.items():
        assert os.stat(out / name).st_mtime_ns == stamp
    for name in names:
        info = probe(str(out / f'{name}.mp4'))
        assert (info.width, info.height, info.frames) == (960, 540, 20)
        assert len(read_all(str(out / f'{name}.mp4'))) == 20
    assert leftovers(out) == []


def test_real_ntu_video(shared_data, tmp_path):
    path = shared_data('ntu_sample/S001C001P001R001A001_rgb.avi')
    src = tmp_path / 'nturgb+d_rgb'
    src.mkdir()
    os.symlink(path, src / osp.basename(path))
    out = tmp_path / 'nturgbd_videos'
    result = compress_videos(str(src), str(out), progress=False)
    assert result['compressed'] == 1 and result['frames'] == 103
    video = out / 'S001C001P001R001A001.mp4'
    info = probe(str(video))
    assert (info.width, info.height, info.frames) == (960, 540, 103)
    assert info.fps == pytest.approx(30.0)
    decoded = read_all(str(video))
    assert len(decoded) == 103
    cap = cv2.VideoCapture(path)
    for index in (0, 51, 102):
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, given = cap.read()
        assert ok
        want = cv2.resize(given, (960, 540), interpolation=cv2.INTER_AREA)
        assert psnr(decoded[index], want) > MIN_PSNR
    cap.release()
