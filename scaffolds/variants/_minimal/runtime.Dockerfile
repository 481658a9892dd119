# 1. The runtime stage, built while the dependencies install (BuildKit runs independent stages at
# the same time): the interpreter and the stdlib, relocated into /out/python/{bin,lib/pythonX.Y}.
# Python finds its prefix from the landmark lib/pythonX.Y/os.py beside its bin/, wherever that
# is. Dropped: tests, IDLE, tkinter, turtle, ensurepip, pydoc's data, static libs, the test
# extension modules, curses/readline/dbm's C parts (terminal and database modules a server does
# not use) and the stdlib's __pycache__ (it then compiles in memory at each start: a few tenths of
# a second). Symlinks (Debian links sitecustomize.py into /etc) are copied as the files they
# point to. A sitecustomize.py adds /python/site-packages, where the dependencies go.
FROM ${PYTHON_SLIM_IMAGE} AS runtime
RUN python3 -c 'import os, shutil, sys, sysconfig; \
    v = "python%d.%d" % sys.version_info[:2]; lib = "/out/python/lib/" + v; \
    drop = shutil.ignore_patterns("test", "tests", "idlelib", "tkinter", "turtledemo", "turtle.py", \
        "ensurepip", "lib2to3", "pydoc_data", "__pycache__", "config-*", "*.a", "site-packages", \
        "dist-packages", "lib-dynload", "__phello__", "__hello__.py", "_test*", "_ctypes_test*", \
        "xxlimited*", "_xxtestfuzz*", "_tkinter*", "curses", "_curses*", "readline*", "_dbm*", "_gdbm*"); \
    shutil.copytree(os.path.realpath(sysconfig.get_path("stdlib")), lib, ignore=drop, \
        ignore_dangling_symlinks=True); \
    shutil.copytree(next(p for p in sys.path if p.endswith("lib-dynload")), lib + "/lib-dynload", \
        ignore=drop); \
    os.makedirs("/out/python/bin"); shutil.copy2(os.path.realpath(sys.executable), "/out/python/bin/" + v); \
    os.symlink(v, "/out/python/bin/python3"); \
    open(lib + "/sitecustomize.py", "w").write("import site, sys\nsite.addsitedir(sys.prefix + \"/site-packages\")\n")'
