from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from server.accounts import service as account_service
from server.api.deps import DatabaseDep, PersonDep, oauth2_scheme
from server.http.session import check_password

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    username: str
    name: str
    roles: list[str]
    enterprise_id: int | None
    department_id: int | None


@router.post("/token", response_model=TokenOut, summary="Exchange username and password for a bearer token",
             responses={401: {"description": "Wrong username or password"},
                        429: {"description": "Too many failed sign-ins for this account or address; wait for Retry-After seconds"}})
def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], database: DatabaseDep) -> TokenOut:
    def issue(session, person):
        secret, row = account_service.issue_token(session, person, kind="api")
        return secret, int((row.expires_at - row.created_at).total_seconds())

    secret, expires_in = check_password(database, request, form.username, form.password, issue)
    return TokenOut(access_token=secret, expires_in=expires_in)


@router.post("/revoke", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke the bearer token of this call")
def revoke_token(person: PersonDep, database: DatabaseDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Response:
    if token:
        database.run(lambda session: account_service.revoke_token(session, token))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeOut, summary="Who the token belongs to")
def get_me(person: PersonDep) -> MeOut:
    return MeOut(
        username=person.username, name=person.display_name, roles=sorted(person.roles),
        enterprise_id=person.enterprise_id, department_id=person.department_id,
    )
