"""Build IntegralAction's stage-3 (rgb+pose) start from its stage-1 and
stage-2 checkpoints.

    python tools/integralaction_merge.py RGB.pth POSE.pth --out merged.pth \\
        [--config configs/integralaction/kinetics50_rgbpose.py] [--seed 0]

``RGB.pth`` is a checkpoint of an ``*_rgb_only.py`` config (stage 1),
``POSE.pth`` one of the ``*_pose_only.py`` config (stage 2); the output is
the ``load_from`` of the stage-3 (``*_rgbpose.py``) training. The rule is
the authors' ``merge_rgb_only_pose_only.py``: the RGB stream
(``rgb_backbone``) comes from RGB.pth, the pose stream (``pose_backbone``,
its ``Pose2Feat`` included) from POSE.pth; the single-stream classifiers
are dropped, and the aggregator and the classifier start fresh, initialised
under ``--seed``, so that the file is complete and ``tools/train.py`` loads
it strictly.

With ``--config`` (a stage-3 config) the fresh parts are its model's and
every weight is checked against it. Without, they are the published stage
3's (``PoseGatedAggregator`` with the gate and ``TSMHead``) at the widths
and number of classes of RGB.pth, which fits every ``*_rgbpose.py`` config
here; a stage-3 config with another aggregator or head needs ``--config``
(``tools/train.py`` refuses a ``load_from`` that does not fit, naming the
weights).

Both checkpoints are loaded weights-only. A file that is not a checkpoint
of its stage (the other stage's, a stage-3 one, another model's, another
shape), or an ``--out`` that would replace an input, is refused naming the
file and the weights before anything is written; the output appears only
once it is complete.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config, DictAction

from mmactx.engine.checkpoint import (check_stream_checkpoints, examples,
                                      load_weights)
from mmactx.utils.cli import InputError, run_cli
from mmactx.utils.fileio import atomic_path

#: stage -> the part of the rgb+pose model its checkpoint provides
STREAMS = {'rgb_only': 'rgb_backbone.', 'pose_only': 'pose_backbone.'}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('rgb', help='checkpoint of the rgb_only config')
    parser.add_argument('pose', help='checkpoint of the pose_only config')
    parser.add_argument('--out', required=True,
                        help='the merged checkpoint to write (.pth)')
    parser.add_argument('--config', default=None,
                        help='the rgb+pose config the output initialises '
                        '(default: the published stage 3 at the widths and '
                        'classes of the checkpoints)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of --config')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the aggregator\'s and the classifier\'s '
                        'initial weights')
    return parser.parse_args(argv)


def build_rgbpose(config: str,
                  options: Optional[dict] = None) -> torch.nn.Module:
    """The rgb+pose model of ``config`` with its initial weights.

    Raises:
        InputError: The config does not exist or is not an IntegralAction
            rgb+pose config.
    """
    if not osp.isfile(config):
        raise InputError(f'config {config} does not exist')
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    model_cfg = cfg.get('model', {})
    if (model_cfg.get('type') != 'IntegralActionRecognizer'
            or model_cfg.get('mode') != 'rgb+pose'):
        raise InputError(
            f'config {config} is not an IntegralAction rgb+pose config '
            f"(model type {model_cfg.get('type')!r}, mode "
            f"{model_cfg.get('mode')!r})")
    from mmactx.apis import init_recognizer
    model = init_recognizer(cfg)
    for part in (model.aggregator, model.cls_head):
        part.init_weights()
    return model


def stream_weights(path: str, stage: str, weights: Dict[str, torch.Tensor],
                   expected: Optional[Dict[str, torch.Tensor]] = None
                   ) -> Dict:
    """The weights of one stage's checkpoint (``weights``, read from
    ``path``) that the rgb+pose model takes (its stream's backbone),
    checked against the model's (``expected``) when given.

    Raises:
        InputError: the file lacks the stream, holds the other stream
            (another stage's checkpoint), or has weights of other names or
            shapes than the config's.
    """
    prefix = STREAMS[stage]
    other = next(p for s, p in STREAMS.items() if s != stage)
    hint = f'is it a checkpoint of the {stage} config? The order is RGB.pth ' \
        'POSE.pth'
    if any(k.startswith(other) for k in weights) or any(
            k.startswith('aggregator.') for k in weights):
        raise InputError(f'{path} holds {other[:-1]} or aggregator weights: '
                         f'not a {stage} checkpoint ({hint})')
    mine = {k: v for k, v in weights.items() if k.startswith(prefix)}
    if not mine:
        raise InputError(f'{path} has no {prefix[:-1]} weights: not a '
                         f'{stage} checkpoint ({hint})')
    if expected is None:
        return mine
    wanted = [k for k in expected if k.startswith(prefix)
              and not k.endswith('num_batches_tracked')]
    missing = [k for k in wanted if k not in mine]
    if missing:
        raise InputError(f'{path}: {len(missing)} weights of the {stage} '
                         f'stream are missing: {examples(missing)} ({hint})')
    unexpected = [k for k in mine if k not in expected]
    shapes = [f'{k} {list(v.shape)} (the config needs '
              f'{list(expected[k].shape)})' for k, v in mine.items()
              if k in expected and v.shape != expected[k].shape]
    if unexpected or shapes:
        raise InputError(
            f'{path}: weights that do not fit the config\'s {stage} stream: '
            f'{examples(unexpected + shapes)} ({hint})')
    return mine


def published_fresh_parts(rgb_path: str, rgb: Dict[str, torch.Tensor]
                          ) -> Dict[str, torch.Tensor]:
    """The published stage 3's aggregator (gated, as wide as the streams'
    features) and classifier (``TSMHead``, RGB.pth's number of classes),
    freshly initialised, as ``aggregator.*`` and ``cls_head.*`` weights.

    Raises:
        InputError: RGB.pth has no ``TSMHead`` classifier to read the
            number of classes and the feature width from.
    """
    from mmengine.registry import init_default_scope

    from mmactx.registry import MODELS
    fc = rgb.get('cls_head.fc_cls.weight')
    if fc is None or fc.ndim != 2:
        raise InputError(f'{rgb_path} has no cls_head.fc_cls.weight to take '
                         'the number of classes from; give --config')
    num_classes, channels = fc.shape
    init_default_scope('mmactx')
    parts = dict(
        aggregator=MODELS.build(dict(type='PoseGatedAggregator',
                                     in_channels=channels, channels=channels,
                                     gated=True)),
        cls_head=MODELS.build(dict(type='TSMHead', num_classes=num_classes,
                                   in_channels=channels)))
    fresh = OrderedDict()
    for name, part in parts.items():
        part.init_weights()
        for key, value in part.state_dict().items():
            fresh[f'{name}.{key}'] = value.detach().clone()
    return fresh


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Merge, write ``--out`` atomically and say what was done."""
    args = parse_args(argv)
    check_stream_checkpoints({'rgb_only': args.rgb, 'pose_only': args.pose},
                             args.out)
    torch.manual_seed(args.seed)
    expected = None
    if args.config is not None:
        expected = build_rgbpose(args.config, args.cfg_options).state_dict()
    elif args.cfg_options:
        raise InputError('--cfg-options changes --config, which is not given')
    loaded = {stage: load_weights(path) for path, stage in
              ((args.rgb, 'rgb_only'), (args.pose, 'pose_only'))}
    taken = {}
    for path, stage in ((args.rgb, 'rgb_only'), (args.pose, 'pose_only')):
        taken.update(stream_weights(path, stage, loaded[stage], expected))
    if expected is None:
        expected = OrderedDict(taken)
        expected.update(published_fresh_parts(args.rgb, loaded['rgb_only']))
    state, fresh = OrderedDict(), []
    for key, value in expected.items():
        if key in taken:
            state[key] = taken[key]
        else:  # the aggregator, the classifier, num_batches_tracked
            state[key] = value.detach().clone()
            fresh.append(key)
    meta = dict(integralaction_merge=dict(
        rgb=args.rgb, pose=args.pose, config=args.config, seed=args.seed,
        initialised=fresh))
    with atomic_path(args.out) as tmp:
        torch.save(dict(state_dict=state, meta=meta), tmp)
    parts = ('the aggregator and the classifier' if args.config else
             'the published aggregator and classifier')
    print(f'{args.out}: {len(state)} weights, {len(taken)} from the two '
          f'streams, {len(fresh)} initialised (seed {args.seed}: {parts}); '
          f'train with --cfg-options load_from={args.out}')


if __name__ == '__main__':
    run_cli(main)
