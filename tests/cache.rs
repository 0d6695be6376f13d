//! The audit cache never changes results: cached, uncached and partly cached runs print the same
//! bytes, also after editing a file the app model reads, and a corrupt cache is ignored.

use std::path::Path;
use std::process::{Command, Output};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct Project {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let apps = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/apps");
        for app in ["rails-saas", "nextjs-saas"] {
            copy_dir(&apps.join(app), &dir.path().join(app));
        }
        Project {
            dir,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn audit(&self, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_skillstack"))
            .args(["audit", ".", "--min-confidence", "low", "--verbose"])
            .args(extra)
            .current_dir(self.dir.path())
            .env("SKILLSTACK_CACHE_DIR", self.cache.path())
            .output()
            .expect("the binary runs")
    }

    /// The human, then the JSON report with the cache off and on; asserts each pair is identical
    /// and returns how many files each cached run reused.
    fn same_with_and_without_cache(&self) -> Vec<usize> {
        let mut reused = Vec::new();
        for format in ["human", "json"] {
            let plain = self.audit(&["--no-cache", "--output-format", format]);
            let cached = self.audit(&["--output-format", format, "-j", "1"]);
            assert_eq!(plain.status.code(), cached.status.code());
            assert_eq!(
                String::from_utf8_lossy(&plain.stdout),
                String::from_utf8_lossy(&cached.stdout)
            );
            let err = String::from_utf8_lossy(&cached.stderr);
            let line = err
                .lines()
                .find(|l| l.starts_with("cache: "))
                .unwrap_or_else(|| panic!("no cache line in {err}"));
            reused.push(
                line["cache: ".len()..]
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap(),
            );
        }
        reused
    }

    fn edit(&self, rel: &str, f: impl Fn(String) -> String) {
        let p = self.dir.path().join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
    }
}

#[test]
fn cached_and_uncached_output_are_identical() {
    let p = Project::new();
    // The human run fills the cache, the JSON run reuses every file.
    let first = p.same_with_and_without_cache();
    let all = first[1];
    assert!(first[0] == 0 && all > 10, "{first:?}");

    // A file the Rails model reads: every key changes, nothing stale is served.
    p.edit("rails-saas/db/schema.rb", |t| {
        t.replace(
            "    t.references \"organization\", null: false, foreign_key: true\n",
            "",
        )
    });
    assert_eq!(p.same_with_and_without_cache(), vec![0, all]);

    // Another model input, one that changes the findings of files that did not change: without
    // the `Authentication` concern no controller requires sign-in, so no lookup is an IDOR.
    let before = p.audit(&["--no-cache", "--output-format", "json"]).stdout;
    p.edit(
        "rails-saas/app/controllers/application_controller.rb",
        |t| t.replace("  include Authentication\n", ""),
    );
    assert_eq!(p.same_with_and_without_cache(), vec![0, all]);
    let after = p.audit(&["--no-cache", "--output-format", "json"]).stdout;
    assert!(before != after, "the edit changes what the model says");

    // A Next.js module: the Next.js model follows imports into any module of its app, so every
    // module is a model input and the project is analysed again.
    p.edit("nextjs-saas/app/api/admin/search/route.ts", |t| {
        format!("{t}\nexport const resetToken = Math.random().toString(36);\n")
    });
    assert_eq!(p.same_with_and_without_cache(), vec![0, all]);

    // A helper one import away from server actions: once it stops checking the session, the
    // actions that call it are reported, although their own file did not change. (The
    // middleware stops authenticating first: it would otherwise cover the actions' pages.)
    p.edit("nextjs-saas/middleware.ts", |t| {
        t.replace(
            "export default auth((req) => {",
            "export default ((req: any) => {",
        )
    });
    let before = p.audit(&["--no-cache", "--output-format", "json"]).stdout;
    p.edit("nextjs-saas/lib/auth.ts", |t| {
        t.replace(
            "  const session = await auth();\n  if (!session?.user?.orgId)",
            "  const session = null as any;\n  if (!session?.user?.orgId)",
        )
    });
    assert_eq!(p.same_with_and_without_cache(), vec![0, all]);
    let after = p.audit(&["--no-cache", "--output-format", "json"]).stdout;
    assert!(
        String::from_utf8_lossy(&after).contains("server-action-missing-auth")
            && !String::from_utf8_lossy(&before).contains("server-action-missing-auth"),
        "the helper's edit changes what the Next.js model says"
    );
}

#[test]
fn a_corrupt_cache_is_ignored() {
    let p = Project::new();
    p.same_with_and_without_cache();
    let files: Vec<_> = std::fs::read_dir(p.cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file per project: {files:?}");
    // Flip bytes inside entries, cut the file short, then replace it with garbage.
    let text = std::fs::read(&files[0]).unwrap();
    let mut flipped = text.clone();
    for i in (40..flipped.len()).step_by(97) {
        flipped[i] ^= 0x21;
    }
    for bad in [
        flipped,
        text[..text.len() / 2].to_vec(),
        b"\0\xff garbage".to_vec(),
    ] {
        std::fs::write(&files[0], bad).unwrap();
        p.same_with_and_without_cache();
    }
}

#[test]
fn a_drizzle_schema_is_a_model_input() {
    // A Drizzle app: its schema (a TypeScript module no route imports) decides which tables are
    // public, so editing it must change the findings of route files that did not change.
    let p = Project::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/perm/idor-unscoped-lookup/nextjs-drizzle");
    copy_dir(&fixture, &p.dir.path().join("drizzle-app"));
    let all = p.same_with_and_without_cache()[1];
    let before = p.audit(&["--no-cache", "--output-format", "json"]).stdout;
    assert!(!String::from_utf8_lossy(&before).contains("api/plans"));
    // `plans` gains an owner column: its lookups by id are IDOR candidates now.
    p.edit("drizzle-app/src/db/schema.ts", |t| {
        t.replace(
            "name: text(\"name\"), cents",
            "orgId: text(\"org_id\"), name: text(\"name\"), cents",
        )
    });
    assert_eq!(p.same_with_and_without_cache(), vec![0, all]);
    let after = p.audit(&["--no-cache", "--output-format", "json"]).stdout;
    assert!(String::from_utf8_lossy(&after).contains("api/plans"));
}
