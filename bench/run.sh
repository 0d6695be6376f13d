#!/usr/bin/env bash
# The benchmark: skillstack against its own parse floor, ast-grep and semgrep, on corpora anyone
# can rebuild from package registries (Debian, npm) and on the synthetic monorepo from
# bench/gen. Not part of CI. Usage:
#
#   bench/run.sh [--runs N] [--semgrep-runs N] [--sizes 100000,1000000]
#                [--corpora synth-100k,synth-1m,redmine,wordpress,npm-ts]
#                [--semgrep-rules PATH-TO-semgrep-rules-CHECKOUT] [--no-semgrep] [--no-peers]
#
# Corpora go to $SKILLSTACK_BENCH_DIR (default ~/.cache/skillstack-bench), the peers to bench/.venv
# (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench
# Outside the repository: its .gitignore must not apply to the corpora, and hidden directories are
# skipped by the tools.
CORPORA=${SKILLSTACK_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/skillstack-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

echo "== building skillstack and the corpus generator (release)" >&2
cargo build --release --quiet -p skillstack -p skillstack-benchgen

# The peers, pinned so that a rerun measures the same thing.
if [[ ! -x $BENCH/.venv/bin/semgrep || ! -x $BENCH/.venv/bin/ast-grep ]]; then
  echo "== installing ast-grep and semgrep into bench/.venv" >&2
  python3 -m venv "$BENCH/.venv"
  "$BENCH/.venv/bin/pip" install --quiet "ast-grep-cli==0.51.1" "semgrep==1.185.0"
fi

mkdir -p "$CORPORA"
deb_corpus() { # name package subdir
  local name=$1 pkg=$2 sub=$3
  [[ -d $CORPORA/$name ]] && return
  echo "== $name: Debian package $pkg" >&2
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download "$pkg" >/dev/null && dpkg -x ./*.deb x)
  mv "$tmp/x/$sub" "$CORPORA/$name"
  rm -rf "$tmp"
}
deb_corpus redmine redmine usr/share/redmine
deb_corpus wordpress wordpress usr/share/wordpress
if [[ ! -d $CORPORA/npm-ts ]]; then
  echo "== npm-ts: TypeScript sources of npm packages" >&2
  tmp=$(mktemp -d)
  for p in rxjs@7.8.2 effect@4.1.0 zod@4.6.7 @trpc/server@11.25.2 @tanstack/react-query@5.108.0; do
    (cd "$tmp" && npm pack --silent "$p" >/dev/null)
  done
  mkdir -p "$tmp/x"
  for t in "$tmp"/*.tgz; do
    d=$tmp/x/$(basename "$t" .tgz); mkdir -p "$d"; tar -xzf "$t" -C "$d"
  done
  mv "$tmp/x" "$CORPORA/npm-ts"
  rm -rf "$tmp"
fi

exec python3 "$BENCH/bench.py" --bin "$CARGO_TARGET_DIR/release" --corpora "$CORPORA" "$@"
