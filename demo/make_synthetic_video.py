"""Render a video of synthetic actions performed one after another, and the
keypoint file of its poses (for ``demo_skeleton.py --pose-backend
precomputed``).

    python demo/make_synthetic_video.py OUT.mp4 --poses OUT.npz \
        --actions wave squat jump punch --frames 60
    python demo/make_synthetic_video.py OUT.mp4 --poses OUT.npz \
        --held-objects --actions wave_ball punch_stick --frames 60

The person is a stick figure drawn from the built-in synthetic generator
(:mod:`mmactx.datasets.synthetic`); each action's clip is moved and scaled
so that the person stays in place between actions. With ``--held-objects``
the actions are the classes of the RGB + pose dataset
(:mod:`mmactx.datasets.synthetic_video`): each is a clip of that dataset, a
person in a room holding a ball or a stick, and the poses are its
detections.
"""
import argparse
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np

from mmactx.utils.cli import run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmactx.datasets import synthetic, synthetic_video
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_file', help='output video (.mp4)')
    parser.add_argument('--poses', required=True,
                        help='output keypoint file (.npz)')
    parser.add_argument('--held-objects', action='store_true',
                        help='persons in rooms holding objects, the classes '
                        'of the RGB + pose dataset: '
                        f'{" ".join(synthetic_video.CLASSES)}')
    parser.add_argument('--actions', nargs='+', default=None,
                        help='actions in order (default: wave squat '
                        'jumping_jack punch; with --held-objects: '
                        'wave_ball squat_stick clap_stick punch_ball); '
                        f'one of {" ".join(synthetic.CLASSES)}, or of the '
                        'classes above with --held-objects')
    parser.add_argument('--frames', type=int, default=60,
                        help='frames per action (default 60)')
    parser.add_argument('--size', type=int, nargs=2, default=(480, 640),
                        metavar=('H', 'W'), help='frame size (default 480 '
                        '640)')
    parser.add_argument('--fps', type=float, default=30.)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.frames < 1 or min(args.size) < 1 or not args.fps > 0:
        parser.error('--frames, --size and --fps must be positive')
    if not args.poses.endswith('.npz'):
        parser.error(f'--poses writes an .npz file; got {args.poses}')
    if args.held_objects:
        classes = synthetic_video.CLASSES
        args.actions = args.actions or ['wave_ball', 'squat_stick',
                                        'clap_stick', 'punch_ball']
    else:
        classes = synthetic.CLASSES
        args.actions = args.actions or ['wave', 'squat', 'jumping_jack',
                                        'punch']
    unknown = [a for a in args.actions if a not in classes]
    if unknown:
        parser.error(f'unknown action(s) {" ".join(unknown)}; choose from '
                     f'{" ".join(classes)}'
                     + ('' if args.held_objects else
                        ' (or pass --held-objects for the RGB + pose '
                        'classes)'))
    return args


def place(kp: np.ndarray, score: np.ndarray, h: int, w: int) -> np.ndarray:
    """Move and scale a clip [T, 17, 2] so that its first frame's body is
    centred and 60% of the frame high; missed joints (score 0) keep their
    (0, 0) coordinates, which PoseCompact and the heatmaps ignore."""
    seen = kp[0][score[0] > 0]
    lo, hi = seen.min(0), seen.max(0)
    scale = 0.6 * h / max(hi[1] - lo[1], 1.)
    placed = (kp - (lo + hi) / 2) * scale + np.array([w / 2, h / 2],
                                                     np.float32)
    placed[score == 0] = 0  # missed joints stay (0, 0), as detectors write
    return placed


def _stick_clip(rng: np.random.Generator, action: str, num_frames: int,
                h: int, w: int) -> Tuple[np.ndarray, np.ndarray, Iterator]:
    """Keypoints [T, 17, 2], scores [T, 17] and the frames of a stick figure
    performing ``action`` (a class of :mod:`mmactx.datasets.synthetic`)."""
    from mmactx.datasets.synthetic import CLASSES, generate_sample
    from mmactx.visualization import draw_skeletons
    rec = generate_sample(rng, CLASSES.index(action), num_frames=num_frames,
                          num_persons=1, img_shape=(h, w))
    score = rec['keypoint_score'][0]
    kp = place(rec['keypoint'][0], score, h, w)

    def frames():
        for t in range(len(kp)):
            frame = np.full((h, w, 3), 40, np.uint8)
            draw_skeletons(frame, kp[None, t], score[None, t])
            yield frame

    return kp, score, frames()


def _held_object_clip(rng: np.random.Generator, action: str,
                      num_frames: int, h: int,
                      w: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keypoints [T, 17, 2], scores [T, 17] and frames [T, h, w, 3] of a
    clip of class ``action`` of :mod:`mmactx.datasets.synthetic_video`."""
    from mmactx.datasets.synthetic_video import (CLASSES,
                                                 generate_video_sample)
    rec, frames = generate_video_sample(rng, CLASSES.index(action), action,
                                        (h, w), num_frames, num_persons=1)
    return rec['keypoint'][0], rec['keypoint_score'][0], frames


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Write the video and its poses.

    Raises:
        InputError: if the two outputs are one file.
    """
    args = parse_args(argv)
    refuse_overwriting_inputs([args.out_file, args.poses], [])
    from mmactx.apis import FramePoses, save_poses
    from mmactx.visualization import video_writer
    h, w = args.size
    rng = np.random.default_rng(args.seed)
    clips = [(_held_object_clip if args.held_objects else _stick_clip)(
        rng, action, args.frames, h, w) for action in args.actions]
    kp = np.concatenate([clip[0] for clip in clips])
    score = np.concatenate([clip[1] for clip in clips])
    with video_writer(args.out_file, args.fps, (w, h)) as writer:
        for frames in (clip[2] for clip in clips):
            for frame in frames:
                writer.write(frame)
    save_poses(args.poses, [FramePoses(kp[None, t], score[None, t])
                            for t in range(len(kp))])
    print(f'wrote {args.out_file} ({len(kp)} frames: '
          f'{", ".join(args.actions)}) and {args.poses}')


if __name__ == '__main__':
    run_cli(main)
