"""``python -m cognito_mfa_kit`` is the ``cognito-mfa-kit`` command."""

from .cli import main

raise SystemExit(main())
