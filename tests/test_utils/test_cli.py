"""run_cli: refused inputs become one paragraph and exit code 2."""
import pickle

import pytest

from mmactx.datasets import AnnotationError
from mmactx.utils import EXIT_INPUT_ERROR, InputError, run_cli


def failing(error):
    def main(argv):
        raise error
    return main


@pytest.mark.parametrize('error', [
    InputError('data/x.pkl, record 3 (S001): field keypoint has NaN'),
    AnnotationError('data/x.pkl: split xsub_val names missing frame_dir'),
    pickle.UnpicklingError('global os.system is not allowed'),
])
def test_refused_input_is_one_paragraph_and_exit_2(error, capsys,
                                                   monkeypatch):
    monkeypatch.delenv('MMACTX_DEBUG', raising=False)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(failing(error), [], prog='tool.py')
    assert exit_info.value.code == EXIT_INPUT_ERROR == 2
    err = capsys.readouterr().err
    assert err.startswith(f'tool.py: error: {str(error)[:20]}')
    assert 'Traceback' not in err and '--debug' in err


def test_debug_shows_the_traceback_and_bugs_keep_theirs(monkeypatch):
    monkeypatch.delenv('MMACTX_DEBUG', raising=False)
    seen = []
    with pytest.raises(InputError, match='bad'):
        run_cli(failing(InputError('bad')), ['--debug', 'x'])
    monkeypatch.setenv('MMACTX_DEBUG', '1')
    with pytest.raises(InputError, match='bad'):
        run_cli(failing(InputError('bad')), [])
    monkeypatch.delenv('MMACTX_DEBUG')
    with pytest.raises(KeyError):  # a bug, not a refused input
        run_cli(failing(KeyError('x')), [])
    assert run_cli(lambda argv: seen.append(argv), ['a', '--debug']) == 0
    assert seen == [['a']]  # --debug is not passed on


def test_check_input_files_names_the_option_and_the_path(tmp_path):
    from mmactx.utils import check_input_files
    present = tmp_path / 'a.pkl'
    present.write_bytes(b'')
    check_input_files({'ann_file': str(present), '--label-map': None})
    with pytest.raises(InputError, match=r'^--label-map .*b\.txt does not '
                       r'exist$'):
        check_input_files({'ann_file': str(present),
                           '--label-map': str(tmp_path / 'b.txt')})
    with pytest.raises(InputError, match=r'^video_list .* is not a file$'):
        check_input_files({'video_list': str(tmp_path)})
