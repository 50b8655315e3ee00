"""Recognise actions in a video from its skeletons.

    python demo/demo_skeleton.py VIDEO OUT.mp4 [--config C --checkpoint K
        --label-map L --pose-backend mediapipe|mmpose|precomputed ...]

Poses are extracted from every frame (MediaPipe BlazePose offline by
default), linked into person tracks, and classified with the config's test
pipeline. ``OUT.mp4`` shows the skeletons and the top predictions;
``OUT.json`` (or ``--json``) holds the predictions. With ``--window N``, a
video longer than N frames is classified in sliding windows of N frames
every ``--stride`` frames, which gives a label track over time (drawn on the
video and listed in the JSON). Outputs are written only when complete.

Configs that read RGB frames beside the poses (RGBPose-Conv3D,
``configs/rgbpose/``: a test pipeline with ``MMDecode`` sampling ``RGB``)
take them from the input video itself, each window decoding its own
frames. A multi-stream model's scores (``rgb``, ``pose``) are fused by
``--stream-weights rgb=1 pose=1`` (default: the config's ``fusion_weights``,
else 1 each) into the weighted sum that is drawn and listed as
``prediction``, as ``tools/ensemble.py`` fuses dumps; each stream's own
predictions are listed in the JSON (``stream_predictions``).

Every option and input file is checked before any work: an output that
would replace an input (``demo.py IN.mp4 IN.mp4``, ``--json`` or
``--save-poses`` naming the video, the poses, the config, the checkpoint or
the label map) is refused, and so are precomputed poses of more or fewer
frames than the video has. A refused input is one ``error:`` line and exit
code 2 (``--debug`` shows the traceback).
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmactx.utils.cli import InputError, check_input_files, run_cli

if TYPE_CHECKING:
    from mmactx.apis import PoseEstimator

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'synthetic_joint.py')
DEFAULT_WORK_DIR = osp.join(ROOT, 'work_dirs', 'synthetic_joint')
DEFAULT_LABEL_MAP = osp.join(ROOT, 'data', 'synthetic', 'label_map.txt')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Skeleton-based action recognition on a video')
    parser.add_argument('video', help='input video file')
    parser.add_argument('out_file', help='output video (.mp4)')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='recognizer config (default: the synthetic '
                        'PoseC3D of the quickstart)')
    parser.add_argument('--checkpoint',
                        help='recognizer checkpoint (default: the last '
                        'checkpoint of work_dirs/synthetic_joint)')
    parser.add_argument('--label-map',
                        help='class names, one per line (default: '
                        'data/synthetic/label_map.txt when it exists)')
    parser.add_argument('--pose-backend', default='mediapipe',
                        choices=['mediapipe', 'mmpose', 'precomputed'],
                        help='pose extraction (default mediapipe, offline)')
    parser.add_argument('--poses',
                        help='keypoint file (.npz/.json) of the precomputed '
                        'backend')
    parser.add_argument('--pose-config', help='mmpose config (mmpose '
                        'backend)')
    parser.add_argument('--pose-checkpoint', help='mmpose checkpoint')
    parser.add_argument('--pose-model',
                        help='MediaPipe PoseLandmarker .task file (default: '
                        'built from the installed mediapipe)')
    parser.add_argument('--max-persons', type=int, default=2,
                        help='persons tracked and classified (default 2)')
    parser.add_argument('--window', type=int, default=0,
                        help='sliding window length in frames; 0 classifies '
                        'the whole video at once (default 0)')
    parser.add_argument('--stride', type=int,
                        help='frames between windows (default window/2)')
    parser.add_argument('--stream-weights', nargs='+', metavar='STREAM=W',
                        help='fusion weights of a multi-stream model, every '
                        'stream named, e.g. rgb=1 pose=1 (default: the '
                        "config's fusion_weights, else 1 each)")
    parser.add_argument('--topk', type=int, default=3,
                        help='predictions drawn and listed (default 3)')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='smallest keypoint score drawn (default 0.3)')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument('--json', help='predictions file (default: OUT with '
                        '.json)')
    parser.add_argument('--save-poses',
                        help='also write the extracted poses (.npz), for '
                        '--pose-backend precomputed')
    args = parser.parse_args(argv)
    if args.pose_backend == 'precomputed' and not args.poses:
        parser.error('--pose-backend precomputed needs --poses FILE')
    if args.pose_backend == 'mmpose' and not (args.pose_config and
                                              args.pose_checkpoint):
        parser.error('--pose-backend mmpose needs --pose-config and '
                     '--pose-checkpoint')
    if args.max_persons < 1 or args.topk < 1 or args.window < 0:
        parser.error('--max-persons and --topk must be positive, --window '
                     'non-negative')
    if args.stride is not None:
        if args.stride < 1:
            parser.error(f'--stride must be positive, got {args.stride}')
        if args.window == 0:
            parser.error('--stride needs --window N (without a window the '
                         'whole video is classified at once)')
        if args.stride > args.window:
            parser.error(f'--stride {args.stride} is larger than --window '
                         f'{args.window}: the frames between windows would '
                         f'not be classified')
    if args.save_poses and not args.save_poses.endswith('.npz'):
        parser.error(f'--save-poses writes an .npz file; got '
                     f'{args.save_poses}')
    if args.stream_weights is not None:
        from mmactx.apis import parse_stream_weights
        try:
            args.stream_weights = parse_stream_weights(args.stream_weights)
        except ValueError as e:
            parser.error(f'--stream-weights: {e}')
    if args.stride is None:
        args.stride = max(1, args.window // 2)
    if args.json is None:
        args.json = osp.splitext(args.out_file)[0] + '.json'
    return args


def default_checkpoint() -> str:
    """The last checkpoint of the quickstart's training run."""
    path = osp.join(DEFAULT_WORK_DIR, 'last_checkpoint')
    if not osp.isfile(path):
        raise InputError('no --checkpoint given and no trained quickstart '
                         f'model ({path}); run tools/quickstart.sh or pass '
                         '--checkpoint')
    with open(path) as f:
        return f.read().strip()


