"""Draw IntegralAction's pose gate on test samples, frame by frame.

    python tools/visualize_gate.py CONFIG CHECKPOINT --out-dir gates/ \\
        [--num 8] [--indices 0 5 ...] [--split test] [--label-map FILE] \\
        [--size 160] [--cfg-options KEY=VALUE ...] [--device cpu]

The fused feature of IntegralAction's ``rgb+pose`` model (Moon et al.,
CVPRW 2021) is ``g * LN(pose) + (1 - g) * LN(rgb)`` per frame and channel:
a gate ``g`` near 1 means the model trusts the pose over the appearance of
that frame. The config's test samples (the first ``--num``, or
``--indices``) run through the model one at a time; each one becomes
``<out-dir>/<index>_<frame_dir, / replaced by _>.png``:

* a title: the sample, its true class, the predicted class and its
  probability, and the gate's mean over the clip;
* the T frames of its first view (clip) as the model saw them (the
  ``imgs`` input), each overlaid with the rendered joint heatmaps (the
  maximum over the joint channels of the pose maps the model rendered) and
  the skeleton of the keypoints it got;
* under each frame a bar and the number of the gate's mean over the
  channels for that frame (0..1).

One line per sample is printed, and ``<out-dir>/gates.json`` holds the
numbers: per sample the gate per view and frame (``gate.view(N * V, T,
C).mean(-1)``), its average over the views, and its mean. Class names come
from ``--label-map``, else the test dataset's ``classes`` meta or the
config's visualisation hook's ``label_map``, else the class indices.

Only an IntegralActionRecognizer in mode ``'rgb+pose'`` with the gated
aggregator has a gate; another config is refused, as are a checkpoint that
does not fit it (loaded weights-only) and an ``--indices`` value outside
the test set: one ``error:`` paragraph and exit code 2, before any picture
is written. Pictures and the JSON are written atomically.
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction

from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import atomic_write_text
from mmactx.visualization import draw_skeletons, write_image

#: pixels between and around the frames of a picture
GAP = 4
#: height of the gate bar under each frame
BAR_H = 10
#: height of the line of the gate's number under its bar
NUMBER_H = 18
#: height of one title line
LINE_H = 20
#: title lines above the frames
TITLE_LINES = 2
#: opacity of the joint heatmaps over the frames (at heat 1)
HEAT_ALPHA = 0.7


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Draw IntegralAction's pose gate on test samples")
    parser.add_argument('config', help='rgb+pose IntegralAction config')
    parser.add_argument('checkpoint', help='its checkpoint (.pth)')
    parser.add_argument('--out-dir', required=True,
                        help='folder of the pictures and gates.json')
    parser.add_argument('--num', type=int, default=8,
                        help='the first NUM test samples, when --indices '
                        'is not given (default 8)')
    parser.add_argument('--indices', type=int, nargs='+',
                        help='test sample indices to draw')
    parser.add_argument('--split', help="the test dataset's split (default: "
                        "the config's)")
    parser.add_argument('--label-map', help='class names, one per line')
    parser.add_argument('--size', type=int, default=160,
                        help='height in pixels of each drawn frame '
                        '(default 160)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. key=value')
    parser.add_argument('--device', default='cpu',
                        help="torch device (default 'cpu')")
    args = parser.parse_args(argv)
    if args.num < 1 or args.size < 16:
        parser.error('--num must be positive and --size at least 16')
    return args


# --------------------------------------------------------------- inputs --


def load_config(path: str, options: Optional[dict] = None) -> Config:
    """The config, with ``options`` merged, if its model has a gate.

    Raises:
        InputError: the config's model is not an IntegralActionRecognizer
            in mode ``'rgb+pose'`` with the gated aggregator, or it has no
            test dataset.
    """
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    model = cfg.get('model') or {}
    kind = model.get('type')
    kind = getattr(kind, '__name__', kind)
    if (str(kind).rsplit('.', 1)[-1] != 'IntegralActionRecognizer'
            or model.get('mode') != 'rgb+pose'):
        raise InputError(
            f'config {path}: the gate exists only in IntegralAction\'s '
            f"rgb+pose model (IntegralActionRecognizer, mode='rgb+pose'); "
            f"its model is {kind!r} in mode {model.get('mode')!r}")
    if not (model.get('aggregator') or {}).get('gated', True):
        raise InputError(f'config {path}: its aggregator is not gated '
                         '(gated=False): the model has no gate to draw')
    dataset = (cfg.get('test_dataloader') or {}).get('dataset')
    if not dataset:
        raise InputError(f'config {path} has no test_dataloader.dataset')
    return cfg


def test_dataset_cfg(cfg: Config, split: Optional[str]) -> dict:
    """The test dataset's config, every dataset it wraps set to ``split``
    when one is given."""
    dataset = cfg.test_dataloader.dataset.copy()
    if split is None:
        return dataset

    def set_split(node) -> None:
        if isinstance(node.get('dataset'), dict):
            set_split(node['dataset'])
        elif isinstance(node.get('datasets'), (list, tuple)):
            for child in node['datasets']:
                set_split(child)
        else:
            node['split'] = split

    set_split(dataset)
    return dataset


def build_dataset(cfg: Config, split: Optional[str]):
    from mmengine.registry import init_default_scope

    from mmactx.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmactx'))
    try:
        return DATASETS.build(test_dataset_cfg(cfg, split))
    except ImportError as e:  # a decoding backend that is not installed
        raise InputError(f"the config's test dataset: {e}") from None


def build_model(cfg: Config, checkpoint: str,
                device: str) -> torch.nn.Module:
    """The model of ``cfg`` with the checkpoint's weights (loaded
    weights-only; a checkpoint that does not fit is refused)."""
    from mmactx.apis import init_recognizer
    from mmactx.engine.checkpoint import check_state_dict, load_weights
    model = init_recognizer(cfg, None, device='cpu')
    weights = load_weights(checkpoint)
    check_state_dict(model, weights, checkpoint)
    model.load_state_dict(weights, strict=False)  # checked above
    return model.to(device).eval()


def class_names(cfg: Config, dataset, label_map: Optional[str],
                num_classes: Optional[int]) -> Optional[List[str]]:
    """Class names: ``--label-map``, else the dataset's ``classes`` meta,
    else the label map of the config's visualisation hook, else None."""
    from mmactx.datasets.label_names import read_label_names
    if label_map is not None:
        return read_label_names(label_map, num_classes)
    classes = getattr(dataset, 'metainfo', {}).get('classes')
    if classes:
        return [str(c) for c in classes]
    hook = (cfg.get('default_hooks') or {}).get('visualization') or {}
    path = hook.get('label_map') if isinstance(hook, dict) else None
    if path and osp.isfile(path):
        return read_label_names(path, num_classes)
    return None


