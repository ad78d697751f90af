"""Pages of a long list on an HTML page (docs/security.md "Limits"): `?page=N`, PAGE_SIZE rows a page, and
"Previous"/"Next" links that keep the rest of the query string (templates/commons/_pager.html)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from flask import request, url_for

PAGE_SIZE = 50


@dataclass
class Pager:
    items: list
    page: int
    pages: int
    total: int
    per_page: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        """The number (from 1) of the first row shown."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def url(self, page: int) -> str:
        args: dict[str, Any] = {k: request.args.getlist(k) for k in request.args if k != "page"}
        if page > 1:
            args["page"] = page
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def requested_page() -> int:
    """The page the query string asks for: a whole number from 1; anything else is the first page."""
    text = request.args.get("page", "")
    return int(text) if text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


def paginate(rows: Sequence, per_page: int | None = None) -> Pager:
    """One page of `rows` (a page past the end shows the last page)."""
    per_page = per_page or PAGE_SIZE
    total = len(rows)
    pages = max(1, -(-total // per_page))
    page = min(requested_page(), pages)
    start = (page - 1) * per_page
    return Pager(list(rows[start : start + per_page]), page, pages, total, per_page)
