"""IntegralAction's commands (the issue's) on files in the real formats:
the Kinetics-skeleton release (real files of ../shared/data) with videos,
Mimetics' per-video pose files, and NTU RGB+D's raw skeleton and colour
video (the real sample). Each runs the three stages of the published
configs for one epoch (the published widths: ResNet-18 TSM at 224x224),
the merge, and ``test.py --dump``; the gate pictures are drawn from the NTU
model."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import load_annotations
from mmactx.evaluation import load_predictions
from mmactx.testing import load_script, run_script

pytestmark = pytest.mark.slow

KINETICS_CLASSES = ['pushing cart', 'braiding hair', 'playing harp']
TEST_CLIPS = 2  # of the configs' 10, for speed


def write_noise_video(path: str, frames: int, size=(85, 64)) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(len(path))
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 30, size)
    for _ in range(frames):
        writer.write(rng.integers(0, 256, (size[1], size[0], 3), np.uint8))
    writer.release()


def options(ann: str, videos: str, split: str, extra=()) -> list:
    """--cfg-options of a one-epoch, one-process run on ``split`` of
    ``ann``, testing ``TEST_CLIPS`` clips."""
    opts = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 100,
            'train_dataloader.batch_size': 2,
            'test_dataloader.dataset.pipeline.0.num_clips': TEST_CLIPS}
    for loader in ('train', 'val', 'test'):
        opts.update({f'{loader}_dataloader.num_workers': 0,
                     f'{loader}_dataloader.persistent_workers': False,
                     f'{loader}_dataloader.dataset.ann_file': ann,
                     f'{loader}_dataloader.dataset.split': split,
                     f'{loader}_dataloader.dataset.data_prefix.video':
                     videos})
    opts.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def three_stages(prefix: str, opts: list, work) -> str:
    """Train ``{prefix}_{rgb_only,pose_only}.py``, merge their checkpoints
    (the issue's command, no --config) and train ``{prefix}_rgbpose.py``
    from the merge; the stage-3 checkpoint."""
    ckpt = {}
    for stage in ('rgb_only', 'pose_only', 'rgbpose'):
        extra = []
        if stage == 'rgbpose':
            merged = str(work / 'merged.pth')
            load_script('tools/integralaction_merge.py').main(
                [ckpt['rgb_only'], ckpt['pose_only'], '--out', merged])
            extra = [f'load_from={merged}']
        run_script([sys.executable, 'tools/train.py',
                    f'configs/integralaction/{prefix}_{stage}.py',
                    '--work-dir', str(work / stage)] + opts + extra)
        ckpt[stage] = str(work / stage / 'epoch_1.pth')
    return ckpt['rgbpose']


def check_dump(dump: str, ann: str, split: str, num_classes: int) -> None:
    """One probability vector per record of ``split``, with its label."""
    records = load_annotations(ann, split=split)
    scores, labels = load_predictions(dump)
    assert scores.shape == (len(records), num_classes)
    np.testing.assert_allclose(scores.sum(1), 1, atol=1e-4)
    assert list(labels) == [r['label'] for r in records]


def test_kinetics50_and_mimetics50(shared_data, tmp_path):
    release = osp.dirname(
        shared_data('kinetics_skeleton/kinetics_train_label.json'))
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'classes.txt').write_text('\n'.join(KINETICS_CLASSES) + '\n')
    k400, k50 = str(data / 'k400.pkl'), str(data / 'k50_openpose.pkl')
    load_script('tools/data/convert_kinetics_skeleton.py').main(
        [release, '--layout', 'openpose', '--out', k400, '--workers', '0'])
    load_script('tools/data/build_class_subset.py').main(
        [k400, '--label-map', osp.join(release, 'kinetics_train_label.json'),
         '--classes', str(data / 'classes.txt'), '--out', k50])
    videos = str(data / 'videos')
    records = load_annotations(k50)
    assert len(records) == len(KINETICS_CLASSES)
    for record in records:  # the videos as Kinetics names them
        cls = KINETICS_CLASSES[record['label']].replace(' ', '_')
        write_noise_video(osp.join(videos, cls, f'{record["frame_dir"]}'
                                   '_000012_000022.mp4'), 70)
    ann = str(data / 'kinetics50.pkl')
    load_script('tools/data/link_videos.py').main([k50, videos, '--out',
                                                   ann])
    work = tmp_path / 'work'
    opts = options(ann, videos, 'train', {
        'model.cls_head.num_classes': 3,
        'train_dataloader.dataset.num_classes': 3})
    checkpoint = three_stages('kinetics50', opts, work)
    dump = str(work / 'k50.pkl')
    run_script([sys.executable, 'tools/test.py',
                'configs/integralaction/kinetics50_rgbpose.py', checkpoint,
                '--work-dir', str(work / 'test'), '--dump', dump] + opts)
    check_dump(dump, ann, 'train', 3)

    # Mimetics50: pose_results/<class>/<video>/data.json and the videos
    poses, mimed = data / 'pose_results', str(data / 'mimetics_videos')
    rng = np.random.default_rng(0)
    for i, cls in enumerate(KINETICS_CLASSES[:2]):
        folder = poses / cls.replace(' ', '_') / f'mime{i}'
        folder.mkdir(parents=True)
        frames = 64
        pose = [[float(v) for v in np.column_stack([
            rng.uniform(10, 75, (2 * 18, 1)), rng.uniform(5, 60, (2 * 18, 1)),
            rng.uniform(0, 1, (2 * 18, 1))]).ravel()]
            if t % 9 else None for t in range(frames)]
        score = [[0.9, 0.4] if p is not None else None for p in pose]
        (folder / 'data.json').write_text(json.dumps(dict(pose=pose,
                                                          score=score)))
        write_noise_video(osp.join(mimed, cls.replace(' ', '_'),
                                   f'mime{i}.mp4'), frames)
    mimetics = str(data / 'mimetics50.pkl')
    load_script('tools/data/convert_mimetics.py').main(
        [str(poses), '--videos', mimed, '--classes',
         str(data / 'classes.txt'), '--out', mimetics])
    dump = str(work / 'mimetics.pkl')
    run_script([sys.executable, 'tools/test.py',
                'configs/integralaction/mimetics50_rgbpose.py', checkpoint,
                '--work-dir', str(work / 'test_mimetics'), '--dump', dump,
                '--cfg-options',
                f'test_dataloader.dataset.ann_file={mimetics}',
                f'test_dataloader.dataset.data_prefix.video={mimed}',
                'test_dataloader.num_workers=0',
                'test_dataloader.persistent_workers=False',
                'model.cls_head.num_classes=3',
                f'test_dataloader.dataset.pipeline.0.num_clips={TEST_CLIPS}'])
    check_dump(dump, mimetics, 'test', 3)


def test_ntu60_xsub(shared_data, tmp_path):
    name = 'S001C001P001R001A001'
    raw, avi = tmp_path / 'skeletons', tmp_path / 'rgb'
    raw.mkdir()
    avi.mkdir()
    os.symlink(shared_data(f'ntu_sample/{name}.skeleton'),
               raw / f'{name}.skeleton')
    os.symlink(shared_data(f'ntu_sample/{name}_rgb.avi'),
               avi / f'{name}_rgb.avi')
    out = tmp_path / 'skeleton_ntu25'
    load_script('tools/data/convert_ntu.py').main(
        [str(raw), '--dataset', 'ntu60', '--layout-2d', 'ntu', '--out-dir',
         str(out), '--workers', '0'])
    videos = str(tmp_path / 'videos')
    load_script('tools/data/compress_ntu_videos.py').main(
        [str(avi), videos, '--short-side', '240', '--workers', '0',
         '--no-progress'])
    ann = str(out / 'ntu60_2d.pkl')
    work = tmp_path / 'work'
    # subject 1 is in X-Sub's training half
    opts = options(ann, videos, 'xsub_train')
    checkpoint = three_stages('ntu60_xsub', opts, work)
    dump = str(work / 'ntu.pkl')
    run_script([sys.executable, 'tools/test.py',
                'configs/integralaction/ntu60_xsub_rgbpose.py', checkpoint,
                '--work-dir', str(work / 'test'), '--dump', dump] + opts)
    check_dump(dump, ann, 'xsub_train', 60)

    gates = load_script('tools/visualize_gate.py').main(
        ['configs/integralaction/ntu60_xsub_rgbpose.py', checkpoint,
         '--out-dir', str(tmp_path / 'gates'), '--num', '1'] + opts)
    assert len(gates) == 1 and gates[0]['frame_dir'] == name
    assert len(gates[0]['gate_per_frame']) == 8
    assert all(0 < g < 1 for g in gates[0]['gate_per_frame'])
    assert osp.isfile(gates[0]['image'])
