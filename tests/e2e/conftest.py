"""E2E fixtures: a shop with a user (and API token) per role, row counters, a live server and Chromium.

They live in helper modules by what they are for, and are registered here by importing them (pytest finds
fixtures in a conftest's namespace; `pytest_plugins` is only allowed in the root conftest):
- world.py: the world (made once per run in a template database) and apps on a copy of it;
- client_checks.py: order bodies, problem responses, unchanged rows, signing in through the test client;
- servers.py: serving an app on a free port, the live server, the driver's started run;
- chromium.py: the browser, a phone-sized page, signing in on the page, the floor's stock page.
The names tests import from here (`from tests.e2e.conftest import sign_in`) are these modules' names.
"""
from __future__ import annotations

import pytest

# Asserts in the helpers explain themselves on failure as they did when they lived here (pytest rewrites
# only test modules and conftest unless told); registered before the first import of each.
pytest.register_assert_rewrite("tests.e2e.chromium", "tests.e2e.client_checks", "tests.e2e.servers", "tests.e2e.world")

# Fixtures are registered, and the shared names re-exported, by importing them: none is unused.
# ruff: noqa: F401
from tests.e2e.chromium import (CHROMIUM, CHROMIUM_FLAGS, PHONE, UNLABELLED_CONTROLS, axe_problems, browser,
                                browser_sign_in, open_menu, screenshot_dir, tap_menu,
                                phone, playwright, stock_page)
from tests.e2e.client_checks import (CSRF_INPUT, WRITE_TABLES, assert_problem, csrf_token_of, order_body, rows,
                                     sign_in, unchanged_rows)
from tests.e2e.phone import chip, controlled_by_the_worker, wait_until
from tests.e2e.servers import LiveServer, live_server, server, serving
from tests.e2e.world import (World, _app_on_copy, _build_world, _dispose, _world_for, app, module_app,
                             module_world, world, world_template)
