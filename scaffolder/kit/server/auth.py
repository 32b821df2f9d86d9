"""API keys: when one is required, how it is sent, and a comparison that leaks no timing.

A server reachable from other machines without a key would let anyone spend the project's model
budget, so binding beyond loopback without `COPILOT_SERVER_API_KEY` is refused outright.
"""

from __future__ import annotations

import hmac
import ipaddress

from scaffolder.errors import UsageError
from scaffolder.kit.settings import CopilotSettings

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_local(host: str) -> bool:
    """Whether `host` is a loopback name or address (only this machine can connect)."""
    name = host.strip().strip("[]").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def configured_key(settings: CopilotSettings, host: str) -> str | None:
    """The key clients must send, or None when the server is open (loopback only)."""
    secret = settings.server_api_key
    key = secret.get_secret_value() if secret is not None else ""
    if key:
        return key
    if not is_local(host):
        raise UsageError(
            f"serving on {host} makes the copilot reachable from other machines; "
            "set COPILOT_SERVER_API_KEY (or bind to 127.0.0.1)"
        )
    return None


def presented_key(headers: dict[str, str]) -> str | None:
    """The key a request carries: `Authorization: Bearer KEY` or `X-API-Key: KEY`."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key") or None


def key_matches(expected: str, presented: str | None) -> bool:
    """Constant-time comparison, so response timing does not reveal how much of a guess was
    right."""
    if presented is None:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())
