"""The frontier reaches every page within the limits, at its shallowest depth, whatever order pages arrive in."""

from __future__ import annotations

import random
from collections import deque

import pytest

from crawler.frontier import Frontier
from crawler.links import LinkKind

SHOP = "https://shop.vn"


def _shortest_depths(graph: dict[str, list[str]], seed: str) -> dict[str, int]:
    depths, queue = {seed: 0}, deque([seed])
    while queue:
        page = queue.popleft()
        for child in graph.get(page, []):
            if child not in depths:
                depths[child] = depths[page] + 1
                queue.append(child)
    return depths


def _crawl(graph: dict[str, list[str]], seed: str, depth_limit: int, order: str, rng: random.Random | None = None,
           max_pages: int = 10_000) -> dict[str, int]:
    """Fetch what the frontier admits, in the given order; returns the pages fetched with their depth."""
    frontier = Frontier({"shop.vn"}, max_pages_per_site=max_pages, depth_limit=depth_limit)
    first = frontier.seed(seed)
    assert first is not None
    pending, fetched = [first], {}
    while pending:
        if order == "deepest-first":
            pending.sort(key=lambda a: a.depth)
            admission = pending.pop()
        else:
            admission = pending.pop(rng.randrange(len(pending))) if rng else pending.pop()
        assert admission.url not in fetched, "a page is scheduled once"
        fetched[admission.url] = admission.depth
        pending.extend(frontier.read(admission.url, graph.get(admission.url, [])))
    return {url: frontier.depth_of(url) for url in fetched}


def _url(name: str) -> str:
    return f"{SHOP}/{name}"


def test_a_product_met_deep_first_is_still_followed_from_its_shallow_link() -> None:
    # Category A lists p0, whose "related" link leads to p3 (depth 3: its own links are cut at the limit).
    # Category B lists p3 directly (depth 2), but B is read after p3. p3's links must then be read again
    # at depth 2, so that p4, linked only from p3, is fetched within the limit of 3.
    graph = {
        _url(""): [_url("danh-muc/b"), _url("danh-muc/a")],
        _url("danh-muc/a"): [_url("san-pham/p0")],
        _url("danh-muc/b"): [_url("san-pham/p3")],
        _url("san-pham/p0"): [_url("san-pham/p3")],
        _url("san-pham/p3"): [_url("san-pham/p4")],
    }
    fetched = _crawl(graph, _url(""), depth_limit=3, order="deepest-first")
    assert fetched == {url: d for url, d in _shortest_depths(graph, _url("")).items() if d <= 3}
    assert fetched[_url("san-pham/p3")] == 2 and fetched[_url("san-pham/p4")] == 3


@pytest.mark.parametrize("seed", range(25))
def test_any_arrival_order_fetches_exactly_the_pages_within_the_depth_limit(seed: int) -> None:
    rng = random.Random(seed)
    pages = [_url("")] + [_url(f"danh-muc/c{i}") for i in range(6)] + [_url(f"san-pham/p{i}") for i in range(60)]
    graph = {page: rng.sample(pages, rng.randrange(1, 6)) for page in pages}
    graph[_url("")] += [_url("danh-muc/c0")]
    limit = rng.randrange(1, 5)
    fetched = _crawl(graph, _url(""), depth_limit=limit, order="random", rng=rng)
    expected = {url: d for url, d in _shortest_depths(graph, _url("")).items() if d <= limit}
    assert fetched == expected


def test_links_off_the_site_and_not_followed_kinds_are_left_out() -> None:
    frontier = Frontier({"shop.vn"}, max_pages_per_site=10, depth_limit=4)
    home = frontier.seed(f"{SHOP}/")
    assert home is not None and home.kind is LinkKind.CATEGORY
    admitted = frontier.read(home.url, [f"{SHOP}/san-pham/a?utm_source=fb", f"{SHOP}/gio-hang", "https://other.vn/san-pham/b",
                                        f"{SHOP}/san-pham/a", f"{SHOP}/anh.jpg"])
    assert [(a.url, a.depth, a.kind) for a in admitted] == [(f"{SHOP}/san-pham/a", 1, LinkKind.PRODUCT)]


def test_the_page_limit_counts_pages_scheduled_per_site() -> None:
    frontier = Frontier({"shop.vn"}, max_pages_per_site=3, depth_limit=0)
    home = frontier.seed(f"{SHOP}/")
    assert home is not None
    admitted = frontier.read(home.url, [f"{SHOP}/san-pham/{i}" for i in range(5)])
    assert len(admitted) == 2 and frontier.limit_reached == 3
    assert frontier.pages_per_site["shop.vn"] == 3
