"""The production set-up of docs/DEPLOY.md stays true: the nginx config passes ``nginx -t`` and
carries the app's upload limit and unbuffered live streams, the systemd units pass
``systemd-analyze verify``, compose.yaml starts what the page says in the right order, the image
runs as a non-root user, and the settings table names every setting of server/config.py.
(docs/deploy/check.sh, run by .ci/run, builds and runs the installed copy.)

On CI (CI=true) nginx is installed, and a missing validator fails instead of skipping."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from server.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
DEPLOY_MD = ROOT / "docs" / "DEPLOY.md"
ON_CI = os.environ.get("CI") == "true"


def _tool(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
    if found is None:
        if ON_CI:
            pytest.fail(f"{name} is not installed; .ci/run installs it on CI", pytrace=False)
        pytest.skip(f"{name} is not installed here (apt-get install nginx; CI installs it)")
    return found


# --- nginx ---------------------------------------------------------------------------------------
def _nginx_test(tmp_path: Path, upstream: str) -> subprocess.CompletedProcess:
    """``nginx -t`` on lianxin.conf with ``upstream``, as nginx would load them: inside an
    http block, with a self-signed certificate where the config expects the real one."""
    nginx = _tool("nginx")
    openssl = _tool("openssl")
    tls = tmp_path / "tls"
    tls.mkdir()
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=lianxin.test",
                    "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "lianxin.conf").read_text().replace("/etc/lianxin/tls/", f"{tls}/")
    (tmp_path / "lianxin.conf").write_text(site)
    # The compose service's name resolves only on compose's network.
    (tmp_path / "upstream.conf").write_text((DEPLOY / "nginx" / upstream).read_text().replace("server app:", "server 127.0.0.1:"))
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n    access_log off;\n"
        + "".join(f"    {kind}_temp_path {tmp_path / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"    include {tmp_path / 'upstream.conf'};\n    include {tmp_path / 'lianxin.conf'};\n}}\n"
    )
    return subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                           "-g", f"pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'};"],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("upstream", ["upstream.conf", "upstream.compose.conf"])
def test_the_nginx_config_passes_nginx_t(tmp_path: Path, upstream: str):
    result = _nginx_test(tmp_path, upstream)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


def test_nginx_t_fails_on_a_broken_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The check can fail: a typo in a directive is reported."""
    original = Path.read_text

    def broken(self, *args, **kwargs):
        text = original(self, *args, **kwargs)
        return text.replace("proxy_buffering off;", "proxy_bufering off;") if self.name == "lianxin.conf" else text

    monkeypatch.setattr(Path, "read_text", broken)
    result = _nginx_test(tmp_path, "upstream.conf")
    assert result.returncode != 0 and "proxy_bufering" in result.stderr


def _nginx_conf() -> str:
    return (DEPLOY / "nginx" / "lianxin.conf").read_text()


def test_nginx_takes_bodies_as_large_as_the_app_does():
    [limit] = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", _nginx_conf(), re.M)
    # The defaults, not this environment's settings: the file ships with the defaults.
    assert int(limit) * 1024 * 1024 == Settings.model_construct().max_body_bytes


def test_nginx_forwards_what_the_app_reads_and_streams_events_unbuffered():
    conf = _nginx_conf()
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "Host $host", "X-Request-ID $request_id"):
        assert f"proxy_set_header {header};" in conf
    events = re.search(r"location = /live \{(.*?)\}", conf, re.S).group(1)
    assert "proxy_buffering off;" in events and "gzip off;" in events and "proxy_read_timeout 1h;" in events
    # A location with its own proxy_set_header would drop all the server's: keep them there.
    assert "proxy_set_header" not in events


# --- systemd -------------------------------------------------------------------------------------
def test_the_systemd_units_verify(tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (it comes with systemd)")
    env_file = tmp_path / "lianxin.env"
    env_file.write_text((DEPLOY / "systemd" / "lianxin.env.example").read_text())
    lianxin = Path(sys.executable).with_name("lianxin")
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text()
        assert "/opt/lianxin/venv/bin/lianxin " in text and "User=lianxin" in text
        # The real program (verify checks it exists) and env file, in place of the installed paths.
        text = text.replace("/opt/lianxin/venv/bin/lianxin", str(lianxin)).replace("/etc/lianxin/lianxin.env", str(env_file))
        (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / unit.name))
    assert [Path(u).name for u in units] == ["lianxin-migrate.service", "lianxin-sweeper.service", "lianxin.service"]
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})
    # Unknown keys and bad values are only warnings: any line about our units fails.
    ours = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line or ".service" in line]
    assert result.returncode == 0 and ours == [], result.stdout + result.stderr


def test_the_env_example_turns_off_sweeps_in_the_app_workers():
    env = dict(line.split("=", 1) for line in (DEPLOY / "systemd" / "lianxin.env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["LIANXIN_SWEEP_INTERVAL_SECONDS"] == "0" and env["LIANXIN_COOKIE_SECURE"] == "true"
    assert set(env) - {"DATABASE_URL", "FORWARDED_ALLOW_IPS"} <= set(_settings_in_config())


# --- the image and compose -----------------------------------------------------------------------
def test_the_image_is_slim_non_root_and_built_by_install_sh():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["python:3.11-slim", "python:3.11-slim"]
    [user] = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user not in ("root", "0")
    assert "RUN lianxin-install /src /opt/lianxin/venv" in dockerfile
    for copied in re.findall(r"^COPY (?!--)(\S+)", dockerfile, re.M):
        assert (ROOT / copied).exists(), copied


def test_compose_starts_postgres_migrate_app_worker_and_proxy_in_order():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "app", "worker", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["lianxin", "migrate"]
    assert services["app"]["command"][:2] == ["lianxin", "serve"] and services["app"]["command"][-2:] == ["--workers", "2"]
    assert services["worker"]["command"][:3] == ["lianxin", "sweep", "--every"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("app", "worker"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert services[name]["environment"]["LIANXIN_SWEEP_INTERVAL_SECONDS"] == "0"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["app"]["build"] == {"context": "../..", "dockerfile": "docs/deploy/Dockerfile"}
    assert (DEPLOY / services["app"]["build"]["context"] / services["app"]["build"]["dockerfile"]).is_file()
    # The app's port is never published: only the proxy's are.
    assert "ports" not in services["app"] and services["proxy"]["ports"] == ["80:80", "443:443"]
    for volume in services["proxy"]["volumes"]:
        source = volume.split(":")[0]
        if source != "./tls":
            assert (DEPLOY / source).is_file(), volume


# --- the settings table --------------------------------------------------------------------------
def _settings_in_config() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.append(alias.choices[0] if alias is not None else f"LIANXIN_{name.upper()}")
    return names


def _settings_in_deploy_md() -> list[str]:
    text = DEPLOY_MD.read_text()
    table = text[text.index("## Settings"):]
    return re.findall(r"^\| `([A-Z0-9_]+)` \|", table, re.M)


def test_every_setting_is_in_the_deploy_table():
    documented = _settings_in_deploy_md()
    missing = [name for name in _settings_in_config() if name not in documented]
    assert not missing, f"add a row for each of {missing} to the table under '## Settings' in docs/DEPLOY.md"
    assert len(documented) == len(set(documented)), "a setting has two rows in docs/DEPLOY.md"


def test_the_deploy_table_names_no_setting_that_does_not_exist():
    stale = [n for n in _settings_in_deploy_md() if n.startswith("LIANXIN_") and n not in _settings_in_config()]
    assert not stale, f"docs/DEPLOY.md documents settings that server/config.py does not have: {stale}"
