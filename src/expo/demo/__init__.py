"""The demo behind ``flask --app expo seed-demo``: data files in ``data/``, read by ``seed``."""

from expo.demo.seasons import china_today
from expo.demo.seed import DEMO_LOGINS, NotADemoDatabase, seed_demo

__all__ = ["DEMO_LOGINS", "NotADemoDatabase", "china_today", "seed_demo"]
