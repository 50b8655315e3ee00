"""EPP-Net's parsing feature map: nine label maps of a clip, coloured and
tiled into one image."""
from typing import Dict, List

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from ..parsing import LIP_CLASSES, label_palette, list_label_maps, \
    read_label_map


def parsing_frame_indices(total: int, num: int = 9,
                          test_mode: bool = False) -> np.ndarray:
    """Indices of the ``num`` label maps of a clip of ``total`` frames.

    Test: start 0, step ``total // num``. Training: start drawn from
    ``0..total % num``, step from ``1..total // num`` (numpy's global
    generator), so small steps cover only the start of the clip, as in
    EPP-Net. Fewer than ``num`` frames are reflected in time (a single
    frame is repeated).
    """
    if total < 1:
        raise ValueError('a clip needs at least one label map')
    if total < num:  # 0 1 .. T-1 T-2 .. 1 0 1 ..
        period = max(2 * (total - 1), 1)
        i = np.arange(num) % period
        return np.where(i < total, i, period - i)
    if test_mode:
        start, step = 0, total // num
    else:
        start = np.random.randint(0, total % num + 1)
        step = np.random.randint(1, total // num + 1)
    return start + step * np.arange(num)


@TRANSFORMS.register_module()
class LoadParsingMaps(BaseTransform):
    """Choose and read the label maps of a sample (see
    :func:`parsing_frame_indices`).

    Required Keys:

        - parsing_dir (folder of the sample's PNG label maps)

    Added Keys:

        - parsing_maps (list of uint8 [H, W] class-index maps)
        - parsing_inds

    Args:
        num_maps (int): Maps per sample. Defaults to 9.
        test_mode (bool): Deterministic test sampling. Defaults to False.
        num_classes (int): Labels must be below this. Defaults to 20 (LIP).
    """

    def __init__(self, num_maps: int = 9, test_mode: bool = False,
                 num_classes: int = len(LIP_CLASSES)) -> None:
        self.num_maps = num_maps
        self.test_mode = test_mode
        self.num_classes = num_classes

    def transform(self, results: Dict) -> Dict:
        files = list_label_maps(results['parsing_dir'])
        if not files:
            raise FileNotFoundError(
                f'{results["parsing_dir"]}: no .png label maps')
        inds = parsing_frame_indices(len(files), self.num_maps,
                                     self.test_mode)
        results['parsing_maps'] = [
            read_label_map(files[i], self.num_classes) for i in inds
        ]
        results['parsing_inds'] = inds
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_maps={self.num_maps}, '
                f'test_mode={self.test_mode})')


@TRANSFORMS.register_module()
class ParsingFeatureMap(BaseTransform):
    """Colour the label maps and tile them into one RGB image.

    Each map is resized to ``tile`` x ``tile`` with nearest-neighbour
    interpolation (labels stay labels; EPP-Net's bicubic resize creates
    values that are no class at part edges), optionally flipped and rotated
    (one draw per sample, applied to every tile; uncovered pixels are
    background), coloured with :func:`~mmactx.datasets.parsing.label_palette`
    and pasted row-major into a ``grid`` x ``grid`` canvas.

    Required Keys:

        - parsing_maps

    Added Keys:

        - imgs (a list with the one uint8 RGB canvas [grid*tile, grid*tile,
          3], for mmaction's image transforms)
        - img_shape, original_shape
        - modality ('RGB')

    Args:
        tile (int): Side of each tile in pixels. Defaults to 160.
        grid (int): Tiles per row and column. Defaults to 3.
        flip_ratio (float): Probability of a horizontal flip. Defaults to 0.
        max_rotation (float): Rotation drawn from ``U[0, max_rotation)``
            degrees (counter-clockwise). Defaults to 0.
    """

    def __init__(self, tile: int = 160, grid: int = 3,
                 flip_ratio: float = 0., max_rotation: float = 0.) -> None:
        self.tile = tile
        self.grid = grid
        self.flip_ratio = flip_ratio
        self.max_rotation = max_rotation
        self.palette = label_palette(256)

    def tiles(self, maps: List[np.ndarray]) -> np.ndarray:
        """uint8 [n, tile, tile] label tiles, augmented."""
        t = self.tile
        tiles = np.stack([
            cv2.resize(m, (t, t), interpolation=cv2.INTER_NEAREST)
            for m in maps
        ])
        if self.flip_ratio and np.random.rand() < self.flip_ratio:
            tiles = tiles[:, :, ::-1]
        if self.max_rotation:
            angle = np.random.uniform(0, self.max_rotation)
            rot = cv2.getRotationMatrix2D(((t - 1) / 2, (t - 1) / 2), angle,
                                          1.0)
            tiles = np.stack([
                cv2.warpAffine(np.ascontiguousarray(x), rot, (t, t),
                               flags=cv2.INTER_NEAREST,
                               borderMode=cv2.BORDER_CONSTANT,
                               borderValue=0) for x in tiles
            ])
        return tiles

    def transform(self, results: Dict) -> Dict:
        maps = results['parsing_maps']
        if len(maps) != self.grid**2:
            raise ValueError(f'{len(maps)} label maps for a {self.grid}x'
                             f'{self.grid} grid')
        t, g = self.tile, self.grid
        tiles = self.palette[self.tiles(maps)]  # [n, t, t, 3]
        canvas = tiles.reshape(g, g, t, t, 3).transpose(0, 2, 1, 3, 4)
        canvas = np.ascontiguousarray(canvas.reshape(g * t, g * t, 3))
        results['imgs'] = [canvas]
        results['img_shape'] = results['original_shape'] = canvas.shape[:2]
        results['modality'] = 'RGB'
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tile={self.tile}, grid='
                f'{self.grid}, flip_ratio={self.flip_ratio}, max_rotation='
                f'{self.max_rotation})')
