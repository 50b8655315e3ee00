"""IntegralAction's pose maps as a numpy pipeline transform.

The maps (joint heatmaps + part affinity fields) are defined once in
:mod:`mmactx.rendering.pose_maps`; this transform only lays a record's
keypoints out as ``[T, P, J, 3]`` and calls
:func:`~mmactx.rendering.pose_maps.render_pose_maps`, the function a model
calls on a batch of tensors on its device.
"""
from dataclasses import replace
from typing import Dict, Optional, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.rendering.pose_maps import PoseMapSpec, render_pose_maps
from mmactx.skeletons import SkeletonLayout


@TRANSFORMS.register_module()
class GeneratePoseMaps(BaseTransform):
    """Render IntegralAction's pose maps of a clip: J joint heatmaps and 2L
    PAF channels per frame on a ``grid x grid`` grid.

    The keypoints must already be in the pixels of the final image (after
    the pipeline's crop, resize and ``Flip``: a flip moves every frame and
    every person, left and right swapped). Per frame the ``top_k`` persons
    with the largest mean joint score are kept (ties: lower person index).
    Joints with score ``<= score_thr`` draw no Gaussian; a limb draws its
    PAF only if both end scores are ``>= score_thr``; non-finite
    coordinates or scores mark absent joints. Grid coordinate
    ``u = x * grid / w`` with the maps evaluated at cell centres
    (``j + 0.5``); channels: J heatmaps in the layout's joint order, then
    per limb of ``layout.limbs`` its x and its y component. See
    :mod:`mmactx.rendering.pose_maps`.

    Required Keys:

        - keypoint ([P, T, J, 2], pixels of ``img_shape``; extra coordinate
          columns are ignored)
        - keypoint_score ([P, T, J], optional: 1 for every joint when
          absent)
        - img_shape ((h, w) of the image the keypoints are in)

    Added Keys:

        - pose_maps ([T, C, grid, grid], float32, C = J + 2L: 52 for
          OpenPose-18, 73 for NTU-25; heatmaps in [0, 1], PAF components in
          [-1, 1])

    Args:
        layout (str | SkeletonLayout): Joint layout, its ``limbs`` the PAF
            limbs. Defaults to ``'openpose'``.
        grid (int): Map height and width in cells. Defaults to 56.
        sigma (float): Heatmap Gaussian sigma in grid cells. Defaults to
            0.5.
        paf_sigma (float): PAF band half-width in grid cells. Defaults to
            1.0.
        score_thr (float): Score threshold of joints and limbs. Defaults
            to 0.1.
        top_k (int, optional): Persons kept per frame; None keeps all.
            Defaults to 5.
    """

    def __init__(self,
                 layout: Union[str, SkeletonLayout] = 'openpose',
                 grid: int = 56,
                 sigma: float = 0.5,
                 paf_sigma: float = 1.0,
                 score_thr: float = 0.1,
                 top_k: Optional[int] = 5) -> None:
        # validates every argument once, here
        self.spec = PoseMapSpec(layout=layout, grid=grid, sigma=sigma,
                                paf_sigma=paf_sigma, score_thr=score_thr,
                                top_k=top_k)

    def spec_for(self, img_shape: Tuple[int, int]) -> PoseMapSpec:
        """The spec of an image of ``img_shape`` ``(h, w)``."""
        return replace(self.spec, img_shape=tuple(img_shape[:2]))

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'], dtype=np.float32)
        name = results.get('frame_dir')
        if kp.ndim != 4 or kp.shape[-1] < 2:
            raise ValueError(f'{name!r}: GeneratePoseMaps needs keypoint '
                             f'[P, T, J, 2], got shape {kp.shape}')
        if 'img_shape' not in results:
            raise KeyError(f'{name!r}: GeneratePoseMaps needs img_shape '
                           '(h, w) of the keypoints\' image')
        score = results.get('keypoint_score')
        if score is None:
            score = np.ones(kp.shape[:3], dtype=np.float32)
        score = np.asarray(score, dtype=np.float32)
        if score.shape != kp.shape[:3]:
            raise ValueError(f'{name!r}: keypoint_score shape {score.shape} '
                             f'does not match keypoint {kp.shape}')
        # [P, T, J, 3] -> [T, P, J, 3]
        joints = np.concatenate([kp[..., :2], score[..., None]], axis=-1)
        results['pose_maps'] = render_pose_maps(
            joints.transpose(1, 0, 2, 3), self.spec_for(results['img_shape']))
        return results

    def __repr__(self) -> str:
        s = self.spec
        return (f'{self.__class__.__name__}(layout={s.layout.name!r}, '
                f'grid={s.grid[0]}, sigma={s.sigma}, '
                f'paf_sigma={s.paf_sigma}, score_thr={s.score_thr}, '
                f'top_k={s.top_k})')
