"""Atomic writes: temporaries of killed writers are removed, outputs never
replace inputs."""
import os
import signal
import subprocess
import sys
import time

import pytest

from mmactx.utils import (InputError, atomic_path, atomic_write_text,
                          refuse_overwriting_inputs, remove_stale_temporaries)


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    out = tmp_path / 'result.pkl'
    ready = tmp_path / 'ready'
    code = ('import sys, time\n'
            'from mmactx.utils import atomic_path\n'
            f'with atomic_path({str(out)!r}) as tmp:\n'
            '    open(tmp, "wb").write(b"x" * 1000)\n'
            f'    open({str(ready)!r}, "w").close()\n'
            '    time.sleep(60)\n')
    proc = subprocess.Popen([sys.executable, '-c', code])
    try:
        for _ in range(600):
            if ready.exists():
                break
            time.sleep(0.05)
        assert ready.exists()
        left = [p for p in os.listdir(tmp_path) if p.startswith('.result')]
        assert len(left) == 1 and str(proc.pid) in left[0]
        # a running writer's temporary is not stale
        assert remove_stale_temporaries(str(out)) == []
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
    assert not out.exists()
    atomic_write_text('done', str(out))
    assert out.read_text() == 'done'
    assert sorted(os.listdir(tmp_path)) == ['ready', 'result.pkl']


def test_an_error_removes_the_temporary(tmp_path):
    out = tmp_path / 'a.txt'
    with pytest.raises(RuntimeError):
        with atomic_path(str(out)) as tmp:
            open(tmp, 'w').write('half')
            raise RuntimeError
    assert os.listdir(tmp_path) == []


def test_outputs_never_replace_inputs(tmp_path):
    video = tmp_path / 'in.mp4'
    video.write_bytes(b'v')
    link = tmp_path / 'link.mp4'
    link.symlink_to(video)
    hard = tmp_path / 'hard.mp4'
    os.link(video, hard)
    refuse_overwriting_inputs([str(tmp_path / 'out.mp4')], [str(video)])
    for out in (video, tmp_path / '.' / 'in.mp4', link, hard):
        with pytest.raises(InputError, match='would replace the input'):
            refuse_overwriting_inputs([str(out)], [str(video)])
    with pytest.raises(InputError, match='would replace the output'):
        refuse_overwriting_inputs([str(tmp_path / 'a.json')] * 2, [])


@pytest.mark.parametrize('name, expected', [
    ('S001C001P001R001A001', 'S001C001P001R001A001'),
    ('videos/a', 'videos__a'),
    ('../../etc/x', 'etc__x'),
    ('/abs/./b', 'abs__b'),
    ('..', '_'),
    ('.hidden', 'hidden'),
])
def test_record_names_become_file_names_inside_the_folder(name, expected):
    from mmactx.utils import file_name_of
    assert file_name_of(name) == expected
