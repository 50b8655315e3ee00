"""NW-UCLA (Northwestern-UCLA Multiview Action 3D) ``all_sqe`` json files to
annotation records.

Each file ``aXX_sYY_eZZ_vVV.json`` holds ``file_name``, ``skeletons``
([T][20][3] Kinect v1 joints, :data:`mmactx.skeletons.NWUCLA20` order) and
``label``. The label comes from the action id of the name (``label``, when
present, must agree with it): the 10 actions a01-a06, a08, a09, a11, a12 are
relabelled 0..9. The cross-view benchmark trains on views 1 and 2 and tests
on view 3.
"""
import json
import os.path as osp
import re
from typing import Dict, List, Sequence

import numpy as np

from .batch import SkipSample

ACTIONS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)
LABEL_OF_ACTION = {a: i for i, a in enumerate(ACTIONS)}
CLASSES = ('pick up with one hand', 'pick up with two hands', 'drop trash',
           'walk around', 'sit down', 'stand up', 'donning', 'doffing',
           'throw', 'carry')
TRAIN_VIEWS = (1, 2)
VIEWS = (1, 2, 3)
NUM_JOINTS = 20
# |x|, |y|, |z| beyond this many metres are no Kinect v1 joint (it sees
# 0.8-4 m): such a file is skipped
MAX_METRES = 100.0
NAME_RE = re.compile(r'^a(\d+)_s(\d+)_e(\d+)_v(\d+)$')


def _stem(name: str) -> str:
    return name[:-5] if name.endswith('.json') else name


def parse_name(name: str) -> Dict[str, int]:
    """``action``, ``subject``, ``episode`` and ``view`` of a name like
    ``a01_s02_e03_v01`` (``.json`` optional).

    Raises:
        SkipSample: ``'bad_name'`` for another name, an unknown action or a
            view other than 1-3.
    """
    match = NAME_RE.match(_stem(name))
    if match is None:
        raise SkipSample('bad_name',
                         f'{name!r} is not an NW-UCLA name aXX_sYY_eZZ_vVV')
    ids = dict(zip(('action', 'subject', 'episode', 'view'),
                   map(int, match.groups())))
    if ids['action'] not in LABEL_OF_ACTION:
        raise SkipSample(
            'bad_name', f'{name!r}: action a{ids["action"]:02d} is not one '
            f'of the 10 NW-UCLA actions {ACTIONS}')
    if ids['view'] not in VIEWS:
        raise SkipSample(
            'bad_name', f'{name!r}: view v{ids["view"]:02d} is not one of '
            f'the 3 NW-UCLA views {VIEWS}')
    return ids


def convert_nwucla_file(path: str) -> Dict[str, Dict]:
    """Convert one json file into a 3D record.

    Returns:
        dict: ``{'3d': record}`` with ``keypoint`` float32 [1, T, 20, 3].

    Raises:
        SkipSample: for a bad name, unreadable json, a missing field, a
        wrong shape, NaN or inf, a coordinate beyond :data:`MAX_METRES`
        (``'absurd_coordinates'``) or a label that contradicts the file
        name.
    """
    name = osp.basename(path)
    ids = parse_name(name)
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SkipSample('malformed', f'not readable json: {e}') from None
    if not isinstance(data, dict) or 'skeletons' not in data:
        raise SkipSample('malformed', "field 'skeletons' is missing")
    try:
        kp = np.asarray(data['skeletons'], dtype=np.float64)
    except (TypeError, ValueError):
        raise SkipSample(
            'malformed', "field 'skeletons' is not a [T][20][3] array of "
            'numbers') from None
    if kp.ndim != 3 or kp.shape[1:] != (NUM_JOINTS, 3):
        raise SkipSample(
            'joint_count', f"field 'skeletons' has shape {kp.shape}, "
            f'expected [T, {NUM_JOINTS}, 3]')
    if not np.isfinite(kp).all():
        frame = int(np.flatnonzero(~np.isfinite(kp).all(axis=(1, 2)))[0])
        raise SkipSample('nan', f'frame {frame} holds NaN or inf')
    far = np.abs(kp) > MAX_METRES
    if far.any():
        t, v, axis = np.argwhere(far)[0]
        raise SkipSample(
            'absurd_coordinates', f'frame {t}, joint {v}: coordinate '
            f'{kp[t, v, axis]:g} m is beyond {MAX_METRES:g} m')
    kp = kp.astype(np.float32)
    label = LABEL_OF_ACTION[ids['action']]
    # the name decides; the field must agree with it, as the 1-based class
    # (the CTR-GCN release) or as the action number of the name
    if 'label' in data and data['label'] not in (label + 1, ids['action']):
        raise SkipSample(
            'label_mismatch', f"field 'label' is {data['label']!r} but the "
            f'name says action a{ids["action"]:02d} (class {label + 1} of 10)')
    return {
        '3d':
        dict(
            frame_dir=_stem(name),
            label=label,
            total_frames=kp.shape[0],
            keypoint=kp[None])
    }


def build_splits(frame_dirs: Sequence[str]) -> Dict[str, List[str]]:
    """The cross-view split: ``xview_train`` (views 1, 2) and ``xview_val``
    (view 3)."""
    split = {'xview_train': [], 'xview_val': []}
    for frame_dir in frame_dirs:
        train = parse_name(frame_dir)['view'] in TRAIN_VIEWS
        split['xview_train' if train else 'xview_val'].append(frame_dir)
    return split
