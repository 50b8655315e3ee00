"""tools/train.py and tools/test.py on bad inputs: one paragraph on stderr
and exit code 2, never a traceback or a silent run on random weights; and
``--ann-file``, which works for every config."""
import glob
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmactx.datasets.annotation_io import (LOADERS, dataset_ann_files,
                                           save_annotations,
                                           set_annotation_file)
from mmactx.datasets.synthetic import generate_dataset
from mmactx.testing import load_script
from mmactx.utils.cli import InputError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/posec3d/synthetic_joint.py'
SMALL = [
    'model.cls_head.num_classes=4', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'train_dataloader.batch_size=4', 'val_dataloader.num_workers=0',
    'val_dataloader.persistent_workers=False',
    'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False',
    'train_dataloader.dataset.dataset.num_classes=4',
    'val_dataloader.dataset.num_classes=4',
    'test_dataloader.dataset.num_classes=4',
    'test_dataloader.dataset.pipeline.0.num_clips=1',
    'train_cfg.max_epochs=1', 'param_scheduler.0.T_max=1'
]


def one_line(text):
    """stderr as one line (run_cli's textwrap breaks paths at hyphens)."""
    return ' '.join(re.sub(r'-\n\s+', '-', text).split())


def refused(tool, args, message, timeout=300):
    """Run a tool; assert exit code 2 and ``message`` (a regex) as the one
    paragraph on stderr, without a traceback."""
    proc = subprocess.run(
        [sys.executable, f'tools/{tool}'] + [str(a) for a in args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env=dict(__import__('os').environ, OMP_NUM_THREADS='1'))
    err = one_line(proc.stderr)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert err.startswith(f'{tool}: error: '), proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
    assert 'weights_only=False' not in proc.stderr
    assert re.search(message, err), err


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """A valid annotation file, broken copies, and checkpoints of the
    synthetic config's model (4 classes) that fit it or not."""
    from mmactx.registry import MODELS
    folder = tmp_path_factory.mktemp('bad_inputs')
    records, split = generate_dataset(2, 1, 'coco2d', 0, 4)
    paths = dict(ann=str(folder / 'ann.pkl'))
    save_annotations(paths['ann'], records, split, num_classes=4)

    nan = [dict(r) for r in records]  # records 8-11 are the val split
    nan[9]['keypoint'] = nan[9]['keypoint'].astype(np.float32)
    nan[9]['keypoint'][0, 5, 2, 1] = np.nan
    paths['nan'] = str(folder / 'nan.pkl')
    with open(paths['nan'], 'wb') as f:
        pickle.dump(dict(split=split, annotations=nan), f)
    paths['missing_split'] = str(folder / 'missing_split.pkl')
    with open(paths['missing_split'], 'wb') as f:
        pickle.dump(dict(split=dict(split, val=split['val'] + ['ghost']),
                         annotations=records), f)

    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    for classes in (4, 7):
        cfg.model.cls_head.num_classes = classes
        model = MODELS.build(cfg.model)
        paths[f'ckpt{classes}'] = str(folder / f'classes{classes}.pth')
        torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()),
                   paths[f'ckpt{classes}'])
    paths['no_state_dict'] = str(folder / 'no_state_dict.pth')
    torch.save(dict(meta=dict(epoch=1), model=model.state_dict()),
               paths['no_state_dict'])
    for name, data in (('random', np.random.default_rng(0).bytes(2000)),
                       ('text', b'these are not weights\n'), ('empty', b'')):
        paths[name] = str(folder / f'{name}.pth')
        with open(paths[name], 'wb') as f:
            f.write(data)
    paths['folder'] = str(folder)
    return paths


# (checkpoint, --ann-file, stderr regex)
TEST_CASES = [
    ('ckpt7', 'ann',
     r'test.py: error: checkpoint \S+classes7.pth does not fit the model of '
     r'the config: 2 shapes differ: cls_head.fc_cls.weight \(checkpoint '
     r'\[7, 64\], model \[4, 64\]\), cls_head.fc_cls.bias'),
    ('no_state_dict', 'ann',
     r"checkpoint \S+no_state_dict.pth holds no weights: no 'state_dict' "
     r"entry and not a plain state dict of tensors \(its top-level keys are "
     r"\['meta', 'model'\]\)"),
    ('random', 'ann',
     r'cannot load checkpoint \S+random.pth: it is not a PyTorch '
     r'checkpoint'),
    ('text', 'ann',
     r"cannot load checkpoint \S+text.pth: it is a text file, not a PyTorch "
     r"checkpoint \(it begins with 'these are not weights'\)"),
    ('empty', 'ann',
     r'cannot load checkpoint \S+empty.pth: it is empty \(0 bytes\)'),
    ('ckpt4', 'nan',
     r"nan.pkl: record 9 \(frame_dir='syn_000009'\): field 'keypoint': nan "
     r'at person 0, frame 5, joint 2, coordinate 1'),
    ('ckpt4', 'missing_split',
     r"missing_split.pkl: split 'val' names 1 unknown frame_dirs, e.g. "
     r"'ghost'"),
]


