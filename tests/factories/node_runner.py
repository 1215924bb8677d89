"""One `onestop` process per live node that runs the tests' commands one after the other.

`LiveNode.run("peer", "add", ...)` and `LiveNode.shell(code)` used to start a new
`python -m onestop` each: ~4 s of CPU to import Django and the apps, for a command that then
takes a few milliseconds. This process starts once per node (with the node's environment, like
the node's own processes) and reads one command per line on standard input; each runs through
Django's `ManagementUtility`, exactly as `onestop <args>` would, with its standard output and
error captured and its exit status (`SystemExit`, or 1 with the traceback for an uncaught
exception) reported back. Each command runs in a new thread (what the code keeps per thread —
database connections, the federation transport's HTTP session, the active language — starts
empty), after the process has forgotten what it cached in memory (the local caches,
`core.memo`'s caches, the keys, the calendar), so a command reads the node's database and files
as a new process would.
The node's server (`serve`) stays a real process of its own.

Protocol: a JSON list of arguments per line in; a JSON object (`returncode`, `stdout`,
`stderr`) per line out, on the file descriptor given as the first argument (the command's own
writes to fd 1 are its output).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
import traceback


def _forget() -> None:
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connections
    from django.utils import translation

    from onestop.core import calendar, crypto, memo

    connections.close_all()
    for cache in caches.all(initialized_only=True):
        if isinstance(cache, LocMemCache):  # a shared cache (Redis) is the node's, not ours
            cache.clear()
    memo.clear_all()
    crypto.reset_key_cache()
    calendar.invalidate()
    translation.deactivate_all()
    translation.deactivate()


def _run(args: list[str]) -> dict[str, object]:
    from django.core.management import ManagementUtility

    from onestop.__main__ import command_argv

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            _forget()
            ManagementUtility(command_argv(["onestop", *args])).execute()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            if exit_.code is not None and not isinstance(exit_.code, int):
                sys.stderr.write(f"{exit_.code}\n")  # sys.exit("message"), as Python prints it
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            from django.db import connections

            connections.close_all()
    return {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def _in_a_new_thread(args: list[str]) -> dict[str, object]:
    """`_run` in a thread of its own: what the code keeps per thread (database connections,
    the federation transport's HTTP session and its pooled connections, the active language)
    starts empty, as in a new process."""
    done: dict[str, object] = {}
    thread = threading.Thread(target=lambda: done.update(_run(args)))
    thread.start()
    thread.join()
    return done


def main() -> None:
    reply = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()
    for line in sys.stdin:
        reply.write(json.dumps(_in_a_new_thread(json.loads(line))) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()
