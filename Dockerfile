FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /srv/fic fic
WORKDIR /srv/fic/app
COPY pyproject.toml README.md ./
COPY fic ./fic
COPY tasks ./tasks
COPY templates ./templates
RUN pip install --no-cache-dir 'babel>=2.14' \
 && pybabel -q compile -d fic/translations \
 && pip install --no-cache-dir .
USER fic
ENV FIC_INSTANCE_PATH=/srv/fic/instance
EXPOSE 8000
CMD ["gunicorn", "--workers", "2", "--bind", "0.0.0.0:8000", "fic:create_app()"]
