"""The cognito-idp service model as the kit sees it: botocore's model plus the kit's extras.

botocore's loader merges any ``<service>/<api-version>/service-2.sdk-extras.json`` found on its
search path into the service model (``botocore.loaders.Loader._find_extras`` /
``ExtrasProcessor``: ``{"version": 1.0, "merge": {...}}`` is deep-merged). The kit ships one that
adds ``AdminDeleteSoftwareToken`` (2026) for botocore releases that predate it; on releases that
already know the operation the merge rewrites it with the same definition.

Only the *first* extras file found on the search path is applied, so the kit's folder would
shadow an ``sdk-extras`` file shipped by botocore itself for cognito-idp (there is none today;
``tests/test_servicemodel.py`` guards that).

The AWS CLI reads the same folder from ``AWS_DATA_PATH``::

    export AWS_DATA_PATH="$(python -c \\
        'from cognito_mfa_kit.servicemodel import data_path; print(data_path())')"
    aws cognito-idp admin-delete-software-token --generate-cli-skeleton
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import botocore.session
from botocore.model import ServiceModel

SERVICE_NAME = "cognito-idp"


def data_path() -> str:
    """The folder to put on botocore's search path (or in ``AWS_DATA_PATH``)."""
    return str(Path(__file__).resolve().parent / "data")


def aws_data_path(existing: str | None = None) -> str:
    """``AWS_DATA_PATH`` for the AWS CLI of a lab's kernels and terminals: the kit's folder first, then ``existing``
    (so that a CLI whose bundled botocore predates an operation, as awscli v1's does, still knows it: the course's
    command lines then run as shown)."""
    parts = [data_path(), *(p for p in (existing or "").split(os.pathsep) if p and p != data_path())]
    return os.pathsep.join(parts)


def botocore_session(profile: str | None = None) -> botocore.session.Session:
    """A new botocore session (optionally for a named profile) that loads the kit's model extras."""
    session = botocore.session.Session(profile=profile)
    loader = session.get_component("data_loader")
    path = data_path()
    if path not in loader.search_paths:
        # First, so the kit's extras file is the one found for cognito-idp.
        loader.search_paths.insert(0, path)
    return session


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The cognito-idp ``ServiceModel`` with the kit's extras (cached)."""
    return botocore_session().get_service_model(SERVICE_NAME)
