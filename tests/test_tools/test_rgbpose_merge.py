"""tools/rgbpose_merge.py: the two single-stream checkpoints become
RGBPose-Conv3D's initialisation, which loads strictly and starts out
computing what the two single-stream models compute; bad inputs are
refused before anything is written."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.logging import HistoryBuffer

from mmactx.registry import MODELS
from mmactx.testing import load_script
from mmactx.testing.pickles import FileToucher
from mmactx.utils import InputError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the published models at a quarter of their widths (the RGB pathway keeps
# twice the pose pathway's base channels, as the lateral connections need)
SMALL = {
    'rgb_only': {'model.backbone.base_channels': 16,
                 'model.cls_head.in_channels': 512},
    'pose_only': {'model.backbone.base_channels': 8,
                  'model.cls_head.in_channels': 128},
    'rgbpose': {'model.backbone.rgb_pathway.base_channels': 16,
                'model.backbone.pose_pathway.base_channels': 8,
                'model.cls_head.in_channels': [512, 128]},
}
CFG_OPTIONS = ['--cfg-options'] + [
    f'{k}={v}'.replace(' ', '') for k, v in SMALL['rgbpose'].items()]


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/rgbpose_merge.py')


def small_model(name: str) -> torch.nn.Module:
    """The model of ``configs/rgbpose/ntu60_xsub_{name}.py``, shrunk."""
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'rgbpose', f'ntu60_xsub_{name}.py'))
    cfg.merge_from_dict(SMALL[name])
    return MODELS.build(cfg.model)


def randomised(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """``model`` with random weights and BatchNorm statistics (as after
    training), in eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith('num_batches_tracked'):
                tensor.fill_(100)
            elif name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape, generator=g) + 0.5)
            else:
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=g))
    return model.eval()


def save_checkpoint(model: torch.nn.Module, path: str) -> str:
    """As mmengine's runner saves one: weights, meta, message hub."""
    history = HistoryBuffer()
    history.update(1.5)
    torch.save(dict(meta=dict(epoch=18, iter=1000),
                    state_dict=model.state_dict(),
                    message_hub=dict(log_scalars={'train/loss': history})),
               path)
    return path


@pytest.fixture(scope='module')
def singles(tmp_path_factory):
    """The two single-stream models (random weights) and their files."""
    folder = tmp_path_factory.mktemp('singles')
    rgb = randomised(small_model('rgb_only'), 1)
    pose = randomised(small_model('pose_only'), 2)
    return dict(rgb=rgb, pose=pose,
                rgb_file=save_checkpoint(rgb, str(folder / 'rgb.pth')),
                pose_file=save_checkpoint(pose, str(folder / 'pose.pth')))


@pytest.fixture(scope='module')
def merged(tool, singles, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('merged') / 'rgbpose_init.pth')
    tool.main([singles['rgb_file'], singles['pose_file'], '--out', out] +
              CFG_OPTIONS)
    return out


def test_merged_checkpoint_loads_strictly(merged):
    checkpoint = torch.load(merged, weights_only=True)
    model = small_model('rgbpose')
    model.load_state_dict(checkpoint['state_dict'], strict=True)
    done = checkpoint['meta']['rgbpose_merge']
    # rule 2: the first block after each lateral connection
    assert sorted(done['padded']) == sorted(
        f'backbone.{path}.layer{n}.0.{conv}.conv.weight'
        for path, layers in (('rgb_path', (3, 4)), ('pose_path', (2, 3)))
        for n in layers for conv in ('conv1', 'downsample'))
    # rule 3: only the lateral connections have no single-stream weights
    assert done['initialised'] and all(
        '_lateral.' in k for k in done['initialised'])


def test_pathways_hold_the_single_stream_weights(merged, singles):
    state = torch.load(merged, weights_only=True)['state_dict']
    padded = 0
    for stream, path, fc in (('rgb', 'rgb_path', 'fc_rgb'),
                             ('pose', 'pose_path', 'fc_pose')):
        for key, weight in singles[stream].state_dict().items():
            name = (key.replace('backbone.', f'backbone.{path}.', 1)
                    .replace('cls_head.fc_cls.', f'cls_head.{fc}.'))
            new = state[name]
            if new.shape == weight.shape:
                torch.testing.assert_close(new, weight, rtol=0, atol=0)
                continue
            channels = weight.shape[1]
            torch.testing.assert_close(new[:, :channels], weight, rtol=0,
                                       atol=0)
            assert new[:, channels:].abs().sum() == 0  # zero padding
            padded += 1
    assert padded == 8


