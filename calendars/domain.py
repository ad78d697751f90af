"""The domain in calendar UIDs (booking-12@<domain>): the same in feeds, downloads and e-mail
attachments, read from the app's settings."""
from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from flask import current_app


def calendar_domain() -> str:
    """The domain in UIDs (booking-12@<domain>), the same in feeds, downloads and e-mail
    attachments (web and scheduler processes read the same settings), whatever host a client used:
    COMMONS_DOMAIN; else the host of PUBLIC_URL (the site's address, as in e-mail links) unless that
    is an IP address or localhost; else SERVER_NAME; else commons.localhost. Keep it stable: a new
    domain makes every calendar app see new events."""
    cfg = current_app.config
    explicit = cfg.get("COMMONS_DOMAIN") or cfg.get("CALENDAR_DOMAIN") or os.environ.get("COMMONS_DOMAIN")
    if explicit:
        return explicit.split(":")[0].lower()
    host = (urlsplit(cfg.get("PUBLIC_URL") or "").hostname or "").lower()
    if host and not _is_local(host):
        return host
    return (cfg.get("SERVER_NAME") or "commons.localhost").split(":")[0].lower()


def _is_local(host: str) -> bool:
    """An address that names no site of its own (a development server): not a UID domain."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
