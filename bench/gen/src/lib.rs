//! A deterministic synthetic monorepo for skillstack's benchmark: a Next.js app (`web/`), a Rails
//! app (`api/`) and a Laravel app (`admin/`) of realistic code, at a chosen size, with a known
//! number of planted gotchas that skillstack's built-in rules report at the default confidence.
//!
//! The same `(lines, seed)` always writes the same bytes, so anyone can rebuild the corpus the
//! README's table was measured on. Filler code deliberately contains look-alikes of the gotchas
//! (scoped lookups, bound SQL parameters, `Date.now()` for expiry times) so that the rules'
//! predicates do real work on it, not only their queries.

mod templates;

use std::io;
use std::path::Path;

pub use templates::Kind;

/// What [`generate`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub lines: usize,
    /// Findings skillstack must report on the corpus (default options).
    pub planted: usize,
}

/// splitmix64: tiny, fast and stable across platforms and Rust versions (the corpus must not
/// change when a dependency does).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits (SplitMix64).
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// One in this many generated files carries a planted gotcha.
const PLANT_EVERY: u64 = 40;

/// Writes the corpus under `out` (created if needed; existing files with the same names are
/// overwritten) until it holds at least `target_lines` lines.
pub fn generate(out: &Path, target_lines: usize, seed: u64) -> io::Result<Stats> {
    let mut rng = Rng::new(seed);
    let mut stats = Stats::default();
    let mut rails_resources: Vec<String> = Vec::new();
    let mut laravel_resources: Vec<String> = Vec::new();
    let write = |rel: &str, body: &str, planted: usize, stats: &mut Stats| -> io::Result<()> {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, body)?;
        stats.files += 1;
        stats.lines += body.lines().count();
        stats.planted += planted;
        Ok(())
    };
    for (rel, body) in templates::fixed_files() {
        write(rel, body, 0, &mut stats)?;
    }
    let mut i = 0usize;
    while stats.lines < target_lines {
        let kind = Kind::pick(&mut rng);
        let plant = rng.below(PLANT_EVERY) == 0;
        let file = templates::file(kind, i, plant, &mut rng);
        match kind {
            Kind::RailsController => rails_resources.push(file.resource.clone()),
            Kind::LaravelController => laravel_resources.push(file.resource.clone()),
            _ => {}
        }
        write(&file.path, &file.body, file.planted, &mut stats)?;
        i += 1;
    }
    // The apps' wiring, written last because it lists every resource generated above.
    write(
        "api/config/routes.rb",
        &templates::rails_routes(&rails_resources),
        0,
        &mut stats,
    )?;
    write(
        "api/db/schema.rb",
        &templates::rails_schema(&rails_resources),
        0,
        &mut stats,
    )?;
    write(
        "admin/routes/web.php",
        &templates::laravel_routes(&laravel_resources),
        0,
        &mut stats,
    )?;
    Ok(stats)
}