def chosen_indices(indices: Optional[Sequence[int]], num: int,
                   count: int) -> List[int]:
    """``indices``, each checked against the ``count`` test samples, or the
    first ``num``.

    Raises:
        InputError: an index outside ``0..count - 1``, or an empty test
            set.
    """
    if count == 0:
        raise InputError('the test dataset has no samples')
    if not indices:
        return list(range(min(num, count)))
    bad = [i for i in indices if not 0 <= i < count]
    if bad:
        raise InputError(f'--indices {bad[0]}: the test dataset has {count} '
                         f'samples (indices 0..{count - 1})')
    return list(indices)


def image_name(index: int, frame_dir: str) -> str:
    """``<index>_<frame_dir with / replaced by _>.png``."""
    return f'{index}_{frame_dir.replace("/", "_").replace(os.sep, "_")}.png'


# ---------------------------------------------------------------- model --


@torch.no_grad()
def run_sample(model: torch.nn.Module, sample: dict) -> dict:
    """One test sample through the model.

    Returns:
        dict: ``imgs`` (the packed uint8 frames [V x T, 3, H, W]),
        ``keypoints`` [V x T, P, J, 3] and ``heat`` [V x T, h, w] (the
        maximum of the rendered joint heatmaps), as numpy; ``gate`` [V, T]
        (the gate's mean over the channels), ``score`` [K] and ``label``.
    """
    from mmengine.dataset import pseudo_collate
    data = model.data_preprocessor(pseudo_collate([sample]), False)
    inputs, samples = data['inputs'], data['data_samples']
    feats = model.extract_feat(inputs)
    t = model.num_segments
    gate = feats['gate']
    gate = gate.view(-1, t, gate.shape[-1]).mean(-1)  # [N x V, T]
    pred = model.cls_head.predict(feats['feature'], samples, num_segs=t)[0]
    score = pred.pred_score.float()
    if getattr(model.cls_head, 'average_clips', 'prob') != 'prob':
        score = score.softmax(-1)  # the head averaged scores, not probs
    maps = model.render(inputs['keypoints'])  # [N x V x T, C, h, w]
    heat = maps[:, :model.pose_map_spec.num_joints].amax(1)
    label = pred.gt_label if 'gt_label' in pred else None
    return dict(imgs=sample['inputs']['imgs'].cpu().numpy(),
                keypoints=inputs['keypoints'][0].float().cpu().numpy(),
                heat=heat.float().cpu().numpy(),
                gate=gate.float().cpu().numpy(),
                score=score.cpu().numpy(),
                label=None if label is None else int(label.reshape(-1)[0]))


