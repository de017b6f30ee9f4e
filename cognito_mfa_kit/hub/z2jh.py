"""The same class on Kubernetes (Zero to JupyterHub): the hub's ``extraConfig`` calls :func:`configure`.

``deploy/z2jh-values.yaml`` runs the image built from ``deploy/Dockerfile`` for every trainee's server *and* for the
sandbox (a container beside the hub, on the hub's volume), and mounts the class's Secret — the settings and the
sandbox state that ``cognito-mfa-kit hub --prepare`` wrote — into the hub. Then, in the hub::

    from cognito_mfa_kit.hub.z2jh import configure
    configure(c, settings_file="/etc/cognito-mfa-kit/hub-settings.json", sandbox_url="http://hub:4599")

signs users in as on one machine (:class:`~.authenticator.SheetAuthenticator`: the sheet's hub passwords, checked
against their hashes; the trainer the only admin), and gives each user's server, through a ``pre_spawn_hook``, the
sandbox's URL and their own key (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` in their pod's environment, which
the cluster's admins can read) and their start page (a trainee's: notebook 00; the trainer's: JupyterLab, where they
upload the sheet for the class view — the sheet is not in the cluster). The spawner is Z2JH's KubeSpawner: a pod
per user, so unlike on one machine the users are isolated from each other.
"""

from __future__ import annotations

from typing import Any

from ..connect import DEFAULT_SANDBOX_REGION, ENV_URL
from .home import start_page
from .settings import TRAINER, HubSettings

AUTHENTICATOR = "cognito_mfa_kit.hub.authenticator.SheetAuthenticator"


def user_environment(settings: HubSettings, name: str, sandbox_url: str) -> dict[str, str]:
    """What user ``name``'s pod gets: the sandbox and their own key (no credentials file: a pod's own env)."""
    user = settings.users[name]
    return {
        ENV_URL: sandbox_url,
        "AWS_ACCESS_KEY_ID": user.aws_access_key_id,
        "AWS_SECRET_ACCESS_KEY": user.aws_secret_access_key,
        "AWS_DEFAULT_REGION": DEFAULT_SANDBOX_REGION,
    }


def configure(c: Any, *, settings_file: str, sandbox_url: str) -> None:
    """Set up JupyterHub's config ``c`` (in Z2JH's ``hub.extraConfig``) for the class in ``settings_file``."""
    settings = HubSettings.load(settings_file)
    c.JupyterHub.authenticator_class = AUTHENTICATOR
    c.SheetAuthenticator.settings_file = settings_file
    c.Authenticator.allowed_users = set(settings.users)
    trainer = settings.trainer
    c.Authenticator.admin_users = {trainer.name} if trainer is not None else set()

    def pre_spawn_hook(spawner: Any) -> None:
        name = spawner.user.name
        if name not in settings.users:
            raise RuntimeError(f"{name} is not on this class's sheet")
        spawner.environment = {**dict(spawner.environment or {}), **user_environment(settings, name, sandbox_url)}
        user = settings.users[name]
        # the trainer's class view needs the sheet, which is not in their pod: they upload it (docs/instructor.md)
        spawner.default_url = "/lab" if user.role == TRAINER else start_page(user)

    c.Spawner.pre_spawn_hook = pre_spawn_hook
