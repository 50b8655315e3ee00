"""The parsing modality: palette, label maps, frame choice, the feature map's
exact tiling and colours, the dataset, and a training step."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.optim import OptimWrapper
from PIL import Image

from mmactx.datasets import AnnotationError, save_annotations
from mmactx.datasets.parsing import label_palette, read_label_map
from mmactx.datasets.transforms import LoadParsingMaps, ParsingFeatureMap
from mmactx.datasets.transforms.parsing import parsing_frame_indices
from mmactx.registry import DATASETS, MODELS, TRANSFORMS

# the brief's colours of the classes EPP-Net's sample shows
COLOURS = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 5: (128, 0, 128),
           9: (192, 0, 0), 13: (192, 0, 128), 14: (64, 128, 128),
           15: (192, 128, 128), 16: (0, 64, 0), 17: (128, 64, 0),
           18: (0, 192, 0), 19: (128, 192, 0)}


def test_palette():
    palette = label_palette()
    assert palette.shape == (20, 3) and len({tuple(c) for c in palette}) == 20
    for k, rgb in COLOURS.items():
        assert tuple(palette[k]) == rgb


def test_frame_indices():
    np.testing.assert_array_equal(parsing_frame_indices(103, test_mode=True),
                                  np.arange(0, 89, 11))
    for seed in range(20):
        np.random.seed(seed)
        inds = parsing_frame_indices(103)
        step = inds[1] - inds[0]
        assert 0 <= inds[0] <= 103 % 9 and 1 <= step <= 103 // 9
        assert inds[-1] < 103
    np.testing.assert_array_equal(parsing_frame_indices(4),
                                  [0, 1, 2, 3, 2, 1, 0, 1, 2])
    np.testing.assert_array_equal(parsing_frame_indices(1), [0] * 9)


def write_map(path, labels, mode='L'):
    Image.fromarray(labels.astype(np.uint8), mode=mode).save(path)


def test_read_label_map_checks(tmp_path):
    labels = np.arange(20, dtype=np.uint8).reshape(4, 5)
    write_map(tmp_path / 'a.png', labels)
    np.testing.assert_array_equal(read_label_map(str(tmp_path / 'a.png')),
                                  labels)
    img = Image.fromarray(labels, mode='L').convert('P')
    img.save(tmp_path / 'p.png')  # palette PNGs hold the indices too
    np.testing.assert_array_equal(read_label_map(str(tmp_path / 'p.png')),
                                  labels)
    write_map(tmp_path / 'b.png', labels + 3)
    with pytest.raises(ValueError, match='b.png: holds label 22'):
        read_label_map(str(tmp_path / 'b.png'))
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / 'c.png')
    with pytest.raises(ValueError, match='c.png: .*mode RGB'):
        read_label_map(str(tmp_path / 'c.png'))


def halves(a, b, h=119, w=119):
    m = np.full((h, w), a, np.uint8)
    m[:, w // 2:] = b
    return m


def test_feature_map_tiles_and_colours():
    palette = label_palette()
    maps = [halves(k, 19 - k) for k in range(9)]
    out = ParsingFeatureMap(tile=160, grid=3).transform(
        dict(parsing_maps=maps))
    canvas = out['imgs'][0]
    assert canvas.shape == (480, 480, 3) and canvas.dtype == np.uint8
    assert out['img_shape'] == (480, 480)
    for k in range(9):
        r, c = divmod(k, 3)  # row-major
        tile = canvas[160 * r:160 * (r + 1), 160 * c:160 * (c + 1)]
        # nearest-neighbour (OpenCV's rule: source column floor(x * 119 /
        # 160)): only the two classes' colours, no mixed labels
        source = (np.arange(160) * 119 / 160).astype(int)
        labels = np.where(source < 59, k, 19 - k)
        np.testing.assert_array_equal(
            tile, np.broadcast_to(palette[labels], (160, 160, 3)))


def test_feature_map_flip_and_rotation_keep_labels():
    palette = {tuple(c) for c in label_palette()}
    maps = [halves(2, 5) for _ in range(9)]
    np.random.seed(0)
    flipped = ParsingFeatureMap(flip_ratio=1.0).transform(
        dict(parsing_maps=maps))['imgs'][0]
    straight = ParsingFeatureMap().transform(
        dict(parsing_maps=maps))['imgs'][0]
    np.testing.assert_array_equal(flipped[:160, :160],
                                  straight[:160, :160][:, ::-1])
    np.random.seed(1)
    rotated = ParsingFeatureMap(max_rotation=30).transform(
        dict(parsing_maps=maps))['imgs'][0]
    assert {tuple(c) for c in rotated.reshape(-1, 3)} <= palette
    assert not np.array_equal(rotated, straight)
    np.testing.assert_array_equal(rotated[:160, :160],
                                  rotated[320:, 320:])  # same for each tile
    with pytest.raises(ValueError, match='8 label maps for a 3x3 grid'):
        ParsingFeatureMap().transform(dict(parsing_maps=maps[:8]))


@pytest.fixture
def parsing_data(tmp_path):
    """Two samples' label maps and an annotation file naming three."""
    rng = np.random.default_rng(0)
    records = []
    for i, frames in enumerate((12, 5, 7)):
        name = f'S001C001P001R001A00{i + 1}'
        records.append(dict(frame_dir=name, label=i, total_frames=2,
                            keypoint=np.ones((1, 2, 25, 3), np.float16)))
        if i == 2:
            continue  # no label maps for the third sample
        folder = tmp_path / 'parsing' / name
        folder.mkdir(parents=True)
        for t in range(frames):
            write_map(folder / f'{t:05d}.png', rng.integers(0, 20, (40, 30)))
    ann = str(tmp_path / 'ann.pkl')
    save_annotations(ann, records, dict(train=[r['frame_dir']
                                               for r in records[:2]],
                                        all=[r['frame_dir']
                                             for r in records]))
    return ann, str(tmp_path / 'parsing')


