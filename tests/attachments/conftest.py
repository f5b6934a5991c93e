"""A real S3 API on loopback for the attachment store's tests: moto's server in a thread on a
free port of 127.0.0.1, one per test process; each test gets a bucket of its own."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from server.config import Settings, get_settings

ACCESS_KEY, SECRET_KEY, REGION = "lianxin-test", "lianxin-test-secret", "us-east-1"


@dataclass(frozen=True)
class S3:
    endpoint: str
    bucket: str
    client: object  # a minio.Minio on the same server, to look into the bucket

    def keys(self) -> list[str]:
        return sorted(o.object_name for o in self.client.list_objects(self.bucket, recursive=True))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server", reason="moto is not installed here (it is in the test extras: pip install -e '.[test]')")
    pytest.importorskip("minio", reason="minio is not installed here (pip install -e '.[test]')")
    # werkzeug logs every request moto serves at INFO.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    """LIANXIN_STORAGE=s3 on a fresh bucket; ``settings`` (the same object the app uses) is
    rebuilt with it."""
    from minio import Minio

    bucket = f"lianxin-{uuid.uuid4().hex[:12]}"
    client = Minio(s3_endpoint.removeprefix("http://"), access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False,
                   region=REGION)
    client.make_bucket(bucket)
    for name, value in {"STORAGE": "s3", "S3_ENDPOINT": s3_endpoint, "S3_BUCKET": bucket, "S3_ACCESS_KEY": ACCESS_KEY,
                        "S3_SECRET_KEY": SECRET_KEY, "S3_REGION": REGION}.items():
        monkeypatch.setenv(f"LIANXIN_{name}", value)
    get_settings.cache_clear()
    yield S3(s3_endpoint, bucket, client)
    get_settings.cache_clear()


@pytest.fixture
def s3_settings(s3: S3) -> Settings:
    return get_settings()
