"""Registries of the ``mmactx`` scope.

Every registry is a child of mmaction's registry of the same kind (mmyolo's
pattern), so a config with ``default_scope='mmactx'`` finds mmactx's modules
first and mmaction's / mmengine's after them. mmactx's transforms that share a
name with mmaction's (``PoseCompact``, ``GeneratePoseTarget``, ...) therefore
replace them; mmaction's stay reachable as ``mmaction.PoseCompact``.

mmengine only imports the ``locations`` of the registry it was asked, not of
its parents, so :func:`mmactx.utils.register_all_modules` imports mmaction's
modules as well.
"""
from mmaction import registry as mma
from mmengine.registry import Registry


def _child(parent: Registry, *locations: str) -> Registry:
    return Registry(
        parent.name, parent=parent, scope='mmactx', locations=list(locations))


RUNNERS = _child(mma.RUNNERS)
RUNNER_CONSTRUCTORS = _child(mma.RUNNER_CONSTRUCTORS)
LOOPS = _child(mma.LOOPS)
HOOKS = _child(mma.HOOKS, 'mmactx.engine')
DATASETS = _child(mma.DATASETS, 'mmactx.datasets')
DATA_SAMPLERS = _child(mma.DATA_SAMPLERS, 'mmactx.datasets')
TRANSFORMS = _child(mma.TRANSFORMS, 'mmactx.datasets.transforms')
MODELS = _child(mma.MODELS, 'mmactx.models')
MODEL_WRAPPERS = _child(mma.MODEL_WRAPPERS, 'mmactx.models')
WEIGHT_INITIALIZERS = _child(mma.WEIGHT_INITIALIZERS, 'mmactx.models')
OPTIMIZERS = _child(mma.OPTIMIZERS)
OPTIM_WRAPPERS = _child(mma.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(mma.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(mma.PARAM_SCHEDULERS)
METRICS = _child(mma.METRICS, 'mmactx.evaluation')
EVALUATOR = _child(mma.EVALUATOR, 'mmactx.evaluation')
TASK_UTILS = _child(mma.TASK_UTILS, 'mmactx.models')
VISUALIZERS = _child(mma.VISUALIZERS)
VISBACKENDS = _child(mma.VISBACKENDS)
LOG_PROCESSORS = _child(mma.LOG_PROCESSORS)
INFERENCERS = _child(mma.INFERENCERS)