def test_load_parsing_maps(parsing_data):
    _, root = parsing_data
    out = LoadParsingMaps(test_mode=True).transform(
        dict(parsing_dir=f'{root}/S001C001P001R001A001'))
    np.testing.assert_array_equal(out['parsing_inds'], np.arange(9))
    assert len(out['parsing_maps']) == 9 and out['parsing_maps'][0].shape \
        == (40, 30)
    with pytest.raises(FileNotFoundError, match='no .png label maps'):
        LoadParsingMaps().transform(dict(parsing_dir=f'{root}/nothing'))


def test_dataset_checks_folders_and_trains(parsing_data):
    ann, root = parsing_data
    with pytest.raises(AnnotationError, match="'S001C001P001R001A003' has no"
                       ' label maps'):
        DATASETS.build(dict(type='ParsingDataset', ann_file=ann,
                            parsing_root=root, split='all', pipeline=[]))
    cfg = Config.fromfile('configs/eppnet/ntu60_xsub_parsing.py')
    pipeline = [dict(t, scale=(96, 96)) if t['type'] == 'Resize' else t
                for t in cfg.train_dataloader.dataset.pipeline]
    dataset = DATASETS.build(dict(type='ParsingDataset', ann_file=ann,
                                  parsing_root=root, split='train',
                                  pipeline=pipeline, num_classes=3))
    sample = dataset[0]
    assert sample['inputs'].shape == (1, 3, 96, 96)
    model = MODELS.build(dict(cfg.model, cls_head=dict(cfg.model.cls_head,
                                                       num_classes=3)))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    losses = model.train_step(pseudo_collate([dataset[0], dataset[1]]),
                              optim)
    assert torch.isfinite(losses['loss'])
    test = Compose([TRANSFORMS.build(t)
                    for t in cfg.test_dataloader.dataset.pipeline])
    a = test(dict(parsing_dir=f'{root}/S001C001P001R001A001'))['inputs']
    b = test(dict(parsing_dir=f'{root}/S001C001P001R001A001'))['inputs']
    assert torch.equal(a, b) and a.shape == (1, 3, 299, 299)
