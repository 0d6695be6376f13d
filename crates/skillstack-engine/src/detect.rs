//! Which apps live in the scanned tree, and which framework each file belongs to.
//!
//! An app is found by its marker: `package.json` depending on `next` (Next.js), a `Gemfile`
//! with `rails` or a `config/application.rb` (Rails), a `composer.json` requiring
//! `laravel/framework` or an `artisan` file (Laravel). A monorepo may hold several apps; each
//! file belongs to the innermost app whose root contains it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A web framework skillstack understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    #[serde(rename = "nextjs")]
    NextJs,
    Rails,
    Laravel,
}

impl Framework {
    pub const ALL: [Framework; 3] = [Framework::NextJs, Framework::Rails, Framework::Laravel];

    pub fn as_str(self) -> &'static str {
        match self {
            Framework::NextJs => "nextjs",
            Framework::Rails => "rails",
            Framework::Laravel => "laravel",
        }
    }

    /// The name users write it with.
    pub fn display_name(self) -> &'static str {
        match self {
            Framework::NextJs => "Next.js",
            Framework::Rails => "Rails",
            Framework::Laravel => "Laravel",
        }
    }

    pub fn parse(s: &str) -> Option<Framework> {
        match s.to_ascii_lowercase().as_str() {
            "nextjs" | "next" | "next.js" => Some(Framework::NextJs),
            "rails" => Some(Framework::Rails),
            "laravel" => Some(Framework::Laravel),
            _ => None,
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A detected app: its framework, its root directory, and the file that told us.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct App {
    pub framework: Framework,
    pub root: PathBuf,
    pub marker: PathBuf,
}

/// File names that can mark an app root; the walker collects them for [`detect_apps`].
pub fn is_marker_name(name: &str) -> bool {
    matches!(
        name,
        "package.json" | "Gemfile" | "composer.json" | "artisan" | "application.rb"
    )
}

/// Reads a marker file and says which framework's app it marks, if any. Unreadable or malformed
/// markers mark nothing: detection is a hint, never a reason to fail the audit.
pub fn framework_of_marker(path: &Path) -> Option<(Framework, PathBuf)> {
    let name = path.file_name()?.to_str()?;
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    match name {
        "package.json" => {
            let text = std::fs::read_to_string(path).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            let has_next = ["dependencies", "devDependencies", "peerDependencies"]
                .iter()
                .any(|k| json.get(k).and_then(|d| d.get("next")).is_some());
            has_next.then_some((Framework::NextJs, dir))
        }
        "Gemfile" => {
            let text = std::fs::read_to_string(path).ok()?;
            let has_rails = text.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("gem \"rails\"")
                    || l.starts_with("gem 'rails'")
                    || l.starts_with("gem \"railties\"")
                    || l.starts_with("gem 'railties'")
            });
            has_rails.then_some((Framework::Rails, dir))
        }
        "application.rb" => {
            // config/application.rb: the app root is the parent of `config`.
            let config = path.parent()?;
            if config.file_name()? != "config" {
                return None;
            }
            Some((
                Framework::Rails,
                config.parent().unwrap_or(Path::new("")).to_path_buf(),
            ))
        }
        "composer.json" => {
            let text = std::fs::read_to_string(path).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            let has_laravel = ["require", "require-dev"].iter().any(|k| {
                json.get(k)
                    .and_then(|d| d.get("laravel/framework"))
                    .is_some()
            });
            has_laravel.then_some((Framework::Laravel, dir))
        }
        "artisan" => Some((Framework::Laravel, dir)),
        _ => None,
    }
}

/// Turns marker files into apps: one app per (framework, root), sorted, the first marker kept.
pub fn detect_apps(markers: &[PathBuf]) -> Vec<App> {
    let mut apps: Vec<App> = Vec::new();
    let mut sorted = markers.to_vec();
    sorted.sort();
    for marker in sorted {
        if let Some((framework, root)) = framework_of_marker(&marker) {
            if !apps
                .iter()
                .any(|a| a.framework == framework && a.root == root)
            {
                apps.push(App {
                    framework,
                    root,
                    marker,
                });
            }
        }
    }
    apps.sort();
    apps
}

/// The app a file belongs to: the one with the deepest root containing it.
pub fn app_for<'a>(apps: &'a [App], file: &Path) -> Option<&'a App> {
    apps.iter()
        .filter(|a| file.starts_with(&a.root))
        .max_by_key(|a| a.root.components().count())
}

/// Looks for app markers in the ancestors of `start` (up to and including the first directory
/// that holds `.git`), so that auditing a sub-folder or a single file still knows its framework.
pub fn markers_above(start: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(abs) = crate::paths::absolute(start) else {
        return out;
    };
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        for name in [
            "package.json",
            "Gemfile",
            "composer.json",
            "artisan",
            "config/application.rb",
        ] {
            let p = d.join(name);
            if p.is_file() {
                out.push(p);
            }
        }
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_framework_from_its_marker() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("web/app")).unwrap();
        std::fs::write(
            root.join("web/package.json"),
            r#"{"dependencies":{"next":"15.0.0"}}"#,
        )
        .unwrap();
        std::fs::create_dir_all(root.join("api/config")).unwrap();
        std::fs::write(
            root.join("api/Gemfile"),
            "source 'x'\ngem \"rails\", \"~> 8.0\"\n",
        )
        .unwrap();
        std::fs::write(root.join("api/config/application.rb"), "module Api; end\n").unwrap();
        std::fs::create_dir_all(root.join("admin")).unwrap();
        std::fs::write(
            root.join("admin/composer.json"),
            r#"{"require":{"laravel/framework":"^11.0"}}"#,
        )
        .unwrap();
        std::fs::write(root.join("docs-package.json"), "not json").unwrap();
        std::fs::create_dir_all(root.join("tool")).unwrap();
        std::fs::write(
            root.join("tool/package.json"),
            r#"{"dependencies":{"react":"19"}}"#,
        )
        .unwrap();

        let markers = vec![
            root.join("web/package.json"),
            root.join("api/Gemfile"),
            root.join("api/config/application.rb"),
            root.join("admin/composer.json"),
            root.join("tool/package.json"),
        ];
        let apps = detect_apps(&markers);
        let summary: Vec<_> = apps.iter().map(|a| (a.framework, a.root.clone())).collect();
        assert_eq!(
            summary,
            vec![
                (Framework::NextJs, root.join("web")),
                (Framework::Rails, root.join("api")),
                (Framework::Laravel, root.join("admin")),
            ]
        );
        assert_eq!(
            app_for(&apps, &root.join("web/app/page.tsx")).map(|a| a.framework),
            Some(Framework::NextJs)
        );
        assert_eq!(app_for(&apps, &root.join("tool/x.ts")), None);
    }

    #[test]
    fn malformed_markers_mark_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("package.json");
        std::fs::write(&p, "{ not json").unwrap();
        assert_eq!(framework_of_marker(&p), None);
    }
}
