"""The README's two set-up commands are the ones we run: CI runs the second verbatim."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Set up (two commands)", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.strip().splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands():
    cmds = _setup_commands()
    assert len(cmds) == 2
    assert "safe-agent-envs" in cmds[0] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command():
    assert _setup_commands()[1] in (ROOT / ".ci" / "run").read_text()
