"""Models of mmactx. PoseC3D reuses mmaction2's ``Recognizer3D``,
``ResNet3dSlowOnly`` and ``I3DHead``; only what mmaction2 lacks lives here."""
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import HeatmapDataPreprocessor  # noqa: F401
from .data_preprocessors import KeypointClips  # noqa: F401
from .heads import *  # noqa: F401,F403
from .heatmap_rendering import HeatmapRenderer  # noqa: F401
from .integral_recognizer import IntegralActionRecognizer  # noqa: F401
from .losses import *  # noqa: F401,F403
from .mm_recognizer import ChunkedMMRecognizer3D  # noqa: F401
from .multitask_recognizer import MultitaskRecognizer  # noqa: F401
from .necks import *  # noqa: F401,F403
from .recognizers import HeatmapRecognizer3D  # noqa: F401
