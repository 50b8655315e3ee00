"""Estimate a person's pose and recognise their action in a video with
Luvizon et al.'s multitask model (SPNet + action head).

    python demo/demo_multitask.py VIDEO OUT.mp4 --config CFG \\
        --checkpoint CKPT [--label-map FILE] [--device cpu] \\
        [--bbox X1 Y1 X2 Y2] [--clip-len T] [--stride S] [--layout NAME]

Offline, two passes over the video (memory does not grow with its length):

1. Every frame is cropped to a window around the person and resized to
   the model's input size by ``cv2.warpAffine``: by default the largest
   window of the input's aspect (a square for a square input) centred on
   the frame (side min(H, W) for a square input); with ``--bbox X1 Y1 X2
   Y2`` (frame pixels), the window of the input's aspect centred on the
   box and covering it x1.25 (for a square input: the box made square,
   side 1.25 x max(width, height)). Parts of the window outside the frame
   are black. The frames (RGB, uint8 [T, 3, H, W]) go through the model's
   own data preprocessor and the recognizer's predict mode, in clips of
   ``T`` frames starting every ``--stride`` frames (default T: consecutive
   clips). The last clip is padded with the video's last frame.
2. The video is read again and each frame drawn: the 2D pose of SPNet's
   last prediction block (joints with visibility > 0.5), mapped back to
   the frame through the crop's inverse affine; a 3D inset (side view of
   the normalised x, y, z) in the top right corner for a model with depth;
   the crop window; and along the bottom the top-1 label and probability
   of the clip the frame belongs to (frame t belongs to clip t // stride),
   above a timeline of all clips' labels.

``OUT.mp4`` appears only once complete (written under a temporary name,
then renamed). ``--clip-len`` defaults to the config's ``clip_len`` (or
its test pipeline's), else 8; ``--layout`` (bones drawn) to the config's
``layout``, else the known layout with the model's joint count. The model's
input size is the config's ``input_size = (w, h)`` (256 x 256 if absent).
A refused input (a missing video, a config whose model is not a
``MultitaskRecognizer``, a checkpoint that does not fit it) is one
``error:`` line and exit code 2 (``--debug`` shows the traceback).
"""
import argparse
import os.path as osp
import sys
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from mmactx.utils.cli import InputError, check_input_files, run_cli

DEFAULT_CLIP_LEN = 8
#: --bbox windows cover the box this much
BBOX_SCALE = 1.25


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='2D/3D pose and action of a person in a video '
        '(multitask SPNet model)')
    parser.add_argument('video', help='input video file')
    parser.add_argument('out_file', help='output video (.mp4)')
    parser.add_argument('--config', required=True,
                        help='MultitaskRecognizer config')
    parser.add_argument('--checkpoint', required=True,
                        help='its checkpoint (.pth)')
    parser.add_argument('--label-map',
                        help='class names, one per line (default: class '
                        'numbers)')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument('--bbox', type=float, nargs=4,
                        metavar=('X1', 'Y1', 'X2', 'Y2'),
                        help='person box in frame pixels; the crop is this '
                        f'box made square (input aspect) x{BBOX_SCALE} '
                        '(default: the centred square of side min(H, W))')
    parser.add_argument('--clip-len', type=int,
                        help='frames per clip (default: the config\'s, '
                        f'else {DEFAULT_CLIP_LEN})')
    parser.add_argument('--stride', type=int,
                        help='frames between clip starts, 1..clip-len '
                        '(default: clip-len, consecutive clips)')
    parser.add_argument('--layout',
                        help='skeleton layout drawn (default: the '
                        'config\'s layout, else guessed by joint count)')
    parser.add_argument('--threshold', type=float, default=0.5,
                        help='visibility above which a joint is drawn '
                        '(default 0.5)')
    args = parser.parse_args(argv)
    if args.clip_len is not None and args.clip_len < 1:
        parser.error('--clip-len must be positive')
    if args.bbox is not None:
        x1, y1, x2, y2 = args.bbox
        if not (x2 > x1 and y2 > y1):
            parser.error(f'--bbox needs x2 > x1 and y2 > y1, got '
                         f'{args.bbox}')
    return args


