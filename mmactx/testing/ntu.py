"""Raw NTU ``.skeleton`` files from synthetic Kinect joints."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from mmactx.datasets.converters.ntu import format_skeleton

# approximate Kinect v2 colour and depth camera intrinsics (pixels)
COLOR_F, COLOR_C = 1081.37, (959.5, 539.5)
DEPTH_F, DEPTH_C = 365.5, (255.5, 211.5)


def kinect_rows(xyz: np.ndarray, state: Optional[np.ndarray] = None
                ) -> np.ndarray:
    """The 12 file columns of Kinect joints.

    Args:
        xyz (np.ndarray): [T, 25, 3] camera-space joints, metres (z > 0).
        state (np.ndarray, optional): [T, 25] tracking states; None means
            2 (tracked) everywhere.

    Returns:
        np.ndarray: [T, 25, 12] rows x, y, z, depthX, depthY, colorX,
        colorY, orientation (1, 0, 0, 0), tracking state.
    """
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    rows = np.zeros(xyz.shape[:2] + (12, ))
    rows[..., :3] = xyz
    rows[..., 3] = DEPTH_C[0] + DEPTH_F * x / z
    rows[..., 4] = DEPTH_C[1] - DEPTH_F * y / z
    rows[..., 5] = COLOR_C[0] + COLOR_F * x / z
    rows[..., 6] = COLOR_C[1] - COLOR_F * y / z
    rows[..., 7] = 1
    rows[..., 11] = 2 if state is None else state
    return rows


def write_ntu_sample(folder: str, name: str,
                     bodies: Sequence[tuple], num_frames: int) -> str:
    """Write ``folder/name.skeleton`` from bodies placed in time.

    Args:
        folder (str): Output folder.
        name (str): Sample name, e.g. ``'S001C001P001R001A001'``.
        bodies (Sequence[tuple]): ``(body id, first frame, rows [n, 25,
            12])``; the body appears in frames ``first .. first + n - 1``.
        num_frames (int): Frames in the file (frames without a body get a
            body count of 0).

    Returns:
        str: The path written.
    """
    frames = [[] for _ in range(num_frames)]
    for body_id, first, rows in bodies:
        for i, r in enumerate(rows):
            frames[first + i].append((body_id, r))
    path = osp.join(folder, name + '.skeleton')
    with open(path, 'w') as f:
        f.write(format_skeleton(frames))
    return path
