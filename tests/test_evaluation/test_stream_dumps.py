"""Dumps of multi-stream models (mmaction2's RGBPose-Conv3D): what
``DumpPredictions`` writes for a dict of scores, how a stream is read back,
and the refusals, per stream, of :func:`load_predictions`."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from mmactx.datasets.annotation_io import safe_load_pickle
from mmactx.evaluation import (DumpPredictions, dump_streams, load_predictions,
                               save_predictions, split_dump_arg)
from mmactx.utils import InputError

NUM_CLASSES, NUM_SAMPLES, NUM_CLIPS = 5, 6, 2


def rgbpose_outputs(seed=0):
    """Data samples as mmaction2's ``MMRecognizer3D`` returns them in test
    mode (its ``RGBPoseHead.predict`` on random features of 2 clips per
    sample), and the per-stream scores computed by hand."""
    # mmaction.models imports once mmactx has stood in for its missing DRN
    from mmaction.models.heads import RGBPoseHead
    torch.manual_seed(seed)
    head = RGBPoseHead(NUM_CLASSES, (8, 4), init_std=1.0,
                       average_clips='prob')
    head.init_weights()
    head.eval()
    feats = (torch.randn(NUM_SAMPLES * NUM_CLIPS, 8, 2, 3, 3),
             torch.randn(NUM_SAMPLES * NUM_CLIPS, 4, 4, 3, 3))
    samples = [ActionDataSample().set_gt_label(i % NUM_CLASSES)
               for i in range(NUM_SAMPLES)]
    with torch.no_grad():
        samples = head.predict(feats, samples)
        expected = {}
        for name, x, fc in (('rgb', feats[0], head.fc_rgb),
                            ('pose', feats[1], head.fc_pose)):
            logits = fc(x.mean(dim=(2, 3, 4)))
            expected[name] = F.softmax(
                logits.view(NUM_SAMPLES, NUM_CLIPS, -1), dim=2).mean(1)
    return samples, {k: v.numpy() for k, v in expected.items()}


def run_dump(path, samples):
    """Feed the samples through mmengine's evaluator, as ``test.py --dump``
    does."""
    evaluator = Evaluator([DumpPredictions(str(path))])
    evaluator.process(samples)
    evaluator.evaluate(len(samples))
    return str(path)


def test_rgbpose_head_output_is_dumped_per_stream(tmp_path):
    samples, expected = rgbpose_outputs()
    assert isinstance(samples[0].pred_score, dict)  # what upstream gives
    path = run_dump(tmp_path / 'rgbpose.pkl', samples)
    records = safe_load_pickle(path)  # the restricted unpickler reads it
    assert [sorted(r) for r in records] == [['gt_label', 'pred_scores']
                                            ] * NUM_SAMPLES
    assert list(records[0]['pred_scores']) == ['rgb', 'pose']
    assert records[0]['pred_scores']['rgb'].dtype == np.float32
    assert [r['gt_label'] for r in records] == [0, 1, 2, 3, 4, 0]
    assert dump_streams(path) == ['rgb', 'pose']
    for name in ('rgb', 'pose'):
        scores, labels = load_predictions(path, name)
        assert scores.shape == (NUM_SAMPLES, NUM_CLASSES)
        np.testing.assert_allclose(scores, expected[name], rtol=1e-5)
        assert labels.tolist() == [0, 1, 2, 3, 4, 0]
    assert not np.allclose(expected['rgb'], expected['pose'])


def test_a_bare_multi_stream_dump_without_fused_score_is_refused(tmp_path):
    path = run_dump(tmp_path / 'rgbpose.pkl', rgbpose_outputs()[0])
    with pytest.raises(InputError, match=(
            r'rgbpose\.pkl holds the scores of the streams rgb, pose and '
            r'no fused score; select one as \S*rgbpose\.pkl:rgb')):
        load_predictions(path)


def test_a_fused_score_of_the_model_is_the_bare_dump(tmp_path):
    samples, expected = rgbpose_outputs()
    fused = 2 * expected['rgb'] + expected['pose']
    for sample, score in zip(samples, fused):
        # (set_pred_score would refuse a third key: upstream counts a
        # dict's keys as its number of classes)
        sample.pred_score['fused'] = torch.from_numpy(score)
    path = run_dump(tmp_path / 'rgbpose.pkl', samples)
    assert sorted(safe_load_pickle(path)[0]) == ['gt_label', 'pred_score',
                                                 'pred_scores']
    assert dump_streams(path) == ['rgb', 'pose']  # 'fused' is no stream
    np.testing.assert_allclose(load_predictions(path)[0], fused, rtol=1e-5)
    np.testing.assert_allclose(load_predictions(path, 'pose')[0],
                               expected['pose'], rtol=1e-5)


def test_a_single_stream_model_writes_the_old_format(tmp_path):
    rng = np.random.default_rng(0)
    scores = rng.random((3, 4)).astype(np.float32)
    samples = [ActionDataSample().set_gt_label(i).set_pred_score(
        torch.from_numpy(s)) for i, s in enumerate(scores)]
    path = run_dump(tmp_path / 'joint.pkl', samples)
    records = safe_load_pickle(path)
    assert [list(r) for r in records] == [['pred_score', 'gt_label']] * 3
    assert dump_streams(path) == []
    got, labels = load_predictions(path)
    np.testing.assert_array_equal(got, scores)
    assert labels.tolist() == [0, 1, 2]


def test_a_score_dict_without_streams_is_refused(tmp_path):
    metric = DumpPredictions(str(tmp_path / 'x.pkl'))
    with pytest.raises(ValueError, match=r"pred_score dict without streams "
                       r"\(keys: \['fused'\]\)"):
        metric.process(None, [dict(pred_score=dict(fused=np.zeros(3)),
                                   gt_label=np.array([0]))])


def stream_sample(rgb=None, pose=None, label=0, **extra):
    scores = dict(rgb=np.full(5, 0.2, np.float32) if rgb is None else rgb,
                  pose=np.full(5, 0.2, np.float32) if pose is None else pose)
    return dict(pred_scores=scores, gt_label=label, **extra)


def with_nan():
    score = np.full(5, 0.2, np.float32)
    score[3] = np.nan
    return score


# (samples, stream read) -> message
BAD_STREAM_DUMPS = [
    ([stream_sample(), stream_sample(), stream_sample(pose=with_nan())],
     'pose', r"sample 2: pred_scores\['pose'\] holds NaN or infinite"),
    ([stream_sample(), stream_sample(label=5)], 'rgb',
     r"sample 1: gt_label 5 is outside 0\.\.4 \(the dump has 5 classes in "
     r"stream 'rgb'\)"),
    ([stream_sample(), stream_sample(pose=np.zeros(4, np.float32))], 'pose',
     r"samples have different numbers of scores in stream 'pose' \(sample "
     r"0 has 5, sample 1 has 4\)"),
    ([stream_sample(rgb=np.zeros((2, 5), np.float32))], 'rgb',
     r"sample 0: pred_scores\['rgb'\] has shape \[2, 5\]; expected \[K\]"),
    ([stream_sample(), stream_sample(label=[1, 2])], 'rgb',
     r'sample 1: gt_label holds 2 labels'),
    ([stream_sample(), dict(pred_scores=dict(rgb=np.zeros(5)),
                            gt_label=0)], 'rgb',
     r'sample 1 has the streams rgb, sample 0 has pose, rgb'),
    ([stream_sample(), dict(pred_score=np.zeros(5), gt_label=0)], 'rgb',
     r'sample 1 lacks the pred_scores of streams rgb, pose'),
    ([dict(pred_score=np.zeros(5), gt_label=0), stream_sample()], None,
     r'sample 1 has per-stream pred_scores but sample 0 has none'),
    ([dict(pred_scores={}, gt_label=0)], 'rgb',
     r'sample 0: pred_scores must be a non-empty dict'),
    ([dict(pred_scores=[np.zeros(5)], gt_label=0)], 'rgb',
     r'sample 0: pred_scores must be a non-empty dict'),
    ([dict(pred_scores={0: np.zeros(5)}, gt_label=0)], 'rgb',
     r'sample 0: pred_scores must be a non-empty dict of stream name'),
    ([stream_sample(pred_score=np.zeros(5)), stream_sample()], None,
     r'sample 1 lacks pred_score \(the fused score sample 0 has\)'),
    ([stream_sample()], 'depth',
     r"rgbpose\.pkl has no stream 'depth'; its streams are rgb, pose"),
    ([dict(pred_score=np.zeros(5), gt_label=0)], 'rgb',
     r"rgbpose\.pkl is a single-stream dump \(no pred_scores\), so it has "
     r"no stream 'rgb'; name the file without \":rgb\""),
    ([dict(pred_scores=dict(rgb=np.zeros(5)))], 'rgb',
     r'sample 0 lacks pred_score/gt_label'),
]


@pytest.mark.parametrize('items,stream,message', BAD_STREAM_DUMPS)
def test_bad_stream_dump_is_refused_naming_file_and_sample(
        tmp_path, items, stream, message):
    path = str(tmp_path / 'rgbpose.pkl')
    save_predictions(path, items)
    with pytest.raises(InputError, match=message) as info:
        load_predictions(path, stream)
    assert path in str(info.value)


def test_checks_apply_to_the_stream_that_is_read(tmp_path):
    """Decision: a bad score in one stream refuses that stream only."""
    path = str(tmp_path / 'rgbpose.pkl')
    save_predictions(path, [stream_sample(pose=with_nan(), label=1),
                            stream_sample(label=2)])
    scores, labels = load_predictions(path, 'rgb')
    np.testing.assert_array_equal(scores, np.full((2, 5), 0.2, np.float32))
    assert labels.tolist() == [1, 2]


def test_a_stream_score_with_a_batch_axis_of_one_is_read_as_k(tmp_path):
    rng = np.random.default_rng(1)
    pose = rng.random((2, 5)).astype(np.float32)
    path = str(tmp_path / 'rgbpose.pkl')
    save_predictions(path, [stream_sample(pose=p[None], label=np.array([i]))
                            for i, p in enumerate(pose)])
    got, labels = load_predictions(path, 'pose')
    np.testing.assert_array_equal(got, pose)
    assert labels.tolist() == [0, 1]


def test_split_dump_arg(tmp_path):
    plain = tmp_path / 'rgbpose.pkl'
    colon = tmp_path / 'run:3.pkl'
    for path in (plain, colon):
        save_predictions(str(path), [stream_sample()])
    assert split_dump_arg(str(plain)) == (str(plain), None)
    assert split_dump_arg(f'{plain}:pose') == (str(plain), 'pose')
    # a name with ':' that exists is a file, not FILE:STREAM
    assert split_dump_arg(str(colon)) == (str(colon), None)
    assert split_dump_arg(f'{colon}:rgb') == (str(colon), 'rgb')
    # neither the whole nor the part before ':' exists: a missing FILE
    missing = f'{tmp_path}/none.pkl:rgb'
    assert split_dump_arg(missing) == (missing, None)
    assert split_dump_arg(f'{plain}:') == (f'{plain}:', None)
    with pytest.raises(InputError, match=r'dump \S*none\.pkl:rgb does not '
                       r'exist'):
        load_predictions(*split_dump_arg(missing))


def test_an_existing_file_wins_over_file_colon_stream(tmp_path):
    """Decision: when both ``a.pkl`` and ``a.pkl:rgb`` exist, the argument
    ``a.pkl:rgb`` is the file of that name."""
    plain = tmp_path / 'a.pkl'
    save_predictions(str(plain), [stream_sample()])
    save_predictions(f'{plain}:rgb', [dict(pred_score=np.ones(3,
                                                              np.float32),
                                           gt_label=2)])
    path, stream = split_dump_arg(f'{plain}:rgb')
    assert (path, stream) == (f'{plain}:rgb', None)
    assert load_predictions(path, stream)[1].tolist() == [2]
