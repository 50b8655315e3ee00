"""Hooks of the mmactx scope."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmactx.models import HeatmapDataPreprocessor
from mmactx.registry import HOOKS
from mmactx.utils.fileio import file_name_of
from mmactx.visualization import heatmap_frames, put_text_lines, write_video


@HOOKS.register_module()
class PoseVisualizationHook(Hook):
    """Show or save the heatmap volumes of val/test samples with their labels.

    mmaction2's ``VisualizationHook`` treats every input as an RGB clip
    ``[C, T, H, W]`` and fails on PoseC3D's ``[views, K, T, H, W]`` heatmap
    volumes (so ``test.py --show-dir`` fails on pose configs). This hook
    draws the first view of each sample (the maximum over the joint or limb
    channels, colour-mapped) with the ground truth and the top predictions,
    rendering it with the model's :class:`HeatmapDataPreprocessor` when the
    pipeline packs keypoint clips (the ``configs/posec3d/device/`` configs),
    and writes ``<out_dir>/<frame_dir>.mp4``. It takes the same arguments
    that ``tools/test.py --show/--show-dir/--interval/--wait-time`` set.

    Args:
        enable (bool): Draw at all. Defaults to False.
        interval (int): Draw every ``interval``-th sample. Defaults to 1.
        show (bool): Show the frames in a window. Defaults to False.
        wait_time (float): Seconds each shown video stays. Defaults to 2.
        out_dir (str, optional): Folder of the videos. Defaults to None.
        label_map (str, optional): Class names, one per line; without it
            the dataset's ``classes`` meta (if any) or the indices are used.
        topk (int): Predictions listed. Defaults to 3.
        fps (float): Frame rate of the videos. Defaults to 10.
    """

    priority = 'NORMAL'

    def __init__(self,
                 enable: bool = False,
                 interval: int = 1,
                 show: bool = False,
                 wait_time: float = 2.,
                 out_dir: Optional[str] = None,
                 label_map: Optional[str] = None,
                 topk: int = 3,
                 fps: float = 10.) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.enable = enable
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.out_dir = out_dir
        self.topk = topk
        self.fps = fps
        self.classes: Optional[List[str]] = None
        if label_map is not None:
            with open(label_map, encoding='utf-8') as f:
                self.classes = [line.strip() for line in f if line.strip()]

    def _name(self, label: int) -> str:
        if self.classes is not None and 0 <= label < len(self.classes):
            return f'{label} {self.classes[label]}'
        return str(label)

    @staticmethod
    def _device_renderer(runner) -> Optional[HeatmapDataPreprocessor]:
        """The model's :class:`HeatmapDataPreprocessor` when the pipeline
        packs keypoint clips (``configs/posec3d/device/``), else None."""
        model = getattr(runner, 'model', None)
        if model is None:
            return None
        if is_model_wrapper(model):
            model = model.module
        preprocessor = getattr(model, 'data_preprocessor', None)
        return preprocessor if isinstance(
            preprocessor, HeatmapDataPreprocessor) else None

    def _draw(self, runner, batch_idx: int, data_batch: Dict,
              outputs: Sequence, prefix: str) -> None:
        if not self.enable:
            return
        if self.classes is None:
            meta = getattr(runner.test_dataloader.dataset, 'metainfo', {}) \
                if prefix == 'test' else {}
            self.classes = list(meta.get('classes') or []) or None
        inputs = data_batch['inputs']
        renderer = self._device_renderer(runner)
        first = batch_idx * len(outputs)
        for i, sample in enumerate(outputs):
            if (first + i) % self.interval:
                continue
            if renderer is not None:
                # keypoint clips [K, M, T, V, 3]: the model renders them
                clip = inputs[i][None, :1].to(renderer.device).float()
                volume = renderer.render(clip, sample.metainfo['img_shape'],
                                         False)[0, 0]
            else:
                volume = inputs[i]
                if volume.dim() == 5:  # [views, K, T, H, W]: the first view
                    volume = volume[0]
            frames = heatmap_frames(volume.detach().cpu().float().numpy())
            scores = sample.pred_score.detach().cpu().numpy()
            top = np.argsort(-scores)[:self.topk]
            gt = int(np.asarray(sample.gt_label.cpu()).reshape(-1)[0])
            lines = [f'truth: {self._name(gt)}'] + [
                f'{scores[k]:.2f} {self._name(int(k))}' for k in top
            ]
            for frame in frames:
                put_text_lines(frame, lines)
            name = file_name_of(str(sample.get('frame_dir',
                                               f'{prefix}_{first + i}')))
            if self.out_dir is not None:
                write_video(frames, osp.join(self.out_dir, f'{name}.mp4'),
                            self.fps)
            if self.show:
                for frame in frames:
                    cv2.imshow(name, frame)
                    cv2.waitKey(max(1, int(1000 / self.fps)))
                cv2.waitKey(max(1, int(self.wait_time * 1000)))

    def after_val_iter(self, runner, batch_idx: int, data_batch: Dict,
                       outputs: Sequence) -> None:
        self._draw(runner, batch_idx, data_batch, outputs, 'val')

    def after_test_iter(self, runner, batch_idx: int, data_batch: Dict,
                        outputs: Sequence) -> None:
        self._draw(runner, batch_idx, data_batch, outputs, 'test')
