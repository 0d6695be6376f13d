//! `skillstack-benchgen --lines N --out DIR [--seed S]`: writes the synthetic benchmark corpus
//! and prints what it wrote (files, lines, planted findings) as one JSON line.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut lines: usize = 100_000;
    let mut out: Option<PathBuf> = None;
    let mut seed: u64 = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next();
        let parsed = match (a.as_str(), value) {
            ("--lines", Some(v)) => v.replace('_', "").parse().map(|n| lines = n).is_ok(),
            ("--seed", Some(v)) => v.parse().map(|n| seed = n).is_ok(),
            ("--out", Some(v)) => {
                out = Some(PathBuf::from(v));
                true
            }
            _ => false,
        };
        if !parsed {
            eprintln!("usage: skillstack-benchgen --lines N --out DIR [--seed S]");
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("usage: skillstack-benchgen --lines N --out DIR [--seed S]");
        return ExitCode::from(2);
    };
    match skillstack_benchgen::generate(&out, lines, seed) {
        Ok(stats) => {
            println!(
                "{{\"files\": {}, \"lines\": {}, \"planted\": {}}}",
                stats.files, stats.lines, stats.planted
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}
