//! `skillstack.toml` (or `.skillstack.toml`): found by walking up from the audited path.
//!
//! ```toml
//! select = ["security", "data/raw-sql-interpolation"]  # rule ids or categories to run (default: all)
//! ignore = ["auth/insecure-token-randomness"]          # rule ids or categories never to run
//! exclude = ["legacy", "app/generated/**"]             # paths to skip, relative to this file
//! rules-dirs = ["tools/skillstack-rules"]              # extra rule directories, relative to this file
//! max-file-size = "1MiB"                               # larger files are skipped (bytes, or KB/KiB/MB/MiB)
//! file-timeout = 10                                    # seconds one file may take to parse and match; slower ones are skipped
//! fail-on = "medium"                                   # exit 1 only for findings at or above this severity
//! min-confidence = "medium"                            # report findings at or above this confidence
//!
//! [severity]                                           # per-rule severity overrides
//! "data/raw-sql-interpolation" = "critical"
//!
//! [auth]                                               # the project's own helpers (see model::auth_names)
//! authenticate = ["requireMember", "require_member!"]  # calls that require a signed-in user
//! authorize = ["assertCanEdit"]                        # calls that authorize access to a record
//! ```
//! Unknown keys and bad values are errors that point at the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::FileError;
use crate::model::auth_names::{valid_name, AuthNames};
use crate::rule::{Confidence, RuleSet, Severity};

pub const CONFIG_NAMES: [&str; 2] = ["skillstack.toml", ".skillstack.toml"];
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;
pub const DEFAULT_FILE_TIMEOUT: f64 = 10.0;

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<String>>,
    rules_dirs: Option<Vec<Spanned<String>>>,
    max_file_size: Option<Spanned<SizeValue>>,
    file_timeout: Option<Spanned<f64>>,
    fail_on: Option<Spanned<String>>,
    min_confidence: Option<Spanned<String>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    auth: Option<AuthFile>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    authenticate: Option<Vec<Spanned<String>>>,
    authorize: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

/// The effective configuration (file values; the CLI applies its flags on top).
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Paths in the file are relative to this directory.
    pub root: PathBuf,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub rules_dirs: Vec<PathBuf>,
    pub max_file_size: u64,
    /// Seconds one file may take to parse before it is skipped.
    pub file_timeout: f64,
    pub fail_on: Severity,
    pub min_confidence: Confidence,
    pub severity: BTreeMap<String, Severity>,
    /// The project's own authentication and authorization helpers (`[auth]`).
    pub auth: AuthNames,
    /// Rule ids/categories as written, with spans, for validation once rules are loaded.
    selectors: Vec<(String, std::ops::Range<usize>)>,
    text: String,
}

impl Config {
    /// Defaults: every rule, fail on `low` and above, report `medium` confidence and above.
    pub fn defaults(root: PathBuf) -> Config {
        Config {
            path: None,
            root,
            select: vec![],
            ignore: vec![],
            exclude: vec![],
            rules_dirs: vec![],
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            file_timeout: DEFAULT_FILE_TIMEOUT,
            fail_on: Severity::Low,
            min_confidence: Confidence::Medium,
            severity: BTreeMap::new(),
            auth: AuthNames::default(),
            selectors: vec![],
            text: String::new(),
        }
    }

