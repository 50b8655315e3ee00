import os
import warnings

import pytest

# one thread per test process keeps torch fast and predictable on 2 cores
os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore', message='Fail to import ``MultiScale')


@pytest.fixture(scope='session', autouse=True)
def _register():
    from mmactx.utils import register_all_modules
    register_all_modules(init_default_scope=True)