# ------------------------------------------------------------ config / model
def clip_len_of(cfg) -> int:
    """The config's clip length: top-level ``clip_len``, else the first
    ``clip_len`` of its test pipeline, else 8."""
    if cfg.get('clip_len') is not None:
        return int(cfg.clip_len)
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get(
            'pipeline', [])
    for step in pipeline or []:
        if isinstance(step, dict) and step.get('clip_len') is not None:
            return int(step['clip_len'])
    return DEFAULT_CLIP_LEN


def load_model(config: str, checkpoint: str, device: str):
    """The config's ``MultitaskRecognizer`` with the checkpoint's weights
    (weights-only; a checkpoint that does not fit is refused by
    :func:`mmactx.engine.checkpoint.check_state_dict`), in eval mode on
    ``device``; and the config.

    Raises:
        InputError: The model is not a ``MultitaskRecognizer``; the
            checkpoint cannot be read or does not fit the model.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmactx.engine.checkpoint import check_state_dict, load_weights
    from mmactx.models.multitask_recognizer import MultitaskRecognizer
    from mmactx.registry import MODELS
    from mmactx.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmactx'))
    if cfg.get('model', {}).get('type') not in ('MultitaskRecognizer',
                                                MultitaskRecognizer):
        raise InputError(f'config {config}: the model is a '
                         f'{cfg.get("model", {}).get("type")!r}, not a '
                         'MultitaskRecognizer (SPNet pose + action head)')
    model_cfg = cfg.model.copy()
    if model_cfg.get('backbone', {}).get('init_cfg') is not None:
        model_cfg.backbone.init_cfg = None  # the checkpoint has the weights
    model = MODELS.build(model_cfg)
    state = load_weights(checkpoint)
    check_state_dict(model, state, checkpoint)
    model.load_state_dict(state, strict=False)  # checked: every weight fits
    if not hasattr(model.data_preprocessor, 'mean'):
        warnings.warn('the config\'s data_preprocessor does not normalise '
                      '(no mean / std): the frames reach the model as '
                      '0..255; the configs use ActionDataPreprocessor('
                      'mean=[127.5] * 3, std=[127.5] * 3)')
    return model.to(device).eval(), cfg


def class_names(path: Optional[str], num_classes: int) -> List[str]:
    """Class names of the label map (numbers when there is none)."""
    if path is None:
        return [str(i) for i in range(num_classes)]
    from mmactx.datasets.label_names import read_label_names
    return read_label_names(path, num_classes)


def skeleton_layout(name: Optional[str], num_joints: int):
    """The layout named (``--layout`` or the config's), else the known one
    with ``num_joints`` joints."""
    from mmactx.visualization.skeleton import layout_for
    try:
        return layout_for(num_joints, name)
    except (KeyError, ValueError) as e:
        raise InputError(f'skeleton layout: {e.args[0]}') from None


# ------------------------------------------------------------ cropping
def crop_matrix(frame_size: Tuple[int, int], input_size: Tuple[int, int],
                bbox: Optional[Sequence[float]] = None) -> np.ndarray:
    """The 2 x 3 affine (frame pixels -> crop pixels) cutting the crop
    window out of a frame, for ``cv2.warpAffine``.

    Args:
        frame_size (tuple[int, int]): Frame (w, h) pixels.
        input_size (tuple[int, int]): Model input (w_in, h_in) pixels.
        bbox (Sequence[float], optional): Person box (x1, y1, x2, y2) in
            frame pixels. The window has the input's aspect, is centred on
            the box and covers it x1.25 (:data:`BBOX_SCALE`). None: the
            largest window of the input's aspect centred on the frame.

    Returns:
        np.ndarray: float64 [2, 3]; the window centre maps to the crop's
        centre (w_in / 2, h_in / 2), the scale is w_in / window width on
        both axes.
    """
    fw, fh = frame_size
    iw, ih = input_size
    aspect = iw / ih
    if bbox is None:
        cx, cy = fw / 2, fh / 2
        width = min(fw, fh * aspect)
    else:
        x1, y1, x2, y2 = bbox
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        width = BBOX_SCALE * max(x2 - x1, (y2 - y1) * aspect)
    scale = iw / width
    return np.array([[scale, 0., iw / 2 - scale * cx],
                     [0., scale, ih / 2 - scale * cy]])


def crop(frame: np.ndarray, matrix: np.ndarray,
         input_size: Tuple[int, int]) -> np.ndarray:
    """BGR frame [H, W, 3] -> RGB crop uint8 [h_in, w_in, 3]."""
    out = cv2.warpAffine(frame, matrix, tuple(input_size),
                         flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.cvtColor(out, cv2.COLOR_BGR2RGB)


def to_frame_pixels(coords: np.ndarray, matrix: np.ndarray,
                    input_size: Tuple[int, int]) -> np.ndarray:
    """Normalised crop coordinates [..., >= 2] (x, y in [0, 1]) -> frame
    pixels [..., 2], through the crop's inverse affine."""
    from mmactx.pose_coords import (apply_affine, denormalize_coords,
                                    invert_affine)
    px = denormalize_coords(np.asarray(coords[..., :2], np.float64),
                            input_size)
    return apply_affine(px, invert_affine(matrix))


class _Progress:
    """mmengine's progress bar (on stderr) for a known frame count."""

    def __init__(self, total: int, title: str) -> None:
        from mmengine.utils import ProgressBar
        print(title, file=sys.stderr)
        self.bar = ProgressBar(total, file=sys.stderr) if total else None

    def update(self) -> None:
        if self.bar is not None and self.bar.completed < self.bar.task_num:
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            sys.stderr.write('\n')


# ------------------------------------------------------------ inference
def predict_clip(model, crops: List[np.ndarray]) -> Dict[str, np.ndarray]:
    """Run the recognizer on one clip of RGB crops [h, w, 3] (uint8).

    Returns:
        dict: ``scores`` [A] (softmax), ``coords`` [T, J, D] (the last
        prediction block, normalised) and ``visibility`` [T, J].
    """
    from mmaction.structures import ActionDataSample
    clip = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2)
    data = dict(inputs=[clip.contiguous()],
                data_samples=[ActionDataSample(metainfo=dict(task='action'))])
    with torch.no_grad():
        sample = model.test_step(data)[0]
    return dict(scores=sample.pred_score.cpu().numpy(),
                coords=sample.pred_coords[-1].cpu().numpy(),
                visibility=sample.pred_visibility[-1].cpu().numpy())


