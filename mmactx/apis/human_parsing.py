"""Person crops from 2D skeletons and the human-parser interface.

EPP-Net parses person crops of every frame; mmactx takes the crop from the
2D skeleton (its box grown by a margin) instead of running a detector. Any
parser fits behind :class:`HumanParser`: a callable from RGB crops to label
maps of LIP's 20 classes. :class:`TorchHumanParser` wraps a torch model
(built by the user's factory function, its weights loaded weights-only), so
a parser such as SCHP runs without mmactx knowing its code; no weights can
be downloaded here, the user brings the checkpoint.
"""
import importlib
from typing import Callable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn as nn

from mmactx.human_parts import LIP_CLASSES


def person_boxes(keypoint: np.ndarray,
                 score: Optional[np.ndarray],
                 img_shape: Tuple[int, int],
                 margin: float = 0.15,
                 min_score: float = 0.05) -> Tuple[np.ndarray, np.ndarray]:
    """The box around all persons' joints in each frame, grown by a margin.

    Args:
        keypoint (np.ndarray): [M, T, V, 2] pixel coordinates.
        score (np.ndarray, optional): [M, T, V] joint scores; joints at or
            below ``min_score`` (and at (0, 0)) are not used.
        img_shape (tuple[int, int]): (h, w); boxes are clipped to it.
        margin (float): Growth on each side, as a fraction of the box's
            larger side (the joints do not reach the top of the head or
            the soles). Defaults to 0.15.
        min_score (float): Defaults to 0.05.

    Returns:
        tuple: ``boxes`` int [T, 4] (x0, y0, x1, y1), end exclusive, and
        ``valid`` bool [T] (frames with no usable joint have no box).
    """
    kp = keypoint.astype(np.float64)
    used = (kp != 0).any(axis=-1)
    if score is not None:
        used &= score > min_score
    used = used.transpose(1, 0, 2).reshape(kp.shape[1], -1)  # [T, M*V]
    xy = kp.transpose(1, 0, 2, 3).reshape(kp.shape[1], -1, 2)
    big = np.where(used[..., None], xy, np.inf)
    small = np.where(used[..., None], xy, -np.inf)
    lo, hi = big.min(axis=1), small.max(axis=1)  # [T, 2]
    valid = used.any(axis=1)
    size = np.where(valid, (hi - lo).max(axis=1), 0)[:, None]
    h, w = img_shape
    lo = np.floor(np.where(valid[:, None], lo - margin * size, 0))
    hi = np.ceil(np.where(valid[:, None], hi + margin * size, 0)) + 1
    boxes = np.concatenate([np.clip(lo, 0, [w, h]), np.clip(hi, 0, [w, h])],
                           axis=1).astype(np.int64)
    valid &= (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes, valid


class HumanParser:
    """Interface of a human parser.

    ``parser(crops)`` takes RGB uint8 crops [h, w, 3] and returns one uint8
    label map per crop (class indices below ``num_classes``, any size).
    """

    num_classes: int = len(LIP_CLASSES)

    def __call__(self, crops: Sequence[np.ndarray]) -> List[np.ndarray]:
        raise NotImplementedError


def letterbox(img: np.ndarray, size: int) -> np.ndarray:
    """Resize keeping the aspect ratio and pad with black to a square."""
    h, w = img.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    out = np.zeros((size, size, 3), img.dtype)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = cv2.resize(
        img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return out


class TorchHumanParser(HumanParser):
    """A torch model as a human parser.

    Each crop is letter-boxed to ``input_size``, normalised (SCHP's
    defaults: BGR order, mean (0.406, 0.456, 0.485), std (0.225, 0.224,
    0.229) on [0, 1]), and the model's class scores [N, C, h, w] (the last
    tensor if it returns several) are turned into label maps by argmax, at
    the model's output resolution (EPP-Net keeps SCHP's 1/4-resolution
    maps).

    Args:
        model (nn.Module): The parser network.
        input_size (int): Side of the square input. Defaults to 473.
        mean (Sequence[float]): Defaults to SCHP's.
        std (Sequence[float]): Defaults to SCHP's.
        bgr (bool): Feed BGR channels. Defaults to True.
        batch_size (int): Crops per forward pass. Defaults to 16.
        device (str): Defaults to 'cpu'.
    """

    def __init__(self,
                 model: nn.Module,
                 input_size: int = 473,
                 mean: Sequence[float] = (0.406, 0.456, 0.485),
                 std: Sequence[float] = (0.225, 0.224, 0.229),
                 bgr: bool = True,
                 batch_size: int = 16,
                 device: str = 'cpu') -> None:
        self.model = model.to(device).eval()
        self.input_size = input_size
        self.mean = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
        self.bgr = bgr
        self.batch_size = batch_size
        self.device = device

    @torch.no_grad()
    def __call__(self, crops: Sequence[np.ndarray]) -> List[np.ndarray]:
        maps = []
        for i in range(0, len(crops), self.batch_size):
            batch = np.stack([
                letterbox(c, self.input_size)
                for c in crops[i:i + self.batch_size]
            ])
            if self.bgr:
                batch = batch[..., ::-1]
            x = torch.from_numpy(np.ascontiguousarray(batch)).permute(
                0, 3, 1, 2).float() / 255
            x = ((x - self.mean) / self.std).to(self.device)
            out = self.model(x)
            if isinstance(out, (list, tuple)):
                out = out[-1]
            if out.ndim != 4 or out.shape[1] > 256:
                raise ValueError(f'the parser returned shape '
                                 f'{tuple(out.shape)}; expected class scores '
                                 '[N, C, h, w] with C <= 256')
            labels = out.argmax(1).to(torch.uint8).cpu().numpy()
            maps += list(labels)
        return maps


def load_parser(factory: str,
                checkpoint: Optional[str] = None,
                **kwargs) -> TorchHumanParser:
    """Build a :class:`TorchHumanParser` from the user's code and weights.

    Args:
        factory (str): ``'package.module:function'``; the function, called
            without arguments, returns the parser's ``nn.Module``.
        checkpoint (str, optional): Its weights: a state dict, or a dict
            with ``state_dict``; loaded with ``torch.load(...,
            weights_only=True)``, so the file cannot run code.
        **kwargs: Passed to :class:`TorchHumanParser`.
    """
    module_name, sep, name = factory.partition(':')
    if not sep:
        raise ValueError(f'--parser must be "package.module:function", got '
                         f'{factory!r}')
    build: Callable[[], nn.Module] = getattr(
        importlib.import_module(module_name), name)
    model = build()
    if checkpoint is not None:
        state = torch.load(checkpoint, map_location='cpu', weights_only=True)
        if isinstance(state, dict) and 'state_dict' in state:
            state = state['state_dict']
        model.load_state_dict(state)
    return TorchHumanParser(model, **kwargs)
