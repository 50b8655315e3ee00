"""mmaction2's ``Flip`` that can take its left/right joints from a layout."""
from typing import Optional, Sequence

from mmaction.datasets.transforms import Flip as _MMActionFlip

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import get_layout


@TRANSFORMS.register_module()
class Flip(_MMActionFlip):
    """mmaction2's ``Flip`` (frames, keypoints and their left/right joints,
    every frame and person alike), plus ``layout``: the name of a layout of
    :mod:`mmactx.skeletons` whose ``left`` and ``right`` joints are swapped,
    so that configs name a skeleton instead of listing joint indices.

    Required, Modified and Added Keys: those of mmaction2's ``Flip``.

    Args:
        flip_ratio (float): Probability of flipping. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'``.
        flip_label_map (dict, optional): Labels that a flip changes.
        left_kp (Sequence[int], optional): Left joints (with ``right_kp``;
            not with ``layout``).
        right_kp (Sequence[int], optional): Their right counterparts.
        layout (str, optional): A layout name (``'coco'``, ``'openpose'``,
            ``'nturgb+d'``, ...) giving ``left_kp`` and ``right_kp``.
        lazy (bool): mmaction2's lazy mode. Defaults to False.
    """

    def __init__(self,
                 flip_ratio: float = 0.5,
                 direction: str = 'horizontal',
                 flip_label_map: Optional[dict] = None,
                 left_kp: Optional[Sequence[int]] = None,
                 right_kp: Optional[Sequence[int]] = None,
                 layout: Optional[str] = None,
                 lazy: bool = False) -> None:
        if layout is not None:
            if left_kp is not None or right_kp is not None:
                raise ValueError('Flip takes layout or left_kp/right_kp, '
                                 'not both')
            skeleton = get_layout(layout)
            left_kp, right_kp = list(skeleton.left), list(skeleton.right)
        super().__init__(flip_ratio=flip_ratio, direction=direction,
                         flip_label_map=flip_label_map, left_kp=left_kp,
                         right_kp=right_kp, lazy=lazy)
        self.layout = layout

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.layout is None:
            return text
        return f'{text[:-1]}, layout={self.layout!r})'
