"""The dataset conversion commands end to end: outputs, splits, reports,
resuming a killed run, the summary, and a training step on the outputs."""
import json
import os
import os.path as osp
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from mmactx.datasets import PoseDataset, load_annotations, safe_load_pickle
from mmactx.datasets.synthetic import generate_sample
from mmactx.testing import kinect_rows, write_ntu_sample
from mmactx.utils.cli import InputError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))

import convert_kinetics_skeleton  # noqa: E402
import convert_ntu  # noqa: E402
import convert_nwucla  # noqa: E402
import summarize_annotations  # noqa: E402


def ntu_file(folder, name, seed, frames=40, persons=None):
    rng = np.random.default_rng(seed)
    rec = generate_sample(rng, seed % 12, 'ntu3d', num_frames=frames,
                          num_persons=persons)
    bodies = [(f'72057594037{seed:04d}{m}', 0, kinect_rows(kp))
              for m, kp in enumerate(rec['keypoint'])]
    return write_ntu_sample(str(folder), name, bodies, frames)


@pytest.fixture(scope='module')
def ntu_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('nturgbd_skeletons')
    names = [f'S{s:03d}C{c:03d}P{p:03d}R001A{a:03d}'
             for s, c, p, a in [(1, 1, 1, 1), (1, 2, 3, 2), (2, 3, 2, 3),
                                (3, 1, 4, 4), (4, 2, 8, 5), (5, 3, 9, 6)]]
    for i, name in enumerate(names):
        ntu_file(folder, name, i, persons=1 + i % 2)
    (folder / 'S001C001P001R002A001.skeleton').write_text('5\n1\n')
    (folder / 'S001C001P001R003A001.skeleton').write_text('2\n0\n0\n')
    (folder / 'S001C001P001R004A001.skeleton').write_text('2\n0\n0\n')
    (folder / 'notes.txt').write_text('not a skeleton')
    return folder


def test_convert_ntu60(ntu_dir, tmp_path, capsys):
    ignore = tmp_path / 'missing.txt'
    ignore.write_text('# official list\nS001C001P001R004A001\n')
    out = tmp_path / 'out'
    convert_ntu.main([str(ntu_dir), '--out-dir', str(out), '--workers', '2',
                      '--ignore-list', str(ignore)])
    printed = capsys.readouterr().out
    assert '--dataset auto: ntu60 (9 files)' in printed
    assert 'converted 6 files, skipped 3' in printed
    assert sorted(os.listdir(out)) == ['ntu60_2d.pkl', 'ntu60_3d.pkl',
                                       'ntu60_report.txt']
    report = (out / 'ntu60_report.txt').read_text().split('\n')
    assert report[1:6] == ['converted: 6', 'skipped: 3', '  ignore_list: 1',
                           '  no_skeleton: 1', '  truncated: 1']
    assert 'S001C001P001R002A001.skeleton\ttruncated\tthe file ends in ' \
        'frame 1 of 5' in report

    data = safe_load_pickle(str(out / 'ntu60_3d.pkl'))
    assert data['split'] == {
        'xsub_train': ['S001C001P001R001A001', 'S002C003P002R001A003',
                       'S003C001P004R001A004', 'S004C002P008R001A005',
                       'S005C003P009R001A006'],
        'xsub_val': ['S001C002P003R001A002'],
        'xview_train': ['S001C002P003R001A002', 'S002C003P002R001A003',
                        'S004C002P008R001A005', 'S005C003P009R001A006'],
        'xview_val': ['S001C001P001R001A001', 'S003C001P004R001A004']}
    labels = [r['label'] for r in data['annotations']]
    assert labels == [0, 1, 2, 3, 4, 5]
    assert [r['keypoint'].shape[0] for r in data['annotations']] == \
        [1, 2, 1, 2, 1, 2]
    two_d = load_annotations(str(out / 'ntu60_2d.pkl'), 'xsub_train',
                             num_classes=60, num_keypoints=17)
    assert len(two_d) == 5 and two_d[0]['img_shape'] == (1080, 1920)


