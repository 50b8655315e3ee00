"""Bad inputs of the command-line tools, one table per entry point: each is
refused before any work with a message that names the option, file, line
or sample (an ``InputError``; exit code 2 and one ``error:`` paragraph
from the command line), and no output replaces an input."""
import os
import os.path as osp
import pickle
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from mmactx.apis import FramePoses, save_poses
from mmactx.datasets.annotation_io import save_annotations
from mmactx.datasets.synthetic import generate_sample
from mmactx.evaluation import load_predictions, save_predictions
from mmactx.testing import load_script
from mmactx.utils import InputError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'synthetic_joint.py')


def listing(folder):
    """Every file under ``folder`` (hidden temporaries included), with its
    size and modification time."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            st = os.stat(path)
            found[osp.relpath(path, folder)] = (st.st_size, st.st_mtime_ns)
    return found


def tiny_video(path, frames=3):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (32, 32))
    for t in range(frames):
        writer.write(np.full((32, 32, 3), 40 * t, np.uint8))
    writer.release()


# ---------------------------------------------------------------- demo ---

@pytest.fixture(scope='module')
def demo():
    return load_script('demo/demo_skeleton.py')


@pytest.fixture
def demo_files(tmp_path):
    """Inputs of the demo that only need to exist (the refusals come before
    they are read), a decodable 3-frame video and its poses."""
    (tmp_path / 'in.mp4').write_bytes(b'a video')
    (tmp_path / 'model.pth').write_bytes(b'a checkpoint')
    (tmp_path / 'labels.txt').write_text('a\nb\n')
    (tmp_path / 'result.json').write_text('[]')
    tiny_video(tmp_path / 'real.mp4')
    save_poses(str(tmp_path / 'poses.npz'), [FramePoses.empty()] * 3)
    return tmp_path


def run_demo(demo, folder, video, out, *extra):
    return demo.main([str(folder / video), str(folder / out), '--config',
                      CONFIG, '--checkpoint', str(folder / 'model.pth'),
                      *extra])


@pytest.mark.parametrize('extra,message', [
    (['--window', '30', '--stride', '0'], '--stride must be positive, got 0'),
    (['--window', '30', '--stride', '-5'], '--stride must be positive'),
    (['--window', '-1'], '--window non-negative'),
    (['--window', '30', '--stride', '40'],
     '--stride 40 is larger than --window 30'),
    (['--stride', '10'], '--stride needs --window N'),
    (['--save-poses', 'poses.json'], '--save-poses writes an .npz file'),
    (['--pose-backend', 'precomputed'], 'precomputed needs --poses FILE'),
    (['--topk', '0'], '--max-persons and --topk must be positive'),
])
def test_demo_options_are_checked_before_any_work(demo, demo_files, extra,
                                                  message, capsys):
    before = listing(demo_files)
    with pytest.raises(SystemExit) as info:
        run_demo(demo, demo_files, 'in.mp4', 'out.mp4', *extra)
    assert info.value.code == 2
    assert message in capsys.readouterr().err
    assert listing(demo_files) == before


# (video, output video, options with {d} for the folder) -> message
DEMO_REFUSALS = [
    ('in.mp4', 'in.mp4', [], r'output \S*in\.mp4 would replace the input '
     r'\S*in\.mp4'),
    ('in.mp4', 'result.mp4', ['--pose-backend', 'precomputed', '--poses',
                              '{d}/result.json'],
     r'output \S*result\.json would replace the input \S*result\.json'),
    ('in.mp4', 'out.mp4', ['--json', '{d}/in.mp4'],
     r'output \S*in\.mp4 would replace the input'),
    ('in.mp4', 'out.mp4', ['--json', '{d}/model.pth'],
     r'output \S*model\.pth would replace the input'),
    ('in.mp4', 'out.mp4', ['--label-map', '{d}/labels.txt', '--json',
                           '{d}/labels.txt'],
     r'output \S*labels\.txt would replace the input'),
    ('in.mp4', 'out.mp4', ['--pose-backend', 'precomputed', '--poses',
                           '{d}/poses.npz', '--save-poses', '{d}/poses.npz'],
     r'output \S*poses\.npz would replace the input'),
    ('in.mp4', 'out.mp4', ['--json', '{d}/p.npz', '--save-poses',
                           '{d}/p.npz'],
     r'output \S*p\.npz would replace the output \S*p\.npz'),
    ('in.mp4', 'result.json', [],
     r'output \S*result\.json would replace the output \S*result\.json'),
    ('in.mp4', 'folder.mp4', [], r'output \S*folder\.mp4 is a folder'),
    ('missing.mp4', 'out.mp4', [], r'video \S*missing\.mp4 does not exist'),
    ('in.mp4', 'out.mp4', ['--checkpoint', '{d}/none.pth'],
     r'--checkpoint \S*none\.pth does not exist'),
    ('in.mp4', 'out.mp4', ['--config', '{d}/none.py'],
     r'--config \S*none\.py does not exist'),
    ('in.mp4', 'out.mp4', ['--label-map', '{d}/none.txt'],
     r'--label-map \S*none\.txt does not exist'),
    ('in.mp4', 'out.mp4', ['--pose-backend', 'precomputed', '--poses',
                           '{d}/none.npz'],
     r'--poses \S*none\.npz does not exist'),
    ('in.mp4', 'out.mp4', ['--label-map', '{d}'], r'--label-map \S* is not '
     r'a file'),
]


@pytest.mark.parametrize('video,out,extra,message', DEMO_REFUSALS)
def test_demo_refuses_before_any_work(demo, demo_files, video, out, extra,
                                      message):
    (demo_files / 'folder.mp4').mkdir()
    before = listing(demo_files)
    extra = [e.format(d=demo_files) for e in extra]
    with pytest.raises(InputError, match=message):
        run_demo(demo, demo_files, video, out, *extra)
    assert listing(demo_files) == before  # nothing written or replaced


def write_text_npz(path):
    path.write_text('frame 0: nose 10 20\n')


def write_npy_as_npz(path):
    with open(path, 'wb') as f:
        np.save(f, np.zeros((3, 1, 17, 2)))


def write_nan_poses(path):
    kp = np.ones((3, 1, 17, 2), np.float32)
    kp[1, 0, 4] = np.nan
    np.savez(path, keypoints=kp, scores=np.ones((3, 1, 17), np.float32))


def write_big_scores(path):
    np.savez(path, keypoints=np.ones((3, 1, 17, 2), np.float32),
             scores=np.full((3, 1, 17), 7, np.float32))


def write_bad_json(path):
    path.write_text('[[{"keypoints": [[1, 2]],\n "scores": ]]')


@pytest.mark.parametrize('name,write,message', [
    ('x.npz', write_text_npz, r'\S*x\.npz is not an \.npz file of poses as '
     r'--save-poses \(save_poses\) writes them \(it is not a zip archive\)'),
    ('x.npz', write_npy_as_npz, r'x\.npz is not an \.npz file of poses .*'
     r'\(it holds a single \.npy array\)'),
    ('x.npz', write_nan_poses, r'x\.npz: frame 1: keypoints or scores of a '
     r'person hold NaN'),
    ('x.npz', write_big_scores, r'x\.npz: frame 0: scores must lie in '
     r'\[0, 1\], got 7\.\.7'),
    ('x.json', write_bad_json, r'x\.json: not a JSON file of poses \(line 2'),
    ('x.txt', write_text_npz, r'x\.txt: pose files must be \.npz or \.json'),
])
def test_demo_refuses_a_pose_file_before_loading_the_model(
        demo, demo_files, name, write, message, monkeypatch):
    write(demo_files / name)

    def no_model(*args, **kwargs):
        raise AssertionError('the model was loaded before the poses')

    monkeypatch.setattr('mmactx.apis.init_recognizer', no_model)
    before = listing(demo_files)
    with pytest.raises(InputError, match=message):
        run_demo(demo, demo_files, 'real.mp4', 'out.mp4', '--pose-backend',
                 'precomputed', '--poses', str(demo_files / name))
    assert listing(demo_files) == before


def test_make_synthetic_video_refuses_one_file_for_both(tmp_path, capsys):
    make = load_script('demo/make_synthetic_video.py')
    with pytest.raises(InputError, match=r'would replace the output'):
        make.main([str(tmp_path / 'a.npz'), '--poses',
                   str(tmp_path / 'a.npz')])
    with pytest.raises(SystemExit) as info:
        make.main([str(tmp_path / 'a.mp4'), '--poses',
                   str(tmp_path / 'a.json')])
    assert info.value.code == 2
    assert '--poses writes an .npz file' in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_killed_video_writers_temporary_is_removed_by_the_next(tmp_path):
    """What the demo relies on after a SIGKILL: the writer's hidden
    temporary names its process, and the next write of the video removes
    it once that process is dead."""
    out, ready = tmp_path / 'out.mp4', tmp_path / 'ready'
    code = ('import sys, time\n'
            'import numpy as np\n'
            'from mmactx.visualization import video_writer\n'
            f'with video_writer({str(out)!r}, 10, (32, 32)) as w:\n'
            '    w.write(np.zeros((32, 32, 3), np.uint8))\n'
            f'    open({str(ready)!r}, "w").close()\n'
            '    time.sleep(120)\n')
    proc = subprocess.Popen([sys.executable, '-c', code], cwd=ROOT)
    try:
        for _ in range(1200):
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), 'the writer did not start'
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
    left = [n for n in os.listdir(tmp_path) if n.startswith('.out.mp4.')]
    assert len(left) == 1 and left[0].endswith('.tmp.mp4')
    from mmactx.visualization import write_video
    write_video([np.zeros((32, 32, 3), np.uint8)] * 2, str(out))
    assert sorted(os.listdir(tmp_path)) == ['out.mp4', 'ready']


# ------------------------------------------------------------ ensemble ---

@pytest.fixture(scope='module')
def ensemble():
    return load_script('tools/ensemble.py')


def dump(path, num=4, classes=5, **change):
    """A dump of ``num`` samples; ``change`` maps a sample index to the
    fields it gets instead."""
    rng = np.random.default_rng(0)
    items = [dict(pred_score=rng.random(classes).astype(np.float32),
                  gt_label=i % classes) for i in range(num)]
    for i, fields in change.items():
        items[int(i[1:])].update(fields)
    with open(path, 'wb') as f:
        pickle.dump(items, f)
    return str(path)


@pytest.fixture
def dumps(tmp_path):
    dump(tmp_path / 'joint.pkl')
    dump(tmp_path / 'bone.pkl')
    (tmp_path / 'out').mkdir()
    return tmp_path


# (how bone.pkl is rewritten (None: kept), extra options) -> message
ENSEMBLE_REFUSALS = [
    (None, ['--out', '{d}/bone.pkl'],
     r'output \S*bone\.pkl would replace the input \S*bone\.pkl'),
    (None, ['--out', '{d}/out'], r'--out \S*out is a folder'),
    (None, ['--weights', 'nan', '1'], r'--weights: weight 1 is nan'),
    (None, ['--weights', '1', 'inf'], r'--weights: weight 2 is inf'),
    (None, ['--weights', '1', '-1'], r'weight 2 is -1\.0; weights must be '
     r'finite and >= 0'),
    (None, ['--weights', '0', '0'], r'all weights are 0'),
    (None, ['--weights', '1'], r'--weights: 1 weights for 2 streams'),
    (dict(s2=dict(pred_score=np.array([0, np.nan, 0, 0, 0], np.float32))),
     [], r'\S*bone\.pkl: sample 2: pred_score holds NaN'),
    (dict(s1=dict(gt_label=9)), [],
     r'\S*bone\.pkl: sample 1: gt_label 9 is outside 0\.\.4'),
    (dict(classes=12), [],
     r'\S*bone\.pkl has 12 classes but \S*joint\.pkl has 5; dumps must '
     r'come from models of the same classes'),
    (dict(s0=dict(gt_label=[])), [],
     r'\S*bone\.pkl: sample 0: gt_label is empty'),
    (dict(s3=dict(pred_score=np.zeros((2, 5), np.float32))), [],
     r'\S*bone\.pkl: sample 3: pred_score has shape \[2, 5\]'),
    (dict(num=3), [], r'\S*bone\.pkl: its labels differ from \S*joint\.pkl'),
    (dict(s0=dict(gt_label=1)), [], r'its labels differ'),
    ('missing', [], r'dump \S*bone\.pkl does not exist'),
]


@pytest.mark.parametrize('bone,extra,message', ENSEMBLE_REFUSALS)
def test_ensemble_refuses(ensemble, dumps, bone, extra, message):
    if bone == 'missing':
        os.remove(dumps / 'bone.pkl')
    elif bone is not None:
        dump(dumps / 'bone.pkl', **bone)
    before = listing(dumps)
    extra = [e.format(d=dumps) for e in extra]
    with pytest.raises(InputError, match=message):
        ensemble.main([str(dumps / 'joint.pkl'), str(dumps / 'bone.pkl'),
                       *extra])
    assert listing(dumps) == before


def test_ensemble_squeezes_a_batch_axis_of_one(ensemble, dumps):
    """A ``[1, K]`` score is read as ``[K]`` (documented decision)."""
    joint = load_predictions(str(dumps / 'joint.pkl'))[0]
    with open(dumps / 'joint.pkl', 'rb') as f:
        items = pickle.load(f)
    save_predictions(str(dumps / 'batched.pkl'), [
        dict(it, pred_score=it['pred_score'][None]) for it in items])
    report = ensemble.main([str(dumps / 'batched.pkl'),
                            str(dumps / 'bone.pkl'), '--out',
                            str(dumps / 'fused.pkl')])
    assert report['num_samples'] == 4
    bone = load_predictions(str(dumps / 'bone.pkl'))[0]
    np.testing.assert_allclose(
        load_predictions(str(dumps / 'fused.pkl'))[0], joint + bone)


# ------------------------------------------------ build_custom_dataset ---

@pytest.fixture(scope='module')
def builder():
    return load_script('tools/data/build_custom_dataset.py')


@pytest.fixture
def video_list(tmp_path):
    (tmp_path / 'a.mp4').write_bytes(b'video')
    (tmp_path / 'labels.txt').write_text('walk\nrun\n')
    (tmp_path / 'v.txt').write_text('a.mp4 walk\n')
    (tmp_path / 'dir').mkdir()
    return tmp_path


# (content of v.txt (None: kept), options with {d}) -> message
BUILDER_REFUSALS = [
    ('a.mp4 0\n"my videos/b.mp4 1\n', [],
     r'\S*v\.txt, line 2: No closing quotation \(every quote must be '
     r'closed'),
    ("a.mp4 0\nb.mp4 1\n'c.mp4 0 val\n", [],
     r'v\.txt, line 3: No closing quotation'),
    ('a.mp4 0 \\', [], r'v\.txt, line 1: No escaped character'),
    (b'a.mp4 0\n\xff\xfe 1\n', [], r'v\.txt: not UTF-8 text'),
    (None, ['--label-map', '{d}/none.txt'],
     r'--label-map \S*none\.txt does not exist'),
    (None, ['--label-map', '{d}/dir'], r'--label-map \S*dir is not a file'),
    ('', [], r'v\.txt: no videos listed'),
    (None, ['--out', '{d}/v.txt'],
     r'output \S*v\.txt would replace the input \S*v\.txt'),
    (None, ['--out', '{d}/a.mp4'], r'output \S*a\.mp4 would replace the '
     r'input'),
    (None, ['--out', '{d}/dir'], r'output \S*dir is a folder'),
]


@pytest.mark.parametrize('content,extra,message', BUILDER_REFUSALS)
def test_build_custom_dataset_refuses(builder, video_list, content, extra,
                                      message, monkeypatch):
    if isinstance(content, bytes):
        (video_list / 'v.txt').write_bytes(content)
    elif content is not None:
        (video_list / 'v.txt').write_text(content)
    if '--label-map' not in extra:
        extra = extra + ['--label-map', str(video_list / 'labels.txt')]
    monkeypatch.setattr(builder, 'build_pose_estimator', None)  # no work
    before = listing(video_list)
    with pytest.raises(InputError, match=message):
        builder.main([str(video_list / 'v.txt'),
                      *[e.format(d=video_list) for e in extra]])
    assert listing(video_list) == before


def test_build_custom_dataset_missing_list_and_bad_options(
        builder, tmp_path, capsys):
    with pytest.raises(InputError,
                       match=r'video_list \S*none\.txt does not exist'):
        builder.main([str(tmp_path / 'none.txt'), '--out',
                      str(tmp_path / 'x.pkl')])
    with pytest.raises(SystemExit) as info:
        builder.main([str(tmp_path / 'none.txt'), '--workers', '-1'])
    assert info.value.code == 2
    assert '--workers non-negative' in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


# ------------------------------------ visualize, report, extract_parsing ---

@pytest.fixture
def ann_file(tmp_path):
    rec = generate_sample(np.random.default_rng(1), 0, num_frames=5,
                          frame_dir='r0')
    save_annotations(str(tmp_path / 'ann.pkl'), [rec])
    (tmp_path / 'file').write_text('x')
    (tmp_path / 'videos').mkdir()
    return tmp_path


@pytest.mark.parametrize('args,message', [
    (['{d}/none.pkl', '--out-dir', '{d}/vis'],
     r'ann_file \S*none\.pkl does not exist'),
    (['{d}/ann.pkl', '--out-dir', '{d}/vis', '--label-map', '{d}/none'],
     r'--label-map \S*none does not exist'),
    (['{d}/ann.pkl', '--out-dir', '{d}/file'],
     r'--out-dir \S*file is a file, not a folder'),
    (['{d}/ann.pkl', '--out-dir', '{d}/vis', '--layout', 'kinect'],
     r"--layout: unknown skeleton layout 'kinect'"),
    (['{d}/ann.pkl', '--out-dir', '{d}/vis', '--records', '3'],
     r"\S*ann\.pkl: no record '3' \(give an index below 1"),
])
def test_visualize_annotations_refuses(ann_file, args, message):
    vis = load_script('tools/visualize_annotations.py')
    before = listing(ann_file)
    with pytest.raises(InputError, match=message):
        vis.main([a.format(d=ann_file) for a in args])
    assert listing(ann_file) == before


@pytest.fixture
def report_files(tmp_path):
    save_predictions(str(tmp_path / 'scores.pkl'), [
        dict(pred_score=np.eye(2, dtype=np.float32)[i % 2], gt_label=i % 2)
        for i in range(4)])
    (tmp_path / 'out').mkdir()
    save_predictions(str(tmp_path / 'out' / 'report.json'), [
        dict(pred_score=np.ones(2, np.float32), gt_label=0)])
    (tmp_path / 'labels.txt').write_text('a\nb\nc\n')
    (tmp_path / 'file').write_text('x')
    return tmp_path


@pytest.mark.parametrize('args,message', [
    (['{d}/none.pkl'], r'dump \S*none\.pkl does not exist'),
    (['{d}/scores.pkl', '--label-map', '{d}/none.txt'],
     r'--label-map \S*none\.txt does not exist'),
    (['{d}/scores.pkl', '--label-map', '{d}/labels.txt'],
     r'names 3 classes, expected 2'),
    (['{d}/scores.pkl', '--out-dir', '{d}/file'],
     r'--out-dir \S*file is a file, not a folder'),
    (['{d}/out/report.json', '--out-dir', '{d}/out'],
     r'output \S*report\.json would replace the input \S*report\.json'),
    (['{d}/file'], r'\S*file: not a readable pickle'),
])
def test_report_refuses(report_files, args, message):
    report = load_script('tools/analysis/report.py')
    before = listing(report_files)
    with pytest.raises(InputError, match=message):
        report.main([a.format(d=report_files) for a in args])
    assert listing(report_files) == before


PARSER = 'mmactx.testing.parsing:build_brightness_parser'


@pytest.mark.parametrize('args,message', [
    (['{d}/none.pkl', '{d}/videos', '{d}/out', '--parser', PARSER],
     r'ann_file \S*none\.pkl does not exist'),
    (['{d}/ann.pkl', '{d}/none', '{d}/out', '--parser', PARSER],
     r'video_dir \S*none is not a folder'),
    (['{d}/ann.pkl', '{d}/videos', '{d}/file', '--parser', PARSER],
     r'out_dir \S*file is a file, not a folder'),
    (['{d}/ann.pkl', '{d}/videos', '{d}/out', '--parser', PARSER,
      '--checkpoint', '{d}/none.pth'],
     r'--checkpoint \S*none\.pth does not exist'),
    (['{d}/ann.pkl', '{d}/videos', '{d}/out', '--parser', 'schp.build'],
     r'--parser must be "package\.module:function", got \'schp\.build\''),
    (['{d}/ann.pkl', '{d}/videos', '{d}/out', '--parser',
      'no_such_package.schp:build'],
     r"--parser no_such_package\.schp:build: no module "
     r"'no_such_package\.schp' can be imported"),
])
def test_extract_parsing_refuses(ann_file, args, message):
    extract = load_script('tools/data/extract_parsing.py')
    before = listing(ann_file)
    with pytest.raises(InputError, match=message):
        extract.main([a.format(d=ann_file) for a in args])
    assert listing(ann_file) == before


def test_extract_parsing_checks_its_options(ann_file, capsys):
    extract = load_script('tools/data/extract_parsing.py')
    base = [str(ann_file / 'ann.pkl'), str(ann_file / 'videos'),
            str(ann_file / 'out'), '--parser', PARSER]
    for extra, message in ((['--video-pattern', 'clip.avi'],
                            '--video-pattern must hold {}'),
                           (['--batch-size', '0'],
                            '--input-size and --batch-size positive')):
        with pytest.raises(SystemExit) as info:
            extract.main(base + extra)
        assert info.value.code == 2
        assert message in capsys.readouterr().err
    assert not (ann_file / 'out').exists()


# -------------------------------------------- from the command line ---

@pytest.mark.parametrize('script,args,message', [
    ('demo/demo_skeleton.py', ['{d}/in.mp4', '{d}/in.mp4', '--checkpoint',
                               '{d}/in.mp4'],
     'would replace the input'),
    ('tools/ensemble.py', ['{d}/scores.pkl', '--out', '{d}/scores.pkl'],
     'would replace the input'),
    ('tools/data/build_custom_dataset.py', ['{d}/v.txt'],
     'v.txt, line 1: No closing quotation'),
    ('tools/visualize_annotations.py', ['{d}/none.pkl', '--out-dir', '{d}'],
     'none.pkl does not exist'),
    ('tools/analysis/report.py', ['{d}/bad.pkl'], 'sample 0: pred_score'),
    ('tools/data/extract_parsing.py', ['{d}/none.pkl', '{d}', '{d}/o',
                                       '--parser', PARSER],
     'none.pkl does not exist'),
])
def test_command_line_refusal_is_one_paragraph_and_exit_2(tmp_path, script,
                                                          args, message):
    (tmp_path / 'in.mp4').write_bytes(b'video')
    (tmp_path / 'v.txt').write_text('"a.mp4 0\n')
    save_predictions(str(tmp_path / 'scores.pkl'), [
        dict(pred_score=np.ones(3, np.float32), gt_label=0)])
    save_predictions(str(tmp_path / 'bad.pkl'), [
        dict(pred_score=np.full(3, np.nan, np.float32), gt_label=0)])
    before = listing(tmp_path)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMACTX_DEBUG', None)
    proc = subprocess.run(
        [sys.executable, script, *[a.format(d=tmp_path) for a in args]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    err = ' '.join(proc.stderr.split())
    assert err.startswith(f'{osp.basename(script)}: error: '), err
    assert message in err and 'Traceback' not in err
    assert listing(tmp_path) == before
    if script == 'tools/ensemble.py':  # --debug shows where it was raised
        debug = subprocess.run(
            [sys.executable, script, *[a.format(d=tmp_path) for a in args],
             '--debug'], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300)
        assert debug.returncode == 1 and 'Traceback' in debug.stderr
        assert 'InputError' in debug.stderr
