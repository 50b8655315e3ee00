from .distributed import setup_cpu_distributed
from .hooks import PoseVisualizationHook

__all__ = ['PoseVisualizationHook', 'setup_cpu_distributed']
