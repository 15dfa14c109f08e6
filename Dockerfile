# fic's one image: web (gunicorn), workers and beat differ only in their command.
FROM python:3.11-slim-bookworm

# WeasyPrint needs Pango and HarfBuzz's subsetter (without libharfbuzz-subset0 it falls back
# to a pure-Python subsetter, up to 10x slower); the same list as scripts/system-packages.sh.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core postgresql-client \
 && rm -rf /var/lib/apt/lists/*

# A fixed, non-root uid; the instance folder (embedded keys, beat's schedule, policies,
# instruments) and the metrics folder exist in the image and belong to it, so a fresh named
# volume mounted there is writable by the app.
RUN groupadd --system --gid 10001 fic \
 && useradd --system --uid 10001 --gid fic --home-dir /srv/fic --create-home fic \
 && install -d -o fic -g fic -m 0700 /srv/fic/instance \
 && install -d -o fic -g fic -m 0700 /srv/fic/metrics

WORKDIR /srv/fic/app
COPY pyproject.toml README.md ./
COPY fic ./fic
COPY tasks ./tasks
COPY templates ./templates
RUN pip install --no-cache-dir 'babel>=2.14' \
 && pybabel -q compile -d fic/translations \
 && pip install --no-cache-dir .

ENV FIC_INSTANCE_PATH=/srv/fic/instance \
    PROMETHEUS_MULTIPROC_DIR=/srv/fic/metrics \
    PYTHONUNBUFFERED=1
VOLUME ["/srv/fic/instance"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "python:fic.gunicorn_conf", "fic:create_app()"]
