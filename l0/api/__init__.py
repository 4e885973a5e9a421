"""Thin re-export modules, one per area (``l0.api.core``, ``l0.api.errors`` ...), as in the reference.

Each module lists its names in ``__all__``; the objects are the ones ``l0`` and
the defining modules export. Nothing here is imported by ``import l0``.
"""