def test_convert_ntu120_and_ntu60_subset(ntu_dir, tmp_path, capsys):
    folder = tmp_path / 'raw'
    shutil.copytree(ntu_dir, folder)
    ntu_file(folder, 'S018C001P050R001A061', 7)
    out = tmp_path / 'out'
    convert_ntu.main([str(folder), '--out-dir', str(out), '--workers', '0',
                      '--layout-2d', 'ntu'])
    assert '--dataset auto: ntu120' in capsys.readouterr().out
    data = safe_load_pickle(str(out / 'ntu120_2d.pkl'))
    assert set(data['split']) == {'xsub_train', 'xsub_val', 'xset_train',
                                  'xset_val'}
    assert 'S018C001P050R001A061' in data['split']['xset_train']
    assert data['annotations'][0]['keypoint'].shape[2] == 25

    convert_ntu.main([str(folder), '--out-dir', str(out), '--dataset',
                      'ntu60', '--workers', '0'])
    report = (out / 'ntu60_report.txt').read_text()
    assert 'S018C001P050R001A061.skeleton\tnot_in_ntu60' in report


def test_convert_ntu_with_depth(ntu_dir, tmp_path, capsys):
    """--with-depth adds keypoint_depth to the 2D file; the parts of a run
    without it are not re-used (the option is in the fingerprint)."""
    out = tmp_path / 'out'
    args = [str(ntu_dir), '--out-dir', str(out), '--workers', '0',
            '--layout-2d', 'ntu', '--keep-parts']
    convert_ntu.main(args)
    plain = safe_load_pickle(str(out / 'ntu60_2d.pkl'))['annotations']
    assert all('keypoint_depth' not in r for r in plain)
    capsys.readouterr()
    convert_ntu.main(args + ['--with-depth'])
    assert 'starting over' in capsys.readouterr().out
    two_d = load_annotations(str(out / 'ntu60_2d.pkl'), 'xsub_train',
                             num_classes=60, num_keypoints=25)
    assert len(two_d) == 5
    for rec in two_d:
        depth = rec['keypoint_depth']
        assert depth.dtype == np.float32
        assert depth.shape == rec['keypoint'].shape[:3]
        assert ((depth > 0) == (rec['keypoint_score'] > 0)).all()
    three_d = safe_load_pickle(str(out / 'ntu60_3d.pkl'))['annotations']
    assert all('keypoint_depth' not in r for r in three_d)


def test_convert_ntu_with_nothing_usable(tmp_path):
    (tmp_path / 'S001C001P001R001A001.skeleton').write_text('1\n0\n')
    with pytest.raises(InputError, match='none of the 1 files'):
        convert_ntu.main([str(tmp_path), '--out-dir', str(tmp_path / 'o')])
    assert os.listdir(tmp_path / 'o') == ['ntu60_report.txt']
    with pytest.raises(InputError, match='no .skeleton files'):
        convert_ntu.main([str(tmp_path / 'o')])