def input_is_bgr(model: torch.nn.Module) -> bool:
    """Whether the packed frames are BGR: the ``imgs`` preprocessor turns
    them to RGB (``to_rgb``); mmaction2's and mmactx's decoders give RGB
    otherwise."""
    pre = model.data_preprocessor
    parts = getattr(pre, 'preprocessors', None)
    if parts is not None:
        pre = parts['imgs'] if 'imgs' in parts else None
    return bool(getattr(pre, 'to_rgb', False))


# -------------------------------------------------------------- drawing --


def frames_bgr(imgs: np.ndarray, num_frames: int, bgr: bool) -> np.ndarray:
    """The first view's frames [T, H, W, 3] uint8 BGR of packed frames
    [V x T, 3, H, W]."""
    frames = np.asarray(imgs[:num_frames]).transpose(0, 2, 3, 1)
    if frames.dtype != np.uint8:
        frames = np.clip(np.round(frames), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(frames if bgr else frames[..., ::-1])


def overlay(frame: np.ndarray, heat: np.ndarray, keypoints: np.ndarray,
            layout, score_thr: float, size: Tuple[int, int]) -> np.ndarray:
    """A frame (BGR [H, W, 3]) drawn at ``size`` (w, h), its joint heatmap
    [h', w'] in [0, 1] blended over it and the skeletons of its keypoints
    [P, J, 3] (pixels of the frame) drawn on top."""
    w, h = size
    img = cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR)
    heat = cv2.resize(np.clip(heat, 0, 1).astype(np.float32), (w, h),
                      interpolation=cv2.INTER_LINEAR)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8),
                               cv2.COLORMAP_INFERNO).astype(np.float32)
    alpha = HEAT_ALPHA * heat[..., None]
    img = (img * (1 - alpha) + colour * alpha).round().astype(np.uint8)
    kp = np.asarray(keypoints, np.float32)
    seen = np.isfinite(kp).all(-1)  # padded persons: NaN, score 0
    pts = np.where(seen[..., None], kp[..., :2], 0) * np.array(
        [w / frame.shape[1], h / frame.shape[0]], np.float32)
    score = np.where(seen, kp[..., 2], 0)
    draw_skeletons(img, pts, score, layout, score_thr=score_thr)
    return img


def gate_colour(g: float) -> Tuple[int, int, int]:
    """BGR from blue (0: appearance) to orange (1: pose)."""
    g = float(np.clip(g, 0, 1))
    rgb_end, pose_end = np.array([220, 120, 40]), np.array([0, 140, 255])
    return tuple(int(c) for c in (1 - g) * rgb_end + g * pose_end)


def _fit_text(text: str, width: int, scale: float = 0.5) -> float:
    """The font scale (at most ``scale``) at which ``text`` fits
    ``width`` pixels."""
    (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    return scale if w <= width else max(0.25, scale * width / w)


def _text(img: np.ndarray, text: str, x: int, y: int,
          scale: float) -> None:
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (20, 20, 20), 1, cv2.LINE_AA)


def sheet_shape(num_frames: int, frame_shape: Tuple[int, int],
                size: int) -> Tuple[int, int, int]:
    """(height, width, 3) of the picture of ``num_frames`` frames of
    ``frame_shape`` (h, w), drawn ``size`` pixels high."""
    h, w = frame_shape
    fw = max(1, round(w * size / h))
    width = num_frames * fw + (num_frames + 1) * GAP
    height = (TITLE_LINES * LINE_H + GAP + size + GAP + BAR_H + NUMBER_H +
              GAP)
    return height, width, 3


