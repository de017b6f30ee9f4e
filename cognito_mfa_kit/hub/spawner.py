"""How the hub starts a user's JupyterLab: a local process in a home of the hub's own, with the course and the user's
key (see :mod:`.home`).

``CourseSpawner`` is JupyterHub's ``SimpleLocalProcessSpawner`` (a process per user on this machine, all as the hub's
own OS user: no OS accounts to create) that prepares the user's home before it starts them and gives their server
(and so its kernels) the sandbox's URL and their AWS profile. Its limits are JupyterHub's, said in its docs: no
isolation between the users of one machine (same OS user: a trainee's kernel could read another's files, keys
included) and no CPU or memory limits. For a class that must not trust each other, run the same image on Kubernetes
(deploy/z2jh-values.yaml: a container per trainee).
"""

from __future__ import annotations

from typing import Any

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Unicode

from .home import prepare_home, start_page, user_environment
from .settings import HubSettings


class CourseSpawner(SimpleLocalProcessSpawner):
    """A user's JupyterLab on the course, signing as that user on the class's sandbox."""

    settings_file = Unicode("", config=True, help="The hub's settings (JSON): homes, course, sandbox, keys.")

    def _hub_user(self) -> Any:
        settings = HubSettings.load(self.settings_file)
        user = settings.users.get(self.user.name)
        if user is None:  # the authenticator lets nobody else in; a user left in the hub's database from an old sheet
            raise RuntimeError(f"{self.user.name} is not on this class's sheet any more")
        return settings, user

    async def start(self) -> Any:
        settings, user = self._hub_user()
        self.home_dir = str(prepare_home(settings, user))
        self.notebook_dir = self.home_dir
        self.default_url = start_page(user)
        self.environment: dict[str, Any] = {**self.environment, **user_environment(settings, user)}
        return await super().start()
