"""Build RGBPose-Conv3D's initialisation from its single-stream checkpoints.

    python tools/rgbpose_merge.py RGB.pth POSE.pth --out rgbpose_init.pth \\
        [--config configs/rgbpose/ntu60_xsub_rgbpose.py] [--seed 0]

``RGB.pth`` is a checkpoint of ``configs/rgbpose/ntu60_xsub_rgb_only.py``,
``POSE.pth`` one of ``configs/rgbpose/ntu60_xsub_pose_only.py``; the output
is the ``load_from`` of ``--config``'s training. The rules are those of the
authors' ``merge_pretrain.ipynb`` (pyskl and mmaction2,
``configs/.../rgbpose_conv3d/``):

1. RGB.pth: ``backbone.*`` becomes ``backbone.rgb_path.*`` and
   ``cls_head.fc_cls.*`` becomes ``cls_head.fc_rgb.*``; POSE.pth likewise
   with ``rgb_path`` / ``fc_rgb`` replaced by ``pose_path`` / ``fc_pose``.
2. The first block after each lateral connection (the RGB pathway's
   ``layer3.0`` and ``layer4.0``, the pose pathway's ``layer2.0`` and
   ``layer3.0``) takes the other pathway's features concatenated after its
   own: the input channels of its ``conv1`` and ``downsample`` weights are
   padded with zeros after the single-stream ones. The merged model thus
   starts out computing exactly what the two single-stream models compute.
3. The lateral connections themselves (``layer*_lateral``) have no
   single-stream weights. The notebook leaves them out and training
   initialises them; here they are the weights that the model of
   ``--config`` is built and initialised with (under ``--seed``), so that
   the checkpoint is complete and ``tools/train.py`` loads it as it is.

Both checkpoints are loaded weights-only (no code in them can run). A file
that is not a single-stream checkpoint of the right kind (a two-stream
checkpoint, the other stream's, another model's, another number of
classes), with missing or unexpected weights, is refused naming the file and
the weights, before anything is written; so is an ``--out`` that would
replace an input. The output appears only once it is complete.
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction

from mmactx.engine.checkpoint import (check_stream_checkpoints, examples,
                                      load_weights)
from mmactx.utils.cli import InputError, run_cli
from mmactx.utils.fileio import atomic_path

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(ROOT, 'configs', 'rgbpose',
                          'ntu60_xsub_rgbpose.py')
#: stream -> (backbone pathway, classifier of RGBPoseHead, its config)
STREAMS = {
    'rgb': ('rgb_path', 'fc_rgb', 'configs/rgbpose/ntu60_xsub_rgb_only.py'),
    'pose': ('pose_path', 'fc_pose',
             'configs/rgbpose/ntu60_xsub_pose_only.py'),
}
Weights = Dict[str, torch.Tensor]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('rgb', help='checkpoint of the rgb_only config')
    parser.add_argument('pose', help='checkpoint of the pose_only config')
    parser.add_argument('--out', required=True,
                        help='the merged checkpoint to write (.pth)')
    parser.add_argument(
        '--config', default=DEFAULT_CONFIG,
        help='the RGBPose-Conv3D config the output initialises (default: '
        'configs/rgbpose/ntu60_xsub_rgbpose.py)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of --config, e.g. '
        'model.cls_head.num_classes=120')
    parser.add_argument(
        '--seed', type=int, default=0,
        help='seed of the lateral connections\' initial weights')
    return parser.parse_args(argv)


def build_rgbpose(config: str,
                  options: Optional[dict] = None) -> torch.nn.Module:
    """The RGBPose-Conv3D model of ``config`` with its initial weights.

    Raises:
        InputError: The config does not exist or is not an RGBPoseConv3D
            model.
    """
    if not osp.isfile(config):
        raise InputError(f'config {config} does not exist')
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    backbone = cfg.get('model', {}).get('backbone', {}).get('type')
    if backbone != 'RGBPoseConv3D':
        raise InputError(f'config {config} is not an RGBPose-Conv3D config '
                         f'(its backbone is {backbone!r}, not '
                         "'RGBPoseConv3D')")
    from mmactx.apis import init_recognizer
    model = init_recognizer(cfg)
    # what training does before load_from; the backbone's own init_weights
    # (the recognizer's would log every parameter)
    model.backbone.init_weights()
    return model


def lateral_prefixes(model: torch.nn.Module, pathway: str) -> List[str]:
    """State-dict prefixes of a pathway's lateral connections, e.g.
    ``'backbone.rgb_path.layer2_lateral.'``."""
    names = getattr(getattr(model.backbone, pathway), 'lateral_connections',
                    [])
    return [f'backbone.{pathway}.{name}.' for name in names]


def padded_keys(model: torch.nn.Module, pathway: str) -> List[str]:
    """The weights whose input channels take a lateral connection's output:
    ``conv1`` and ``downsample`` of the first block after
    ``layer{i}_lateral``, i.e. of ``layer{i+1}.0``."""
    keys = []
    for prefix in lateral_prefixes(model, pathway):
        stage = int(re.search(r'layer(\d+)_lateral\.$', prefix).group(1))
        block = f'backbone.{pathway}.layer{stage + 1}.0.'
        keys += [block + 'conv1.conv.weight', block + 'downsample.conv.weight']
    return keys


def rename(weights: Weights, stream: str) -> Dict[str, Optional[str]]:
    """Rule 1: the name in the two-stream model of each single-stream
    weight (None where the rule does not apply)."""
    pathway, fc, _ = STREAMS[stream]
    names = {}
    for key in weights:
        if key.startswith('backbone.'):
            names[key] = f'backbone.{pathway}.' + key[len('backbone.'):]
        elif key.startswith('cls_head.fc_cls.'):
            names[key] = f'cls_head.{fc}.' + key[len('cls_head.fc_cls.'):]
        else:
            names[key] = None
    return names


def pad_input_channels(weight: torch.Tensor,
                       shape: Tuple[int, ...]) -> torch.Tensor:
    """Rule 2: ``weight`` in a zero tensor of ``shape``, which has more
    input channels (dimension 1); the new channels come last."""
    padded = weight.new_zeros(shape)
    padded[:, :weight.shape[1]] = weight
    return padded


def merge_stream(path: str, weights: Weights, stream: str,
                 model: torch.nn.Module) -> Tuple[Weights, List[str]]:
    """One stream's weights under their two-stream names (rules 1 and 2).

    Args:
        path (str): The checkpoint file, for the messages.
        weights (dict): Its weights.
        stream (str): ``'rgb'`` or ``'pose'``.
        model (nn.Module): The RGBPose-Conv3D model.

    Returns:
        tuple[dict, list[str]]: The renamed (and padded) weights, and the
        keys that were padded.

    Raises:
        InputError: The file is not a single-stream checkpoint of this
            stream: weights missing, unexpected or of another shape.
    """
    pathway, fc, config = STREAMS[stream]
    hint = (f'is it a checkpoint of {config}? The order is RGB.pth '
            'POSE.pth')
    two_stream = [k for k in weights
                  if re.match(r'^backbone\.(rgb|pose)_path\.', k)]
    if two_stream:
        raise InputError(
            f'{path} is already a two-stream RGBPose checkpoint '
            f'({examples(two_stream)}), not a {stream}-only one ({hint})')
    expected = model.state_dict()
    lateral = tuple(lateral_prefixes(model, pathway))
    wanted = [k for k in expected
              if k.startswith((f'backbone.{pathway}.', f'cls_head.{fc}.'))
              and not k.startswith(lateral)]
    names = rename(weights, stream)
    unexpected = [k for k, name in names.items()
                  if name is None or name not in expected]
    if unexpected:
        raise InputError(
            f'{path}: {len(unexpected)} weights that the {stream} stream '
            f'does not have: {examples(unexpected)} ({hint})')
    have = set(names.values())
    missing = [k for k in wanted if k not in have
               and not k.endswith('num_batches_tracked')]
    if missing:
        single = [k.replace(f'.{pathway}.', '.', 1).replace(fc, 'fc_cls')
                  for k in missing]
        raise InputError(
            f'{path}: {len(missing)} weights of the {stream} stream are '
            f'missing: {examples(single)} ({hint})')
    pad = set(padded_keys(model, pathway))
    merged, padded, shapes = {}, [], []
    for key, name in names.items():
        weight, target = weights[key], tuple(expected[name].shape)
        if tuple(weight.shape) == target:
            merged[name] = weight
        elif (name in pad and weight.dim() == len(target)
              and weight.shape[0] == target[0]
              and tuple(weight.shape[2:]) == target[2:]
              and weight.shape[1] < target[1]):
            merged[name] = pad_input_channels(weight, target)
            padded.append(name)
        else:
            shapes.append(f'{key} {list(weight.shape)} (the {stream} '
                          f'pathway needs {list(target)})')
    if shapes:
        raise InputError(
            f'{path}: {len(shapes)} weights have another shape than the '
            f'{stream} stream of the config: {examples(shapes)} ({hint}; '
            'another number of classes needs --cfg-options '
            'model.cls_head.num_classes=N)')
    return merged, padded


def merge(rgb_path: str, pose_path: str,
          model: torch.nn.Module) -> Tuple[Weights, dict]:
    """The complete state dict of ``model`` from the two single-stream
    checkpoints (rules 1-3), in the model's order, and what was done.

    Returns:
        tuple[OrderedDict, dict]: The weights, and ``{'padded': [...],
        'initialised': [...]}``, the keys of rule 2 and rule 3.
    """
    merged, padded = {}, []
    for path, stream in ((rgb_path, 'rgb'), (pose_path, 'pose')):
        weights, pad = merge_stream(path, load_weights(path), stream, model)
        merged.update(weights)
        padded += pad
    initialised = []
    state = OrderedDict()
    for key, value in model.state_dict().items():
        if key not in merged:  # lateral connections, num_batches_tracked
            merged[key] = value.detach().clone()
            initialised.append(key)
        state[key] = merged[key]
    return state, dict(padded=padded, initialised=initialised)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Merge, write ``--out`` atomically and say what was done."""
    args = parse_args(argv)
    check_stream_checkpoints({'rgb_only': args.rgb, 'pose_only': args.pose},
                             args.out)
    torch.manual_seed(args.seed)
    model = build_rgbpose(args.config, args.cfg_options)
    state, done = merge(args.rgb, args.pose, model)
    meta = dict(rgbpose_merge=dict(
        rgb=args.rgb, pose=args.pose, config=args.config, seed=args.seed,
        **done))
    with atomic_path(args.out) as tmp:
        torch.save(dict(state_dict=state, meta=meta), tmp)
    print(f'{args.out}: {len(state)} weights; {len(done["padded"])} padded '
          f'with zero input channels ({examples(done["padded"], 2)}); '
          f'{len(done["initialised"])} (the lateral connections) as the '
          f'model initialises them (seed {args.seed}); train with '
          f'--cfg-options load_from={args.out}')


if __name__ == '__main__':
    run_cli(main)
