"""The phone's queue of commands is the command log (commandlog.js); "outbox" is the server's event table."""
from __future__ import annotations

import re
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "pwa" / "static" / "js"


def test_the_phones_log_is_named_the_command_log_and_every_module_and_the_worker_use_that_name():
    assert (JS / "commandlog.js").exists() and not (JS / "outbox.js").exists()
    modules = {path.name: path.read_text() for path in JS.glob("*.js")}
    assert [name for name, text in modules.items() if re.search(r"\boutbox\.js|\boutbox\.\w+\(", text)
            and name != "commandlog.js"] == []
    assert '"/static/js/commandlog.js"' in modules["sw.js"]


def test_queued_commands_stay_where_phones_already_hold_them():
    # Renaming or splitting the module must not move the IndexedDB database: commands queued before the
    # update stay. The log opens its database in commandlog_db.js.
    assert 'const DB_NAME = "waybill-outbox";' in (JS / "commandlog_db.js").read_text()
    assert [path.name for path in JS.glob("*.js") if "indexedDB.open(" in path.read_text()] == ["commandlog_db.js"]
