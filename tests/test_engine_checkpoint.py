"""Checkpoints given to the tools: unreadable files named with the reason
(never advising weights_only=False), damaged epoch files naming an intact
earlier one, and weights that do not fit the model refused."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

from mmactx.engine.checkpoint import (CheckpointError,
                                      CheckpointNotFoundError,
                                      UnsafeCheckpointError,
                                      check_state_dict,
                                      earlier_intact_checkpoint,
                                      load_local_checkpoint)
from mmactx.utils.cli import InputError


def load(path):
    """Through mmengine's loader, as the runner does (mmactx.compat
    registers :func:`load_local_checkpoint` for local files)."""
    return CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def saved(path, obj=None, **kwargs):
    torch.save(dict(state_dict=dict(w=torch.ones(3))) if obj is None
               else obj, str(path), **kwargs)
    return path


def truncated(path):
    data = saved(path).read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


class Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null', ))


BAD_FILES = [
    ('empty.pth', lambda p: p.write_bytes(b''),
     r'empty.pth: it is empty \(0 bytes\): its writing never happened or '
     r'was cut off'),
    ('text.pth', lambda p: p.write_text('model weights\nline 2\n'),
     r"text.pth: it is a text file, not a PyTorch checkpoint \(it begins "
     r"with 'model weights'\)"),
    ('random.pth', lambda p: p.write_bytes(
        np.random.default_rng(0).bytes(4096)),
     r'random.pth: it is not a PyTorch checkpoint: neither the zip format '
     r'of torch.save nor its legacy format \(it begins with b'),
    ('array.pth', lambda p: np.save(open(p, 'wb'), np.zeros(3)),
     r"array.pth: it is not a PyTorch checkpoint.*b'\\x93NUMPY"),
    ('pickle.pth', lambda p: p.write_bytes(pickle.dumps([1, 2])),
     r'pickle.pth: it is not a PyTorch checkpoint'),
    ('arrays.pth', lambda p: np.savez(open(p, 'wb'), a=np.zeros(2)),
     r"arrays.pth: it is a zip archive but not a PyTorch checkpoint \(no "
     r"data.pkl among \['a.npy'\]\)"),
    ('cut.pth', truncated,
     r'cut.pth: it is truncated or damaged: not the complete zip archive '
     r'torch.save writes, so its writing or copying was cut off'),
    ('legacy.pth', lambda p: p.write_bytes(saved(
        p, _use_new_zipfile_serialization=False).read_bytes()[:-20]),
     r"legacy.pth: it is truncated or damaged \(torch.save's legacy "
     r'format'),
]


@pytest.mark.parametrize('name, write, message', BAD_FILES)
def test_unreadable_checkpoints_name_the_file_and_the_reason(
        tmp_path, name, write, message):
    path = tmp_path / name
    write(path)
    with pytest.raises(CheckpointError, match='cannot load checkpoint .*' +
                       message) as e:
        load(path)
    assert isinstance(e.value, InputError)
    assert 'weights_only' not in str(e.value)
    assert e.value.path == str(path) and e.value.alternative is None


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CheckpointNotFoundError,
                       match=r'checkpoint \S+nope.pth does not exist') as e:
        load(tmp_path / 'nope.pth')
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(CheckpointError, match='is a folder, not a .pth'):
        load(tmp_path)


@pytest.mark.parametrize('legacy', [False, True])
def test_code_in_a_checkpoint_is_refused_without_advice(tmp_path, legacy):
    path = saved(tmp_path / 'evil.pth', dict(state_dict={}, x=Evil()),
                 _use_new_zipfile_serialization=not legacy)
    with pytest.raises(UnsafeCheckpointError,
                       match=r'evil.pth: it asks for GLOBAL (posix|os|nt)'
                       r'\.system, which a weights-only load refuses') as e:
        load(path)
    assert isinstance(e.value, pickle.UnpicklingError)
    assert 'weights_only' not in str(e.value)


def test_a_damaged_epoch_file_names_the_latest_intact_earlier_one(tmp_path):
    for epoch in (1, 2, 10):
        saved(tmp_path / f'epoch_{epoch}.pth')
    truncated(tmp_path / 'epoch_11.pth')  # damaged, the one to load
    truncated(tmp_path / 'epoch_10.pth')  # damaged as well: skipped
    (tmp_path / 'epoch_3.pth').write_bytes(b'')
    saved(tmp_path / 'iter_9.pth')  # another kind: not an epoch
    saved(tmp_path / 'epoch_12.pth')  # later: not earlier
    with pytest.raises(CheckpointError,
                       match=r'epoch_11.pth: it is truncated .* The latest '
                       r'earlier checkpoint of its folder that is intact is '
                       r'\S+/epoch_2.pth$') as e:
        load_local_checkpoint(str(tmp_path / 'epoch_11.pth'))
    assert e.value.alternative == str(tmp_path / 'epoch_2.pth')
    assert earlier_intact_checkpoint(str(tmp_path / 'iter_10.pth')) == str(
        tmp_path / 'iter_9.pth')
    assert earlier_intact_checkpoint(str(tmp_path / 'epoch_1.pth')) is None
    assert earlier_intact_checkpoint(str(tmp_path / 'best.pth')) is None


class Net(nn.Module):

    def __init__(self, classes=4):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv1d(3, 8, 3), nn.BatchNorm1d(8))
        self.head = nn.Linear(8, classes)


def weights(classes=4):
    return Net(classes).state_dict()


def edited(**changes):
    w = OrderedDict(weights())
    for key, value in changes.items():
        key = key.replace('__', '.')
        if value is None:
            del w[key]
        else:
            w[key] = value
    return w


BAD_WEIGHTS = [
    (dict(state_dict=weights(7)),
     r'does not fit the model of the config: 2 shapes differ: head.weight '
     r'\(checkpoint \[7, 8\], model \[4, 8\]\), head.bias \(checkpoint '
     r'\[7\], model \[4\]\) \(is it the checkpoint of another config'),
    (dict(state_dict=edited(head__bias=None)),
     r'does not fit the model of the config: 1 weights of the model are '
     r'missing from it: head.bias \(is it'),
    (dict(state_dict=edited(extra__w=torch.ones(1), more=torch.ones(1))),
     r'does not fit the model of the config: 2 of its weights are not in '
     r'the model: extra.w, more \(is it'),
    (dict(meta=dict(epoch=3), weights=weights()),
     r"holds no weights: no 'state_dict' entry and not a plain state dict "
     r"of tensors \(its top-level keys are \['meta', 'weights'\]\)"),
    (dict(state_dict=[1, 2]),
     r"its 'state_dict' is not a dict of tensors \(got list\)"),
    ([torch.ones(2)], r'holds no weights: .*\(it holds a list\)'),
    ({}, r"holds no weights: .*its top-level keys are \[\]"),
]


@pytest.mark.parametrize('checkpoint, message', BAD_WEIGHTS)
def test_weights_that_do_not_fit_are_refused(checkpoint, message):
    with pytest.raises(CheckpointError,
                       match=r'checkpoint ck.pth:? ' + message):
        check_state_dict(Net(), checkpoint, 'ck.pth')


def test_many_mismatches_show_the_first_three():
    w = {f'x{i}': torch.ones(1) for i in range(5)}
    with pytest.raises(CheckpointError,
                       match=r'5 of its weights are not in the model: x0, '
                       r'x1, x2 and 2 more'):
        check_state_dict(Net(), dict(state_dict=dict(weights(), **w)), 'c')


@pytest.mark.parametrize('checkpoint', [
    dict(state_dict=weights(), meta={}),
    weights(),  # a plain state dict
    OrderedDict((f'module.{k}', v) for k, v in weights().items()),
    # checkpoints of older torch have no num_batches_tracked (mmengine too)
    dict(state_dict=edited(backbone__1__num_batches_tracked=None)),
])
def test_weights_that_fit_are_accepted(checkpoint):
    assert check_state_dict(Net(), checkpoint, 'ck.pth') is None


def test_partial_accepts_some_fitting_weights_but_not_none():
    check_state_dict(Net(), dict(state_dict=weights(7)), 'ck.pth',
                     partial=True)
    with pytest.raises(CheckpointError, match=r'none of its weights fits '
                       r'the model of the config: 8 weights of the model '
                       r'are missing from it: .*; 9 of its weights are not '
                       r'in the model: other.backbone.0.weight'):
        check_state_dict(Net(), dict(state_dict={
            f'other.{k}': v for k, v in weights().items()}), 'ck.pth',
            partial=True)


def test_errors_not_about_the_file_keep_their_own_message(tmp_path):
    path = saved(tmp_path / 'fine.pth')

    def elsewhere(storage, location):
        raise RuntimeError('no such device: npu:3')

    with pytest.raises(RuntimeError, match='no such device') as e:
        load_local_checkpoint(str(path), map_location=elsewhere)
    assert not isinstance(e.value, CheckpointError)
