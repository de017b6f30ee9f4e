"""JupyterHub's configuration for a class (``jupyterhub -f`` this file): everything comes from the hub's settings.

``cognito-mfa-kit hub`` starts JupyterHub with this file and ``COGNITO_MFA_KIT_HUB_SETTINGS`` naming the settings it
wrote (:mod:`cognito_mfa_kit.hub.settings`). Read by JupyterHub, which provides ``get_config``.
"""
# ruff: noqa: F821 - get_config is JupyterHub's

from __future__ import annotations

import os
from pathlib import Path

from cognito_mfa_kit.hub.settings import ENV_SETTINGS, HubSettings
from cognito_mfa_kit.lifetime import child_command

c = get_config()  # type: ignore[name-defined]
settings_file = os.environ[ENV_SETTINGS]
settings = HubSettings.load(settings_file)
data = Path(settings.data_dir)

# where it listens: the proxy on the address trainees open; the hub's API and the proxy's API on loopback only
c.JupyterHub.ip = settings.ip
c.JupyterHub.port = settings.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = settings.proxy_command
c.ConfigurableHTTPProxy.pid_file = str(data / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.cleanup_servers = True  # Ctrl-C on the hub stops every user's server

# its own files, in its data folder
c.JupyterHub.db_url = f"sqlite:///{data / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(data / "jupyterhub_cookie_secret")

# who signs in: the sheet's trainees and the trainer (the only admin), each with their own password
c.JupyterHub.authenticator_class = "cognito_mfa_kit.hub.authenticator.SheetAuthenticator"
c.SheetAuthenticator.settings_file = settings_file
c.Authenticator.allowed_users = set(settings.users)
trainer = settings.trainer
c.Authenticator.admin_users = {trainer.name} if trainer is not None else set()

# what they get: JupyterLab on the course, in a home of the hub's own, as the hub's OS user
c.JupyterHub.spawner_class = "cognito_mfa_kit.hub.spawner.CourseSpawner"
c.CourseSpawner.settings_file = settings_file
# the users' servers end with the hub even if it is killed outright (cognito_mfa_kit.lifetime)
c.Spawner.cmd = child_command("jupyterhub.singleuser", parent=os.getpid())
c.Spawner.args = list(settings.lab_options)
c.Spawner.start_timeout = 180  # a 2-core machine starting a whole class at once
c.Spawner.http_timeout = 180
c.LocalProcessSpawner.interrupt_timeout = 10
c.LocalProcessSpawner.term_timeout = 5
c.JupyterHub.shutdown_on_logout = False
