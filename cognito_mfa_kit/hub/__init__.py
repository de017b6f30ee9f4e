"""``cognito-mfa-kit hub``: a class with nothing to install — JupyterHub in front of the class's shared sandbox.

- :mod:`.server`: :class:`~.server.HubServer`, the sandbox, provisioning and JupyterHub as child processes;
- :mod:`.settings`: what the hub tells JupyterHub (users, password hashes, keys, where things are);
- :mod:`.passwords`: hub passwords and their scrypt hashes;
- :mod:`.home`: a user's home (the course, their key, the trainer's class view) and environment;
- :mod:`.authenticator`, :mod:`.spawner`, ``jupyterhub_config.py``: the JupyterHub side (need the ``[hub]`` extra).

Only the JupyterHub side imports JupyterHub.
"""
