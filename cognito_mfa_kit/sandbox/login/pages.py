"""HTML pages rendered with Jinja2 (templates are package data, autoescaped), and the set-up page's QR code (qrcode,
as SVG). Every page is a plain form: it works without JavaScript."""

from __future__ import annotations

import base64
import functools
from typing import Any

import jinja2
import pyotp
import qrcode
import qrcode.image.svg
from werkzeug.wrappers import Response

HTML = "text/html; charset=utf-8"


#: the package whose ``templates`` folder holds what every sandbox page shares (``_page.html``)
SHARED = "cognito_mfa_kit.sandbox"


@functools.cache
def environment(package: str) -> jinja2.Environment:
    """The Jinja2 environment of ``package``'s ``templates`` folder, then the sandbox's shared one."""
    loader = jinja2.ChoiceLoader([jinja2.PackageLoader(package, "templates"),
                                  jinja2.PackageLoader(SHARED, "templates")])
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html"]),
                              undefined=jinja2.StrictUndefined)


def render(package: str, template: str, status: int = 200, **context: Any) -> Response:
    """``template`` of ``package`` as an HTML answer (never cached: pages carry one-time state)."""
    body = environment(package).get_template(template).render(**context)
    return Response(body, status=status, content_type=HTML, headers={"Cache-Control": "no-store"})


def key_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans [issuer: the pool's name, UNVERIFIED]."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """A QR code of ``uri`` as an SVG ``data:`` URI, for an ``<img>``."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def grouped(secret: str) -> str:
    """A key in groups of four, as authenticator apps show it (easier to type)."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
