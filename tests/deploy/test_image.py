"""The one image: what the Dockerfile copies exists, its entry point is the project's `portal`
script, dependencies come from requirements.lock with hashes, and the user is not root. (No
Docker engine here: hadolint lints it in `make lint`; it is not built.)"""

from __future__ import annotations

import re
import tomllib

from scripts.check_deploy import DEPLOY, ROOT

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def test_every_file_the_dockerfile_copies_exists_and_is_let_into_the_context():
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    sources = [
        line.split()[1]
        for line in DOCKERFILE.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
    ]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert f"!{source.rstrip('/')}" in {entry.rstrip("/") for entry in ignore}, source


def test_the_entry_point_is_the_portal_script_and_the_user_is_numeric_non_root():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["portal"] == "services.cli:main"
    assert 'ENTRYPOINT ["portal"]' in DOCKERFILE
    (user,) = re.findall(r"^USER (\d+):(\d+)$", DOCKERFILE, re.MULTILINE)
    assert int(user[0]) != 0


def test_dependencies_are_installed_from_the_lock_with_hashes_only():
    assert "--require-hashes -r requirements.lock" in DOCKERFILE
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {
        match.lower().replace("_", "-")
        for match in re.findall(r"^([A-Za-z0-9_.-]+)==", lock, re.MULTILINE)
    }
    blocks = re.split(r"\n(?=[A-Za-z])", lock)
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower().replace("_", "-")
        assert name in pinned, f"{name} is missing from requirements.lock: run make lock"
    # PyPI's hashes, not those of a local wheel folder or mirror.
    assert not re.search(r"^--(find-links|index-url|extra-index-url)", lock, re.MULTILINE)
