"""A fresh process's first-use costs are paid by the warm-up, not by a request (#19 item 5).

The core makes its heavy parts lazily for the CLI's start (the store and pyarrow, the models'
validators); the language server pays them when it starts and right after ``initialized``.
Checked in a process of its own: what is built is process-wide."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, sys
from pathlib import Path
from claude_code_tracer import models
from claude_code_tracer.tracer import Tracer, TracerOptions

def unbuilt():
    todo, out = [models.Model], []
    while todo:
        c = todo.pop(); todo.extend(c.__subclasses__())
        if not c.__pydantic_complete__:
            out.append(c.__name__)
    return out

tracer = Tracer(TracerOptions(projects_roots=[Path(sys.argv[1])], persistent_catalog=False))
before = {"unbuilt": len(unbuilt()), "store": tracer._store is not None,
          "pyarrow": "pyarrow" in sys.modules}
tracer.warm_up()
after = {"unbuilt": len(unbuilt()), "store": tracer._store is not None,
         "pyarrow": "pyarrow" in sys.modules}
tracer.close()
print(json.dumps({"before": before, "after": after}))
"""


def test_warm_up_builds_the_store_and_every_model_a_first_request_would(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    state = json.loads(proc.stdout)
    # lazily made for the CLI: nothing of it exists after the tracer is opened
    assert state["before"] == {
        "unbuilt": state["before"]["unbuilt"],
        "store": False,
        "pyarrow": False,
    }
    assert state["before"]["unbuilt"] > 20
    # and all of it after the warm-up
    assert state["after"] == {"unbuilt": 0, "store": True, "pyarrow": True}
