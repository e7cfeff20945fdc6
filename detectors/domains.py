"""Registrable domains, offline.

tldextract is built with no suffix-list URLs and no cache directory, so it uses the
public suffix list bundled in the wheel and never touches the network or the disk
(shared/env-notes.md §3). The private part of the list is included, so each tenant of a
hosting platform (``shop-a.myshopify.com``, ``user.github.io``) is a site of its own
rather than all of them being ``myshopify.com``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)

# Hosts that have no public suffix but are still a "site" for our purposes.
_LOCAL_HOSTS = frozenset({"localhost"})


def host_of(url_or_host: str) -> str:
    """The lower-cased host of a URL or bare host name, without port, userinfo or dot."""
    value = url_or_host.strip()
    if "//" not in value:
        value = "//" + value
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 literal
        return ""
    return host.rstrip(".").lower()


def registrable_domain(url_or_host: str) -> str:
    """``shop.example.com.vn`` → ``example.com.vn``; IP hosts and localhost as they are.

    A host under no known public suffix (an intranet name) is returned whole rather than
    guessed at.
    """
    host = host_of(url_or_host)
    if not host or host in _LOCAL_HOSTS or _is_ip(host):
        return host
    top = _EXTRACT(host).top_domain_under_public_suffix
    return top or host


def is_vn_domain(domain: str) -> bool:
    """True for the Vietnamese ccTLD and its second levels (``.vn``, ``.com.vn``, ``.gov.vn``…)."""
    host = host_of(domain)
    return host == "vn" or host.endswith(".vn")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