    /// Finds the config file for `start`: the nearest `skillstack.toml`/`.skillstack.toml` in it
    /// or its ancestors.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let abs = crate::paths::absolute(start).ok()?;
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_NAMES {
                let p = d.join(name);
                if p.is_file() {
                    return Some(p);
                }
            }
            dir = d.parent();
        }
        None
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, FileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            FileError::new(
                &shown,
                "",
                None,
                format!(
                    "cannot read the config file: {}",
                    crate::discover::describe_io(&e)
                ),
                "",
                None,
            )
        })?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&shown, &text, root, Some(path.to_path_buf()))
    }

    /// Parses config text; `shown` names the file in errors.
    pub fn parse(
        shown: &str,
        text: &str,
        root: PathBuf,
        path: Option<PathBuf>,
    ) -> Result<Config, FileError> {
        let err = |span, msg: String, label: &str, help: &str| {
            FileError::new(shown, text, span, msg, label, Some(help.to_string()))
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            err(
                e.span(),
                e.message().trim().to_string(),
                "here",
                "see the Configuration section of the README for the keys skillstack.toml accepts",
            )
        })?;
        let mut c = Config::defaults(root.clone());
        c.path = path;
        c.text = text.to_string();
        for (list, out) in [(&file.select, &mut c.select), (&file.ignore, &mut c.ignore)] {
            for s in list.iter().flatten() {
                out.push(s.get_ref().clone());
                c.selectors.push((s.get_ref().clone(), s.span()));
            }
        }
        c.exclude = file.exclude.unwrap_or_default();
        c.rules_dirs = file
            .rules_dirs
            .iter()
            .flatten()
            .map(|d| root.join(d.get_ref()))
            .collect();
        if let Some(size) = &file.max_file_size {
            c.max_file_size = match size.get_ref() {
                SizeValue::Bytes(b) => *b,
                SizeValue::Text(t) => parse_size(t).ok_or_else(|| {
                    err(
                        Some(size.span()),
                        format!("invalid size `{t}`"),
                        "invalid size",
                        "write a number of bytes, or e.g. \"500KB\", \"1MiB\", \"2MB\"",
                    )
                })?,
            };
        }
        if let Some(t) = &file.file_timeout {
            let v = *t.get_ref();
            if !(v > 0.0 && v <= 3600.0) {
                return Err(err(Some(t.span()), format!("invalid file-timeout `{v}`"), "out of range", "give the seconds one file may take to parse, e.g. 10 (more than 0, at most 3600)"));
            }
            c.file_timeout = v;
        }
        if let Some(f) = &file.fail_on {
            c.fail_on = Severity::parse(f.get_ref()).ok_or_else(|| {
                err(
                    Some(f.span()),
                    format!("unknown severity `{}`", f.get_ref()),
                    "unknown severity",
                    "use one of: info, low, medium, high, critical",
                )
            })?;
        }
        if let Some(m) = &file.min_confidence {
            c.min_confidence = Confidence::parse(m.get_ref()).ok_or_else(|| {
                err(
                    Some(m.span()),
                    format!("unknown confidence `{}`", m.get_ref()),
                    "unknown confidence",
                    "use one of: low, medium, high",
                )
            })?;
        }
        for (rule, sev) in file.severity.iter().flatten() {
            let s = Severity::parse(sev.get_ref()).ok_or_else(|| {
                err(
                    Some(sev.span()),
                    format!("unknown severity `{}`", sev.get_ref()),
                    "unknown severity",
                    "use one of: info, low, medium, high, critical",
                )
            })?;
            c.severity.insert(rule.get_ref().clone(), s);
            c.selectors.push((rule.get_ref().clone(), rule.span()));
        }
        if let Some(auth) = &file.auth {
            let mut lists: [Vec<String>; 2] = Default::default();
            for (list, out) in [&auth.authenticate, &auth.authorize]
                .into_iter()
                .zip(&mut lists)
            {
                for name in list.iter().flatten() {
                    if !valid_name(name.get_ref()) {
                        return Err(err(
                            Some(name.span()),
                            format!("`{}` is not a function, method or callback name", name.get_ref()),
                            "not a name",
                            "write the bare name the code calls, e.g. \"requireMember\", \"require_member!\" or \"Auth.check\" — no parentheses or arguments",
                        ));
                    }
                    out.push(name.get_ref().clone());
                }
            }
            let [authenticate, authorize] = lists;
            c.auth = AuthNames::new(authenticate, authorize);
        }
        Ok(c)
    }

    /// Checks that every rule id or category the file names exists.
    pub fn validate_rules(&self, rules: &RuleSet) -> Result<(), FileError> {
        let shown = self
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "skillstack.toml".into());
        for (sel, span) in &self.selectors {
            if !selector_exists(sel, rules) {
                return Err(FileError::new(
                    &shown,
                    &self.text,
                    Some(span.clone()),
                    format!("no rule or category `{sel}`"),
                    "unknown rule",
                    Some("`skillstack rules` lists every rule id; a category is the part before the `/`".into()),
                ));
            }
        }
        Ok(())
    }

    /// The effective configuration as TOML, for `skillstack config`.
    pub fn to_toml(&self) -> String {
        let list = |v: &[String]| {
            format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut out = String::new();
        match &self.path {
            Some(p) => out.push_str(&format!("# from {}\n", p.display())),
            None => out.push_str("# no skillstack.toml found: defaults\n"),
        }
        out.push_str(&format!("select = {}\n", list(&self.select)));
        out.push_str(&format!("ignore = {}\n", list(&self.ignore)));
        out.push_str(&format!("exclude = {}\n", list(&self.exclude)));
        let dirs: Vec<String> = self
            .rules_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        out.push_str(&format!("rules-dirs = {}\n", list(&dirs)));
        out.push_str(&format!("max-file-size = {}\n", self.max_file_size));
        out.push_str(&format!("file-timeout = {:?}\n", self.file_timeout));
        out.push_str(&format!("fail-on = {:?}\n", self.fail_on.as_str()));
        out.push_str(&format!(
            "min-confidence = {:?}\n",
            self.min_confidence.as_str()
        ));
        out.push_str("\n[severity]\n");
        for (k, v) in &self.severity {
            out.push_str(&format!("{k:?} = {:?}\n", v.as_str()));
        }
        out.push_str("\n[auth]\n");
        out.push_str(&format!(
            "authenticate = {}\n",
            list(&self.auth.authenticate)
        ));
        out.push_str(&format!("authorize = {}\n", list(&self.auth.authorize)));
        out
    }
}

