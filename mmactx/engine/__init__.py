from .hooks import PoseVisualizationHook

__all__ = ['PoseVisualizationHook']
