# checker: the leaving-care housing protocol deadline daemon, as an OCI image.
#
#   docker build -t checker .                      # on the official python:3.12-slim
#   docker run --rm --read-only \
#       -v checker-state:/var/lib/checker -v "$PWD/etc":/etc/checker:ro checker demo --dir demo
#   docker run -d --read-only -p 8080:8080 --env-file checker.env \
#       -v checker-state:/var/lib/checker -v "$PWD/etc":/etc/checker:ro checker          # the daemon
#
# BASE_IMAGE may be any Debian-like image with python3 (3.11 or newer), its venv module and CA
# certificates: CI builds on a local Debian bookworm image made by debootstrap (.ci/container),
# so nothing here may rely on what only the official image has (no `pip` or `python` on PATH).
#
# Two stages: the first builds the wheel and installs it into a virtual environment; the final
# stage gets only that environment, so no source tree, no pip and no build tools end up in it.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DEFAULT_TIMEOUT=120 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt

WORKDIR /src

# The build backend and the dependencies, read from pyproject.toml alone, in layers of their own:
# they change far less often than the code, so a code change rebuilds only the last layer.
COPY pyproject.toml ./
RUN python3 -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
open("/tmp/build-requirements.txt", "w").write("\n".join(p["build-system"]["requires"]) + "\n"); \
open("/tmp/requirements.txt", "w").write("\n".join(p["project"]["dependencies"]) + "\n")' \
 && python3 -m venv /opt/build \
 && /opt/build/bin/python -m pip install --requirement /tmp/build-requirements.txt \
 && python3 -m venv /opt/checker \
 && /opt/checker/bin/python -m pip install --requirement /tmp/requirements.txt

# Only what the wheel is built from (pyproject.toml: packages checker, rules, notifiers; config/ is
# force-included as checker/_bundled_config; README.md is the package's readme).
COPY README.md ./
COPY checker ./checker
COPY rules ./rules
COPY notifiers ./notifiers
COPY config ./config

# pip itself is removed at the end: nothing installs into the environment at run time (the root
# filesystem may be read-only), and the byte code is compiled here by pip, not at import.
RUN /opt/build/bin/python -m pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/dist . \
 && /opt/checker/bin/python -m pip install /tmp/dist/checker-*.whl \
 && /opt/checker/bin/python -m pip check \
 && /opt/checker/bin/python -m pip uninstall --yes pip setuptools \
 && /opt/checker/bin/checker --version


FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="checker" \
      org.opencontainers.image.description="Keeps a leaving-care service honest about the deadlines in its joint housing protocols."

# State (the SQLite state database, the outbox sink, demo databases) lives in the working
# directory, /var/lib/checker; the operator's settings (checker.toml, profiles, templates, queries)
# in /etc/checker. Relative paths in checker.toml are read from /etc/checker.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/checker/bin:$PATH \
    CHECKER_SETTINGS_FILE=/etc/checker/checker.toml

RUN groupadd --gid 10001 checker \
 && useradd --uid 10001 --gid checker --no-log-init --no-create-home --home-dir /var/lib/checker \
        --shell /usr/sbin/nologin checker \
 && install -d -o checker -g checker -m 0750 /var/lib/checker \
 && install -d -o root -g root -m 0755 /etc/checker

COPY --from=build /opt/checker /opt/checker

USER checker
WORKDIR /var/lib/checker
VOLUME ["/var/lib/checker", "/etc/checker"]

# The daemon serves /healthz, /readyz and /metrics on port 8080 (health.port); `checker healthcheck`
# asks /healthz on that port (nothing else in the image can: no curl, no wget).
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["checker", "healthcheck"]

ENTRYPOINT ["checker"]
CMD ["run"]