def check_files(args: argparse.Namespace, checkpoint: str,
                label_map: Optional[str]) -> None:
    """Refuse, before any work, a missing input file, an output that is a
    folder, and an output that would replace an input or another output.

    Raises:
        InputError: naming the option and the file.
    """
    from mmactx.utils.fileio import refuse_overwriting_inputs
    checkpoint_option = '--checkpoint' if args.checkpoint else (
        f'the checkpoint named by {DEFAULT_WORK_DIR}/last_checkpoint,')
    inputs = {
        'video': args.video, '--config': args.config,
        checkpoint_option: checkpoint, '--label-map': label_map,
        '--poses': args.poses if args.pose_backend == 'precomputed' else None,
        '--pose-model': args.pose_model, '--pose-config': args.pose_config,
        '--pose-checkpoint': args.pose_checkpoint
    }
    inputs = {k: v for k, v in inputs.items() if v is not None}
    check_input_files(inputs)
    outputs = [args.out_file, args.json] + (
        [args.save_poses] if args.save_poses else [])
    for path in outputs:
        if osp.isdir(path):
            raise InputError(f'output {path} is a folder; give a file name')
    refuse_overwriting_inputs(outputs, list(inputs.values()))


def class_names(path: Optional[str], num_classes: int) -> List[str]:
    """Class names of the label map (numbers when there is none)."""
    from mmactx.datasets.label_names import read_label_names
    if path is None:
        return [str(i) for i in range(num_classes)]
    try:
        return read_label_names(path, num_classes)
    except UnicodeDecodeError as e:
        raise InputError(f'--label-map {path}: not UTF-8 text ({e.reason} '
                         f'at byte {e.start})') from None
    except ValueError as e:
        raise InputError(f'{e} (the model has {num_classes} classes)'
                         ) from None


