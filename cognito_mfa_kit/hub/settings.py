"""What ``cognito-mfa-kit hub`` tells the JupyterHub it starts: one JSON file (mode 0600) in the hub's data folder.

>>> settings = HubSettings.load(path)          # in jupyterhub_config.py, the authenticator and the spawner
>>> settings.users["trainee-001"].password_hash

It holds, per hub user, the scrypt hash of their hub password (never the password) and their own key on the class's
sandbox; and where the sandbox, the course and the users' homes are. The hub command writes it (atomically) before
JupyterHub starts; JupyterHub only reads it. Knows nothing of JupyterHub, so it can be read without it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: the environment variable naming the settings file (read by jupyterhub_config.py)
ENV_SETTINGS = "COGNITO_MFA_KIT_HUB_SETTINGS"
TRAINER = "trainer"
TRAINEE = "trainee"
#: the AWS profile each user's server signs with, by role
PROFILES = {TRAINER: "cmk-trainer", TRAINEE: "cmk-trainee"}


@dataclass(frozen=True)
class HubUser:
    """One account of the hub: the trainer, or a trainee of the sheet."""

    name: str  # the hub's user name (JupyterHub's normalised form: lower case)
    role: str  # TRAINER or TRAINEE
    password_hash: str
    aws_access_key_id: str
    aws_secret_access_key: str
    username: str = ""  # the trainee's user name on the sheet (their Cognito user)
    pool_id: str = ""  # the trainee's own pool

    @property
    def profile(self) -> str:
        return PROFILES[self.role]


@dataclass(frozen=True)
class HubSettings:
    sandbox_url: str
    notebooks: str  # the course's notebooks/ folder, copied into each home
    homes: str  # the folder holding one home per user (the hub's, never a real home)
    sheet: str  # the class's sheet (the trainer's class view reads it)
    lab_settings: str  # JupyterLab settings overrides folder (overrides.json)
    data_dir: str  # the hub's own folder: its database, cookie secret, proxy pid file, the homes
    users: dict[str, HubUser] = field(default_factory=dict)
    #: command-line options every user's JupyterLab gets (no news, kernel culling, ...)
    lab_options: list[str] = field(default_factory=list)
    ip: str = "127.0.0.1"  # where the hub's proxy listens (what trainees open)
    port: int = 8000
    hub_port: int = 8081  # JupyterHub's own API (loopback)
    proxy_api_port: int = 8001  # configurable-http-proxy's API (loopback)
    proxy_command: list[str] = field(default_factory=lambda: ["configurable-http-proxy"])

    @property
    def trainer(self) -> HubUser | None:
        return next((u for u in self.users.values() if u.role == TRAINER), None)

    def home(self, name: str) -> Path:
        return Path(self.homes) / name

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HubSettings:
        users = {name: HubUser(**value) for name, value in dict(data.get("users") or {}).items()}
        return cls(**{**data, "users": users})

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically, mode 0600 (it holds keys)."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.as_json(), out, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HubSettings:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
