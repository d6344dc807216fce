"""The admin API under /admin, behind PIXMILL_ADMIN_TOKEN (mounted only when it is set)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admin", tags=["admin"])
