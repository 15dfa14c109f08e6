#!/usr/bin/env bash
# Debian packages fic needs at run time (WeasyPrint's Pango, HarfBuzz subsetting, fonts; pg_dump
# and pg_restore for `fic backup`) and, with --test, the PDF tools, docker-compose and the Chromium the tests drive. Installs only what is missing; needs root for that.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core postgresql-client)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(qpdf poppler-utils docker-compose chromium faketime wrk)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "please install: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
