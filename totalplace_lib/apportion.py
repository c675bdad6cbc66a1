"""Apportionment: sharing a total among places by a driver, conserving it to the penny (see core.money)."""

from __future__ import annotations

from .core.money import split_pence

__all__ = ["split_pence"]
