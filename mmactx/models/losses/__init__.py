from .pose_regression_loss import ElasticNetCoordLoss, VisibilityBCELoss
from .soft_target_loss import SoftTargetLoss

__all__ = ['ElasticNetCoordLoss', 'VisibilityBCELoss', 'SoftTargetLoss']
