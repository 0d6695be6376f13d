#!/usr/bin/env python3
"""Measures skillstack, its parse floor, ast-grep and semgrep on the benchmark corpora.

Run through bench/run.sh, which builds the binaries, installs the peers and fetches the corpora.
Every tool runs on every corpus `--runs` times, interleaved (run 1 of every tool, then run 2, ...)
so that load from other processes spreads over all of them; the table shows medians, and ratios
against skillstack's full audit measured in the same run. Wall and CPU time and peak RSS come from
/usr/bin/time (for semgrep, CPU includes its child processes and RSS is that of the largest one).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
EXTS = {".ts", ".mts", ".cts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".rb", ".rake", ".php"}
# skillstack's default exclusions (crates/skillstack-engine/src/discover.rs), so that the line
# count is of the files it audits.
EXCLUDED_DIRS = {"node_modules", "vendor", ".next", ".nuxt", "dist", "build", "out", "coverage",
                 ".turbo", ".vercel", ".svelte-kit", "tmp"}
EXCLUDED_PATHS = ("storage/framework", "bootstrap/cache", "public/build", "public/packs", "public/assets")
MAX_FILE = 1 << 20

# The semgrep-rules directories used as "the security rules for the framework" of each corpus.
SEMGREP_RULES = {
    "redmine": ["ruby/rails/security", "ruby/lang/security"],
    "wordpress": ["php/lang/security", "php/laravel/security"],
    "npm-ts": ["typescript/react/security", "javascript/lang/security", "javascript/browser/security"],
    "synth": ["ruby/rails/security", "ruby/lang/security", "php/lang/security", "php/laravel/security",
              "typescript/react/security", "javascript/lang/security", "javascript/browser/security"],
}


def audited_files(root: Path):
    """(files, lines) that skillstack audits under root (minus its binary/minified checks)."""
    files = lines = 0
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root).replace(os.sep, "/")
        dirs[:] = [x for x in dirs if not x.startswith(".") and x not in EXCLUDED_DIRS
                   and not any(f"{rel}/{x}".endswith(p) for p in EXCLUDED_PATHS)]
        for n in names:
            p = Path(d, n)
            if n.startswith(".") or p.suffix not in EXTS or p.is_symlink():
                continue
            if p.stat().st_size > MAX_FILE:
                continue
            files += 1
            with open(p, "rb") as f:
                lines += f.read().count(b"\n")
    return files, lines


def measure(cmd, env=None):
    """(wall s, cpu s, peak RSS MiB, stdout) of one run."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd
        proc = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        fields = tf.read().strip().splitlines()[-1].split()
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    wall, user, sys_, rss_kb = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return wall, user + sys_, rss_kb / 1024, proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, type=Path)
    ap.add_argument("--corpora", required=True, type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--semgrep-runs", type=int, default=1)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--only", default="", help="comma-separated corpus names")
    ap.add_argument("--semgrep-rules", type=Path)
    ap.add_argument("--semgrep-rules-corpora", default="synth-100k,redmine",
                    help="corpora to run the semgrep-rules workload on (it takes minutes per 100k lines)")
    ap.add_argument("--no-semgrep", action="store_true")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    ss = str(args.bin / "skillstack")
    venv = BENCH / ".venv" / "bin"
    j = str(args.threads)
    has_cache = "--no-cache" in subprocess.run([ss, "audit", "--help"], capture_output=True, text=True).stdout

    corpora = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        name = f"synth-{size // 1000}k" if size < 1_000_000 else f"synth-{size // 1_000_000}m"
        path = args.corpora / name
        if not (path / "PLANTED").exists():
            out = subprocess.run([str(args.bin / "skillstack-benchgen"), "--lines", str(size), "--out", str(path)],
                                 check=True, capture_output=True, text=True).stdout
            (path / "PLANTED").write_text(str(json.loads(out)["planted"]) + "\n")
        corpora.append((name, path, "synth"))
    for name in ["redmine", "wordpress", "npm-ts"]:
        corpora.append((name, args.corpora / name, name))
    if args.only:
        keep = set(args.only.split(","))
        corpora = [c for c in corpora if c[0] in keep]

    report = [f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
              f"load average at start {os.getloadavg()[0]:.2f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
              f"-j {j} for every tool; medians of {args.runs} runs ({args.semgrep_runs} for semgrep)."]
    for name, path, kind in corpora:
        files, lines = audited_files(path)
        base = [ss, "audit", "--exit-zero", "--output-format", "json", "-j", j]
        nocache = ["--no-cache"] if has_cache else []
        tools = {
            "skillstack": base + nocache + [str(path)],
            "skillstack parse-only": base + nocache + ["--parse-only", str(path)],
            "skillstack -j 1": [ss, "audit", "--exit-zero", "--output-format", "json", "-j", "1"] + nocache + [str(path)],
        }
        if kind == "synth":
            # The pre-commit path: three staged files (Next.js, Rails controller, Laravel) in the
            # whole repository, cache off: rules compiled for their grammars, the Rails model built.
            staged = [next(iter(sorted((path / d).glob(g)))) for d, g in
                      [("web/app/api", "*/route.ts"), ("api/app/controllers", "*_controller.rb"),
                       ("admin/app/Http/Controllers", "*Controller.php")]]
            tools["skillstack pre-commit (3 files)"] = base + nocache + [str(p) for p in staged]
        cache_dir = None
        if has_cache:
            cache_dir = tempfile.mkdtemp(prefix="skillstack-bench-cache-")
            tools["skillstack warm cache"] = base + [str(path)]
        if not args.no_peers:
            tools["ast-grep (6 rules)"] = [str(venv / "ast-grep"), "scan", "-c", str(BENCH / "ast-grep/sgconfig.yml"),
                                           "--json=compact", "-j", j, str(path)]
            tools["ast-grep parse floor"] = [str(venv / "ast-grep"), "scan", "-c", str(BENCH / "ast-grep/never.yml"),
                                             "--json=compact", "-j", j, str(path)]
            if not args.no_semgrep:
                sg = [str(venv / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--json", "-j", j,
                      "--timeout", "0"]
                tools["semgrep (6 rules)"] = sg + ["--config", str(BENCH / "semgrep/rules.yml"), str(path)]
                if args.semgrep_rules and name in args.semgrep_rules_corpora.split(","):
                    cfg = []
                    for d in SEMGREP_RULES[kind]:
                        cfg += ["--config", str(args.semgrep_rules / d)]
                    tools["semgrep (semgrep-rules security)"] = sg + cfg + [str(path)]
        env = dict(os.environ)
        if cache_dir:
            env["SKILLSTACK_CACHE_DIR"] = cache_dir
            measure(tools["skillstack warm cache"], env)  # fills the cache
        samples = {t: [] for t in tools}
        findings = {}
        for run in range(args.runs):
            for t, cmd in tools.items():
                if t.startswith("semgrep") and run >= args.semgrep_runs:
                    continue
                wall, cpu, rss, out = measure(cmd, env)
                samples[t].append((wall, cpu, rss))
                if t.startswith("skillstack") and run == 0:
                    doc = json.loads(out)
                    findings[t] = (len(doc["findings"]), doc["summary"]["files_scanned"])
                if t.startswith("semgrep") and run == 0:
                    doc = json.loads(out)
                    findings[t] = (len(doc["results"]), len(doc.get("paths", {}).get("scanned", [])))
                print(f"{name} run {run + 1} {t}: {wall:.2f}s wall {cpu:.2f}s cpu {rss:.0f} MiB", file=sys.stderr)
        med = {t: tuple(statistics.median(s[i] for s in v) for i in range(3)) for t, v in samples.items() if v}
        b = med["skillstack"]
        planted = ""
        if kind == "synth":
            planted = f"; planted gotchas {(path / 'PLANTED').read_text().strip()}, skillstack reported {findings['skillstack'][0]}"
        report.append(f"\n### {name}: {files:,} files, {lines:,} lines{planted}\n")
        report.append("| tool | wall s | × skillstack | CPU s | × skillstack | peak RSS MiB | × skillstack | files/s | lines/s | findings |")
        report.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for t, (wall, cpu, rss) in med.items():
            f = findings.get(t, ("", ""))[0]
            report.append(f"| {t} | {wall:.2f} | {wall / b[0]:.2f} | {cpu:.2f} | {cpu / b[1]:.2f} | {rss:.0f} | "
                          f"{rss / b[2]:.2f} | {files / wall:,.0f} | {lines / wall:,.0f} | {f} |")
    text = "\n".join(report) + "\n"
    print(text)
    out = args.corpora / f"results-{time.strftime('%Y%m%d-%H%M%S')}.md"
    out.write_text(text)
    print(f"(also written to {out})", file=sys.stderr)


if __name__ == "__main__":
    main()
