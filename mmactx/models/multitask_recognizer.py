"""Luvizon et al.'s multitask model (CVPR'18 / TPAMI'20): SPNet pose
estimation and the pose + appearance action head in one model, trained on
alternating pose batches (single frames with joint labels) and action
batches (clips with an action label)."""
import copy
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from mmactx.models.heads.soft_argmax import read_pose
from mmactx.pose_coords import (apply_affine, denormalize_coords,
                                denormalize_depth, invert_affine)
from mmactx.registry import MODELS

TASKS = ('pose', 'action')
#: How the class probabilities of a sample's views (clips, flips) combine:
#: ``'prob_product'`` multiplies them (deephar's NTU test, renormalised),
#: ``'prob'`` averages them (mmaction2's ``average_clips='prob'``)
VIEW_AVERAGING = ('prob_product', 'prob')


def batch_task(data_samples: Optional[Sequence]) -> str:
    """The task of a batch: the ``task`` metainfo (``'pose'`` or
    ``'action'``) shared by all its data samples.

    Raises:
        ValueError: No data samples, a sample without ``task`` or with an
            unknown one, or a batch mixing both tasks.
    """
    if not data_samples:
        raise ValueError(
            "MultitaskRecognizer needs data samples with a 'task' metainfo "
            "('pose' or 'action') to tell a pose batch from an action batch")
    tasks = []
    for i, sample in enumerate(data_samples):
        task = sample.metainfo.get('task')
        if task is None:
            raise ValueError(
                f"data sample {i} has no 'task' metainfo; set it to one of "
                f'{TASKS} (e.g. ActionDataSample(metainfo=dict(task=...)) '
                f"or 'task' in PackActionInputs' meta_keys)")
        if task not in TASKS:
            raise ValueError(f'data sample {i} has task {task!r}; expected '
                             f'one of {TASKS}')
        tasks.append(task)
    if len(set(tasks)) > 1:
        raise ValueError(
            f'a batch must hold one task, but it mixes pose and action '
            f'samples (tasks {tasks}); alternate pose and action batches '
            f'instead')
    return tasks[0]


def _stack(inputs: Union[Tensor, Sequence[Tensor]]) -> Tensor:
    if isinstance(inputs, Tensor):
        return inputs
    return torch.stack(list(inputs))


def _field(sample, name: str, index: int) -> Tensor:
    if name not in sample:
        raise ValueError(f'pose data sample {index} lacks the {name!r} '
                         f'field (a data field of the ActionDataSample)')
    return torch.as_tensor(sample.get(name))


def _meta_array(meta: dict, key: str, shape: tuple, index: int,
                size: Optional[int] = None) -> np.ndarray:
    """``meta[key]`` as float64 of ``shape`` (or any shape of ``size``
    values, reshaped: cameras store ``f`` as [2, 1])."""
    value = np.asarray(meta[key], dtype=np.float64)
    if size is not None and value.size == size:
        value = value.reshape(shape)
    if value.shape != shape:
        raise ValueError(f'pose data sample {index}: metainfo {key!r} must '
                         f'have shape {shape}, got {value.shape}')
    return value


def image_poses(coords: Tensor, meta: dict, index: int = 0) -> Tensor:
    """A pose sample's predictions in the image: crop targets [..., J, D]
    (see :mod:`mmactx.pose_coords`) -> image pixels [..., J, 2] or, where
    the model predicts depth and the metainfo has ``root_depth`` and
    ``depth_span``, [..., J, 3]: pixels and the depth in the data's unit,
    or with a pinhole ``camera_param`` (``f``, ``c`` in pixels, as
    mmpose's Human3.6M cameras) the camera-space point ``((u - c_x) z /
    f_x, (v - c_y) z / f_y, z)`` (the paper's H36M evaluation: the
    ground-truth root depth, then the inverse projection).

    The metainfo (:class:`~mmactx.datasets.transforms.CropAffine` and
    :class:`~mmactx.datasets.transforms.PoseCoordTargets` record it) holds
    ``input_size`` ``(w, h)`` of the crop and ``crop_matrix``, the 2 x 3
    affine image -> crop, and for a flipped crop ``crop_joint_order``
    (joint j of the crop is joint ``crop_joint_order[j]`` of the image),
    whose order the result takes. Without them the coordinates stay crop
    targets.
    """
    if 'crop_matrix' not in meta or 'input_size' not in meta:
        return coords
    if 'crop_joint_order' in meta:
        order = torch.as_tensor(np.asarray(meta['crop_joint_order']),
                                device=coords.device)
        coords = coords.index_select(-2, torch.argsort(order))
    matrix = coords.new_tensor(
        invert_affine(_meta_array(meta, 'crop_matrix', (2, 3), index)))
    xy = apply_affine(denormalize_coords(coords[..., :2], meta['input_size']),
                      matrix)
    if coords.shape[-1] < 3 or 'root_depth' not in meta:
        return xy
    z = denormalize_depth(coords[..., 2:3], float(meta['root_depth']),
                          float(meta['depth_span']))
    camera = meta.get('camera_param')
    if camera is not None:
        f = coords.new_tensor(_meta_array(camera, 'f', (2, ), index, 2))
        c = coords.new_tensor(_meta_array(camera, 'c', (2, ), index, 2))
        xy = (xy - c) * z / f
    return torch.cat([xy, z], dim=-1)