def test_merged_model_computes_what_the_single_streams_compute(
        merged, singles):
    model = small_model('rgbpose').eval()
    model.load_state_dict(torch.load(merged, weights_only=True)[
        'state_dict'])
    g = torch.Generator().manual_seed(3)
    rgb = torch.randn(2, 1, 3, 8, 64, 64, generator=g)
    pose = torch.rand(2, 1, 17, 32, 16, 16, generator=g)

    def samples():
        return [ActionDataSample().set_gt_label(0) for _ in range(2)]

    with torch.no_grad():
        fused = model(dict(imgs=rgb, heatmap_imgs=pose), samples(),
                      mode='predict')
        alone = dict(rgb=singles['rgb'](rgb, samples(), mode='predict'),
                     pose=singles['pose'](pose, samples(), mode='predict'))
    # the zero-padded input channels ignore the lateral features, and
    # fc_rgb / fc_pose are the single-stream classifiers
    for stream in ('rgb', 'pose'):
        for two, one in zip(fused, alone[stream]):
            torch.testing.assert_close(two.pred_score[stream],
                                       one.pred_score)


def test_published_model_pads_what_the_notebook_pads(tool):
    """The weights that rule 2 pads in the published model, and their
    shapes, are the ones merge_pretrain.ipynb writes out by hand."""
    model = MODELS.build(Config.fromfile(tool.DEFAULT_CONFIG).model)
    state = model.state_dict()
    shapes = {k: tuple(state[k].shape)
              for path in ('rgb_path', 'pose_path')
              for k in tool.padded_keys(model, path)}
    rgb, pose = 'backbone.rgb_path.', 'backbone.pose_path.'
    assert shapes == {
        rgb + 'layer3.0.conv1.conv.weight': (256, 640, 3, 1, 1),
        rgb + 'layer3.0.downsample.conv.weight': (1024, 640, 1, 1, 1),
        rgb + 'layer4.0.conv1.conv.weight': (512, 1280, 3, 1, 1),
        rgb + 'layer4.0.downsample.conv.weight': (2048, 1280, 1, 1, 1),
        pose + 'layer2.0.conv1.conv.weight': (64, 160, 3, 1, 1),
        pose + 'layer2.0.downsample.conv.weight': (256, 160, 1, 1, 1),
        pose + 'layer3.0.conv1.conv.weight': (128, 320, 3, 1, 1),
        pose + 'layer3.0.downsample.conv.weight': (512, 320, 1, 1, 1),
    }


def test_lateral_weights_follow_the_seed(tool, singles, tmp_path):
    outs = []
    for seed in (0, 0, 1):
        out = str(tmp_path / f'{len(outs)}.pth')
        tool.main([singles['rgb_file'], singles['pose_file'], '--out', out,
                   '--seed', str(seed)] + CFG_OPTIONS)
        outs.append(torch.load(out, weights_only=True)['state_dict'])
    key = 'backbone.rgb_path.layer2_lateral.conv.weight'
    torch.testing.assert_close(outs[0][key], outs[1][key])
    assert not torch.equal(outs[0][key], outs[2][key])


def run_refused(tool, args, tmp_path, match):
    """``main(args)`` raises an InputError matching ``match``, and leaves
    no file (temporaries included) in ``tmp_path`` beyond what was
    there."""
    before = set(os.listdir(tmp_path))
    with pytest.raises(InputError, match=match):
        tool.main(args)
    assert set(os.listdir(tmp_path)) == before


def test_refuses_swapped_and_two_stream_checkpoints(tool, singles, merged,
                                                    tmp_path):
    out = str(tmp_path / 'out.pth')
    rgb, pose = singles['rgb_file'], singles['pose_file']
    run_refused(tool, [pose, rgb, '--out', out] + CFG_OPTIONS, tmp_path,
                f'{pose}: .* weights that the rgb stream does not have: '
                r'backbone\.layer1\.3\..*/ntu60_xsub_rgb_only\.py\? The '
                'order is RGB.pth POSE.pth')
    run_refused(tool, [rgb, merged, '--out', out] + CFG_OPTIONS, tmp_path,
                f'{merged} is already a two-stream RGBPose checkpoint')


def test_refuses_missing_and_misshapen_weights(tool, singles, tmp_path):
    out = str(tmp_path / 'out.pth')
    state = singles['rgb'].state_dict()
    del state['cls_head.fc_cls.weight']
    del state['backbone.layer4.2.conv3.bn.bias']
    lacking = str(tmp_path / 'lacking.pth')
    torch.save(dict(state_dict=state), lacking)
    run_refused(tool, [lacking, singles['pose_file'], '--out', out] +
                CFG_OPTIONS, tmp_path,
                f'{lacking}: 2 weights of the rgb stream are missing: '
                r'backbone\.layer4\.2\.conv3\.bn\.bias, '
                r'cls_head\.fc_cls\.weight')
    state = singles['pose'].state_dict()
    state['cls_head.fc_cls.weight'] = torch.zeros(120, 128)
    state['cls_head.fc_cls.bias'] = torch.zeros(120)
    other = str(tmp_path / 'ntu120.pth')
    torch.save(dict(state_dict=state), other)
    run_refused(tool, [singles['rgb_file'], other, '--out', out] +
                CFG_OPTIONS, tmp_path,
                r'2 weights have another shape than the pose stream .*'
                r'cls_head\.fc_cls\.weight \[120, 128\] \(the pose pathway '
                r'needs \[60, 128\]\).*model\.cls_head\.num_classes=N')


