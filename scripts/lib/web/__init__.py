"""Stand-in for web.py's package: only what pickles need (web.utils.Storage).

The one copy shared by the test fixture generators, the differential test, the
benchmarks and the demo: put scripts/lib on sys.path and `from web.utils import Storage`.
Never on the path of the e2e suite, which imports the real web.py.
"""
