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


def pytest_collection_modifyitems(config, items) -> None:
    """Start the slow end-to-end tests first, spread over the workers.

    pytest-xdist's ``--dist worksteal`` (``tools/run_tests.sh``) hands each
    of its n workers a contiguous share of the collection, which it runs
    front to back, and idle workers steal from the back of the others'
    shares. In collection order the slow tests (``tests/test_tools``) come
    last, so a worker could start a minutes-long run while the other has
    nothing left to do. Here each share starts with every n-th slow test,
    and the fast tests fill the shares to their sizes. The order only
    changes the wall time, never what runs.
    """
    workers = int(getattr(config, 'workerinput', {}).get('workercount', 1))
    slow = [item for item in items if item.get_closest_marker('slow')]
    if not slow or workers < 2:
        return
    fast = [item for item in items if not item.get_closest_marker('slow')]
    ordered, left = [], len(items)
    for worker in range(workers):
        size = left // (workers - worker)  # xdist's share of the rest
        share = slow[worker::workers]
        take = max(0, size - len(share))
        share, fast = share + fast[:take], fast[take:]
        ordered += share
        left -= len(share)
    items[:] = ordered + fast


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
