
# 3. What of the dependencies no app imports goes here: their own test suites (pandas/tests,
# numpy/_core/tests, ...), type stubs (*.pyi, for type checkers), C headers and sources, Cython
# declarations and static libraries (*.h, *.c, *.pxd, *.pyx, *.a: for compiling against them,
# and there is no compiler in the image). Deleting in a build stage is free; in the final image it
# is too late, since a later layer only hides the files of an earlier one.
{%- if bytecode %}
# Then each module is compiled to bytecode beside its source (unchecked-hash .pyc, named by its
# path in the image), and the source is deleted: the .pyc is what runs, and no start compiles
# the dependencies. A file that does not compile keeps its source (hence the `|| true`).
# The risk: without sources a traceback through a dependency shows file and line but not the
# line's text, and inspect.getsource() fails on their code (numba's @jit and torch.jit.script
# read sources, and break). To undo, delete the line that deletes the sources.
# Then the stdlib's zip (see step 1): the dependencies are imported and Flask serves one request
# in this stage (their import-time code runs here, as at the app's start), and the zip takes the
# bytecode of each stdlib module that loaded, the source of the others. A dependency that fails
# to import here prints why and only leaves more of the stdlib as source.
{%- endif %}
# Then the packages that are nothing but Python code (no extension module, no data file: jinja2,
# click, gunicorn, ...) go into site-packages/dependencies.zip, put on sys.path by a
# .pth file: zipimport reads them from there, at a third of their size as files.
# The risk: code that opens files beside its own __file__ cannot in a zip; a package with any
# file that is not code stays as files, so this only concerns code that reads its own .py or
# .pyc, or writes beside itself. To undo, delete the step that writes dependencies.zip.
# Then copy exactly the shared libraries that the interpreter (mounted from the runtime stage)
# and every extension module link, as the dynamic loader resolves them (`ld.so --list`, what ldd
# runs, without ldd's shell wrapper: ten times faster), into /out/python/lib (found through
# LD_LIBRARY_PATH), and the loader itself at its own path (PT_INTERP, fixed in the binaries). A
# library that does not resolve fails the build. Libraries resolved inside the tree (numpy.libs,
# via $ORIGIN) are already there. libgcc_s is added too: glibc loads it at run time to unwind
# threads. Then a passwd and group file naming the app user, and a /tmp that is writable by all
# (gunicorn's worker heartbeat files). bash's pipefail: a failing ldd or ldconfig fails the build.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN --mount=type=bind,from=runtime,source=/out,target=/runtime \
{%- if bytecode %}
    --mount=type=bind,from=runtime,source=/stdlib,target=/stdlib \
{%- endif %}
    find /out/python/site-packages/ -mindepth 2 -type d -name tests -prune -exec rm -rf {} + \
 && find /out/python/site-packages/ -type f \( -name '*.pyi' -o -name '*.h' -o -name '*.c' -o -name '*.pxd' \
        -o -name '*.pyx' -o -name '*.a' \) -delete \
{%- if bytecode %}
 && { python3 -m compileall -qq -b -j 0 --invalidation-mode unchecked-hash -s /out -p / /out/python/site-packages || true; } \
 && python3 -c 'import pathlib; [p.unlink() for p in pathlib.Path("/out/python/site-packages").rglob("*.py") if p.with_suffix(".pyc").is_file()]' \
 && python3 -c 'import code, os, py_compile, sys, sysconfig, zipfile; sp = "/out/python/site-packages"; sys.path.insert(0, sp); \
    run = code.InteractiveInterpreter().runsource; \
    [run("import " + name) for name in ["gunicorn.app.wsgiapp", "gunicorn.workers.sync"] + [e.split(".")[0] \
        for e in sorted(os.listdir(sp)) if e.endswith((".py", ".pyc")) \
        or any(os.path.isfile(sp + "/" + e + "/__init__" + s) for s in (".py", ".pyc"))]]; \
    run("import flask; app = flask.Flask(\"trace\"); app.add_url_rule(\"/\", \"trace\", lambda: \"traced\"); app.test_client().get(\"/\")"); \
    std = os.path.realpath(sysconfig.get_path("stdlib")); lib = "/python/lib/python%d.%d/" % sys.version_info[:2]; \
    traced = {os.path.relpath(os.path.realpath(m.__file__), std) for m in list(sys.modules.values()) \
        if str(getattr(m, "__file__", None)).startswith(std + "/")}; os.makedirs("/out/python/lib"); \
    archive = zipfile.ZipFile("/out/python/lib/" + os.path.basename(next(p for p in sys.path if p.endswith(".zip"))), \
        "w", zipfile.ZIP_DEFLATED); \
    [archive.write(py_compile.compile(d + "/" + f, "/tmp/pyc/" + rel + "c", lib + rel, doraise=True, \
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH), rel + "c") \
        if rel in traced and f.endswith(".py") else archive.write(d + "/" + f, rel) \
        for d, _, files in sorted(os.walk("/stdlib")) for f in sorted(files) \
        for rel in [os.path.relpath(d + "/" + f, "/stdlib")]]; \
    archive.close(); os._exit(0)' \
{%- endif %}
 && python3 -c 'import os, shutil, zipfile; sp = "/out/python/site-packages"; \
    walk = lambda p: [p] if os.path.isfile(p) else [os.path.join(d, f) for d, _, fs in sorted(os.walk(p)) for f in sorted(fs)]; \
    code = lambda f: f.endswith((".py", ".pyc")) or os.path.basename(f) == "py.typed"; \
    pure = [e for e in sorted(os.listdir(sp)) if (os.path.isfile(sp + "/" + e) and e.endswith((".py", ".pyc")) \
        or any(os.path.isfile(sp + "/" + e + "/__init__" + s) for s in (".py", ".pyc"))) and all(map(code, walk(sp + "/" + e)))]; \
    archive = zipfile.ZipFile(sp + "/dependencies.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9); \
    [archive.write(f, os.path.relpath(f, sp)) for e in pure for f in walk(sp + "/" + e)]; archive.close(); \
    [shutil.rmtree(sp + "/" + e) if os.path.isdir(sp + "/" + e) else os.remove(sp + "/" + e) for e in pure]; \
    open(sp + "/dependencies.pth", "w").write("dependencies.zip\n")' \
 && loader=$(ldd /runtime/python/bin/python3 | awk '$1 ~ /^\// && $2 ~ /^\(0x/ && !n++ { print $1 }') \
 && [ -n "$loader" ] \
 && { find /runtime/python /out/python -type f \( -name '*.so' -o -name '*.so.*' -o -path '*/python/bin/*' \) \
        -exec "$loader" --list {} \; > /tmp/ldd.txt 2>/dev/null || true; } \
 && awk '$2 == "=>" && $3 == "not" { print "unresolved: " $1 > "/dev/stderr"; bad = 1 } \
         $2 == "=>" && $3 ~ /^\// && !seen[$3]++ { print $1, $3 } \
         END { exit bad }' /tmp/ldd.txt > /tmp/libs.txt \
 && ldconfig -p | awk '$1 == "libgcc_s.so.1" && !n++ { print $1, $NF }' >> /tmp/libs.txt \
 && mkdir -p /out/python/lib \
 && while read -r name path; do \
        case "$path" in \
            /runtime/*|/out/*) ;; \
            *) cp -L "$path" "/out/python/lib/$(basename "$name")" ;; \
        esac; \
    done < /tmp/libs.txt \
 && mkdir -p "/out$(dirname "$loader")" && cp -L "$loader" "/out$loader" \
 && mkdir -p /out/etc /out/tmp && chmod 1777 /out/tmp \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\n{{ user }}:x:{{ uid }}:{{ uid }}::/nonexistent:/sbin/nologin\n' > /out/etc/passwd \
 && printf 'root:x:0:\n{{ user }}:x:{{ uid }}:\n' > /out/etc/group

# The final image: a layer with the interpreter and stdlib, one with the dependencies and the
# libraries, one with the app. No file is in two layers.
{% with writable_base = "PYTHON_SLIM_IMAGE" %}{% include "variants/_runtime/stage.Dockerfile" %}{% endwith %}FROM scratch
COPY --from=runtime /out /
COPY --from=deps /out /
ENV PATH=/python/bin \
    LD_LIBRARY_PATH=/python/lib \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
USER {{ uid }}:{{ uid }}
{% include "variants/_runtime/final.Dockerfile" %}EXPOSE {{ port }}
# No shell here, so the exec form with an absolute path is the only form that can work.
CMD ["/python/bin/python3", "-m", "gunicorn", "--bind", "0.0.0.0:{{ port }}", "{{ entry }}"]