def run_model(model, video: str, matrix: np.ndarray,
              input_size: Tuple[int, int], clip_len: int,
              stride: int) -> Dict:
    """Pass 1: crop every frame and run the clips.

    Returns:
        dict: ``coords`` [F, J, D] and ``visibility`` [F, J] of every
        frame (from its clip t // stride), ``scores`` [C, A] of every clip,
        ``num_frames`` F.
    """
    from mmactx.visualization.video import frames_of, open_video
    cap, _, total = open_video(video)
    cap.release()
    progress = _Progress(total, f'estimating poses and actions of {video}')
    buffer: List[np.ndarray] = []  # crops from frame buffer_start on
    buffer_start = 0
    coords, vis, scores = [], [], []

    def run(clip_idx: int, num_frames: Optional[int]) -> None:
        start = clip_idx * stride
        crops = buffer[start - buffer_start:start - buffer_start + clip_len]
        crops = crops + [crops[-1]] * (clip_len - len(crops))
        out = predict_clip(model, crops)
        scores.append(out['scores'])
        stop = stride if num_frames is None else min(stride,
                                                     num_frames - start)
        coords.extend(out['coords'][:stop])
        vis.extend(out['visibility'][:stop])

    next_clip, num = 0, 0
    for num, frame in enumerate(frames_of(video), 1):
        buffer.append(crop(frame, matrix, input_size))
        if num == next_clip * stride + clip_len:  # the clip is complete
            run(next_clip, None)
            next_clip += 1
            drop = next_clip * stride - buffer_start
            del buffer[:drop]
            buffer_start += drop
        progress.update()
    progress.close()
    if num == 0:
        raise InputError(f'video {video}: no frame could be decoded')
    while next_clip * stride < num:  # the last clips, padded
        run(next_clip, num)
        next_clip += 1
    return dict(coords=np.stack(coords), visibility=np.stack(vis),
                scores=np.stack(scores), num_frames=num)


