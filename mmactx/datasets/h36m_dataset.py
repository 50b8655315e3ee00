"""Human3.6M single-frame samples (mmpose's body3d npz) for the 3D pose
batches of Luvizon et al.'s multitask model: one image, one person, 2D
pixels, camera-space depth and the root-relative 3D target of MPJPE."""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from mmactx.datasets.annotation_io import (AnnotationError,
                                           AnnotationFileNotFoundError,
                                           safe_load_pickle)
from mmactx.registry import DATASETS
from mmactx.skeletons import get_layout

#: mmpose's H36M person scale is 1.2 x the 2D keypoint box side / 200 px
H36M_PIXEL_STD = 200.0


def parse_h36m_imgname(imgname: str) -> Tuple[str, str, str]:
    """``(subject, action, camera_id)`` of an H36M image name such as
    ``'S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg'``.

    Raises:
        ValueError: The name does not have that form.
    """
    base = osp.basename(imgname)
    try:
        subject, rest = base.split('_', 1)
        action, rest = rest.split('.', 1)
        camera, _ = rest.split('_', 1)
    except ValueError:
        raise ValueError(f'{imgname!r} is not an H36M image name '
                         '(<subject>_<action>.<camera>_<frame>.jpg)') from None
    return subject, action, camera


@DATASETS.register_module()
class H36MPoseDataset(BaseDataset):
    """Human3.6M single-frame pose samples from mmpose's body3d npz (keys
    ``imgname`` [N], ``center`` [N, 2], ``scale`` [N], ``part`` [N, 17, 3]
    (pixel x, y, visible) and ``S`` [N, 17, 4] (x, y, z, visible)).

    ``S`` is already in camera space, in metres: mmpose's
    ``preprocess_h36m.py`` takes H36M's ``D3_Positions_mono`` (camera
    coordinates, mm) / 1000, and projecting ``S`` with the camera's
    intrinsics gives ``part`` (tested). So no camera rotation is applied.

    Each data info holds:

    * ``img_path``: ``data_prefix['img']`` / ``imgname``;
    * ``keypoint`` ``[1, 1, 17, 2]`` float32 (``part``, 0-based image
      pixels), ``keypoint_score`` ``[1, 1, 17]`` (``part``'s visible);
    * ``keypoint_depth`` ``[1, 1, 17]`` float32: camera-space z, metres
      (NaN where ``S`` is not visible);
    * ``lifting_target`` ``[1, 17, 3]`` float32: the root-relative
      camera-space 3D pose, metres (for ``MultiBlockMPJPE(scale=1000)``),
      ``lifting_target_visible`` ``[1, 17]``; ``root_joint_3d`` ``[3]`` the
      root's camera-space position (metres);
    * ``gt_keypoints`` ``[1, 17, 2]`` / ``gt_keypoints_visible``: the 2D
      annotation;
    * ``crop_center`` = ``center``, ``crop_size`` = ``200 x crop_padding x
      scale`` (image pixels): mmpose's box (``200 scale`` is 1.2 x the side
      of the 2D joints' box) with its top-down padding 1.25, i.e. 1.5 x the
      joints' box, the same window as ``BoxFromKeypoints(scale=1.5)``;
    * ``subject``, ``action``, ``camera_id`` (from ``imgname``) and, with
      ``camera_param_file``, ``camera_param`` (``f`` [2], ``c`` [2] pixels,
      ``R`` [3, 3], ``T`` [3, 1] metres, ``w``, ``h``: what maps
      predictions back to camera space).

    Args:
        ann_file (str): The npz file (read without pickle).
        camera_param_file (str, optional): mmpose's ``cameras.pkl`` (a dict
            keyed by ``(subject, camera_id)``; read with mmactx's restricted
            unpickler). Relative paths are taken from ``data_root``.
        root (str): The root joint of the lifting target. Defaults to
            ``'pelvis'``.
        crop_padding (float): Window side over ``200 x scale``. Defaults to
            1.25.
        data_prefix (dict): ``img``: the image folder. Defaults to
            ``dict(img='')``.
        pipeline, test_mode, **kwargs: As mmengine's ``BaseDataset``.
    """

    METAINFO: dict = dict(layout='h36m', num_keypoints=17)

    def __init__(self,
                 ann_file: str,
                 camera_param_file: Optional[str] = None,
                 root: str = 'pelvis',
                 crop_padding: float = 1.25,
                 data_prefix: dict = dict(img=''),
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if camera_param_file is not None and kwargs.get('data_root') and \
                not osp.isabs(camera_param_file):
            camera_param_file = osp.join(kwargs['data_root'],
                                         camera_param_file)
        self.camera_param_file = camera_param_file
        self.root = root
        self.root_index = get_layout('h36m').joint_index(root)
        if not crop_padding > 0:
            raise ValueError(
                f'crop_padding must be positive, got {crop_padding}')
        self.crop_padding = crop_padding
        super().__init__(ann_file=ann_file,
                         data_prefix=data_prefix,
                         pipeline=list(pipeline),
                         test_mode=test_mode,
                         **kwargs)

    def _fail(self, index: int, imgname: Any, field: str, message: str):
        where = f'record {index}'
        if imgname is not None:
            where += f' (imgname={str(imgname)!r})'
        raise AnnotationError(
            f'{self.ann_file}: {where}: field {field!r}: {message}')

    def _load_npz(self) -> Dict[str, np.ndarray]:
        if not osp.isfile(self.ann_file):
            raise AnnotationFileNotFoundError(
                f'annotation file {self.ann_file} does not exist')
        try:
            with np.load(self.ann_file, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        except ValueError as e:  # object arrays need pickle: refused
            raise AnnotationError(f'{self.ann_file}: not a plain npz ({e})')
        num_joints = get_layout('h36m').num_joints
        shapes = dict(imgname=(), center=(2, ), scale=(),
                      part=(num_joints, 3), S=(num_joints, 4))
        missing = [k for k in shapes if k not in data]
        if missing:
            raise AnnotationError(f'{self.ann_file}: missing keys {missing} '
                                  f'(has {sorted(data)})')
        num = len(data['imgname'])
        for key, tail in shapes.items():
            if data[key].shape != (num, ) + tail:
                raise AnnotationError(
                    f'{self.ann_file}: field {key!r} must have shape '
                    f'{(num, ) + tail}, got {data[key].shape}')
        return data

    def _cameras(self) -> Optional[Dict]:
        if self.camera_param_file is None:
            return None
        cameras = safe_load_pickle(self.camera_param_file)
        if not isinstance(cameras, dict):
            raise AnnotationError(f'{self.camera_param_file}: expected a '
                                  'dict keyed by (subject, camera_id)')
        return cameras

    def _camera_param(self, cameras: Dict, index: int, imgname: str,
                      subject: str, camera: str) -> Dict[str, Any]:
        if (subject, camera) not in cameras:
            self._fail(index, imgname, 'imgname',
                       f'no camera ({subject!r}, {camera!r}) in '
                       f'{self.camera_param_file}')
        cam = cameras[(subject, camera)]
        try:
            param = dict(
                f=np.asarray(cam['f'], np.float64).reshape(2),
                c=np.asarray(cam['c'], np.float64).reshape(2),
                R=np.asarray(cam['R'], np.float64).reshape(3, 3),
                T=np.asarray(cam['T'], np.float64).reshape(3, 1))
        except (KeyError, TypeError, ValueError) as e:
            raise AnnotationError(
                f'{self.camera_param_file}: camera ({subject!r}, {camera!r})'
                f' lacks f [2], c [2], R [3, 3] or T [3] ({e})') from None
        for key in ('w', 'h'):
            if key in cam:
                param[key] = int(cam[key])
        return param

    def load_data_list(self) -> List[dict]:
        """Read and check the npz, one data info per frame."""
        data = self._load_npz()
        cameras = self._cameras()
        data_list = []
        for i, imgname in enumerate(data['imgname']):
            imgname = str(imgname)
            try:
                subject, action, camera = parse_h36m_imgname(imgname)
            except ValueError as e:
                self._fail(i, imgname, 'imgname', str(e))
            part = data['part'][i].astype(np.float64)
            kp3d = data['S'][i].astype(np.float64)
            center = data['center'][i].astype(np.float64)
            scale = float(data['scale'][i])
            for key, value in (('part', part), ('S', kp3d),
                               ('center', center)):
                if not np.isfinite(value).all():
                    self._fail(i, imgname, key, 'not finite')
            if not scale > 0:
                self._fail(i, imgname, 'scale',
                           f'must be positive, got {scale}')
            vis3d = kp3d[:, 3]
            if not vis3d[self.root_index] > 0:
                self._fail(i, imgname, 'S', f'the root joint {self.root!r} '
                           'is not visible: no root-relative target')
            root_3d = kp3d[self.root_index, :3]
            depth = np.where(vis3d > 0, kp3d[:, 2], np.nan)
            info = dict(
                img_path=osp.join(self.data_prefix.get('img', ''), imgname),
                keypoint=part[None, None, :, :2].astype(np.float32),
                keypoint_score=part[None, None, :, 2].astype(np.float32),
                keypoint_depth=depth[None, None].astype(np.float32),
                gt_keypoints=part[None, :, :2].astype(np.float32),
                gt_keypoints_visible=part[None, :, 2].astype(np.float32),
                lifting_target=(kp3d[None, :, :3] -
                                root_3d).astype(np.float32),
                lifting_target_visible=vis3d[None].astype(np.float32),
                root_joint_3d=root_3d,
                crop_center=center,
                crop_size=H36M_PIXEL_STD * self.crop_padding * scale,
                subject=subject,
                action=action,
                camera_id=camera)
            if cameras is not None:
                info['camera_param'] = self._camera_param(
                    cameras, i, imgname, subject, camera)
            data_list.append(info)
        return data_list
