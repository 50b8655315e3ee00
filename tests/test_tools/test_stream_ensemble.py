"""tools/ensemble.py and tools/analysis/report.py on ``FILE:STREAM``: the
streams of a dump that ``DumpPredictions`` wrote from the output of
mmaction2's RGBPose-Conv3D head."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from mmactx.evaluation import (DumpPredictions, accuracy_report, class_report,
                               load_predictions, save_predictions)
from mmactx.testing import load_script
from mmactx.utils import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
NUM_CLASSES, NUM_SAMPLES = 4, 12


@pytest.fixture(scope='module')
def ensemble():
    return load_script('tools/ensemble.py')


@pytest.fixture(scope='module')
def report_tool():
    return load_script('tools/analysis/report.py')


@pytest.fixture
def files(tmp_path):
    """``rgbpose.pkl``: the dump of mmaction2's ``RGBPoseHead.predict`` on
    random features (3 clips a sample) through mmengine's evaluator, as
    ``test.py --dump`` writes it; ``joint.pkl``: a single-stream dump of
    the same samples."""
    # mmaction.models imports once mmactx has stood in for its missing DRN
    from mmaction.models.heads import RGBPoseHead
    torch.manual_seed(0)
    head = RGBPoseHead(NUM_CLASSES, (6, 3), init_std=2.0,
                       average_clips='prob')
    head.init_weights()
    head.eval()
    feats = (torch.randn(NUM_SAMPLES * 3, 6, 2, 2, 2),
             torch.randn(NUM_SAMPLES * 3, 3, 2, 2, 2))
    samples = [ActionDataSample().set_gt_label(i % NUM_CLASSES)
               for i in range(NUM_SAMPLES)]
    with torch.no_grad():
        samples = head.predict(feats, samples)
    evaluator = Evaluator([DumpPredictions(str(tmp_path / 'rgbpose.pkl'))])
    evaluator.process(samples)
    evaluator.evaluate(NUM_SAMPLES)
    rng = np.random.default_rng(0)
    save_predictions(str(tmp_path / 'joint.pkl'), [
        dict(pred_score=rng.random(NUM_CLASSES).astype(np.float32),
             gt_label=i % NUM_CLASSES) for i in range(NUM_SAMPLES)])
    streams = {
        name: np.stack([s.pred_score[name].numpy() for s in samples])
        for name in ('rgb', 'pose')
    }
    return tmp_path, streams


def test_ensemble_of_two_streams_of_one_dump(ensemble, files):
    d, streams = files
    report = ensemble.main([f'{d}/rgbpose.pkl:rgb', f'{d}/rgbpose.pkl:pose',
                            '--weights', '2', '1', '--out',
                            f'{d}/fused.pkl'])
    by_hand = 2 * streams['rgb'].astype(np.float64) + streams['pose']
    fused, labels = load_predictions(str(d / 'fused.pkl'))
    np.testing.assert_allclose(fused, by_hand, rtol=1e-6)
    assert labels.tolist() == [i % NUM_CLASSES for i in range(NUM_SAMPLES)]
    assert report['fused'] == accuracy_report(by_hand, labels)
    assert [(s['dump'], s['weight']) for s in report['streams']] == [
        (f'{d}/rgbpose.pkl:rgb', 2.0), (f'{d}/rgbpose.pkl:pose', 1.0)]
    assert report['streams'][1]['top1'] == accuracy_report(
        streams['pose'], labels)['top1']


def test_a_stream_fuses_with_a_single_stream_dump(ensemble, files):
    d, streams = files
    joint = load_predictions(str(d / 'joint.pkl'))[0]
    ensemble.main([f'{d}/joint.pkl', f'{d}/rgbpose.pkl:pose', '--out',
                   f'{d}/fused.pkl'])
    np.testing.assert_allclose(load_predictions(str(d / 'fused.pkl'))[0],
                               joint + streams['pose'], rtol=1e-6)


def test_a_dump_whose_name_holds_a_colon(ensemble, files):
    d, streams = files
    os.rename(d / 'rgbpose.pkl', d / 'run:2.pkl')
    report = ensemble.main([f'{d}/run:2.pkl:pose', f'{d}/joint.pkl',
                            '--json'])
    assert report['streams'][0]['dump'] == f'{d}/run:2.pkl:pose'
    os.rename(d / 'joint.pkl', d / 'joint.pkl:rgb')  # a file, no stream
    report = ensemble.main([f'{d}/joint.pkl:rgb', f'{d}/run:2.pkl:rgb'])
    assert report['num_samples'] == NUM_SAMPLES


# args -> message
ENSEMBLE_REFUSALS = [
    (['{d}/rgbpose.pkl', '{d}/joint.pkl'],
     r'\S*rgbpose\.pkl holds the scores of the streams rgb, pose and no '
     r'fused score; select one as \S*rgbpose\.pkl:rgb \(tools/ensemble\.py '
     r'fuses \S*rgbpose\.pkl:rgb \S*rgbpose\.pkl:pose\)'),
    (['{d}/rgbpose.pkl:depth', '{d}/joint.pkl'],
     r"\S*rgbpose\.pkl has no stream 'depth'; its streams are rgb, pose"),
    (['{d}/joint.pkl:rgb', '{d}/rgbpose.pkl:rgb'],
     r"\S*joint\.pkl is a single-stream dump \(no pred_scores\), so it has "
     r"no stream 'rgb'"),
    (['{d}/none.pkl:rgb', '{d}/rgbpose.pkl:rgb'],
     r'dump \S*none\.pkl:rgb does not exist'),
    (['{d}/rgbpose.pkl:rgb', '{d}/rgbpose.pkl:pose', '--out',
      '{d}/rgbpose.pkl'],
     r'output \S*rgbpose\.pkl would replace the input \S*rgbpose\.pkl'),
    (['{d}/rgbpose.pkl:rgb', '{d}/short.pkl:pose'],
     r'\S*short\.pkl:pose: its labels differ from \S*rgbpose\.pkl:rgb'),
    (['{d}/rgbpose.pkl:rgb', '{d}/nan.pkl:pose'],
     r"\S*nan\.pkl: sample 1: pred_scores\['pose'\] holds NaN"),
]


@pytest.mark.parametrize('args,message', ENSEMBLE_REFUSALS)
def test_ensemble_refuses(ensemble, files, args, message):
    d, streams = files
    save_predictions(str(d / 'short.pkl'), [
        dict(pred_scores=dict(pose=s), gt_label=i % NUM_CLASSES)
        for i, s in enumerate(streams['pose'][:-1])])
    pose = streams['pose'].copy()
    pose[1, 0] = np.nan
    save_predictions(str(d / 'nan.pkl'), [
        dict(pred_scores=dict(pose=s), gt_label=i % NUM_CLASSES)
        for i, s in enumerate(pose)])
    before = sorted(os.listdir(d))
    with pytest.raises(InputError, match=message):
        ensemble.main([a.format(d=d) for a in args])
    assert sorted(os.listdir(d)) == before


def test_report_on_one_stream(report_tool, files):
    d, streams = files
    report = report_tool.main([f'{d}/rgbpose.pkl:pose'])
    labels = np.arange(NUM_SAMPLES) % NUM_CLASSES
    names = [str(i) for i in range(NUM_CLASSES)]
    expected = class_report(streams['pose'], labels, names)
    assert report['confusion'] == expected['confusion']
    assert report['overall'] == accuracy_report(streams['pose'], labels)
    assert report['dump'] == f'{d}/rgbpose.pkl:pose'
    # the default folder is named after the stream, beside the dump
    assert sorted(os.listdir(d / 'rgbpose_pose_report')) == sorted(
        report_tool.OUTPUTS)


@pytest.mark.parametrize('arg,message', [
    ('{d}/rgbpose.pkl', r'holds the scores of the streams rgb, pose and no '
     r'fused score'),
    ('{d}/rgbpose.pkl:depth', r"has no stream 'depth'; its streams are "
     r'rgb, pose'),
    ('{d}/joint.pkl:pose', r"single-stream dump \(no pred_scores\), so it "
     r"has no stream 'pose'"),
])
def test_report_refuses(report_tool, files, arg, message):
    d, _ = files
    before = sorted(os.listdir(d))
    with pytest.raises(InputError, match=message):
        report_tool.main([arg.format(d=d)])
    assert sorted(os.listdir(d)) == before


def test_command_line_refusal_of_an_unknown_stream(files):
    d, _ = files
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMACTX_DEBUG', None)
    proc = subprocess.run(
        [sys.executable, 'tools/ensemble.py', f'{d}/rgbpose.pkl:depth',
         f'{d}/rgbpose.pkl:rgb'], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    err = ' '.join(proc.stderr.split())
    assert err.startswith('ensemble.py: error: '), err
    assert "has no stream 'depth'; its streams are rgb, pose" in err
    assert 'Traceback' not in err
