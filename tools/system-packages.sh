#!/usr/bin/env bash
# The Debian packages `make run` and `make test` need (Debian 12; `make` calls this before anything else).
#
#   tools/system-packages.sh run    setting up and serving the app: python3.11 with venv (until .venv is built),
#                                   node + npm (until node_modules is installed). PDFs embed the NanumGothic that
#                                   koreanize-matplotlib ships (mapping/fonts.py): serving needs no system fonts.
#   tools/system-packages.sh test   the above, plus chromium (browser tests), fonts-nanum (Korean in the browser),
#                                   poppler-utils (pdftotext), postgresql + its PostGIS (a throwaway test cluster).
#
# Nothing missing: silent, exit 0.  Missing and root: `apt-get update` once, then
# `apt-get install --no-install-recommends` of exactly what is missing.  Missing and not root: one line with
# the command to run, exit 1 (make stops before the tests).
#
# PY names the Python the venv is made with (default python3.11, as in the Makefile).  The checks look at
# commands on PATH and at files under SYSTEM_ROOT (default: /); tests/test_system_packages.py points both
# at fakes to see the install and stop paths without touching the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-test}
case $what in run | test) ;; *)
  echo "usage: $0 run|test" >&2
  exit 2
  ;;
esac
root=${SYSTEM_ROOT:-}
py=${PY:-python3.11}
py_name=${py##*/} # Debian's packages are named after the interpreter: python3.11, python3.11-venv
[[ $py_name =~ ^python3\.[0-9]+$ ]] || py_name=python3.11

# an executable command on PATH (bash's `command -v` alone also names a file that cannot be run)
has() {
  local path
  path=$(type -P "$1") && [ -x "$path" ]
}

# $1 is missing or older than one of the files after it (make's rule for rebuilding it)
stale() {
  local target=$1 prereq
  shift
  [ -e "$target" ] || return 0
  for prereq; do
    if [ "$prereq" -nt "$target" ]; then return 0; fi
  done
  return 1
}

# the highest installed PostgreSQL major (tests/pg.py uses that one's initdb), or nothing
pg_installed() {
  local initdb major best=
  for initdb in "$root"/usr/lib/postgresql/*/bin/initdb; do
    major=${initdb%/bin/initdb}
    major=${major##*/}
    if [ -x "$initdb" ] && [[ $major =~ ^[0-9]+$ ]] && { [ -z "$best" ] || [ "$major" -gt "$best" ]; }; then
      best=$major
    fi
  done
  echo "$best"
}

# the PostgreSQL major `apt-get install postgresql` gives (Debian 12: 15)
pg_from_apt() {
  local major=
  if has apt-cache; then
    major=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
  fi
  echo "${major:-15}"
}

# PostGIS for PostgreSQL $1: the newest postgresql-$1-postgis-N apt knows (Debian 12: postgresql-15-postgis-3)
postgis_package() {
  local found=
  if has apt-cache; then
    found=$(apt-cache pkgnames "postgresql-$1-postgis-" 2>/dev/null | grep -E "^postgresql-$1-postgis-[0-9]+$" | sort -V | tail -n 1 || true)
  fi
  echo "${found:-postgresql-$1-postgis-3}"
}

need=()
need_postgis=
add() {
  local p
  for p; do
    [[ " ${need[*]-} " == *" $p "* ]] || need+=("$p")
  done
}

check() {
  need=()
  need_postgis=
  if [ ! -x .venv/bin/python ]; then # make creates the venv with "$PY -m venv", which needs ensurepip
    if ! has "$py"; then
      add "$py_name" "$py_name-venv"
    elif ! "$py" -c 'import ensurepip, venv; ensurepip.version()' >/dev/null 2>&1; then
      add "$py_name-venv"
    fi
  fi
  if stale node_modules/.package-lock.json package.json package-lock.json && ! has npm; then
    if has node; then add npm; else add nodejs npm; fi # Debian's nodejs comes without npm
  fi
  [ "$what" = test ] || return 0
  [ -x "$root/usr/bin/chromium" ] || add chromium # tests/browser/conftest.py drives this one
  [ -f "$root/usr/share/fonts/truetype/nanum/NanumGothic.ttf" ] || add fonts-nanum
  has pdftotext || add poppler-utils
  local major
  major=$(pg_installed)
  if [ -z "$major" ]; then
    add postgresql
    need_postgis=1
  elif [ ! -f "$root/usr/share/postgresql/$major/extension/postgis.control" ]; then
    need_postgis=1
  fi
}

# the PostGIS package named for the PostgreSQL that is (or is about to be) installed
resolve_postgis() {
  [ -n "$need_postgis" ] || return 0
  local major
  major=$(pg_installed)
  add "$(postgis_package "${major:-$(pg_from_apt)}")"
}

check
[ -n "$need_postgis" ] || [ "${#need[@]}" -gt 0 ] || exit 0

if [ "$(id -u)" = 0 ] && has apt-get; then
  echo "make $what: installing the missing Debian packages through apt …" >&2
  apt-get update -qq
  resolve_postgis
  echo "  apt-get install ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  check
  resolve_postgis
  if [ "${#need[@]}" -gt 0 ]; then
    echo "make $what: still missing after apt-get install: ${need[*]}" >&2
    exit 1
  fi
  exit 0
fi

resolve_postgis
if has apt-get; then
  install="sudo apt-get install -y --no-install-recommends ${need[*]}"
  if ! compgen -G "$root/var/lib/apt/lists/*_Packages*" >/dev/null; then # a fresh image: apt knows no package yet
    install="sudo apt-get update && $install"
  fi
  echo "make $what stopped: Debian packages missing; run  $install  then make $what again." >&2
else
  echo "make $what stopped: missing system packages (Debian names): ${need[*]}; install them, then make $what again." >&2
fi
exit 1