@pytest.mark.parametrize('ckpt, ann, message', TEST_CASES)
def test_test_py_refuses(data, tmp_path, ckpt, ann, message):
    refused('test.py', [CONFIG, data[ckpt], '--ann-file', data[ann],
                        '--work-dir', tmp_path, '--cfg-options'] + SMALL,
            message)


def test_test_py_refuses_before_building(data, tmp_path):
    refused('test.py', [CONFIG, data['ckpt4'], '--ann-file',
                        tmp_path / 'nope.pkl'],
            r'--ann-file \S+nope.pkl does not exist')
    refused('test.py', [CONFIG, data['ckpt4'], '--dump', data['ckpt4']],
            r'--dump must end with .pkl or .pickle')
    refused('test.py', [CONFIG, data['ckpt4'], '--ann-file', data['ann'],
                        '--dump', data['ann']],
            r'output \S+ann.pkl would replace the input \S+ann.pkl')
    refused('test.py', ['configs/nope.py', data['ckpt4']],
            r'config configs/nope.py does not exist')


def test_train_py_refuses_bad_annotations_and_options(data, tmp_path):
    refused('train.py', [CONFIG, '--ann-file', data['nan'], '--work-dir',
                         tmp_path, '--cfg-options'] + SMALL,
            r"nan.pkl: record 9 \(frame_dir='syn_000009'\): field "
            r"'keypoint': nan")
    # the README's old advice on a config whose train set is a RepeatDataset
    refused('train.py', ['configs/eppnet/nwucla_xview_joint.py',
                         '--cfg-options',
                         f'train_dataloader.dataset.ann_file={data["ann"]}'],
            r'train_dataloader.dataset.ann_file: train_dataloader.dataset is '
            r'RepeatDataset, which reads no annotation file itself; its '
            r'datasets do: set train_dataloader.dataset.dataset.ann_file, or '
            r'use --ann-file PATH')


def test_train_py_refuses_a_load_from_that_does_not_fit(data, tmp_path):
    load_from = f'load_from={data["ckpt7"]}'
    refused('train.py', [CONFIG, '--ann-file', data['ann'], '--work-dir',
                         tmp_path, '--cfg-options', load_from] + SMALL,
            r'checkpoint \S+classes7.pth does not fit the model of the '
            r'config: 2 shapes differ: .* To start from the weights that fit '
            r'\(e.g. fine-tuning with another number of classes\), add '
            r'--partial-load')


def test_resume_from_a_truncated_latest_names_the_intact_earlier_one(
        data, tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    with open(data['ckpt4'], 'rb') as f:
        whole = f.read()
    (work / 'epoch_1.pth').write_bytes(whole)
    (work / 'epoch_2.pth').write_bytes(whole[:len(whole) // 3])
    (work / 'last_checkpoint').write_text(str(work / 'epoch_2.pth'))
    refused('train.py', [CONFIG, '--ann-file', data['ann'], '--work-dir',
                         work, '--resume', '--cfg-options'] + SMALL,
            r'cannot load checkpoint \S+/epoch_2.pth: it is truncated or '
            r'damaged: not the complete zip archive torch.save writes, so '
            r'its writing or copying was cut off. The latest earlier '
            r'checkpoint of its folder that is intact is \S+/epoch_1.pth; '
            r'resume from it with --resume \S+/epoch_1.pth')


# ------------------------------------------------------------ --ann-file
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**',
                                               '*.py'), recursive=True)
                 if '_base_' not in p)


@pytest.mark.parametrize('config', CONFIGS,
                         ids=[osp.relpath(c, ROOT) for c in CONFIGS])
