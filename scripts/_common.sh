# Shared by scripts/serve and scripts/test (sourced, not run).
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
ADDON_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

require_odoo() {
    if ! python3 -c 'import odoo' >/dev/null 2>&1; then
        echo "ERROR: Odoo 18.0 is not importable by python3 (python3 -c 'import odoo' fails); install Odoo 18.0 first, see README.md." >&2
        exit 2
    fi
    local version
    version=$(python3 -c 'import odoo.release as r; print(r.major_version)')
    if [ "$version" != "18.0" ]; then
        echo "ERROR: python3 imports Odoo $version, this addon needs Odoo 18.0." >&2
        exit 2
    fi
}

ensure_postgres() {
    if pg_isready -q 2>/dev/null || pg_isready -q -h 127.0.0.1 2>/dev/null; then
        return
    fi
    echo "Starting PostgreSQL..."
    if command -v pg_ctlcluster >/dev/null 2>&1; then
        for version in /etc/postgresql/*; do
            pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
        done
    elif command -v service >/dev/null 2>&1; then
        service postgresql start || true
    fi
    for _ in $(seq 1 30); do
        pg_isready -q 2>/dev/null && return
        sleep 1
    done
    echo "ERROR: PostgreSQL is not running and could not be started." >&2
    exit 2
}

ensure_python_requirements() {
    if ! python3 - "$ADDON_DIR/requirements.txt" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version
from packaging.requirements import Requirement
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        req = Requirement(line)
        try:
            installed = version(req.name)
        except PackageNotFoundError:
            sys.exit(1)
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            sys.exit(1)
PY
    then
        echo "Installing Python requirements..."
        python3 -m pip install --quiet --disable-pip-version-check -r "$ADDON_DIR/requirements.txt"
    fi
}

ensure_chromium() {
    if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
        || command -v google-chrome >/dev/null 2>&1; then
        return
    fi
    echo "Installing Chromium for the browser tests..."
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    if ! command -v chromium >/dev/null 2>&1; then
        echo "ERROR: Chromium is needed for the browser tests (apt-get install chromium)." >&2
        exit 2
    fi
}

# Odoo prints PDF documents (dunning letters, statements) with wkhtmltopdf.
ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null 2>&1 && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing wkhtmltopdf for PDF documents..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf >/dev/null \
            || echo "WARNING: wkhtmltopdf could not be installed; PDF letters will not print." >&2
    else
        echo "WARNING: wkhtmltopdf is missing; install it to print PDF letters." >&2
    fi
}

# Map the clone into an addons path under the addon's technical name,
# whatever the clone's folder is called, with the repository's addons/ folder
# (the bridge credit_management_stock).
# Usage: make_addons_path [folder]   (default: a new temporary folder)
make_addons_path() {
    local link_dir="${1:-}"
    if [ -z "$link_dir" ]; then
        link_dir=$(mktemp -d "${TMPDIR:-/tmp}/credit_management_addons.XXXXXX")
    fi
    mkdir -p "$link_dir"
    ln -sfn "$ADDON_DIR" "$link_dir/credit_management"
    python3 - "$link_dir" "$ADDON_DIR/addons" <<'PY'
import os
import sys
import odoo
base = os.path.join(os.path.dirname(odoo.__file__), "addons")
root = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
# the link folder last: scripts/test removes it (the last entry) when done
paths = [base] + ([root] if os.path.isdir(root) else []) + [sys.argv[2], sys.argv[1]]
print(",".join(paths))
PY
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
