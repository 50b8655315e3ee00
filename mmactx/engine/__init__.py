from .distributed import setup_cpu_distributed
from .file_backend import AtomicLocalBackend
from .hooks import PoseVisualizationHook

__all__ = [
    'AtomicLocalBackend', 'PoseVisualizationHook', 'setup_cpu_distributed'
]
