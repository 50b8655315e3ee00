"""Human-parsing label maps (LIP's 20 classes): names, colours, files.

A human parser (e.g. SCHP trained on LIP, as in EPP-Net) writes one label
map per person crop and frame: a PNG whose pixel values are class indices
0..19 (an 8-bit grey or palette PNG; the palette is ignored). mmactx reads
such folders (``<root>/<frame_dir>/<frame>.png``, frames in name order)
whatever parser wrote them.
"""
import glob
import os.path as osp
from typing import List

import numpy as np
from PIL import Image

from mmactx.human_parts import LIP_CLASSES

__all__ = ['LIP_CLASSES', 'label_palette', 'list_label_maps',
           'read_label_map']


def label_palette(num_classes: int = len(LIP_CLASSES)) -> np.ndarray:
    """The VOC-style palette: the bits of the class index spread over R, G
    and B from the most significant bit down (1 -> (128, 0, 0), 2 -> (0, 128,
    0), 9 -> (192, 0, 0), ...).

    Returns:
        np.ndarray: uint8 [num_classes, 3] RGB colours.
    """
    palette = np.zeros((num_classes, 3), np.uint8)
    for k in range(num_classes):
        c, shift = k, 7
        while c:
            for channel in range(3):
                palette[k, channel] |= ((c >> channel) & 1) << shift
            c >>= 3
            shift -= 1
    return palette


def list_label_maps(folder: str) -> List[str]:
    """The PNG label maps of one sample, in name order (frame order when
    names are zero-padded frame numbers)."""
    return sorted(glob.glob(osp.join(folder, '*.png')))


def read_label_map(path: str,
                   num_classes: int = len(LIP_CLASSES)) -> np.ndarray:
    """Read a label map PNG as uint8 class indices [H, W].

    Raises:
        ValueError: if the image is not single-channel or holds a value
            outside ``0..num_classes - 1``; the message names the file.
    """
    with Image.open(path) as img:
        if img.mode not in ('L', 'P'):
            raise ValueError(f'{path}: a label map must be an 8-bit grey or '
                             f'palette PNG of class indices, got mode '
                             f'{img.mode}')
        labels = np.array(img, dtype=np.uint8)
    if labels.max(initial=0) >= num_classes:
        raise ValueError(f'{path}: holds label {labels.max()}, outside '
                         f'0..{num_classes - 1}')
    return labels