def draw_frame(frame: np.ndarray, t: int, result: Dict, matrix: np.ndarray,
               input_size: Tuple[int, int], layout, names: Sequence[str],
               stride: int, threshold: float) -> np.ndarray:
    """Draw frame ``t``'s pose, 3D inset, crop window and label track."""
    from mmactx.visualization.multitask import (draw_label_track, draw_pose_2d,
                                                draw_pose_3d_inset)
    coords, vis = result['coords'][t], result['visibility'][t]
    corners = np.array([[0., 0.], [1., 1.]])
    (x1, y1), (x2, y2) = np.round(to_frame_pixels(corners, matrix,
                                                  input_size)).astype(int)
    cv2.rectangle(frame, (int(x1), int(y1)), (int(x2), int(y2)),
                  (160, 160, 160), 1)
    draw_pose_2d(frame, to_frame_pixels(coords, matrix, input_size), vis,
                 layout, threshold)
    if coords.shape[-1] == 3:
        draw_pose_3d_inset(frame, coords, vis, layout, threshold=threshold)
    clip = min(t // stride, len(result['scores']) - 1)
    scores = result['scores'][clip]
    top = int(scores.argmax())
    labels = [int(s.argmax()) for s in result['scores']]
    draw_label_track(frame, f'{names[top]}  p={scores[top]:.2f}', labels,
                     position=t / max(1, result['num_frames'] - 1))
    return frame


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the demo.

    Returns:
        dict: ``out_file``, ``num_frames``, ``clip_len``, ``stride``,
        ``layout``, ``clips`` (per clip: ``start`` frame, ``label``,
        ``name``, ``score``).
    """
    args = parse_args(argv)
    check_input_files({'video': args.video, '--config': args.config,
                       '--checkpoint': args.checkpoint,
                       '--label-map': args.label_map})
    if osp.realpath(args.out_file) in {
            osp.realpath(p) for p in (args.video, args.config,
                                      args.checkpoint, args.label_map)
            if p is not None}:
        raise InputError(f'output {args.out_file} would replace an input')
    from mmactx.apis.multitask import input_size_of
    model, cfg = load_model(args.config, args.checkpoint, args.device)
    input_size = input_size_of(cfg)
    clip_len = args.clip_len or clip_len_of(cfg)
    stride = args.stride or clip_len
    if not 1 <= stride <= clip_len:
        raise InputError(f'--stride must be in [1, clip length {clip_len}]'
                         f', got {stride}')
    names = class_names(args.label_map, model.action_head.num_classes)
    layout = skeleton_layout(args.layout or cfg.get('layout'),
                             model.backbone.num_joints)
    from mmactx.visualization.video import frames_of, open_video
    cap, fps, _ = open_video(args.video)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cap.release()
    matrix = crop_matrix(size, input_size, args.bbox)
    result = run_model(model, args.video, matrix, input_size, clip_len,
                       stride)
    from mmactx.visualization import video_writer
    progress = _Progress(result['num_frames'], f'drawing {args.out_file}')
    written = 0
    with video_writer(args.out_file, fps, size) as writer:
        for t, frame in enumerate(frames_of(args.video)):
            if t >= result['num_frames']:
                break
            writer.write(draw_frame(frame, t, result, matrix, input_size,
                                    layout, names, stride, args.threshold))
            written += 1
            progress.update()
        if written != result['num_frames']:
            raise InputError(f'video {args.video}: the second reading gave '
                             f'{written} frames, the first '
                             f'{result["num_frames"]}')
    progress.close()
    clips = [dict(start=i * stride, label=int(s.argmax()),
                  name=names[int(s.argmax())], score=float(s.max()))
             for i, s in enumerate(result['scores'])]
    print(f'{written} frames, {len(clips)} clip(s) of {clip_len} frames '
          f'(stride {stride}) written to {args.out_file}')
    return dict(out_file=args.out_file, num_frames=written,
                clip_len=clip_len, stride=stride, layout=layout.name,
                clips=clips)


if __name__ == '__main__':
    run_cli(main)
