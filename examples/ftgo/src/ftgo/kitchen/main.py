"""The endpoint of package ftgo.kitchen: serve it with

    restagen serve ftgo.kitchen.main:app

Written once by restagen, then yours: wire your implementations' dependencies here.
"""

from __future__ import annotations

from .app import create_app
from .impl.kitchen import KitchenService

app = create_app(kitchen=KitchenService())
