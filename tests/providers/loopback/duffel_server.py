"""A loopback HTTP server that speaks Duffel API v2 for the offer-request/offer flow.

It checks auth the way Duffel does (bearer token, ``Duffel-Version`` header), serves the
recorded-style bodies under ``tests/providers/duffel/bodies``, paginates ``GET /air/offers``
with ``meta.after`` cursors, gzips when asked, records every request, and takes programmed
faults (status + body + headers, or a delay) for the next N calls.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.providers.loopback.base import JsonLoopback, RecordedRequest

BODIES = Path(__file__).resolve().parent.parent / "duffel" / "bodies"
SUPPORTED_VERSIONS = {"v2"}
CABINS = {"economy", "premium_economy", "business", "first"}


def load_body(name: str) -> Any:
    return json.loads((BODIES / name).read_text())


def duffel_error(status: int, type_: str, code: str, title: str, message: str) -> dict:
    return {
        "meta": {"status": status, "request_id": f"loopback-{time.monotonic_ns()}"},
        "errors": [
            {
                "type": type_,
                "code": code,
                "title": title,
                "message": message,
                "documentation_url": "https://duffel.com/docs/api/overview/errors",
            }
        ],
    }


class DuffelLoopback(JsonLoopback):
    def __init__(self, access_token: str, pages: tuple[str, ...] | None = None):
        self.access_token = access_token
        self.pages = [
            load_body(name)
            for name in (
                pages or ("offers_page_1.json", "offers_page_2.json", "offers_page_3.json")
            )
        ]
        self.offer_request = load_body("offer_request_created.json")
        self.single_offer = load_body("offer_single.json")
        self.gone_offer_ids: set[str] = set()
        super().__init__()

    # --- routing ---------------------------------------------------------------------
    def _route(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        version = req.headers.get("duffel-version")
        if version not in SUPPORTED_VERSIONS:
            return (
                400,
                duffel_error(
                    400,
                    "invalid_request_error",
                    "unsupported_version",
                    "Unsupported version",
                    "The Duffel-Version header is missing or names an unsupported version.",
                ),
                {},
            )
        if req.headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, load_body("error_401.json"), {}

        if req.method == "POST" and req.path == "/air/offer_requests":
            return self._create_offer_request(req)
        if req.method == "GET" and req.path == "/air/offers":
            return self._list_offers(req)
        if req.method == "GET" and req.path.startswith("/air/offers/"):
            return self._get_offer(req.path.rsplit("/", 1)[1])
        return (
            404,
            duffel_error(
                404,
                "invalid_request_error",
                "not_found",
                "Not found",
                "The resource you are trying to access does not exist.",
            ),
            {},
        )

    def _create_offer_request(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        data = (req.body or {}).get("data") if isinstance(req.body, dict) else None
        problems = []
        if not isinstance(data, dict):
            problems.append("body must be an object with a data member")
        else:
            slices = data.get("slices")
            if not slices or not all(
                isinstance(s, dict) and {"origin", "destination", "departure_date"} <= s.keys()
                for s in slices
            ):
                problems.append("each slice needs origin, destination and departure_date")
            passengers = data.get("passengers")
            if not passengers or not all(isinstance(p, dict) and p.get("type") for p in passengers):
                problems.append("passengers must be a non-empty list of {type}")
            if data.get("cabin_class") not in CABINS:
                problems.append("cabin_class must be one of " + ", ".join(sorted(CABINS)))
        if problems:
            return (
                422,
                duffel_error(
                    422,
                    "validation_error",
                    "validation_required",
                    "Invalid offer request",
                    "; ".join(problems),
                ),
                {},
            )
        return 201, self.offer_request, {}

    def _list_offers(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        request_id = (req.query.get("offer_request_id") or [None])[0]
        if request_id != self.offer_request["data"]["id"]:
            return (
                404,
                duffel_error(
                    404,
                    "invalid_request_error",
                    "not_found",
                    "Not found",
                    "The offer request does not exist.",
                ),
                {},
            )
        limit = int((req.query.get("limit") or ["50"])[0])
        if not 1 <= limit <= 200:
            return (
                422,
                duffel_error(
                    422,
                    "validation_error",
                    "invalid_limit",
                    "Invalid limit",
                    "limit must be between 1 and 200.",
                ),
                {},
            )
        after = (req.query.get("after") or [None])[0]
        if after is None:
            return 200, self.pages[0], {}
        for i, page in enumerate(self.pages[:-1]):
            if page["meta"]["after"] == after:
                return 200, self.pages[i + 1], {}
        return (
            400,
            duffel_error(
                400,
                "invalid_request_error",
                "invalid_cursor",
                "Invalid cursor",
                "The after cursor is not valid.",
            ),
            {},
        )

    def _get_offer(self, offer_id: str) -> tuple[int, Any, dict[str, str]]:
        if offer_id in self.gone_offer_ids:
            return 422, load_body("error_offer_gone.json"), {}
        if offer_id == self.single_offer["data"]["id"]:
            return 200, self.single_offer, {}
        return (
            404,
            duffel_error(
                404, "invalid_request_error", "not_found", "Not found", "The offer does not exist."
            ),
            {},
        )