def pose_estimator(args: argparse.Namespace) -> 'PoseEstimator':
    """The pose backend of the options, started (a precomputed file is read
    and checked here, before any other work)."""
    from mmactx.apis import build_pose_estimator
    if args.pose_backend == 'precomputed':
        kwargs = dict(path=args.poses)
    elif args.pose_backend == 'mmpose':
        kwargs = dict(config=args.pose_config,
                      checkpoint=args.pose_checkpoint, device=args.device,
                      num_poses=args.max_persons)
    else:
        kwargs = dict(num_poses=args.max_persons, model_path=args.pose_model)
    return build_pose_estimator(args.pose_backend, **kwargs)


def extract_poses(args: argparse.Namespace, estimator: 'PoseEstimator',
                  fps: float) -> Tuple[list, tuple]:
    """Per-frame poses of the video and its (h, w), with progress.

    Raises:
        InputError: if no frame can be decoded, or precomputed poses are of
            more or fewer frames than the video has.
    """
    from mmactx.visualization.video import frames_of
    frames, shape = [], None
    start = time.perf_counter()
    for t, frame in enumerate(frames_of(args.video)):
        shape = frame.shape[:2]
        frames.append(estimator(frame, t, round(t * 1000 / fps)))
        if (t + 1) % 50 == 0:
            rate = (t + 1) / (time.perf_counter() - start)
            print(f'poses: {t + 1} frames ({rate:.1f} frames/s)',
                  file=sys.stderr, flush=True)
    if not frames:
        raise InputError(f'cannot decode video {args.video}: no frames')
    if args.pose_backend == 'precomputed':
        estimator.check_frame_count(len(frames), args.video)
    return frames, shape


def top(scores: np.ndarray, names: Sequence[str], k: int) -> List[Dict]:
    order = np.argsort(-scores, kind='stable')[:k]
    return [dict(label=int(i), name=names[i], score=float(scores[i]))
            for i in order]


