import os
import os.path as osp

import pytest

# one thread per test process keeps torch fast and predictable on 2 cores
os.environ.setdefault('OMP_NUM_THREADS', '1')

# Small real files of public releases (see its README), beside the project
# root; never copied into the repository.
SHARED_DATA = os.environ.get('MMACTX_SHARED_DATA') or osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'shared',
    'data')


@pytest.fixture(scope='session', autouse=True)
def _register():
    from mmactx.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def shared_data():
    """``shared_data('ntu_sample/x.skeleton')``: the path of a real file of
    ../shared/data. Skips the test where it is absent (a user's clone);
    fails instead under ``MMACTX_REQUIRE_SHARED_DATA=1`` (CI). Session
    scoped, so that module-scoped fixtures can use it too."""

    def get(relpath: str) -> str:
        path = osp.join(SHARED_DATA, relpath)
        if not osp.exists(path):
            message = f'real data file {path} is absent'
            if os.environ.get('MMACTX_REQUIRE_SHARED_DATA') == '1':
                pytest.fail(message + ' (MMACTX_REQUIRE_SHARED_DATA=1)')
            pytest.skip(message)
        return path

    return get


@pytest.fixture
def quiet_model_init():
    """mmengine's ``init_weights`` logs every parameter; a test that
    initialises whole models asks for the log at WARNING meanwhile."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    yield
    logger.setLevel(level)