def draw_gate(frames: np.ndarray, heat: np.ndarray, keypoints: np.ndarray,
              gates: Sequence[float], title: Sequence[str], layout,
              score_thr: float, size: int) -> np.ndarray:
    """The picture (BGR) of one clip: ``title`` lines, the frames [T, H,
    W, 3] with their heatmaps [T, h, w] and keypoints [T, P, J, 3], and
    under each frame the bar and number of its gate."""
    t, fh, fw0 = frames.shape[:3]
    height, width, _ = sheet_shape(t, (fh, fw0), size)
    fw = max(1, round(fw0 * size / fh))
    sheet = np.full((height, width, 3), 255, np.uint8)
    for i, line in enumerate(title[:TITLE_LINES]):
        _text(sheet, line, GAP, (i + 1) * LINE_H - 6,
              _fit_text(line, width - 2 * GAP))
    top = TITLE_LINES * LINE_H + GAP
    for i in range(t):
        x = GAP + i * (fw + GAP)
        sheet[top:top + size, x:x + fw] = overlay(
            frames[i], heat[i], keypoints[i], layout, score_thr, (fw, size))
        g = float(gates[i])
        y = top + size + GAP
        cv2.rectangle(sheet, (x, y), (x + fw - 1, y + BAR_H - 1),
                      (225, 225, 225), -1)
        filled = int(round(np.clip(g, 0, 1) * fw))
        if filled:
            cv2.rectangle(sheet, (x, y), (x + filled - 1, y + BAR_H - 1),
                          gate_colour(g), -1)
        number = f'{g:.2f}'
        scale = _fit_text(number, fw, 0.45)
        (tw, _), _ = cv2.getTextSize(number, cv2.FONT_HERSHEY_SIMPLEX,
                                     scale, 1)
        _text(sheet, number, x + max(0, (fw - tw) // 2),
              y + BAR_H + NUMBER_H - 5, scale)
    return sheet


def class_text(label: Optional[int], names: Optional[List[str]]) -> str:
    if label is None or label < 0:
        return 'unknown'
    if names and label < len(names):
        return names[label]
    return str(label)


# ----------------------------------------------------------------- main --


def main(argv: Optional[Sequence[str]] = None) -> List[dict]:
    """Draw the chosen samples; returns their entries of ``gates.json``
    (each with ``image``, the picture's path).

    Raises:
        InputError: for a refused config, checkpoint, label map, output
            folder or index, before any picture is written.
    """
    args = parse_args(argv)
    check_input_files({'config': args.config, 'checkpoint': args.checkpoint,
                       '--label-map': args.label_map})
    if osp.exists(args.out_dir) and not osp.isdir(args.out_dir):
        raise InputError(f'--out-dir {args.out_dir} is a file, not a folder')
    cfg = load_config(args.config, args.cfg_options)
    model = build_model(cfg, args.checkpoint, args.device)
    dataset = build_dataset(cfg, args.split)
    indices = chosen_indices(args.indices, args.num, len(dataset))
    names = class_names(cfg, dataset, args.label_map,
                        getattr(model.cls_head, 'num_classes', None))
    bgr = input_is_bgr(model)
    spec = model.pose_map_spec
    t = model.num_segments
    os.makedirs(args.out_dir, exist_ok=True)
    entries = []
    for index in indices:
        frame_dir = str(dataset.get_data_info(index).get('frame_dir', index))
        out = run_sample(model, dataset[index])
        gate = out['gate']  # [V, T]
        per_frame = gate.mean(0)
        pred = int(out['score'].argmax())
        prob = float(out['score'][pred])
        true = class_text(out['label'], names)
        predicted = class_text(pred, names)
        mean = float(gate.mean())
        title = [f'#{index} {frame_dir}   (gate: 1 trusts pose, '
                 '0 appearance)',
                 f'true: {true} | predicted: {predicted} ({prob:.2f}) | '
                 f'mean gate {mean:.2f}']
        sheet = draw_gate(frames_bgr(out['imgs'], t, bgr), out['heat'][:t],
                          out['keypoints'][:t], gate[0], title, spec.layout,
                          spec.score_thr, args.size)
        path = osp.join(args.out_dir, image_name(index, frame_dir))
        write_image(sheet, path)
        entries.append(dict(
            index=index, frame_dir=frame_dir, image=path,
            true_label=out['label'], true_class=true,
            pred_label=pred, pred_class=predicted, pred_prob=prob,
            gate_per_frame=[float(g) for g in per_frame],
            gate_per_view=[[float(g) for g in row] for row in gate],
            mean_gate=mean))
        print(f'{index} {frame_dir}: true {true}, predicted {predicted} '
              f'({prob:.2f}), gate per frame '
              + ' '.join(f'{g:.2f}' for g in per_frame))
    json_path = osp.join(args.out_dir, 'gates.json')
    atomic_write_text(json.dumps(dict(
        config=args.config, checkpoint=args.checkpoint, num_segments=t,
        class_names=names, samples=entries), indent=1) + '\n', json_path)
    print(f'wrote {len(entries)} pictures and {json_path}')
    return entries


if __name__ == '__main__':
    run_cli(main)
