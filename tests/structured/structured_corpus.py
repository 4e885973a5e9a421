"""A corpus of realistic LLM JSON output, clean and malformed, and a lenient schema."""

from __future__ import annotations

import json
from typing import Any, Optional

from pydantic import BaseModel

PRODUCT = {
    "id": 7,
    "name": 'Widget "Pro", 2nd edition',
    "tags": ["a", "b, c", "]}"],
    "price": -12.5e-1,
    "stock": 0,
    "active": True,
    "discontinued": False,
    "meta": None,
    "dims": {"w": 1.25, "h": [2, 3], "unit": "cm"},
    "url": "http://example.com/a//b?q=/*x*/",
    "note": "caf\u00e9 \u00fc \U0001f600 \\ back",
    "lines": "first\nsecond\ttab",
}

ORDERS = [
    {"id": 1, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B'2", "qty": 1}], "paid": True},
    {"id": 2, "items": [], "paid": False, "comment": "ship // fast"},
    {"id": 3, "items": [{"sku": "C", "qty": 10}], "paid": None},
]

NESTED = {"a": {"b": {"c": [1, {"d": [True, None, "e"]}, [[]], {}]}}, "z": "end"}

CLEAN_DOCS = {
    "product": json.dumps(PRODUCT, indent=2, ensure_ascii=False),
    "product_compact": json.dumps(PRODUCT, separators=(",", ":")),
    "orders": json.dumps(ORDERS, indent=1),
    "nested": json.dumps(NESTED),
}

# The shapes LLMs actually produce around and inside JSON.
MALFORMED_DOCS = {
    "fenced_prose": "Sure! Here's the product you asked for:\n\n```json\n"
    + CLEAN_DOCS["product"]
    + "\n```\n\nLet me know if you need anything else.",
    "comments": '{\n  "id": 7, // the id\n  "name": "Widget", /* display name */\n'
    '  "url": "http://example.com/x", "tags": ["a", /* none */ "b"]\n}',
    "single_quotes": "{'id': 7, 'name': 'Widget \"Pro\"', 'tags': ['a', 'b'], 'note': 'Don't stop'}",
    "trailing_commas": '{"id": 7, "tags": ["a", "b",], "dims": {"w": 1, "h": [2, 3,],},}',
    "python_literals": "{'id': 7, 'active': True, 'discontinued': False, 'meta': None}",
    "bare_keys": '{id: 7, name: "Widget", tags: ["x"], active: true}',
    "json_prefix": 'json\n{"id": 7, "name": "Widget"}',
    "prose_after": '{"id": 7, "tags": ["a"]}\n\nThis object has {2} fields.',
}


class Dims(BaseModel):
    """Nested lenient model."""

    w: Optional[float] = None
    h: Optional[list[int]] = None
    unit: Optional[str] = None


class Product(BaseModel):
    """Every field optional, so any repaired prefix of a product validates."""

    id: Optional[int] = None
    name: Optional[str] = None
    tags: Optional[list[str]] = None
    price: Optional[float] = None
    stock: Optional[int] = None
    active: Optional[bool] = None
    discontinued: Optional[bool] = None
    meta: Optional[Any] = None
    dims: Optional[Dims] = None
    url: Optional[str] = None
    note: Optional[str] = None
    lines: Optional[str] = None


class Item(BaseModel):
    """Order line."""

    sku: Optional[str] = None
    qty: Optional[int] = None


class Order(BaseModel):
    """Lenient order."""

    id: Optional[int] = None
    items: Optional[list[Item]] = None
    paid: Optional[bool] = None
    comment: Optional[str] = None


SCHEMAS: dict[str, Any] = {
    "product": Product,
    "product_compact": Product,
    "orders": list[Order],
    "nested": dict[str, Any],
    "fenced_prose": Product,
    "comments": Product,
    "single_quotes": Product,
    "trailing_commas": dict[str, Any],
    "python_literals": Product,
    "bare_keys": Product,
    "json_prefix": Product,
    "prose_after": Product,
}
