# 1. The runtime stage, built while the dependencies install (BuildKit runs independent stages at
# the same time): the interpreter and the stdlib, relocated into /out/python/{bin,lib}.
# Dropped: tests, IDLE, tkinter, turtle, ensurepip, pydoc's data, static libs, the test
# extension modules, curses/readline/dbm's C parts (terminal and database modules a server does
# not use). Symlinks (Debian links sitecustomize.py into /etc) are copied as the files they point
# to.
# The stdlib goes in one zip, lib/pythonXY.zip, which Python puts on sys.path before
# lib/pythonX.Y by default: a quarter to a third of its size as files. Kept as files beside it:
# lib/pythonX.Y/os.py, the landmark by which Python finds its prefix wherever bin/ is, and
# lib-dynload (extension modules cannot load from a zip). The zip's sitecustomize (in place of
# Debian's) adds /python/site-packages, where the dependencies go.
{%- if bytecode %}
# Step 3 zips the tree copied into /stdlib here, once the dependencies are installed: bytecode
# (unchecked-hash .pyc, named by their path in the image) for the modules that importing them and
# serving a request through Flask loads, so that no start compiles them, and the source of the
# rest, compiled in memory on the rare first import (nothing is left out).
# The risk: a module stored as bytecode has no source in the image, so a traceback through it
# shows file and line but not the line's text, and inspect.getsource() fails on it. To undo,
# zip the sources of those modules too (step 3's `else` branch for every file).
{%- else %}
# It holds bytecode compiled here (unchecked-hash .pyc, named by their path in the image), so no
# start compiles the stdlib: this stage runs while uv installs, and sources instead would save
# 1.8 MB but add about 0.4 s to every start.
# The risk: the stdlib has no sources in the image, so a traceback through it shows file and line
# but not the line's text, and inspect.getsource() fails on it. To undo, zip the .py files too.
{%- endif %}
FROM ${PYTHON_SLIM_IMAGE} AS runtime
RUN python3 -c 'import {% if not bytecode %}compileall, {% endif %}os, {% if not bytecode %}py_compile, {% endif %}shutil, sys, sysconfig{% if not bytecode %}, zipfile{% endif %}; \
    v = "python%d.%d" % sys.version_info[:2]; lib = "/out/python/lib/" + v; tree = "/stdlib"; \
    drop = shutil.ignore_patterns("test", "tests", "idlelib", "tkinter", "turtledemo", "turtle.py", \
        "ensurepip", "lib2to3", "pydoc_data", "__pycache__", "config-*", "*.a", "site-packages", \
        "dist-packages", "lib-dynload", "__phello__", "__hello__.py", "_test*", "_ctypes_test*", \
        "xxlimited*", "_xxtestfuzz*", "_tkinter*", "curses", "_curses*", "readline*", "_dbm*", "_gdbm*"); \
    shutil.copytree(os.path.realpath(sysconfig.get_path("stdlib")), tree, ignore=drop, \
        ignore_dangling_symlinks=True); \
    shutil.copytree(next(p for p in sys.path if p.endswith("lib-dynload")), lib + "/lib-dynload", \
        ignore=drop); \
    open(tree + "/sitecustomize.py", "w").write("import site, sys\nsite.addsitedir(sys.prefix + \"/site-packages\")\n"); \
    shutil.copy2(tree + "/os.py", lib + "/os.py"); \
{%- if not bytecode %}
    assert compileall.compile_dir(tree, quiet=2, legacy=True, workers=0, stripdir=tree, \
        prependdir=lib[len("/out"):], invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH); \
    archive = zipfile.ZipFile("/out/python/lib/" + os.path.basename(next(p for p in sys.path if p.endswith(".zip"))), \
        "w", zipfile.ZIP_DEFLATED); \
    [archive.write(os.path.join(d, f), os.path.relpath(os.path.join(d, f), tree)) \
        for d, _, files in sorted(os.walk(tree)) for f in sorted(files) if not f.endswith(".py")]; \
    archive.close(); \
{%- endif %}
    os.makedirs("/out/python/bin"); shutil.copy2(os.path.realpath(sys.executable), "/out/python/bin/" + v); \
    os.symlink(v, "/out/python/bin/python3")'
