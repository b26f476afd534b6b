"""Fetch a release or source from an http(s) URL, within limits and without reaching internal services.

- Only http and https.
- Before each request (the first and every redirect) the host is resolved with socket.getaddrinfo and every
  address it resolves to must be public: no private, loopback, link-local, shared, reserved, multicast or
  unspecified address, IPv4-mapped IPv6 included. The address actually connected to is checked again when
  the response arrives, before its body is read, which closes the gap a DNS answer that changes between the
  check and the connection (DNS rebinding) would open. `limits.allow_private_urls` turns the checks off.
- Environment proxies are ignored (trust_env=False), so the address checked is the address connected to.
- A timeout (`limits.fetch_timeout`) for connecting and for each read, and the same again as a deadline for
  the whole download, so a server that trickles bytes cannot hold factcheck forever.
- At most `limits.max_redirects` redirects, followed by hand so each one is checked.
- At most `limits.max_input_bytes` bytes: refused early on a larger Content-Length, and counted while reading
  (after any gzip decoding) when there is none or it lies.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from factcheck.config import Settings
from factcheck.errors import BlockedURLError, FetchError, InputTooLargeError

if TYPE_CHECKING:
    import httpx

REDIRECTS = {301, 302, 303, 307, 308}
ACCEPT = (
    "text/html,application/xhtml+xml,application/pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/markdown,text/plain;q=0.9,"
    "*/*;q=0.5"
)


@dataclass(frozen=True)
class Fetched:
    """What a URL gave: the final URL after redirects, its Content-Type header (if any) and the body."""

    url: str
    content_type: str | None
    data: bytes

    @property
    def hint(self) -> str | None:
        """A format hint for factcheck.inputs.detect: the Content-Type, else the extension of the URL's path."""
        if self.content_type:
            return self.content_type
        name = self.url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
        return name if "." in name else None


def is_url(value: str) -> bool:
    head = value[:8].lower()
    return head.startswith(("http://", "https://")) and not any(c.isspace() for c in value)


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why factcheck will not connect to `ip` (e.g. "loopback"), or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
        ("non-public", not ip.is_global),
    ):
        if flag:
            return kind
    return None


def check_url(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to any address that is not public."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise FetchError(f"{url}: not a valid URL ({e})") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs can be fetched")
    host = parsed.host
    if not host:
        raise FetchError(f"{url}: the URL has no host")
    if allow_private:
        return
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(f"{url}: cannot resolve {host} ({getattr(e, 'strerror', None) or e})") from None
    if not infos:
        raise FetchError(f"{url}: {host} resolves to no address")
    for info in infos:
        _refuse(url, host, str(info[4][0]))


def _refuse(url: str, host: str, address: str) -> None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        raise BlockedURLError(f"{url}: {host} resolves to {address!r}, which is not an IP address") from None
    problem = address_problem(ip)
    if problem:
        at = host if host == address else f"{host} ({ip})"
        raise BlockedURLError(
            f"{url}: {at} is a {problem} address; factcheck does not fetch those unless "
            "limits.allow_private_urls is set"
        )


def fetch(
    url: str,
    settings: Settings,
    *,
    allow_private: bool | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    max_redirects: int | None = None,
) -> Fetched:
    """GET `url` within the limits in `settings.limits` (each can be overridden by keyword)."""
    import httpx

    from factcheck import __version__

    limits = settings.limits
    allow_private = limits.allow_private_urls if allow_private is None else allow_private
    timeout = limits.fetch_timeout if timeout is None else timeout
    max_bytes = limits.max_input_bytes if max_bytes is None else max_bytes
    max_redirects = limits.max_redirects if max_redirects is None else max_redirects
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": f"factcheck/{__version__}", "Accept": ACCEPT}

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpx.ReadTimeout("deadline passed")
        return left

    current = url
    try:
        with httpx.Client(follow_redirects=False, trust_env=False, headers=headers) as client:
            for hop in range(max_redirects + 1):
                check_url(current, allow_private)
                with client.stream("GET", current, timeout=httpx.Timeout(remaining())) as response:
                    if not allow_private:
                        _check_peer(current, response)
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        current = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code >= 400:
                        status = f"{response.status_code} {response.reason_phrase}"
                        raise FetchError(f"{url}: the server answered {status}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise _too_large(url, int(declared), max_bytes)
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise _too_large(url, None, max_bytes)
                        remaining()
                    return Fetched(str(response.url), response.headers.get("content-type"), bytes(body))
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no complete answer within {timeout:g} s (limits.fetch_timeout)") from None
    except httpx.HTTPError as e:
        raise FetchError(f"{url}: {type(e).__name__}: {e}") from None
    raise FetchError(f"{url}: more than {max_redirects} redirects (limits.max_redirects)")


def _check_peer(url: str, response: httpx.Response) -> None:
    """The address the connection really went to must pass the same check as the resolved ones."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer:
        _refuse(url, str(peer[0]), str(peer[0]))


def _too_large(url: str, size: int | None, cap: int) -> InputTooLargeError:
    if size is None:
        return InputTooLargeError(f"{url} is over the limit of {cap:,} bytes (limits.max_input_bytes)")
    return InputTooLargeError(f"{url} is {size:,} bytes, over the limit of {cap:,} (limits.max_input_bytes)")
