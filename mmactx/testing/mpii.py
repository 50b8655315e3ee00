"""Stand-in MPII head boxes for mmpose's MPII fixture, which has none
(MPII's are in ``mpii_gt_val.mat``, not in the annotation json)."""
import numpy as np

from mmactx.skeletons import MPII16


def stand_in_head_boxes(joints: np.ndarray) -> np.ndarray:
    """[N, 2, 2] head boxes ``((x1, y1), (x2, y2))`` made from the annotated
    upper neck and head top [N, 16, 2]: a square centred on their midpoint,
    its side their distance. A STAND-IN for tests, not MPII's boxes."""
    neck = joints[:, MPII16.joint_index('upper_neck')]
    top = joints[:, MPII16.joint_index('head_top')]
    centre = (neck + top) / 2
    half = np.linalg.norm(top - neck, axis=-1, keepdims=True) / 2
    return np.stack([centre - half, centre + half], axis=1)


def write_headbox_file(boxes: np.ndarray, path: str) -> None:
    """Write [N, 2, 2] head boxes in the layout of MPII's
    ``mpii_gt_val.mat`` that mmpose reads: ``headboxes_src`` [2 corners,
    2 coords, N]."""
    from scipy.io import savemat
    savemat(path, {'headboxes_src': np.asarray(boxes).transpose(1, 2, 0)})
