"""Human-parsing label sets: the body-part classes a human parser assigns
to pixels, shared by the parser interface (:mod:`mmactx.apis`) and the
datasets and transforms that read label maps (:mod:`mmactx.datasets`)."""
from typing import Tuple

# LIP (Look Into Person), the 20 classes of SCHP's LIP model that EPP-Net
# uses; index 0 is the background.
LIP_CLASSES: Tuple[str, ...] = (
    'background', 'hat', 'hair', 'glove', 'sunglasses', 'upper-clothes',
    'dress', 'coat', 'socks', 'pants', 'jumpsuits', 'scarf', 'skirt', 'face',
    'left-arm', 'right-arm', 'left-leg', 'right-leg', 'left-shoe',
    'right-shoe')