/// Does `sel` name a rule id, or a category (`security`, `security/`) of at least one rule?
pub fn selector_exists(sel: &str, rules: &RuleSet) -> bool {
    rules.iter().any(|r| selector_matches(sel, &r.id))
}

/// Does selector `sel` (a rule id or a category) select rule `id`?
pub fn selector_matches(sel: &str, id: &str) -> bool {
    let sel = sel.trim_end_matches('/');
    id == sel || id.split('/').next() == Some(sel)
}

/// Parses `1048576`, `500KB`, `500KiB`, `1MB`, `1MiB` (case-insensitive; KB = 1000, KiB = 1024).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1024,
        "mb" => 1000 * 1000,
        "mib" | "m" => 1024 * 1024,
        "gb" => 1000 * 1000 * 1000,
        "gib" | "g" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, FileError> {
        Config::parse("skillstack.toml", text, PathBuf::from("/r"), None)
    }

    #[test]
    fn parses_every_key() {
        let c = parse(
            "select = [\"security\"]\nignore = [\"data/x\"]\nexclude = [\"legacy\"]\nrules-dirs = [\"r\"]\nmax-file-size = \"2MiB\"\nfail-on = \"high\"\nmin-confidence = \"low\"\n[severity]\n\"data/x\" = \"critical\"\n",
        )
        .unwrap();
        assert_eq!(c.select, vec!["security"]);
        assert_eq!(c.max_file_size, 2 * 1024 * 1024);
        assert_eq!(c.fail_on, Severity::High);
        assert_eq!(c.min_confidence, Confidence::Low);
        assert_eq!(c.severity.get("data/x"), Some(&Severity::Critical));
        assert_eq!(c.rules_dirs, vec![PathBuf::from("/r/r")]);
    }

    #[test]
    fn unknown_key_points_at_the_line() {
        let e = parse("select = []\nfial-on = \"high\"\n").unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        assert_eq!(e.line(), Some(2));
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(parse("fail-on = \"severe\"\n")
            .unwrap_err()
            .message
            .contains("severity"));
        assert!(parse("max-file-size = \"lots\"\n")
            .unwrap_err()
            .message
            .contains("size"));
        assert!(parse("min-confidence = 3\n").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("500KB"), Some(500_000));
        assert_eq!(parse_size("1 MiB"), Some(1 << 20));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn selectors() {
        assert!(selector_matches("security", "security/a"));
        assert!(selector_matches("security/", "security/a"));
        assert!(selector_matches("security/a", "security/a"));
        assert!(!selector_matches("sec", "security/a"));
    }
}