def test_refuses_bad_paths_and_configs(tool, singles, tmp_path):
    rgb, pose = singles['rgb_file'], singles['pose_file']
    run_refused(tool, [rgb, pose, '--out', pose], tmp_path,
                f'output {pose} would replace the input {pose}')
    run_refused(tool, [rgb, rgb, '--out', str(tmp_path / 'o.pth')],
                tmp_path, 'are the same file')
    run_refused(tool, [rgb, pose, '--out', str(tmp_path)], tmp_path,
                f'--out {tmp_path} is a folder')
    run_refused(tool, [rgb, str(tmp_path / 'no.pth'), '--out',
                       str(tmp_path / 'o.pth')], tmp_path,
                f'the pose_only checkpoint {tmp_path}/no.pth does not exist')
    run_refused(tool, [str(tmp_path), pose, '--out',
                       str(tmp_path / 'o.pth')], tmp_path,
                f'the rgb_only checkpoint {tmp_path} is a folder')
    posec3d = osp.join(ROOT, 'configs', 'posec3d', 'ntu60_xsub_joint.py')
    run_refused(tool, [rgb, pose, '--out', str(tmp_path / 'o.pth'),
                       '--config', posec3d], tmp_path,
                "is not an RGBPose-Conv3D config .*'ResNet3dSlowOnly'")
    run_refused(tool, [rgb, pose, '--out', str(tmp_path / 'o.pth'),
                       '--config', str(tmp_path / 'none.py')], tmp_path,
                'none.py does not exist')
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint\n')
    run_refused(tool, [str(text), pose, '--out', str(tmp_path / 'o.pth')] +
                CFG_OPTIONS, tmp_path, f'cannot load checkpoint {text}')


def test_malicious_checkpoint_is_refused_unread(tool, singles, tmp_path):
    marker = tmp_path / 'ran'
    evil = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict=singles['rgb'].state_dict(),
                    meta=FileToucher(str(marker))), evil)
    out = str(tmp_path / 'o.pth')
    with pytest.raises(pickle.UnpicklingError,
                       match=f'{evil}: .*weights-only load refuses'):
        tool.main([evil, singles['pose_file'], '--out', out] + CFG_OPTIONS)
    assert not marker.exists() and not osp.exists(out)


def test_command_line_refusal_is_one_error_line(singles):
    rgb, pose = singles['rgb_file'], singles['pose_file']
    proc = subprocess.run(
        [sys.executable, 'tools/rgbpose_merge.py', rgb, pose, '--out', rgb],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 2
    assert 'rgbpose_merge.py: error: output' in proc.stderr
    assert 'Traceback' not in proc.stderr


def tiny_ntu_like_data(folder, per_split: int = 2) -> str:
    """An annotation file of 4 classes, ``per_split`` records per split,
    each with a 40-frame 192x108 video (its ``filename``) and COCO-17
    keypoints of a 1920x1080 ``img_shape``."""
    import cv2

    from mmactx.datasets.annotation_io import save_annotations
    rng = np.random.RandomState(0)
    records, split = [], {'xsub_train': [], 'xsub_val': []}
    for i in range(2 * per_split):
        name = f'S001C001P00{i}R001A00{i}'
        video = str(folder / f'{name}.mp4')
        writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 30,
                                 (192, 108))
        for _ in range(40):
            writer.write(rng.randint(0, 256, (108, 192, 3), np.uint8))
        writer.release()
        kp = rng.uniform(600, 1300, (1, 1, 17, 2)) + rng.normal(
            0, 30, (1, 40, 17, 2))
        records.append(dict(
            frame_dir=name, filename=video, label=i % 4, total_frames=40,
            img_shape=(1080, 1920), keypoint=kp.astype(np.float32),
            keypoint_score=np.ones((1, 40, 17), np.float32)))
        split['xsub_train' if i < per_split else 'xsub_val'].append(name)
    path = str(folder / 'ntu_like.pkl')
    save_annotations(path, records, split, num_classes=4)
    return path


