"""The whole chain in a real browser: `cognito-mfa-kit lab` → JupyterLab → kernel → the lab's sandbox → widgets."""

from __future__ import annotations

import re
import uuid

import boto3
import pytest

pytest.importorskip("playwright", reason="browser tests need Python Playwright (pip install playwright)")


def test_widget_smoke_notebook_renders_widgets_and_a_click_reaches_the_labs_sandbox(jupyter, lab_server) -> None:
    page = jupyter.page
    jupyter.open_notebook("widget_smoke.ipynb")
    jupyter.run_all_cells()

    # the kernel found the lab's sandbox through the environment, not a sandbox of its own
    banner = page.locator(".jp-OutputArea-output", has_text="Target: local Cognito sandbox")
    assert lab_server.sandbox_url in banner.inner_text()
    assert "shared server" in banner.inner_text()

    # the QR code is a real, decoded image
    qr = page.locator("img.cmk-qr")
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100 && img.naturalWidth === img.naturalHeight")

    # type, click: the kernel calls the sandbox and the label changes
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    page.locator(".smoke-name input").fill(name)
    page.locator("button.smoke-button").click()
    status = page.locator(".smoke-status")
    status.get_by_text(re.compile(rf"^created {name} us-east-1_\w+$")).wait_for()
    jupyter.assert_healthy()

    pool_id = status.inner_text().split()[-1]
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=lab_server.sandbox_url,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == name