def stream_tops(streams: Dict[str, np.ndarray], names: Sequence[str],
                k: int) -> Dict[str, List[Dict]]:
    """The top ``k`` predictions of each stream of a multi-stream model."""
    return {s: top(sc, names, k) for s, sc in streams.items()}


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the demo; returns the predictions written to the JSON file.

    Raises:
        InputError: for a refused option or input file, before any output
            is written.
    """
    args = parse_args(argv)
    from mmactx.apis import (SkeletonRecognizer, frame_windows,
                             init_recognizer, save_poses, skeleton_record,
                             track_persons, window_bounds)
    from mmactx.utils.fileio import atomic_write_text
    from mmactx.visualization import (draw_skeletons, put_text_lines,
                                      video_writer)

    # everything that can fail fast does so before the long work
    checkpoint = args.checkpoint or default_checkpoint()
    label_map = args.label_map or (DEFAULT_LABEL_MAP if osp.isfile(
        DEFAULT_LABEL_MAP) and args.config == DEFAULT_CONFIG else None)
    check_files(args, checkpoint, label_map)
    from mmactx.visualization.video import frames_of, open_video
    cap, fps, _ = open_video(args.video)
    cap.release()
    with pose_estimator(args) as estimator:
        model = init_recognizer(args.config, checkpoint, args.device)
        try:
            recognizer = SkeletonRecognizer(
                model, stream_weights=args.stream_weights)
        except InputError as e:
            option = ('--stream-weights' if args.stream_weights is not None
                      else f'--config {args.config}')
            raise InputError(f'{option}: {e}') from None
        # an RGB config decodes the video with its own backend: refuse a
        # video that backend cannot read before the long pose extraction
        recognizer.check_video(args.video)
        num_classes = model.cls_head.num_classes
        names = class_names(label_map, num_classes)

        start = time.perf_counter()
        poses, (h, w) = extract_poses(args, estimator, fps)
    pose_time = time.perf_counter() - start
    if args.save_poses:
        save_poses(args.save_poses, poses)
    keypoint, score = track_persons(poses, max_persons=args.max_persons)
    if keypoint.shape[0] == 0:
        raise InputError(f'nobody found in {args.video} ({len(poses)} '
                         f'frames, {args.pose_backend} poses); nothing '
                         f'written')
    num_frames = len(poses)
    name = osp.splitext(osp.basename(args.video))[0]
    # RGB configs read the window's frames from the video (and only those)
    video = args.video if recognizer.reads_video else None

    def predict(s: int, e: int) -> Tuple[np.ndarray, Dict]:
        return recognizer.predict(
            skeleton_record(keypoint[:, s:e], score[:, s:e], (h, w), name,
                            video=video, start_frame=s))

    video_scores, video_streams = predict(0, num_frames)
    bounds = window_bounds(num_frames, args.window, args.stride)
    if len(bounds) == 1:
        window_scores = [(video_scores, video_streams)]
    else:
        window_scores = [predict(s, e) for s, e in bounds]
    label_of_frame = frame_windows(num_frames, bounds)
    windows = []
    for (s, e), (sc, streams) in zip(bounds, window_scores):
        windows.append(dict(start_frame=s, end_frame=e,
                            start_time=round(s / fps, 3),
                            end_time=round(e / fps, 3),
                            prediction=top(sc, names, args.topk)))
        if streams:
            windows[-1]['stream_predictions'] = stream_tops(
                streams, names, args.topk)

    fusion = 'fused ' + ' + '.join(
        f'{v:g} {k}' for k, v in recognizer.stream_weights.items())
    with video_writer(args.out_file, fps, (w, h)) as writer:
        for t, frame in enumerate(frames_of(args.video)):
            if t >= num_frames:
                break
            draw_skeletons(frame, keypoint[:, t], score[:, t],
                           score_thr=args.score_thr)
            win = windows[label_of_frame[t]]
            lines = [f'{p["name"]}: {p["score"]:.2f}'
                     for p in win['prediction']]
            # a multi-stream model: its weights, the fused top-k, then each
            # stream's best
            streams = win.get('stream_predictions', {})
            if streams:
                lines.insert(len(lines) - len(win['prediction']), fusion)
            lines += [f'{s}: {p[0]["name"]} {p[0]["score"]:.2f}'
                      for s, p in streams.items()]
            if len(windows) > 1:
                lines.insert(0, f'frames {win["start_frame"]}-'
                             f'{win["end_frame"] - 1}')
            writer.write(put_text_lines(frame, lines))
    total_time = time.perf_counter() - start
    result = dict(
        video=args.video, output=args.out_file, frames=num_frames,
        fps=fps, img_shape=[h, w], persons=int(keypoint.shape[0]),
        pose_backend=args.pose_backend, rgb_frames=recognizer.reads_video,
        config=args.config,
        checkpoint=checkpoint,
        prediction=top(video_scores, names, args.topk),
        windows=windows,
        frame_labels=[windows[i]['prediction'][0]['label']
                      for i in label_of_frame])
    if video_streams:
        result.update(
            stream_weights=recognizer.stream_weights,
            stream_predictions=stream_tops(video_streams, names, args.topk))
    atomic_write_text(json.dumps(result, indent=1) + '\n', args.json)
    best = result['prediction'][0]
    print(f'{args.video}: {best["name"]} ({best["score"]:.3f}); '
          f'{num_frames} frames, {keypoint.shape[0]} person(s), '
          f'{len(windows)} window(s); poses {num_frames / pose_time:.1f} '
          f'frames/s, whole demo {num_frames / total_time:.1f} frames/s')
    print(f'wrote {args.out_file} and {args.json}')
    return result


if __name__ == '__main__':
    run_cli(main)
