"""Registering mmactx's and mmaction's modules, and the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module that registers into the ``mmactx`` registries.

    mmaction's modules are imported too: a child registry only imports its
    own ``locations``, so without this a config in the ``mmactx`` scope could
    not reach mmaction's ``Recognizer3D`` or ``FormatShape``.

    Args:
        init_default_scope (bool): Whether to make ``mmactx`` the current
            default scope. Defaults to True.
    """
    from mmaction.utils import register_all_modules as mmaction_register
    mmaction_register(init_default_scope=False)

    import mmactx.datasets  # noqa: F401
    import mmactx.engine  # noqa: F401
    import mmactx.evaluation  # noqa: F401
    import mmactx.models  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmactx'):
        DefaultScope.get_instance('mmactx', scope_name='mmactx')
    elif current.scope_name != 'mmactx':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmactx"; register_all_modules switches to it.')
        DefaultScope.get_instance(
            f'mmactx-{datetime.datetime.now()}', scope_name='mmactx')
