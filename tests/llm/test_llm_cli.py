"""The server's command line (no model loaded)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the llm extra (fastapi) is not installed")


def test_server_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    from safe_agent_envs.llm.server import main

    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--model" in out and "--port" in out
