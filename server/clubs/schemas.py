"""The clubs' API answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ClubOut(BaseModel):
    id: int
    name: str
    description: str
    lead_id: int
    lead_name: str
    join_policy: str
    members: int
    my_status: str | None = Field(default=None, description="Your membership: member, pending or null")


class MembershipOut(BaseModel):
    club_id: int
    status: str
