"""Malicious pickles for the tests of safe loading."""


def _touch(path: str) -> None:
    open(path, 'w').close()


class FileToucher:
    """Pickles as a call that creates the file ``path`` when unpickled, as a
    malicious checkpoint or annotation file could run any code: a safe
    loader must refuse it, and the file must not appear."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (_touch, (self.path, ))