def test_ann_file_option_works_for_every_config(config, tmp_path):
    train = load_script('tools/train.py')
    test = load_script('tools/test.py')
    ann = tmp_path / 'mine.pkl'
    ann.write_bytes(b'')
    args = train.parse_args([config, '--ann-file', str(ann)])
    if osp.basename(config).startswith('mimetics50_') or osp.basename(
            config) in ('mpii_spnet_2d.py', 'h36m_spnet_3d.py'):
        # a test-only set: the model trains on Kinetics50 and tests on
        # Mimetics50, two files that one --ann-file cannot both replace;
        # MPII's and Human3.6M's train and test annotations are two files
        # likewise
        with pytest.raises(InputError, match='the datasets read different '
                           'files'):
            train.merge_args(Config.fromfile(config), args)
    else:
        cfg = train.merge_args(Config.fromfile(config), args)
        found = dataset_ann_files(cfg, LOADERS)
        assert found and set(found.values()) == {str(ann)}
        loaders = {k.split('.')[0] for k in found}
        assert loaders >= {'train_dataloader', 'test_dataloader'}

    args = test.parse_args([config, 'x.pth', '--ann-file', str(ann)])
    cfg = test.merge_args(Config.fromfile(config), args)
    assert set(dataset_ann_files(cfg, ['test_dataloader']).values()) == {
        str(ann)}


def concat(*files):
    return dict(train_dataloader=dict(dataset=dict(
        type='ConcatDataset', datasets=[
            dict(type='RepeatDataset', times=2, dataset=dict(
                type='PoseDataset', ann_file=f, split='train'))
            for f in files])),
        test_dataloader=dict(dataset=dict(type='PoseDataset',
                                          ann_file=files[0])))


def test_ann_file_unwraps_concat_of_one_file_and_refuses_two():
    cfg = concat('a.pkl', 'a.pkl')
    keys = set_annotation_file(cfg, 'new.pkl')
    assert keys == [
        'train_dataloader.dataset.datasets.0.dataset.ann_file',
        'train_dataloader.dataset.datasets.1.dataset.ann_file',
        'test_dataloader.dataset.ann_file']
    assert set(dataset_ann_files(cfg).values()) == {'new.pkl'}

    cfg = concat('a.pkl', 'b.pkl')
    with pytest.raises(InputError,
                       match=r'--ann-file new.pkl: the datasets read '
                       r'different files \(train_dataloader.dataset.datasets'
                       r'.0.dataset.ann_file=a.pkl; train_dataloader.dataset.'
                       r'datasets.1.dataset.ann_file=b.pkl; test_dataloader.'
                       r'dataset.ann_file=a.pkl\), so one path cannot replace'
                       r' them; set each with --cfg-options KEY=PATH'):
        set_annotation_file(cfg, 'new.pkl')
    assert set(dataset_ann_files(cfg).values()) == {'a.pkl', 'b.pkl'}
    with pytest.raises(InputError, match='no dataset of train_dataloader, '
                       'val_dataloader, test_dataloader reads an annotation'):
        set_annotation_file(dict(train_dataloader=dict(dataset=dict(
            type='X'))), 'new.pkl')


def test_train_py_partial_load_starts_from_the_weights_that_fit(
        data, tmp_path):
    from mmactx.testing import run_script
    proc = run_script([
        sys.executable, 'tools/train.py', CONFIG, '--ann-file', data['ann'],
        '--work-dir', str(tmp_path), '--partial-load',
        '--cfg-options', f'load_from={data["ckpt7"]}'] + SMALL)
    log = proc.stdout + proc.stderr
    assert 'Load checkpoint from' in log and 'Saving checkpoint' in log
    # mmengine's own warning names the head it could not load
    assert 'size mismatch for cls_head.fc_cls.weight' in log


def test_a_record_with_other_joints_than_the_config_is_refused(tmp_path):
    """18 joints for the 17-channel PoseC3D: refused when the annotation
    file is read, naming the record, not as a conv3d shape error."""
    from mmactx.datasets import AnnotationError, PoseDataset
    from mmactx.datasets import save_annotations
    from mmactx.testing.poses import make_pose_sample
    rng = np.random.RandomState(0)
    records = []
    for i, joints in enumerate((17, 18)):
        rec = make_pose_sample(rng, persons=1)
        rec['keypoint'] = rng.uniform(0, 40, (1, 12, joints, 2)).astype(
            np.float32)
        rec['keypoint_score'] = np.ones((1, 12, joints), np.float32)
        rec.update(frame_dir=f'sample{i}', label=0, total_frames=12)
        records.append(rec)
    ann = str(tmp_path / 'ann.pkl')
    save_annotations(ann, records, dict(xsub_val=['sample0', 'sample1']))
    cfg = Config.fromfile(osp.join(ROOT, 'configs/posec3d/'
                                   'ntu60_xsub_joint.py'))
    dataset = dict(cfg.test_dataloader.dataset, ann_file=ann)
    dataset.pop('type')
    with pytest.raises(AnnotationError, match=r"record 1 \(frame_dir="
                       r"'sample1'\).*V=18 joints.*config expects 17"):
        PoseDataset(**dataset)
