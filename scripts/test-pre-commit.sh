#!/usr/bin/env bash
# Tests the pre-commit hook with the real `pre-commit` tool (from PyPI), in temporary git repos:
# a staged file with a finding fails the commit and prints it; a clean one passes. Covers the
# `repo: local` variant with the built binary, and the published hook (.pre-commit-hooks.yaml,
# `language: rust`), which pre-commit builds from this repository's HEAD with cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv="$root/target/pre-commit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit>=4,<5"
fi
precommit="$venv/bin/pre-commit"
cargo build --release --quiet
bin="$root/target/release/skillstack"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
fail() { echo "FAIL: $*"; exit 1; }

setup_repo() {
  mkdir -p "$1" && cd "$1"
  git init -q -b main
  git config user.email t@example.com && git config user.name t && git config commit.gpgsign false
  # A Rails app: only controllers get staged, yet the hook must know the framework.
  printf 'source "https://rubygems.org"\ngem "rails", "~> 8.0"\n' > Gemfile
  git add Gemfile && git commit -qm "app" --no-verify
}

check_hook() {
  local label=$1 out
  mkdir -p app/controllers
  # 1. A staged file with a finding: the hook fails and prints the finding.
  printf 'class WidgetsController < ApplicationController\n  def create\n    Widget.create(params.require(:widget).permit!)\n  end\nend\n' > app/controllers/widgets_controller.rb
  git add app/controllers/widgets_controller.rb
  if out=$("$precommit" run 2>&1); then fail "$label: the hook passed a file with a finding: $out"; fi
  grep -q "perm/mass-assign-all-params" <<<"$out" || fail "$label: the finding is not printed: $out"
  # 2. Fixed: the hook passes.
  printf 'class WidgetsController < ApplicationController\n  def create\n    Widget.create(params.require(:widget).permit(:name))\n  end\nend\n' > app/controllers/widgets_controller.rb
  git add app/controllers/widgets_controller.rb
  out=$("$precommit" run 2>&1) || fail "$label: the hook failed a clean file: $out"
  # 3. Files of other types are not passed to the hook.
  printf 'resetToken = Math.random()\n' > notes.md
  git add notes.md
  out=$("$precommit" run 2>&1) || fail "$label: the hook ran on a Markdown file: $out"
  echo "ok: $label"
}

# repo: local, language: system: for teams that install skillstack themselves.
setup_repo "$work/local"
printf 'repos:\n  - repo: local\n    hooks:\n      - id: skillstack\n        name: skillstack\n        entry: %s audit\n        language: system\n        types_or: [ts, tsx, javascript, jsx, ruby, php]\n        pass_filenames: true\n        require_serial: true\n' "$bin" > .pre-commit-config.yaml
git add .pre-commit-config.yaml
check_hook "repo: local hook"

# The published hook: pre-commit clones this repository at HEAD and builds it with cargo.
rev=$(git -C "$root" rev-parse HEAD)
setup_repo "$work/remote"
printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: skillstack\n' "$root" "$rev" > .pre-commit-config.yaml
git add .pre-commit-config.yaml
# Building the hook is the slow, networked step: on failure show pre-commit's own log (it is
# deleted with $work) and try once more before failing.
if ! out=$("$precommit" install-hooks 2>&1); then
  echo "pre-commit install-hooks failed, retrying once: $out"
  tail -n 40 "$PRE_COMMIT_HOME/pre-commit.log" 2>/dev/null || true
  out=$("$precommit" install-hooks 2>&1) || {
    tail -n 40 "$PRE_COMMIT_HOME/pre-commit.log" 2>/dev/null || true
    fail "published hook: pre-commit could not build it: $out"
  }
fi
check_hook "published hook (.pre-commit-hooks.yaml at $rev)"
