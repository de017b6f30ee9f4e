"""Where the AWS documentation the error catalogue links to lives (a leaf both catalogue modules import)."""

from __future__ import annotations

#: The Cognito developer guide; a page is ``DEV_GUIDE + "quotas.html"``.
DEV_GUIDE = "https://docs.aws.amazon.com/cognito/latest/developerguide/"
#: The API Reference page of an operation or type (``API_PAGE.format("VerifySoftwareToken")``).
API_PAGE = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_{}.html"
