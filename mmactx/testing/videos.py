"""Reading test videos back, independently of mmactx's decoders."""
import cv2
import numpy as np


def decode_all(path: str) -> np.ndarray:
    """Every frame of ``path`` as uint8 [T, H, W, 3] RGB, straight from
    OpenCV (a reference the decoders under test are compared with)."""
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    cap.release()
    if not frames:
        raise ValueError(f'OpenCV decodes no frame of {path}')
    return np.stack(frames)
