"""Which links a storefront crawl schedules: every page within the limits, at its shallowest depth.

A page is marked seen only when it is really scheduled, and it keeps the shallowest depth at which any
link reached it. Pages do not arrive in depth order (downloads overlap), so a product first met deep
through "related" links may later turn up one click from a category page: its depth then improves,
and if its links were already read they are read again at the better depth, so whatever the deep
visit cut off at the depth limit is reached after all. For that, the links of every page read are
kept, as small integer arrays: about a hundred bytes a page.

Pure: no Scrapy. Links are classified (``crawler.links``) once per distinct address.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from detectors import registrable_domain

from .links import FOLLOWED_KINDS, LinkKind, classify, normalize

UNREAD = -1  # a page scheduled but not read yet


@dataclass(frozen=True)
class Admission:
    """A page to fetch: its canonical URL, its depth, what kind of link led to it."""

    url: str
    depth: int
    kind: LinkKind


class Frontier:
    def __init__(self, allowed_sites: Iterable[str], *, max_pages_per_site: int, depth_limit: int) -> None:
        self.allowed_sites = set(allowed_sites)
        self.max_pages_per_site = max_pages_per_site
        self.depth_limit = depth_limit  # 0: no limit
        self.pages_per_site: Counter[str] = Counter()
        self.limit_reached = 0  # links refused because their site had its pages already
        self._ids: dict[str, int] = {}  # canonical URL -> page id
        self._urls: list[str] = []
        self._kinds: list[LinkKind] = []
        self._depths: list[int] = []
        self._read_at: list[int] = []  # the depth at which the page's links were read, or UNREAD
        self._links: dict[int, array[int]] = {}  # page id -> ids of the pages it links to
        self._targets: dict[str, tuple[int, LinkKind] | None] = {}  # raw href -> (page id or -1, kind) | not followed

    def __len__(self) -> int:
        return len(self._urls)

    def seed(self, url: str) -> Admission | None:
        target = self._target(url, LinkKind.CATEGORY)
        return self._offer(target, 0) if target is not None else None

    def adopt(self, url: str, depth: int, kind: LinkKind) -> None:
        """A page admitted elsewhere (by another worker of a shared run): known here at ``depth``, so that
        ``read`` follows its links. It counts toward no limit here: the shared run counts pages in Redis."""
        target = self._target(url, kind)
        if target is not None and (self._depths[target[0]] == -1 or depth < self._depths[target[0]]):
            self._depths[target[0]] = depth

    def depth_of(self, url: str) -> int:
        """The shallowest depth ``url`` (canonical, as admitted) was reached at."""
        return self._depths[self._ids[url]]

    def read(self, url: str, hrefs: Iterable[str]) -> list[Admission]:
        """The page ``url`` (as admitted) links to ``hrefs`` (absolute): the pages to fetch now."""
        page = self._ids.get(url)
        if page is None:
            return []
        children = array("i", dict.fromkeys(self._child_ids(hrefs)))
        self._links[page] = children
        return self._expand(page)

    # --- inside -----------------------------------------------------------------------------------

    def _child_ids(self, hrefs: Iterable[str]) -> Iterable[int]:
        for href in hrefs:
            target = self._targets.get(href, False)
            if target is False:
                kind = classify(href)
                target = self._target(href, kind) if kind in FOLLOWED_KINDS else None
                self._targets[href] = target
            if target is not None:
                yield target[0]

    def _target(self, href: str, kind: LinkKind) -> tuple[int, LinkKind] | None:
        """The page id of a followed link (registered, not yet admitted), or None when off-site."""
        canonical = normalize(href)
        known = self._ids.get(canonical)
        if known is not None:
            return known, self._kinds[known]
        if registrable_domain(canonical) not in self.allowed_sites:
            return None
        page = len(self._urls)
        self._ids[canonical] = page
        self._urls.append(canonical)
        self._kinds.append(kind)
        self._depths.append(-1)  # known, not admitted
        self._read_at.append(UNREAD)
        return page, kind

    def _offer(self, target: tuple[int, LinkKind], depth: int) -> Admission | None:
        page, _kind = target
        admitted = self._admit(page, depth)
        return admitted[0] if admitted else None

    def _expand(self, page: int) -> list[Admission]:
        """Admit or improve the children of every page whose depth got better, from ``page`` on."""
        admissions: list[Admission] = []
        work = [page]
        while work:
            parent = work.pop()
            depth = self._depths[parent]
            self._read_at[parent] = depth
            for child in self._links.get(parent, ()):
                admissions.extend(self._admit(child, depth + 1, work))
        return admissions

    def _admit(self, page: int, depth: int, work: list[int] | None = None) -> list[Admission]:
        if self.depth_limit and depth > self.depth_limit:
            return []
        current = self._depths[page]
        if current == -1:  # first reached: schedule it, if its site still has room
            site = registrable_domain(self._urls[page])
            if self.pages_per_site[site] >= self.max_pages_per_site:
                self.limit_reached += 1
                return []
            self.pages_per_site[site] += 1
            self._depths[page] = depth
            return [Admission(self._urls[page], depth, self._kinds[page])]
        if depth < current:  # reached closer to a seed: its links, once read, are read again at this depth
            self._depths[page] = depth
            if work is not None and self._read_at[page] != UNREAD:
                work.append(page)
        return []
