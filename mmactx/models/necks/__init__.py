from .pose_gated_aggregator import PoseGatedAggregator, gate_loss

__all__ = ['PoseGatedAggregator', 'gate_loss']
