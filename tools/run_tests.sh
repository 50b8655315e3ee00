#!/usr/bin/env bash
# Set everything up on a fresh machine and run the test suite (slow
# end-to-end tests included) on MMACTX_TEST_WORKERS processes (default 2,
# one torch thread each). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
python -m pytest tests -q -p no:cacheprovider \
    -n "${MMACTX_TEST_WORKERS:-2}" --dist worksteal "$@"
