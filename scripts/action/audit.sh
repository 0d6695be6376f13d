#!/usr/bin/env bash
# The GitHub Action's audit step: runs skillstack with SARIF output and records the exit code
# (the job fails on it only after the SARIF upload, so findings show either way).
set -uo pipefail
: "${INPUT_PATH:?}" "${REPORT_DIR:?}" "${GITHUB_OUTPUT:?}"
sarif="$REPORT_DIR/skillstack.sarif"
rm -f "$sarif"
args=(audit "$INPUT_PATH" --output-format sarif -o "$sarif" --fail-on "${INPUT_FAIL_ON:-low}" --min-confidence "${INPUT_MIN_CONFIDENCE:-medium}")
if [ -n "${INPUT_DIFF_BASE:-}" ]; then
  args+=(--diff "$INPUT_DIFF_BASE")
fi
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
fi
skillstack "${args[@]}" "${extra[@]}"
code=$?
echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
if [ -f "$sarif" ]; then
  echo "sarif-written=true" >> "$GITHUB_OUTPUT"
  # A readable summary in the job log, next to the code scanning alerts.
  skillstack audit "$INPUT_PATH" --statistics --color never --fail-on "${INPUT_FAIL_ON:-low}" --min-confidence "${INPUT_MIN_CONFIDENCE:-medium}" ${INPUT_DIFF_BASE:+--diff "$INPUT_DIFF_BASE"} "${extra[@]}" || true
else
  echo "sarif-written=false" >> "$GITHUB_OUTPUT"
fi
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
case "$code" in
  0) echo "skillstack: no findings at or above '${INPUT_FAIL_ON:-low}'" ;;
  1) echo "::error::skillstack found problems at or above '${INPUT_FAIL_ON:-low}' (see the code scanning alerts)" ;;
  *) echo "::error::skillstack could not complete the audit (exit $code); see the log above" ;;
esac
exit 0
