"""The whole service tier again, on PostgreSQL: what passes on SQLite must pass on the real thing.

Importing the test functions here makes pytest run them with this folder's `app` fixture, which is
the PostgreSQL app (see conftest.py).
"""
from tests.unit.services.test_orders_service import *  # noqa: F401,F403
from tests.unit.services.test_stock_service import *  # noqa: F401,F403