@pytest.mark.slow
def test_killed_ntu_conversion_resumes(tmp_path):
    """kill -9 in the middle, restart: finished chunks are not redone and the
    outputs equal those of an uninterrupted run."""
    raw = tmp_path / 'raw'
    raw.mkdir()
    src = ntu_file(raw, 'S001C001P001R001A001', 0, frames=100, persons=2)
    for i in range(1, 384):  # 6 chunks of 64 files
        shutil.copy(src, raw / f'S001C{1 + i % 3:03d}P{1 + i % 40:03d}'
                    f'R{i // 120 + 1:03d}A{1 + i % 60:03d}.skeleton')
    cmd = [sys.executable, 'tools/data/convert_ntu.py', str(raw),
           '--workers', '1', '--out-dir']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    parts = tmp_path / 'out' / 'ntu60_report.parts'
    proc = subprocess.Popen(cmd + [str(tmp_path / 'out')], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if parts.is_dir() and len(list(parts.glob('chunk_*.pkl'))) >= 2:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(parts.glob('chunk_*.pkl')))
    assert 2 <= done < 6, 'the run was not interrupted in the middle'
    assert not (tmp_path / 'out' / 'ntu60_3d.pkl').exists()

    resumed = subprocess.run(cmd + [str(tmp_path / 'out')], cwd=ROOT,
                             env=env, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f'resuming: {64 * done} of 384 files' in resumed.stdout
    assert not parts.exists()
    clean = subprocess.run(cmd + [str(tmp_path / 'clean')], cwd=ROOT,
                           env=env, capture_output=True, timeout=300)
    assert clean.returncode == 0
    for key in ('3d', '2d'):
        a = safe_load_pickle(str(tmp_path / 'out' / f'ntu60_{key}.pkl'))
        b = safe_load_pickle(str(tmp_path / 'clean' / f'ntu60_{key}.pkl'))
        assert a['split'] == b['split'] and len(a['annotations']) == 384
        for ra, rb in zip(a['annotations'], b['annotations']):
            assert ra['frame_dir'] == rb['frame_dir']
            np.testing.assert_array_equal(ra['keypoint'], rb['keypoint'])


def test_convert_nwucla(tmp_path, capsys):
    folder = tmp_path / 'all_sqe'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, label in [('a01_s01_e00_v01', 1), ('a12_s02_e01_v02', 10),
                        ('a09_s03_e00_v03', 8), ('a02_s01_e00_v03', 3)]:
        skel = rng.normal(0, 0.3, (int(rng.integers(5, 30)), 20, 3))
        (folder / f'{name}.json').write_text(json.dumps(
            dict(file_name=name, skeletons=skel.tolist(), label=label)))
    out = str(tmp_path / 'nwucla.pkl')
    convert_nwucla.main([str(folder), '--out', out])
    assert 'converted 3 files, skipped 1' in capsys.readouterr().out
    data = safe_load_pickle(out)
    assert data['split'] == dict(xview_train=['a01_s01_e00_v01',
                                              'a12_s02_e01_v02'],
                                 xview_val=['a09_s03_e00_v03'])
    # sorted by name: a01, a09, a12
    assert [r['label'] for r in data['annotations']] == [0, 7, 9]
    report = (tmp_path / 'nwucla_report.txt').read_text()
    assert 'a02_s01_e00_v03.json\tlabel_mismatch' in report


def test_convert_kinetics_release(tmp_path, capsys):
    rng = np.random.default_rng(0)
    labels = {}
    for split, vids in (('train', ['t1', 't2', 't3']), ('val', ['v1'])):
        folder = tmp_path / f'kinetics_{split}'
        folder.mkdir()
        for i, vid in enumerate(vids):
            frames = [dict(frame_index=t + 1, skeleton=[dict(
                pose=rng.uniform(0, 1, 36).tolist(),
                score=rng.uniform(0.2, 1, 18).tolist())]) for t in range(6)]
            (folder / f'{vid}.json').write_text(json.dumps(
                dict(data=frames, label='x', label_index=i)))
            labels.setdefault(split, {})[vid] = dict(
                has_skeleton=vid != 't3', label='x', label_index=i)
        (tmp_path / f'kinetics_{split}_label.json').write_text(
            json.dumps(labels[split]))
    out = str(tmp_path / 'k.pkl')
    convert_kinetics_skeleton.main([str(tmp_path), '--out', out,
                                    '--workers', '0'])
    assert 'converted 3 files, skipped 1\n  no_skeleton: 1' in \
        capsys.readouterr().out
    data = safe_load_pickle(out)
    assert data['split'] == dict(train=['t1', 't2'], val=['v1'])
    rec = data['annotations'][0]
    assert rec['keypoint'].shape == (1, 6, 17, 2)
    assert rec['img_shape'] == (256, 340)


def test_summary_numbers(tmp_path, capsys):
    from mmactx.datasets import save_annotations
    kp = np.ones((2, 4, 17, 2), np.float32)
    score = np.ones((2, 4, 17), np.float32)
    kp[1, 2:] = 0  # person 2 absent in frames 2-3
    score[0, :, :2] = 0  # 2 missing joints of person 1 in each frame
    score[1, 2:] = 0
    recs = [dict(frame_dir='a', label=0, total_frames=4, keypoint=kp,
                 keypoint_score=score, img_shape=(10, 10)),
            dict(frame_dir='b', label=2, total_frames=2, keypoint=kp[:1, :2],
                 keypoint_score=np.ones((1, 2, 17)), img_shape=(10, 10))]
    path = str(tmp_path / 'x.pkl')
    save_annotations(path, recs, dict(train=['a'], val=['b']))
    (tmp_path / 'labels.txt').write_text('wave\nclap\nsquat\n')
    summarize_annotations.main([path, '--label-map',
                                str(tmp_path / 'labels.txt'), '--json'])
    s = json.loads(capsys.readouterr().out)
    assert s['samples'] == 2 and s['splits'] == dict(train=1, val=1)
    assert s['classes'] == dict(wave=1, squat=1)
    assert s['frames'] == dict(min=2, median=3, mean=3, max=4)
    assert s['person_count'] == {'1': 1, '2': 1}
    # present person-frames: 4 + 2 (a) + 2 (b) = 8 of 10; missing joints:
    # 2 per frame of person 1 in a (8) of 8 * 17
    assert s['empty_person_frame_share'] == pytest.approx(0.2)
    assert s['missing_joint_share'] == pytest.approx(8 / (8 * 17))
    summarize_annotations.main([path])
    text = capsys.readouterr().out
    assert 'missing joints (of persons present in a frame): 5.88%' in text


def train_step(dataset_cfg, model_cfg):
    """One optimisation step on two samples of the dataset."""
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper

    from mmactx.registry import DATASETS, MODELS
    dataset = DATASETS.build(dataset_cfg)
    model = MODELS.build(model_cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss'])
    return dataset


@pytest.mark.slow
def test_ntu_outputs_train(ntu_dir, tmp_path):
    from mmengine.config import Config
    out = tmp_path / 'out'
    convert_ntu.main([str(ntu_dir), '--out-dir', str(out), '--workers', '0'])

    cfg = Config.fromfile(osp.join(ROOT, 'configs/posec3d/synthetic_joint.py'))
    dataset = dict(cfg.train_dataloader.dataset.dataset,
                   ann_file=str(out / 'ntu60_2d.pkl'), split='xsub_train',
                   num_classes=60)
    model = dict(cfg.model)
    model['cls_head'] = dict(model['cls_head'], num_classes=60)
    assert isinstance(train_step(dataset, model), PoseDataset)

    # the 3D file feeds skeleton GCNs (mmaction2's ST-GCN here)
    gcn_pipeline = [
        dict(type='mmaction.PreNormalize3D'),
        dict(type='mmaction.GenSkeFeat', dataset='nturgb+d', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=20),
        dict(type='PoseDecode'),
        dict(type='mmaction.FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    gcn = dict(
        type='RecognizerGCN',
        backbone=dict(type='STGCN', graph_cfg=dict(layout='nturgb+d',
                                                   mode='stgcn_spatial'),
                      base_channels=16),
        cls_head=dict(type='GCNHead', num_classes=60, in_channels=64))
    train_step(dict(type='PoseDataset', ann_file=str(out / 'ntu60_3d.pkl'),
                    split='xview_train', pipeline=gcn_pipeline,
                    num_classes=60), gcn)


# ------------------------------------------------------ bad raw inputs
def one_line(text):
    """A wrapped paragraph of stderr as one line (run_cli's textwrap also
    breaks paths after a hyphen)."""
    return ' '.join(re.sub(r'-\n\s+', '-', text).split())


def cli(main, argv, capsys):
    """Run a tool's main as its ``__main__`` block does; return the exit
    code and stderr as one line."""
    from mmactx.utils.cli import run_cli
    try:
        code = run_cli(main, argv, prog='tool.py')
    except SystemExit as e:
        code = e.code
    return code, one_line(capsys.readouterr().err)


def test_ntu_stray_and_broken_files_are_skipped_not_decisive(
        ntu_dir, tmp_path, capsys):
    folder = tmp_path / 'raw'
    shutil.copytree(ntu_dir, folder)
    # a stray file with an action outside NTU120 used to flip auto to ntu120
    # and be written with label 998
    ntu_file(folder, 'S001C001P001R001A999', 8)
    good = ntu_file(folder, 'S001C002P002R002A007', 9)
    with open(good) as f:
        text = f.read()
    (folder / 'S001C002P002R002A008.skeleton').write_text(text + '1\nxyz\n')
    out = tmp_path / 'out'
    convert_ntu.main([str(folder), '--out-dir', str(out), '--workers', '0'])
    printed = capsys.readouterr().out
    assert '--dataset auto: ntu60 (12 files)' in printed
    report = (out / 'ntu60_report.txt').read_text()
    assert ("S001C001P001R001A999.skeleton\tbad_name\t'S001C001P001R001A999"
            ".skeleton': action 999 is outside the actions 1..120") in report
    assert 'S001C002P002R002A008.skeleton\ttrailing_data\tline ' in report
    data = safe_load_pickle(str(out / 'ntu60_3d.pkl'))
    labels = [r['label'] for r in data['annotations']]
    assert max(labels) < 60 and len(labels) == 7


def test_ntu_resume_converts_a_fixed_input_again(ntu_dir, tmp_path, capsys):
    folder = tmp_path / 'raw'
    shutil.copytree(ntu_dir, folder)
    out = tmp_path / 'out'
    args = [str(folder), '--out-dir', str(out), '--workers', '0',
            '--keep-parts']
    convert_ntu.main(args)
    assert 'converted 6 files, skipped 3' in capsys.readouterr().out
    # the same inputs: the kept parts are reused
    convert_ntu.main(args)
    assert 'resuming: 9 of 9 files' in capsys.readouterr().out
    # the truncated file is fixed (same name): it is converted this time
    shutil.copy(folder / 'S001C001P001R001A001.skeleton',
                folder / 'S001C001P001R002A001.skeleton')
    convert_ntu.main(args)
    printed = capsys.readouterr().out
    assert 'starting over' in printed and 'resuming' not in printed
    assert 'converted 7 files, skipped 2' in printed
    report = (out / 'ntu60_report.txt').read_text()
    assert 'S001C001P001R002A001.skeleton\ttruncated' not in report


def kinetics_release(root, videos, pose_scale=None):
    """``{split: {video: label_index}}`` -> the release's folders and label
    files."""
    rng = np.random.default_rng(0)
    for split, labels in videos.items():
        folder = root / f'kinetics_{split}'
        folder.mkdir(parents=True)
        for vid, label in labels.items():
            frames = [dict(frame_index=t + 1, skeleton=[dict(
                pose=(rng.uniform(0, 1, 36) *
                      (pose_scale or {}).get(vid, 1)).tolist(),
                score=rng.uniform(0.2, 1, 18).tolist())]) for t in range(4)]
            (folder / f'{vid}.json').write_text(json.dumps(
                dict(data=frames, label='x', label_index=label)))
        (root / f'kinetics_{split}_label.json').write_text(json.dumps({
            vid: dict(has_skeleton=True, label='x', label_index=label)
            for vid, label in labels.items()}))


def test_kinetics_duplicates_labels_and_pixels(tmp_path, capsys):
    kinetics_release(tmp_path, dict(
        train=dict(t1=0, both=1, big=2, px=3),
        val=dict(v1=0, both=1)), pose_scale=dict(px=340.0))
    label_file = tmp_path / 'kinetics_train_label.json'
    labels = json.loads(label_file.read_text())
    labels['big']['label_index'] = 5000
    label_file.write_text(json.dumps(labels))
    out = str(tmp_path / 'k.pkl')
    convert_kinetics_skeleton.main([str(tmp_path), '--out', out,
                                    '--workers', '0'])
    assert 'converted 3 files, skipped 3' in capsys.readouterr().out
    data = safe_load_pickle(out)
    # the video in train and val is kept once, in train
    assert data['split'] == dict(train=['both', 't1'], val=['v1'])
    assert all(np.isfinite(r['keypoint']).all()
               for r in data['annotations'])
    report = (tmp_path / 'k_report.txt').read_text()
    assert "big.json\tbad_label\tlabel_index 5000 is outside 0..399" in report
    assert 'px.json\tnot_normalised\tframe_index 1: coordinate' in report
    assert ("both.json\tduplicate\tframe_dir 'both' came before, from "
            "kinetics_train/both.json; this copy from kinetics_val/both.json"
            " is left out") in report


def test_nwucla_other_views_and_absurd_coordinates(tmp_path, capsys):
    folder = tmp_path / 'all_sqe'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ('a01_s01_e00_v01', 'a02_s01_e00_v03', 'a03_s01_e00_v04',
                 'a04_s01_e00_v02'):
        skel = rng.normal(0, 0.3, (6, 20, 3))
        if name.endswith('v02'):
            skel[3, 2, 0] = 1e30
        (folder / f'{name}.json').write_text(json.dumps(
            dict(skeletons=skel.tolist())))
    out = str(tmp_path / 'u.pkl')
    convert_nwucla.main([str(folder), '--out', out])
    assert 'converted 2 files, skipped 2' in capsys.readouterr().out
    assert safe_load_pickle(out)['split'] == dict(
        xview_train=['a01_s01_e00_v01'], xview_val=['a02_s01_e00_v03'])
    report = (tmp_path / 'u_report.txt').read_text()
    assert 'a03_s01_e00_v04.json\tbad_name\t' in report
    assert ('a04_s01_e00_v02.json\tabsurd_coordinates\tframe 3, joint 2: '
            'coordinate 1e+30 m is beyond 100 m') in report


def test_bad_command_inputs_exit_2_with_one_paragraph(
        ntu_dir, tmp_path, capsys):
    bad_labels = tmp_path / 'k'
    kinetics_release(bad_labels, dict(train=dict(t1=0)))
    (bad_labels / 'kinetics_train_label.json').write_text('{"t1": ')
    nan = tmp_path / 'nan.pkl'
    kp = np.zeros((1, 2, 17, 2), np.float32)
    kp[0, 1, 3, 0] = np.nan
    nan.write_bytes(pickle.dumps([dict(
        frame_dir='a', label=0, keypoint=kp, keypoint_score=np.ones(
            (1, 2, 17)), img_shape=(10, 10))]))
    cases = [
        (convert_ntu.main, [str(ntu_dir), '--out-dir', str(tmp_path / 'o'),
                            '--ignore-list', str(tmp_path / 'none.txt')],
         r'ignore list \S*none.txt does not exist'),
        (convert_kinetics_skeleton.main, [str(bad_labels), '--out',
                                          str(tmp_path / 'k.pkl')],
         r'kinetics_train_label.json: not a readable json label file'),
        (summarize_annotations.main, [str(nan)],
         r"nan.pkl: record 0 \(frame_dir='a'\): field 'keypoint': nan at "
         r'person 0, frame 1, joint 3'),
        (summarize_annotations.main, [str(nan), '--label-map',
                                      str(tmp_path / 'l.txt')],
         r'label map \S*l.txt does not exist'),
    ]
    for main, argv, message in cases:
        code, err = cli(main, argv, capsys)
        assert code == 2, (argv, err)
        assert err.startswith('tool.py: error: ') and 'Traceback' not in err
        assert re.search(message, err), err


def test_generate_synthetic_refuses_one_file_for_two_outputs(tmp_path):
    out = str(tmp_path / 'syn.pkl')
    proc = subprocess.run(
        [sys.executable, 'tools/data/generate_synthetic.py', out,
         '--label-map', out, '--train-per-class', '1', '--val-per-class',
         '0'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert f'output {out} would replace the output {out}' in one_line(
        proc.stderr)
    assert not os.path.exists(out)


def test_killed_final_write_leaves_a_temporary_the_next_run_removes(
        ntu_dir, tmp_path):
    """SIGKILL while the output is half written: the hidden temporary is
    beside the output, and the next run (of any converter writing it)
    removes it."""
    out = tmp_path / 'out'
    script = (
        'import os, signal, sys\n'
        'from mmactx.datasets import annotation_io\n'
        'from mmactx.utils import fileio\n'
        'def dump(obj, path):\n'
        '    with fileio.atomic_open(path) as f:\n'
        '        f.write(b"half a pickle" * 100000)\n'
        '        f.flush()\n'
        '        os.kill(os.getpid(), signal.SIGKILL)\n'
        'annotation_io.atomic_pickle_dump = dump\n'
        'sys.path.insert(0, "tools/data")\n'
        'import convert_ntu\n'
        f'convert_ntu.main([{str(ntu_dir)!r}, "--out-dir", {str(out)!r},'
        ' "--workers", "0"])\n')
    proc = subprocess.run([sys.executable, '-c', script], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    left = [n for n in os.listdir(out) if n.endswith('.tmp')]
    assert len(left) == 1 and left[0].startswith('.ntu60_3d.pkl.')
    assert os.path.getsize(out / left[0]) == 1300000
    assert not (out / 'ntu60_3d.pkl').exists()

    convert_ntu.main([str(ntu_dir), '--out-dir', str(out), '--workers', '0'])
    assert sorted(os.listdir(out)) == ['ntu60_2d.pkl', 'ntu60_3d.pkl',
                                       'ntu60_report.txt']
