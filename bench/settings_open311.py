"""Settings of the Open311 benchmark's server: the node's own settings plus the floor endpoint
(`bench.urls_open311`). Only `bench/bench_open311.py` points gunicorn at this module; a node
never loads it, so the floor endpoint does not exist in production."""

from onestop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_open311"
