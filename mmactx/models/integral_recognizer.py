"""IntegralAction's recognizer: an RGB stream, a pose stream and their
pose-gated integration, trained in three stages."""
from typing import Dict, Optional, Union

from mmengine.model import BaseModel
from torch import Tensor

from mmactx.registry import MODELS
from mmactx.rendering import PoseMapSpec, render_pose_maps
from .necks import gate_loss

MODES = ('rgb_only', 'pose_only', 'rgb+pose')


@MODELS.register_module()
class IntegralActionRecognizer(BaseModel):
    """RGB frames and pose maps of the same 8 frames, per frame through
    two TSM ResNets, fused by a pose-driven gate, classified per frame and
    averaged over the frames (IntegralAction, Moon et al., CVPRW 2021).

    The three training stages are three ``mode`` values of one model, so
    that the checkpoints of the first two merge into the third
    (``tools/integralaction_merge.py``):

    * ``rgb_only``: ``rgb_backbone`` -> ``cls_head``;
    * ``pose_only``: pose maps -> ``pose_backbone`` -> ``cls_head``;
    * ``rgb+pose``: both streams -> ``aggregator`` -> ``cls_head``, plus
      the gate loss ``-gate_loss_weight * log g``; with
      ``freeze_backbones`` (the published stage 3) the two backbones get no
      gradient (their BatchNorm statistics still follow the data, as in
      the reference, which leaves the model in train mode).

    The pose maps (joint Gaussians and part affinity fields, J + 2L
    channels at 56x56) are rendered here, on the model's device, from the
    keypoints the pipeline cropped and flipped with the frames
    (:func:`mmactx.rendering.render_pose_maps`).

    Inputs: ``imgs`` [N, V x T, 3, H, W] (V views of T frames: 1 in
    training, 10 clips at test) and ``keypoints`` [N, V x T, P, J, 3]
    (x, y in pixels of the frames, score).

    Args:
        mode (str): ``'rgb_only'``, ``'pose_only'`` or ``'rgb+pose'``.
        cls_head (dict): A head over per-frame features [N x V x T, C, h,
            w] that averages its T frames' scores (mmaction2's
            ``TSMHead`` with ``num_segments=T``).
        rgb_backbone (dict, optional): mmaction2's ``ResNetTSM``.
        pose_backbone (dict, optional): :class:`PoseResNetTSM`.
        aggregator (dict, optional): :class:`PoseGatedAggregator`.
        pose_maps (dict, optional): :class:`mmactx.rendering.PoseMapSpec`
            arguments (layout, image size, grid, sigmas, score threshold,
            top-k persons).
        num_segments (int): Frames per view, T. Defaults to 8.
        gate_loss_weight (float): lambda of the gate loss. Defaults to 1.5.
        freeze_backbones (bool): In ``rgb+pose``, no gradient for the
            backbones. Defaults to True.
        data_preprocessor (dict, optional): Moves the inputs to the device
            and scales the frames (IntegralAction: divided by 255 only).
        init_cfg (dict, optional): mmengine initialisation.

    Every part a mode does not use is left out (``rgb_backbone`` is None in
    ``pose_only``, ...), so a stage's checkpoint holds only what it
    trained.
    """

    def __init__(self,
                 mode: str,
                 cls_head: Dict,
                 rgb_backbone: Optional[Dict] = None,
                 pose_backbone: Optional[Dict] = None,
                 aggregator: Optional[Dict] = None,
                 pose_maps: Optional[Dict] = None,
                 num_segments: int = 8,
                 gate_loss_weight: float = 1.5,
                 freeze_backbones: bool = True,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        uses_rgb, uses_pose = mode != 'pose_only', mode != 'rgb_only'
        needed = dict(rgb_backbone=(rgb_backbone, uses_rgb),
                      pose_backbone=(pose_backbone, uses_pose),
                      aggregator=(aggregator, mode == 'rgb+pose'),
                      pose_maps=(pose_maps, uses_pose))
        missing = [k for k, (cfg, need) in needed.items()
                   if need and cfg is None]
        if missing:
            raise ValueError(f'mode {mode!r} needs {", ".join(missing)}')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.mode = mode
        self.num_segments = num_segments
        self.gate_loss_weight = gate_loss_weight
        self.freeze_backbones = freeze_backbones and mode == 'rgb+pose'
        self.rgb_backbone = MODELS.build(rgb_backbone) if uses_rgb else None
        self.pose_backbone = (MODELS.build(pose_backbone) if uses_pose else
                              None)
        self.aggregator = (MODELS.build(aggregator) if mode == 'rgb+pose'
                           else None)
        self.cls_head = MODELS.build(cls_head)
        self.pose_map_spec = None
        if uses_pose:
            self.pose_map_spec = PoseMapSpec(**pose_maps)
        if self.freeze_backbones:
            for backbone in (self.rgb_backbone, self.pose_backbone):
                for param in backbone.parameters():
                    param.requires_grad = False

    def render(self, keypoints: Tensor) -> Tensor:
        """Pose maps [N x V x T, C, 56, 56] of keypoints [N, V x T, P, J,
        3] on their device."""
        maps = render_pose_maps(keypoints, self.pose_map_spec)
        return maps.flatten(0, 1)

    def extract_feat(self, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Per-frame features [N x V x T, C, h, w] (``feature``) and, in
        ``rgb+pose``, the gate [N x V x T, C] (``gate``)."""
        out = {}
        if self.rgb_backbone is not None:
            imgs = inputs['imgs']
            rgb = self.rgb_backbone(imgs.flatten(0, 1))
        if self.pose_backbone is not None:
            pose = self.pose_backbone(self.render(inputs['keypoints']))
        if self.mode == 'rgb_only':
            out['feature'] = rgb
        elif self.mode == 'pose_only':
            out['feature'] = pose
        else:
            out = self.aggregator(rgb, pose)
        return out

    def forward(self, inputs: Dict[str, Tensor], data_samples=None,
                mode: str = 'tensor') -> Union[Dict, list, Tensor]:
        """``'loss'``: the classification loss (and ``loss_gate``);
        ``'predict'``: the data samples with ``pred_score``; ``'tensor'``:
        the per-frame features."""
        feats = self.extract_feat(inputs)
        if mode == 'tensor':
            return feats['feature']
        num_segs = self.num_segments
        if mode == 'loss':
            losses = self.cls_head.loss(feats['feature'], data_samples,
                                        num_segs=num_segs)
            if 'gate' in feats:
                losses['loss_gate'] = gate_loss(feats['gate'],
                                                self.gate_loss_weight)
            return losses
        if mode == 'predict':
            return self.cls_head.predict(feats['feature'], data_samples,
                                         num_segs=num_segs)
        raise RuntimeError(f'invalid mode {mode!r}: loss, predict or tensor')
