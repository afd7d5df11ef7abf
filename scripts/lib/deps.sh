# Installs what a fresh Debian machine lacks. Source this file.
#   ensure_system_packages   postgresql, libpq-dev, pkg-config, python3-venv, pgbouncer (apt-get; pgbouncer for ListenCheckServerTests)
#   ensure_venv              .venv with the Python test helpers (hypothesis; web.py, psycopg2 and PyYAML for Tests/e2e)
#   ensure_bench_venv        .venv with bench/run's packages (bench/requirements.txt)

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

ensure_system_packages() {
    local missing=() p
    for p in postgresql libpq-dev pkg-config python3-venv pgbouncer; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if ! ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        dpkg -s postgresql >/dev/null 2>&1 && missing+=(postgresql)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "deps: installing ${missing[*]} with apt-get" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian's postgresql package starts a system cluster; ours are private, so leave it alone.
}

ensure_venv() {
    local root; root=$(repo_root)
    local venv="$root/.venv"
    if [ ! -x "$venv/bin/python" ]; then
        echo "deps: creating $venv" >&2
        python3 -m venv "$venv"
    fi
    if ! "$venv/bin/python" -c 'import hypothesis, web, psycopg2, yaml' 2>/dev/null; then
        echo "deps: installing Python test helpers into $venv" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/scripts/requirements-test.txt"
    fi
    export SESSION_SYNCD_PYTHON="$venv/bin/python"
}

# .venv with bench/run's Python packages (bench/requirements.txt: matplotlib, psycopg2).
ensure_bench_venv() {
    local root; root=$(repo_root)
    local venv="$root/.venv"
    [ -x "$venv/bin/python" ] || { echo "deps: creating $venv" >&2; python3 -m venv "$venv"; }
    if ! "$venv/bin/python" -c 'import matplotlib, psycopg2' 2>/dev/null; then
        echo "deps: installing bench/requirements.txt into $venv" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/bench/requirements.txt"
    fi
    export SESSION_SYNCD_BENCH_PYTHON="$venv/bin/python"
}
