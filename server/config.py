"""The one settings object. Every knob is an environment variable prefixed ``LIANXIN_``,
except ``DATABASE_URL``, which keeps its conventional name."""

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from server import resources
from server.enums import VISIT_FREQUENCY_MONTHS


def _default_data_dir() -> Path:
    # A checkout keeps its state in ./var of the checkout; an installed copy must not write
    # into site-packages, so ./var of the working directory (a container's WORKDIR).
    return (resources.SOURCE_ROOT or Path.cwd()) / "var"


class PioneerWeights(BaseModel):
    """The pioneer index's numbers (docs/PIONEER.md; the formula is server/pioneer/index.py).
    Set as JSON in ``LIANXIN_PIONEER_WEIGHTS``; keys left out keep these defaults. Each part's
    maximum caps it, and the maxima sum to 100. Unit values are points per record in a
    quarter; over a year a record counts a quarter as much, so steady work scores alike."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # organisation life 组织生活: theme days and lectures attended
    organisation_max: float = Field(30.0, ge=0)
    theme_day: float = Field(10.0, ge=0)
    lecture_attended_organisation: float = Field(5.0, ge=0)
    # learning 学习: lectures attended, and lectures given scaled by their speaker rating / 5
    learning_max: float = Field(25.0, ge=0)
    lecture_attended_learning: float = Field(5.0, ge=0)
    lecture_given: float = Field(15.0, ge=0)
    unrated_speaker: float = Field(3.0, ge=1, le=5, description="a lecture with no speaker rating counts as this rating")
    # service 服务: volunteer hours, requests served as a volunteer
    service_max: float = Field(25.0, ge=0)
    volunteer_hour: float = Field(2.0, ge=0)
    request_served: float = Field(3.0, ge=0)
    # the centre's contribution points 贡献积分, at face value; deductions may take it down to −max
    contribution_max: float = Field(20.0, ge=0)
    # grades: 优秀 at or above excellent, 良好 at or above good, else 一般
    excellent: float = Field(85.0, ge=0, le=100)
    good: float = Field(70.0, ge=0, le=100)
    # the 创新先锋 shortlist: the top shortlist_size with at least these points in every part
    shortlist_size: int = Field(10, ge=1, le=500)
    shortlist_minimum: dict[str, float] = Field(
        default_factory=lambda: {"organisation": 15, "learning": 10, "service": 10, "contribution": 5})

    @model_validator(mode="after")
    def _coherent(self):
        total = self.organisation_max + self.learning_max + self.service_max + self.contribution_max
        if abs(total - 100) > 1e-9:
            raise ValueError(f"the parts' maxima must sum to 100, not {total:g}")
        if self.good > self.excellent:
            raise ValueError("the grade 良好 (good) cannot need more than 优秀 (excellent)")
        unknown = set(self.shortlist_minimum) - {"organisation", "learning", "service", "contribution"}
        if unknown:
            raise ValueError(f"unknown parts in shortlist_minimum: {', '.join(sorted(unknown))}")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANXIN_", extra="ignore")

    # Where SQLite, attachments and other local state live.
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "LIANXIN_DATABASE_URL"),
        description="SQLAlchemy URL; empty means SQLite at <data_dir>/lianxin.db",
    )
    # SQLite durability: FULL survives power loss; NORMAL is faster and still safe in WAL
    # against application crashes.
    sqlite_synchronous: str = "FULL"
    sqlite_busy_timeout_ms: int = 15_000
    db_pool_size: int = 10

    # Request threads per worker; 0 picks for the database. Sync SQLAlchemy work is mostly
    # Python under the GIL: on SQLite (local, CPU-bound) 4 threads served a 32-client queue
    # 40% faster than 16. PostgreSQL calls wait on the network, so a few more threads pay
    # there, but not 16: at 32 clients on a million requests, 8 instead of 16 made submissions
    # with two workers 188-193 req/s against 130-168 (fewer GIL hand-offs: 187-214 context
    # switches per answer with one worker against 284-324), while the queue's reads stayed
    # within the run-to-run noise (bench/README.md, 4 December).
    threadpool_size: int = 0

    timezone: str = "Asia/Shanghai"
    # Default office hours (local time) for working-time due dates.
    workday_periods: str = "09:00-12:00,13:00-18:00"
    # Extra holidays / make-up working days for years the calendar package does not know yet.
    calendar_file: Path = resources.CALENDAR_FILE

    token_ttl_hours: int = 24 * 30
    session_ttl_hours: int = 12
    # Browser cookies: set LIANXIN_COOKIE_SECURE=true behind HTTPS (off so http://localhost works).
    cookie_secure: bool = False
    # Signs the anonymous CSRF cookie. Empty: a random key kept in <data_dir>/secret_key, which
    # every worker sharing the data dir reads; set it explicitly when workers do not share one.
    secret_key: str = ""
    # "fast" only for tests and demo loading: argon2 with tiny costs.
    password_hashing: str = "argon2"

    # Completed requests close as unrated after this many days without a rating.
    rating_window_days: int = 7
    # Visits to enterprises 走访: how often an enterprise without its own frequency is visited
    # (monthly | quarterly | half_yearly | yearly, or a number of months, 1–24), and the menu
    # service by which an enterprise asks for a visit (accepting one puts it on the plan).
    visit_default_frequency: str = "quarterly"
    visit_request_service: str = "resources.enterprise-visit"

    # Background sweep of time-based transitions inside `lianxin serve` (seconds; 0 = off).
    sweep_interval_seconds: int = 300
    # The sweep deletes in-app notifications read more than this many days ago (0 = keep them
    # all); unread ones stay however old. The request's own history is never touched.
    notification_retention_days: int = Field(default=90, ge=0)

    # Live pages (server-sent events, server/live): a comment line this often keeps an idle
    # stream open through proxies; at most this many streams per person (each tab holds one of
    # the browser's six connections to the site) and per process.
    live_heartbeat_seconds: float = 20.0
    live_max_streams_per_person: int = 4
    live_max_streams: int = 1000

    # Who runs this installation, shown on the sign-in page and in page titles: its name
    # (e.g. "望京 SOHO 党群服务中心"; empty: just "连心"), a sentence or two about it, and how a
    # person who forgot their password gets a new one (e.g. "请到 1 层服务台或致电 6478 0000").
    site_name: str = ""
    site_about: str = ""
    site_password_help: str = ""

    # Where attachment files live: "local", the folder <data_dir>/attachments (one machine, or
    # a folder every worker mounts), or "s3", a bucket of an S3-compatible object store (AWS S3,
    # MinIO, Ceph, Aliyun OSS, Tencent COS...; needs the `s3` extra), shared by any number of
    # workers on any number of machines. server/attachments/store.py.
    storage: Literal["local", "s3"] = "local"
    # The object store's URL with its scheme (https://s3.example.com, http://127.0.0.1:9000),
    # the bucket (created beforehand), the access keys and, where the store wants one, the
    # region (empty: asked of the store once).
    s3_endpoint: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_region: str = ""

    max_upload_bytes: int = 20 * 1024 * 1024
    max_request_upload_bytes: int = 50 * 1024 * 1024
    # JSON bodies (the API's requests and actions) are parsed whole in memory, and a Python
    # object costs many times its text: a 40 MB list of zeros grew a worker by ~480 MB. No
    # request, answers and all, comes near this.
    max_json_bytes: int = 256 * 1024
    # The API's reference (/api/v1/docs and /api/v1/openapi.json): "public" — the API's shape
    # is no secret in an open-source product, and integrators read it before they have an
    # account —, "signed_in" (a session or bearer token), or "off".
    api_docs: Literal["public", "signed_in", "off"] = "public"

    # Open311 GeoReport v2 (server/open311/): the jurisdiction this installation answers for.
    # Empty: jurisdiction_id is accepted and ignored; set: every call must name it.
    open311_jurisdiction: str = ""
    # Webhooks (server/notifications/outbound.py): host names, addresses or networks
    # (comma-separated, e.g. "hooks.intranet,10.0.0.8,127.0.0.1") that webhooks may reach
    # although they are loopback, private or link-local; everything else such is refused.
    webhook_allow_hosts: str = ""
    # Seconds to connect and to wait for each read of a receiver's answer.
    webhook_timeout_seconds: float = 5.0

    # The installation's public address (e.g. "https://lianxin.example.cn"), for links in
    # e-mails and webhooks; empty: messages carry no links.
    public_url: str = ""
    # Notifications (server/notifications/, docs/NOTIFICATIONS.md). Outbox delivery inside
    # `lianxin serve` (off: run `lianxin worker` apart); attempts before a message is parked.
    worker_in_serve: bool = True
    outbox_max_attempts: int = 8
    # E-mail over SMTP: off while no host is set. tls: none | starttls | tls (implicit, 465).
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_from: str = "lianxin@localhost"
    smtp_timeout_seconds: float = 10.0

    # The pioneer index 先锋指数: weights, caps, grades and the 创新先锋 shortlist (JSON).
    pioneer_weights: PioneerWeights = Field(default_factory=PioneerWeights)

    # Logging (server/logs.py) to standard error: one line per request and what the app says.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": one JSON object per line, for a log collector.
    log_format: Literal["text", "json"] = "text"

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("visit_default_frequency")
    @classmethod
    def _visit_frequency(cls, value: str) -> str:
        value = value.strip().lower()
        if value in VISIT_FREQUENCY_MONTHS or (value.isdigit() and 1 <= int(value) <= 24):
            return value
        raise ValueError("monthly, quarterly, half_yearly, yearly or a number of months from 1 to 24")

    @field_validator("s3_endpoint")
    @classmethod
    def _s3_endpoint(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ValueError("a URL with its scheme and no path, such as https://s3.example.com or http://127.0.0.1:9000")
        return value

    @model_validator(mode="after")
    def _storage_complete(self):
        if self.storage == "s3":
            missing = [name for name, value in (("LIANXIN_S3_ENDPOINT", self.s3_endpoint), ("LIANXIN_S3_BUCKET", self.s3_bucket))
                       if not value]
            if missing:
                raise ValueError(f"LIANXIN_STORAGE=s3 needs {' and '.join(missing)}")
            if importlib.util.find_spec("minio") is None:
                raise ValueError("LIANXIN_STORAGE=s3 needs the S3 client: pip install 'lianxin[s3]'")
        return self

    @property
    def visit_default_months(self) -> int:
        return VISIT_FREQUENCY_MONTHS.get(self.visit_default_frequency) or int(self.visit_default_frequency)

    def effective_threadpool_size(self, is_sqlite: bool) -> int:
        if self.threadpool_size > 0:
            return self.threadpool_size
        return 4 if is_sqlite else 8

    @property
    def max_body_bytes(self) -> int:
        """The largest request body accepted: the upload limit plus room for a form's other
        fields and multipart boundaries."""
        return self.max_request_upload_bytes + 1024 * 1024

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'lianxin.db'}"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def webhook_allowed(self) -> tuple[str, ...]:
        """LIANXIN_WEBHOOK_ALLOW_HOSTS as a list, lower-cased."""
        return tuple(entry.strip().lower() for entry in self.webhook_allow_hosts.split(",") if entry.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
