"""Helpers shared by the tests (not fixtures: those live in the conftest files).

``tests/`` has no ``__init__.py``, so pytest puts ``tests/`` itself on ``sys.path`` (rootdir-relative
"prepend" import mode) and test modules in any sub-folder import these as ``support.postgres`` etc.
"""