def _fill_replica(module, state_dict: dict, prefix: str, *args) -> None:
    """Load-state-dict pre-hook of a ``pose_replica`` model: a checkpoint
    without the replica (a pose model's) gives it the pose convolutions'
    weights, as deephar copies them."""
    for dst, src in module._replica_sources().items():
        if prefix + dst not in state_dict and prefix + src in state_dict:
            state_dict[prefix + dst] = state_dict[prefix + src].clone()


@MODELS.register_module()
class MultitaskRecognizer(BaseModel):
    """SPNet pose estimation and the multitask action head (Luvizon et al.,
    CVPR'18 / TPAMI'20), trained on alternating pose and action batches.

    Every data sample says what its batch is by its metainfo ``task``:
    ``'pose'`` or ``'action'`` (never guessed from shapes; a batch missing
    it or mixing both is refused with a ValueError).

    **Pose batch** (``task='pose'``): ``inputs`` images [N, 3, H, W]
    (already normalised; a tensor or a list of [3, H, W]). Each data
    sample carries, as *data fields* (``sample.gt_coords = ...``, so
    that ``.to(device)`` moves them):

    * ``gt_coords`` [J, D]: coordinates in [0, 1] (x, y[, z]);
    * ``gt_coords_valid`` [J, D] bool: True where labelled (optional, all
      True if absent); values at False entries are ignored (NaN allowed);
    * ``gt_visible`` [J]: 0 / 1, the joint lies inside the crop.

    The label dimension D may differ from the model's D_p (3 with
    ``with_depth``): 2D labels for a 3D model get their z entries marked
    invalid (2D-only data mixed with 3D data); 3D labels for a 2D model
    have their z dropped. Losses (deep supervision over all K prediction
    blocks): ``loss_coord`` = sum over blocks of ``coord_loss``,
    ``loss_visibility`` = sum over blocks of ``visibility_loss`` (which
    clips the visibility as Keras' BCE does: it saturates at 1, always on
    a 2 x 2 map).

    **Action batch** (``task='action'``): ``inputs`` clips [N, T, 3, H, W]
    (or a list of [T, 3, H, W]) and ``gt_label`` per sample (a class
    index, or a probability vector [A]). SPNet runs on the N x T frames;
    the outputs of block ``action_block`` are reshaped to [N, T, ...] and
    fed to the action head. Losses: the head's ``loss`` dict
    (``loss_pose_k``, ``loss_appearance_k``, ``loss_fused``).

    **Test views**: an action batch of [N, V, T, 3, H, W] holds V views per
    sample (clips, and their mirror images from ``FlipViews``); their class
    probabilities are combined by ``average_views``.

    **Predict**: action batch: ``pred_score`` [A] = softmax of the fused
    logits (combined over the views), ``pred_label`` its argmax and, for
    single-view clips [N, T, ...] only (so that multi-view test dumps stay
    small), the per-block poses of the frames, ``pred_coords`` [K, T, J,
    D_p] and ``pred_visibility`` [K, T, J]; pose batch: ``pred_coords``
    [K, J, D_p], ``pred_visibility`` [K, J] and, for the pose metrics
    (:class:`~mmactx.evaluation.MultiBlockPCKh`,
    :class:`~mmactx.evaluation.MultiBlockMPJPE`), ``pred_instances`` with
    ``block_keypoints`` [1, K, J, 2 or 3] and ``keypoints`` [1, J, 2 or 3]
    (the last block) in image pixels (plus depth, see :func:`image_poses`)
    and ``keypoint_scores`` [1, J] (all detached; block order = SPNet's
    execution order).

    **Tensor**: SPNet's list of per-block dicts (``coords``,
    ``visibility``, ``heatmaps``, ``features``); for an action batch each
    tensor is reshaped to [N, T, ...]. Without data samples the inputs are
    taken as images [N, 3, H, W].

    Args:
        backbone (dict): :class:`SPNet` config.
        action_head (dict, optional): :class:`MultitaskActionHead` config;
            its ``pose_dim`` must be SPNet's D_p (2, or 3 with
            ``with_depth``) and its ``feat_channels`` the channels of the
            ``action_block``'s level. None makes a pose estimator, which
            refuses action batches.
        coord_loss (dict, optional): Coordinate loss, called
            ``(pred [N, J, D_p], target, valid)``. Defaults to
            :class:`ElasticNetCoordLoss`.
        visibility_loss (dict, optional): Visibility loss, called
            ``(pred [N, J], target)``. Defaults to
            :class:`VisibilityBCELoss` (weight 0.01).
        action_block (int): Index of the SPNet prediction block that feeds
            the action head (Python indexing). Defaults to -1, the last.
        pose_replica (bool): TPAMI's decoupled action gradients: the action
            head reads the poses of a replica of the ``action_block``'s
            heatmap (and depth) convolution, applied to the same
            activations, and pools the level's first features (SPNet's
            ``level_features``: the entry flow's output for level 0, before
            any heatmap is re-injected), so that the action losses never
            reach that block's pose convolutions. The replica starts as a
            copy of them: at ``init_weights`` and when a checkpoint without
            it (a pose model's) is loaded. Defaults to False (CVPR'18: the
            head reads the block's own poses and output features).
        average_views (str): How the probabilities of a sample's test
            views combine, one of :data:`VIEW_AVERAGING`. Defaults to
            ``'prob_product'``, the paper's.
        data_preprocessor (dict, optional): mmengine data preprocessor
            (moves the data to the device; the default one does only that,
            so the inputs must be tensors already normalised).
        init_cfg (dict, optional): mmengine initialisation.
    """

    def __init__(self,
                 backbone: Dict,
                 action_head: Optional[Dict] = None,
                 coord_loss: Optional[Dict] = None,
                 visibility_loss: Optional[Dict] = None,
                 action_block: int = -1,
                 pose_replica: bool = False,
                 average_views: str = 'prob_product',
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.action_head = (MODELS.build(action_head)
                            if action_head is not None else None)
        self.coord_loss = MODELS.build(
            coord_loss or dict(type='ElasticNetCoordLoss'))
        self.visibility_loss = MODELS.build(
            visibility_loss or dict(type='VisibilityBCELoss'))
        if average_views not in VIEW_AVERAGING:
            raise ValueError(f'average_views must be one of '
                             f'{VIEW_AVERAGING}, got {average_views!r}')
        self.average_views = average_views
        num_blocks = self.backbone.num_blocks
        if not -num_blocks <= action_block < num_blocks:
            raise ValueError(f'action_block {action_block} is out of range '
                             f'for a backbone with {num_blocks} prediction '
                             f'blocks')
        self.action_block = action_block % num_blocks
        self.pose_dim = 3 if self.backbone.with_depth else 2
        if self.action_head is not None:
            self._check_action_head()
        self.pose_replica = pose_replica
        if pose_replica:
            block = self.backbone.blocks[self.action_block]
            self.replica_heatmap = copy.deepcopy(block.heatmap_conv)
            self.replica_depth = (copy.deepcopy(block.depth_conv)
                                  if self.backbone.with_depth else None)
            self.register_load_state_dict_pre_hook(_fill_replica)

    def _replica_sources(self) -> Dict[str, str]:
        """Replica parameter name -> the pose convolution it copies."""
        block = f'backbone.blocks.{self.action_block}'
        names = {'replica_heatmap.weight': f'{block}.heatmap_conv.weight'}
        if self.replica_depth is not None:
            names['replica_depth.weight'] = f'{block}.depth_conv.weight'
        return names

    def init_weights(self) -> None:
        """mmengine's initialisation, then the replica copies the pose
        convolutions."""
        super().init_weights()
        if self.pose_replica:
            params = dict(self.named_parameters())
            with torch.no_grad():
                for dst, src in self._replica_sources().items():
                    params[dst].copy_(params[src])

    def _check_action_head(self) -> None:
        head_dim = self.action_head.pose_branch.in_channels
        if head_dim != self.pose_dim:
            raise ValueError(f'action_head pose_dim ({head_dim}) must be the '
                             f"backbone's coordinate dimension "
                             f'({self.pose_dim})')
        level = self.backbone.block_levels[self.action_block]
        channels = self.backbone.level_channels[level]
        head_channels = self.action_head.appearance_branch.in_channels
        if head_channels != channels:
            raise ValueError(f'action_head feat_channels ({head_channels}) '
                             f'must be the channels of block '
                             f'{self.action_block} (level {level}): '
                             f'{channels}')

    # ------------------------------------------------------------ helpers
    def _pose_inputs(self, inputs) -> Tensor:
        imgs = _stack(inputs)
        if imgs.dim() != 4:
            raise ValueError(f'a pose batch needs images [N, 3, H, W], got '
                             f'shape {tuple(imgs.shape)}')
        return imgs

    def _action_inputs(self, inputs, views: bool = False) -> Tensor:
        if self.action_head is None:
            raise ValueError('this MultitaskRecognizer has no action_head (a '
                             'pose estimator): it takes pose batches only')
        clips = _stack(inputs)
        if clips.dim() == 5 or (views and clips.dim() == 6):
            return clips
        raise ValueError(
            f'an action batch needs clips [N, T, 3, H, W]'
            f'{" or views [N, V, T, 3, H, W]" if views else ""}, got shape '
            f'{tuple(clips.shape)}')

    def _view_scores(self, clips: Tensor) -> Tensor:
        """Class probabilities [N, A] of views [N, V, T, 3, H, W],
        combined by ``average_views``."""
        n, v = clips.shape[:2]
        _, outputs = self.action_outputs(clips.flatten(0, 1))
        probs = self.action_head.predict(outputs).reshape(n, v, -1)
        if self.average_views == 'prob':
            return probs.mean(1)
        # the product of the views' probabilities, renormalised
        log = probs.clamp_min(torch.finfo(probs.dtype).tiny).log().sum(1)
        return log.softmax(-1)

    def _run_clips(self, clips: Tensor) -> List[Dict[str, Tensor]]:
        """SPNet on the frames of clips [N, T, 3, H, W]; every output
        tensor reshaped to [N, T, ...]."""
        n, t = clips.shape[:2]
        outputs = self.backbone(clips.flatten(0, 1))
        return [{k: v.reshape(n, t, *v.shape[1:])
                 for k, v in out.items()} for out in outputs]

    def _pose_targets(self, data_samples, ref: Tensor):
        """Targets [N, J, D_p], valid mask [N, J, D_p] and visibility
        [N, J] of a pose batch, on ``ref``'s device / dtype."""
        coords, valid, visible = [], [], []
        for i, sample in enumerate(data_samples):
            c = _field(sample, 'gt_coords', i)
            if c.dim() != 2:
                raise ValueError(f'gt_coords of data sample {i} must be '
                                 f'[J, D], got shape {tuple(c.shape)}')
            v = (_field(sample, 'gt_coords_valid', i)
                 if 'gt_coords_valid' in sample else
                 torch.ones(c.shape, dtype=torch.bool))
            if v.shape != c.shape or v.dtype != torch.bool:
                raise ValueError(f'gt_coords_valid of data sample {i} must be '
                                 f'a bool mask of shape {tuple(c.shape)}, got '
                                 f'{v.dtype} {tuple(v.shape)}')
            coords.append(c)
            valid.append(v)
            visible.append(_field(sample, 'gt_visible', i))
        target = torch.stack(coords).to(ref)
        mask = torch.stack(valid).to(ref.device)
        visible = torch.stack(visible).to(ref)
        n, j, d = target.shape
        if j != ref.shape[1]:
            raise ValueError(f'labels have {j} joints, the model predicts '
                             f'{ref.shape[1]}')
        if d not in (2, 3):
            raise ValueError(f'gt_coords must have D = 2 or 3, got {d}')
        if d < self.pose_dim:  # 2D labels, 3D model: z unlabelled
            target = torch.cat([target, target.new_zeros(n, j, 1)], -1)
            mask = torch.cat([mask, mask.new_zeros(n, j, 1)], -1)
        elif d > self.pose_dim:  # 3D labels, 2D model: z dropped
            target, mask = target[..., :2], mask[..., :2]
        if visible.shape != (n, j):
            raise ValueError(f'gt_visible must be [J] per sample, got '
                             f'{tuple(visible.shape[1:])}')
        return target, mask, visible

    @staticmethod
    def _labels(data_samples) -> Tensor:
        labels = [torch.as_tensor(s.gt_label) for s in data_samples]
        if all(x.numel() == 1 for x in labels):
            return torch.stack([x.reshape(()) for x in labels]).long()
        return torch.stack(labels).float()

    # ------------------------------------------------------------ modes
    def loss_pose(self, images: Tensor, data_samples) -> Dict[str, Tensor]:
        """``loss_coord`` and ``loss_visibility``, each summed over the K
        prediction blocks."""
        outputs = self.backbone(images)
        target, valid, visible = self._pose_targets(data_samples,
                                                    outputs[0]['coords'])
        loss_coord = sum(
            self.coord_loss(out['coords'], target, valid) for out in outputs)
        # VisibilityBCELoss clips the visibility (which reaches 1) as Keras
        loss_vis = sum(self.visibility_loss(out['visibility'], visible)
                       for out in outputs)
        return dict(loss_coord=loss_coord, loss_visibility=loss_vis)

    def action_outputs(self, clips: Tensor):
        """SPNet outputs of the frames (reshaped to [N, T, ...]) and the
        action head's outputs on block ``action_block``."""
        poses = self._run_clips(clips)
        block = poses[self.action_block]
        if self.pose_replica:
            n, t = clips.shape[:2]
            a = block['activations'].flatten(0, 1)
            depth = (self.replica_depth(a)
                     if self.replica_depth is not None else None)
            read = {k: v.reshape(n, t, *v.shape[1:])
                    for k, v in read_pose(self.replica_heatmap(a),
                                          depth).items()}
            outputs = self.action_head(read['coords'], read['visibility'],
                                       read['heatmaps'],
                                       block['level_features'])
        else:
            outputs = self.action_head(block['coords'], block['visibility'],
                                       block['heatmaps'], block['features'])
        return poses, outputs

    def forward(self, inputs, data_samples=None,
                mode: str = 'tensor') -> Union[Dict, list]:
        """``'loss'``: the pose or action losses; ``'predict'``: the data
        samples with the predictions; ``'tensor'``: SPNet's outputs. See
        the class docstring for the batches."""
        if mode == 'tensor':
            if data_samples is None or batch_task(data_samples) == 'pose':
                return self.backbone(self._pose_inputs(inputs))
            return self._run_clips(self._action_inputs(inputs))
        if mode not in ('loss', 'predict'):
            raise RuntimeError(
                f'invalid mode {mode!r}: loss, predict or tensor')
        task = batch_task(data_samples)
        if task == 'pose':
            images = self._pose_inputs(inputs)
            if mode == 'loss':
                return self.loss_pose(images, data_samples)
            outputs = self.backbone(images)
            coords = torch.stack([o['coords'] for o in outputs], 1).detach()
            vis = torch.stack([o['visibility'] for o in outputs], 1).detach()
            for i, sample in enumerate(data_samples):
                sample.pred_coords = coords[i]
                sample.pred_visibility = vis[i]
                blocks = image_poses(coords[i], sample.metainfo, i)
                sample.pred_instances = InstanceData(
                    block_keypoints=blocks[None], keypoints=blocks[None, -1],
                    keypoint_scores=vis[i, None, -1])
            return data_samples
        clips = self._action_inputs(inputs, views=mode == 'predict')
        if mode == 'loss':
            _, outputs = self.action_outputs(clips)
            labels = self._labels(data_samples).to(clips.device)
            return self.action_head.loss(outputs, labels)
        if clips.dim() == 6:
            scores, poses = self._view_scores(clips).detach(), None
        else:
            poses, outputs = self.action_outputs(clips)
            scores = self.action_head.predict(outputs).detach()
        for i, sample in enumerate(data_samples):
            sample.set_pred_score(scores[i])
            sample.set_pred_label(scores[i].argmax(dim=-1, keepdim=True))
        if poses is not None:
            coords = torch.stack([o['coords'] for o in poses], 1).detach()
            vis = torch.stack([o['visibility'] for o in poses], 1).detach()
            for i, sample in enumerate(data_samples):
                sample.pred_coords = coords[i]
                sample.pred_visibility = vis[i]
        return data_samples