def train_options(name: str, ann: str, **extra) -> list:
    """--cfg-options of a 1-epoch, 1-process run of a shrunk config on
    :func:`tiny_ntu_like_data`."""
    train = ('train_dataloader.dataset' if name == 'rgbpose' else
             'train_dataloader.dataset.dataset')
    opts = dict(SMALL[name])
    opts.update({
        f'{train}.num_classes': 4,
        'val_dataloader.dataset.num_classes': 4,
        'test_dataloader.dataset.num_classes': 4,
        'model.cls_head.num_classes': 4,
        'train_dataloader.batch_size': 2,
        'val_dataloader.batch_size': 1,
        'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 1,
    })
    for loader in ('train', 'val', 'test'):
        opts[f'{loader}_dataloader.num_workers'] = 0
        opts[f'{loader}_dataloader.persistent_workers'] = False
    if name != 'rgbpose':
        opts['train_dataloader.dataset.times'] = 1
    opts.update(extra)
    return ['--ann-file', ann, '--cfg-options'] + [
        f'{k}={v}'.replace(' ', '') for k, v in opts.items()]


@pytest.mark.slow
def test_issue_commands_train_merge_and_finetune(tool, tmp_path):
    """rgb_only and pose_only train, their checkpoints merge, and rgbpose
    trains from the merge (``load_from``, checked to fit) and reports
    each stream and the 1:1 fusion."""
    from mmactx.testing import run_script
    ann = tiny_ntu_like_data(tmp_path)
    checkpoints = {}
    for name in ('rgb_only', 'pose_only'):
        work = str(tmp_path / name)
        run_script([sys.executable, 'tools/train.py',
                    f'configs/rgbpose/ntu60_xsub_{name}.py', '--work-dir',
                    work] + train_options(name, ann), timeout=600)
        checkpoints[name] = osp.join(work, 'epoch_1.pth')
    merged = str(tmp_path / 'rgbpose_init.pth')
    tool.main([checkpoints['rgb_only'], checkpoints['pose_only'], '--out',
               merged, '--cfg-options', 'model.cls_head.num_classes=4'] +
              CFG_OPTIONS[1:])
    log = run_script(
        [sys.executable, 'tools/train.py',
         'configs/rgbpose/ntu60_xsub_rgbpose.py', '--work-dir',
         str(tmp_path / 'rgbpose')] +
        train_options('rgbpose', ann, load_from=merged),
        timeout=600).stdout
    assert f'Load checkpoint from {merged}' in log
    for key in ('acc/rgb_top1', 'acc/pose_top1', 'acc/RGBPose_1:1_top1'):
        assert key in log

    # test.py --dump (10 clips) keeps both streams; ensemble.py fuses them
    dump = str(tmp_path / 'rgbpose.pkl')
    run_script([sys.executable, 'tools/test.py',
                'configs/rgbpose/ntu60_xsub_rgbpose.py',
                str(tmp_path / 'rgbpose' / 'epoch_1.pth'), '--work-dir',
                str(tmp_path / 'rgbpose'), '--dump', dump] +
               train_options('rgbpose', ann), timeout=600)
    from mmactx.evaluation import dump_streams, load_predictions
    assert dump_streams(dump) == ['rgb', 'pose']
    rgb, labels = load_predictions(dump, 'rgb')
    pose, _ = load_predictions(dump, 'pose')
    assert rgb.shape == pose.shape == (2, 4)  # the 2 xsub_val records
    # test-time scores are each stream's averaged clip probabilities
    np.testing.assert_allclose(rgb.sum(1), 1, rtol=1e-5)
    fused = (rgb + pose).argmax(1)
    out = run_script([sys.executable, 'tools/ensemble.py', dump + ':rgb',
                      dump + ':pose', '--weights', '1', '1']).stdout
    assert (f'fused (2 samples): top1 {(fused == labels).mean():.4f}'
            in out)


def test_synthetic_configs_merge(tool, tmp_path):
    """The synthetic single-stream models (configs/rgbpose/synthetic_*)
    merge into the synthetic two-stream model, which loads the result
    strictly."""
    def synthetic(name):
        return Config.fromfile(
            osp.join(ROOT, 'configs', 'rgbpose', f'synthetic_{name}.py'))

    files = [save_checkpoint(MODELS.build(synthetic(name).model),
                             str(tmp_path / f'{name}.pth'))
             for name in ('rgb_only', 'pose_only')]
    out = str(tmp_path / 'init.pth')
    tool.main(files + ['--config', osp.join(ROOT, 'configs', 'rgbpose',
                                            'synthetic_rgbpose.py'),
                       '--out', out])
    model = MODELS.build(synthetic('rgbpose').model)
    model.load_state_dict(torch.load(out, weights_only=True)['state_dict'],
                          strict=True)
