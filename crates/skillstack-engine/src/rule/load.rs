//! Parsing and validating rule files (TOML). Every mistake is a [`RuleFileError`] that names the
//! file, points at the span and says what to do.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::matcher::{Matcher, MatcherSpec, WhereSpec};
use super::{Confidence, Example, Rule, RuleOrigin, Severity};
use crate::detect::Framework;
pub use crate::error::FileError as RuleFileError;
use crate::lang::Lang;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    id: Spanned<String>,
    title: String,
    skill: Option<Spanned<String>>,
    severity: Spanned<String>,
    confidence: Spanned<String>,
    #[serde(default)]
    frameworks: Vec<Spanned<String>>,
    #[serde(default)]
    cwe: Vec<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    message: Spanned<String>,
    why: String,
    fix: String,
    limits: Option<String>,
    prompt: String,
    #[serde(default, rename = "match")]
    matchers: Vec<MatchFile>,
    #[serde(default)]
    examples: Vec<ExampleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MatchFile {
    language: Spanned<String>,
    query: Spanned<String>,
    report: Option<Spanned<String>>,
    report_end: Option<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    exclude_paths: Vec<Spanned<String>>,
    confidence: Option<Spanned<String>>,
    message: Option<Spanned<String>>,
    #[serde(default, rename = "where")]
    conditions: Vec<ConditionFile>,
    #[serde(default)]
    confidence_when: Vec<ConditionFile>,
}

/// A `[[match.where]]` or `[[match.confidence-when]]` entry: the same keys, except that `bind`
/// belongs to `where` and `confidence` to `confidence-when` (checked in [`matcher_spec`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConditionFile {
    capture: Spanned<String>,
    value: Option<Spanned<String>>,
    regex: Option<Spanned<String>>,
    not_regex: Option<Spanned<String>>,
    is: Option<Spanned<String>>,
    is_not: Option<Spanned<String>>,
    bind: Option<Spanned<String>>,
    related: Option<Spanned<String>>,
    confidence: Option<Spanned<String>>,
}

impl ConditionFile {
    fn spec(&self) -> WhereSpec {
        let spanned = |s: &Spanned<String>| (s.get_ref().clone(), s.span());
        WhereSpec {
            capture: spanned(&self.capture),
            value: self.value.as_ref().map(spanned),
            regex: self.regex.as_ref().map(spanned),
            not_regex: self.not_regex.as_ref().map(spanned),
            is: self.is.as_ref().map(spanned),
            is_not: self.is_not.as_ref().map(spanned),
            bind: self.bind.as_ref().map(spanned),
            related: self.related.as_ref().map(spanned),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ExampleFile {
    language: Spanned<String>,
    path: Option<String>,
    framework: Option<Spanned<String>>,
    bad: Option<String>,
    good: Option<String>,
}

/// Parses one rule file. `name` is how the file is shown in errors.
pub fn parse_rule(name: &str, text: &str, origin: RuleOrigin) -> Result<Rule, RuleFileError> {
    let err = |span: Option<Range<usize>>, msg: String, label: &str, help: Option<String>| {
        RuleFileError::new(name, text, span, msg, label, help)
    };
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        err(
            e.span(),
            e.message().trim().to_string(),
            "here",
            Some("see rules/README.md for the rule file format".into()),
        )
    })?;

    let id = file.id.get_ref().clone();
    if !valid_rule_id(&id) {
        return Err(err(
            Some(file.id.span()),
            format!("invalid rule id `{id}`"),
            "not of the form category/name",
            Some("rule ids are `<category>/<name>` in lower case, digits and dashes, e.g. `data/raw-sql-interpolation`".into()),
        ));
    }
    let severity = Severity::parse(file.severity.get_ref()).ok_or_else(|| {
        err(
            Some(file.severity.span()),
            format!("unknown severity `{}`", file.severity.get_ref()),
            "unknown severity",
            Some("use one of: info, low, medium, high, critical".into()),
        )
    })?;
    let confidence = parse_confidence(name, text, &file.confidence)?;
    let mut frameworks = Vec::new();
    for fw in &file.frameworks {
        let f = Framework::parse(fw.get_ref()).ok_or_else(|| {
            err(
                Some(fw.span()),
                format!("unknown framework `{}`", fw.get_ref()),
                "unknown framework",
                Some("use nextjs, rails or laravel (or leave `frameworks` out for any)".into()),
            )
        })?;
        frameworks.push(f);
    }
    for c in &file.cwe {
        if !c
            .get_ref()
            .strip_prefix("CWE-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err(
                Some(c.span()),
                format!("invalid CWE id `{}`", c.get_ref()),
                "expected CWE-<number>",
                Some("write CWE ids as `CWE-89`".into()),
            ));
        }
    }
    if file.matchers.is_empty() {
        return Err(err(
            Some(file.id.span()),
            "the rule has no `[[match]]` section".into(),
            "this rule",
            Some("add at least one [[match]] with a `language` and a tree-sitter `query`".into()),
        ));
    }

    let mut matchers = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    // Every placeholder in a message must be filled by the matchers using it, or messages would
    // show `{x}`: the rule's message by every matcher without its own, a matcher's by itself.
    for m in &file.matchers {
        let spec = matcher_spec(name, text, m)?;
        // Built-in queries are compiled for every grammar by the test suite; compiling them
        // again at every start would be most of a small audit's time.
        let compiled = match &origin {
            RuleOrigin::Builtin(_) => Matcher::compile_trusted(spec),
            _ => Matcher::compile(spec),
        };
        let matcher = compiled.map_err(|e| err(Some(e.span), e.message, &e.label, e.help))?;
        let template = m.message.as_ref().unwrap_or(&file.message);
        for ph in placeholders(template.get_ref()) {
            if !matcher.placeholder_names().contains(&ph) {
                return Err(err(
                    Some(template.span()),
                    format!("the message uses `{{{ph}}}`, but a matcher has no capture or `bind` of that name"),
                    "unknown placeholder",
                    Some(format!("placeholders a matcher provides: {}", matcher.placeholder_names().join(", "))),
                ));
            }
        }
        names.extend(matcher.placeholder_names());
        matchers.push(matcher);
    }

    let mut examples = Vec::new();
    for ex in &file.examples {
        let lang = example_lang(ex.language.get_ref()).ok_or_else(|| {
            err(
                Some(ex.language.span()),
                format!("unknown example language `{}`", ex.language.get_ref()),
                "unknown language",
                Some("use typescript, tsx, javascript, ruby or php".into()),
            )
        })?;
        let framework = match &ex.framework {
            None => None,
            Some(f) => Some(Framework::parse(f.get_ref()).ok_or_else(|| {
                err(
                    Some(f.span()),
                    format!("unknown framework `{}`", f.get_ref()),
                    "unknown framework",
                    None,
                )
            })?),
        };
        let path = ex
            .path
            .clone()
            .unwrap_or_else(|| format!("example.{}", default_ext(lang)));
        examples.push(Example {
            lang,
            path,
            framework,
            bad: ex.bad.clone(),
            good: ex.good.clone(),
        });
    }

    Ok(Rule {
        id,
        title: file.title,
        skill: file.skill.map(|s| s.into_inner()),
        severity,
        confidence,
        frameworks,
        cwe: file.cwe.into_iter().map(|c| c.into_inner()).collect(),
        tags: file.tags,
        message: file.message.into_inner(),
        why: file.why.trim().to_string(),
        fix: file.fix.trim().to_string(),
        limits: file.limits.map(|l| l.trim().to_string()),
        prompt: file.prompt.trim().to_string(),
        examples,
        matchers,
        origin,
    })
}

fn parse_confidence(
    name: &str,
    text: &str,
    c: &Spanned<String>,
) -> Result<Confidence, RuleFileError> {
    Confidence::parse(c.get_ref()).ok_or_else(|| {
        RuleFileError::new(
            name,
            text,
            Some(c.span()),
            format!("unknown confidence `{}`", c.get_ref()),
            "unknown confidence",
            Some("use one of: low, medium, high".into()),
        )
    })
}

fn matcher_spec(name: &str, text: &str, m: &MatchFile) -> Result<MatcherSpec, RuleFileError> {
    let confidence = match &m.confidence {
        Some(c) => Some(parse_confidence(name, text, c)?),
        None => None,
    };
    let spanned = |s: &Spanned<String>| (s.get_ref().clone(), s.span());
    let misplaced = |span: std::ops::Range<usize>, msg: &str, help: &str| {
        RuleFileError::new(
            name,
            text,
            Some(span),
            msg.to_string(),
            "here",
            Some(help.to_string()),
        )
    };
    let mut confidence_when = Vec::new();
    for c in &m.confidence_when {
        if let Some(b) = &c.bind {
            return Err(misplaced(
                b.span(),
                "`bind` is not allowed in [[match.confidence-when]]",
                "bind values in [[match.where]]",
            ));
        }
        if let Some(r) = &c.related {
            return Err(misplaced(
                r.span(),
                "`related` is not allowed in [[match.confidence-when]]",
                "point at related code from a [[match.where]] condition",
            ));
        }
        let Some(conf) = &c.confidence else {
            return Err(misplaced(
                c.capture.span(),
                "a [[match.confidence-when]] entry needs a `confidence`",
                "add confidence = \"high\" (or medium, low)",
            ));
        };
        confidence_when.push((c.spec(), parse_confidence(name, text, conf)?));
    }
    if let Some(c) = m.conditions.iter().find_map(|w| w.confidence.as_ref()) {
        return Err(misplaced(
            c.span(),
            "`confidence` is not allowed in [[match.where]]",
            "put it in a [[match.confidence-when]] entry",
        ));
    }
    Ok(MatcherSpec {
        confidence_when,
        language: spanned(&m.language),
        query: spanned(&m.query),
        query_content_start: string_content_start(text, m.query.span()),
        report: m.report.as_ref().map(spanned),
        report_end: m.report_end.as_ref().map(spanned),
        paths: m.paths.iter().map(spanned).collect(),
        exclude_paths: m.exclude_paths.iter().map(spanned).collect(),
        confidence,
        message: m.message.as_ref().map(|s| s.get_ref().clone()),
        conditions: m.conditions.iter().map(ConditionFile::spec).collect(),
    })
}

/// Where the content of a TOML string value starts in the file, so that query errors point at the
/// right character: after `'''`/`"""` (and the newline right after it), or after `'`/`"`.
fn string_content_start(text: &str, span: Range<usize>) -> Option<usize> {
    let raw = text.get(span.clone())?;
    for delim in ["'''", "\"\"\""] {
        if let Some(rest) = raw.strip_prefix(delim) {
            let skip = if rest.starts_with("\r\n") {
                2
            } else if rest.starts_with('\n') {
                1
            } else {
                0
            };
            // Escapes in `"""` strings shift offsets; only literal strings map exactly.
            return (delim == "'''").then_some(span.start + 3 + skip);
        }
    }
    if raw.starts_with('\'') {
        return Some(span.start + 1);
    }
    None
}

/// `{name}` placeholders in a message template.
pub(crate) fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    out.push(name.to_string());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn valid_rule_id(id: &str) -> bool {
    let mut parts = id.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn example_lang(s: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.name() == s)
}

fn default_ext(lang: Lang) -> &'static str {
    match lang {
        Lang::JavaScript => "js",
        Lang::TypeScript => "ts",
        Lang::Tsx => "tsx",
        Lang::Ruby => "rb",
        Lang::Php => "php",
    }
}

/// Loads every `*.toml` rule file under `dir`, sorted by path. Returns all errors, not just the first.
pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, Vec<RuleFileError>> {
    let mut files = Vec::new();
    collect_toml(dir, &mut files).map_err(|e| {
        vec![RuleFileError::new(
            &dir.display().to_string(),
            "",
            None,
            format!("cannot read the rules directory: {e}"),
            "",
            Some(
                "check that the path given to --rules or `rules-dirs` exists and is readable"
                    .into(),
            ),
        )]
    })?;
    files.sort();
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        match std::fs::read_to_string(&f) {
            Ok(text) => match parse_rule(&shown, &text, RuleOrigin::File(f.clone())) {
                Ok(r) => rules.push(r),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(RuleFileError::new(
                &shown,
                "",
                None,
                format!("cannot read the rule file: {e}"),
                "",
                None,
            )),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Builds the rule set: the engine's own rules, the built-in rule files (`(name, text)` pairs),
/// then every extra rule directory. A later rule with an id already loaded is an error, so a
/// user's rule cannot silently shadow a built-in one.
pub fn load_rule_set(
    builtin: &[(&str, &str)],
    extra_dirs: &[std::path::PathBuf],
) -> Result<super::RuleSet, Vec<RuleFileError>> {
    let mut set = super::RuleSet::new();
    for r in super::meta::meta_rules() {
        set.insert(r);
    }
    let mut errors = Vec::new();
    let add = |rule: Rule, set: &mut super::RuleSet, errors: &mut Vec<RuleFileError>| {
        if set.contains(&rule.id) {
            let shown = match &rule.origin {
                RuleOrigin::File(p) => p.display().to_string(),
                RuleOrigin::Builtin(n) => format!("rules/{n}"),
                RuleOrigin::Engine => "engine".into(),
            };
            errors.push(RuleFileError::new(
                &shown,
                "",
                None,
                format!(
                    "rule id `{}` is already defined (built in or in another rules directory)",
                    rule.id
                ),
                "",
                Some("give your rule its own id, e.g. prefix it with your project name".into()),
            ));
        } else {
            set.insert(rule);
        }
    };
    for (name, text) in builtin {
        match parse_rule(
            &format!("rules/{name}"),
            text,
            RuleOrigin::Builtin(name.to_string()),
        ) {
            Ok(r) => add(r, &mut set, &mut errors),
            Err(e) => errors.push(e),
        }
    }
    for dir in extra_dirs {
        match load_dir(dir) {
            Ok(rules) => {
                for r in rules {
                    add(r, &mut set, &mut errors);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let path = entry.path();
        if ty.is_dir() {
            collect_toml(&path, out)?;
        } else if ty.is_file() && path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "data/example"
title = "Example"
skill = "security/injection"
severity = "high"
confidence = "medium"
message = "call to `{fn}`"
why = "why"
fix = "fix"
prompt = "prompt"

[[match]]
language = "js"
query = '''
(call_expression function: (identifier) @fn) @call
'''
report = "call"
"#;

    fn parse(text: &str) -> Result<Rule, RuleFileError> {
        parse_rule("r.toml", text, RuleOrigin::Engine)
    }

    #[test]
    fn parses_a_valid_rule() {
        let r = parse(GOOD).unwrap();
        assert_eq!(r.id, "data/example");
        assert_eq!(r.category(), "data");
        assert_eq!(r.severity, Severity::High);
        assert_eq!(r.matchers.len(), 1);
    }

    #[test]
    fn unknown_key_is_an_error_with_a_span() {
        let text = GOOD.replace("why = \"why\"", "why = \"why\"\nwhy_not = 1");
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        let span = e.span.unwrap();
        assert_eq!(&text[span.offset()..span.offset() + 7], "why_not");
    }

    #[test]
    fn bad_query_points_into_the_query() {
        let text = GOOD.replace("(identifier) @fn", "(no_such_node) @fn");
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("no_such_node"), "{}", e.message);
        let span = e.span.unwrap();
        assert!(
            text[span.offset()..].starts_with("no_such_node"),
            "{}",
            &text[span.offset()..]
        );
    }

    #[test]
    fn top_level_predicates_are_rejected() {
        let text = GOOD.replace(
            "(call_expression function: (identifier) @fn) @call",
            "(call_expression function: (identifier) @fn) @call\n(#eq? @fn \"x\")",
        );
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("outside the pattern"), "{}", e.message);
        let ok = GOOD.replace(
            "(call_expression function: (identifier) @fn) @call",
            "((call_expression function: (identifier) @fn) @call\n(#eq? @fn \"x\"))",
        );
        parse(&ok).unwrap();
    }

    #[test]
    fn unknown_capture_in_where_is_an_error() {
        let text = format!("{GOOD}\n[[match.where]]\ncapture = \"nope\"\nregex = \"x\"\n");
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("nope"), "{}", e.message);
    }

    #[test]
    fn bad_regex_is_an_error() {
        let text = format!("{GOOD}\n[[match.where]]\ncapture = \"fn\"\nregex = \"(unclosed\"\n");
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("regex"), "{}", e.message);
    }

    #[test]
    fn unknown_placeholder_is_an_error() {
        let text = GOOD.replace("call to `{fn}`", "call to `{nothing}`");
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("{nothing}"), "{}", e.message);
    }

    #[test]
    fn a_matcher_may_have_its_own_message() {
        // The matcher's message replaces the rule's, so only its own placeholders must exist.
        let text = GOOD.replace("call to `{fn}`", "uses `{absent}`").replace(
            "report = \"call\"",
            "report = \"call\"\nmessage = \"own `{call}`\"",
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.matchers[0].message.as_deref(), Some("own `{call}`"));
        let bad = GOOD.replace(
            "report = \"call\"",
            "report = \"call\"\nmessage = \"{nothing}\"",
        );
        assert!(parse(&bad).unwrap_err().message.contains("{nothing}"));
    }

    #[test]
    fn related_belongs_to_where() {
        let ok = format!(
            "{GOOD}\n[[match.where]]\ncapture = \"fn\"\nregex = \"x\"\nrelated = \"here\"\n"
        );
        assert!(parse(&ok).is_ok());
        let bad = format!(
            "{GOOD}\n[[match.confidence-when]]\ncapture = \"fn\"\nregex = \"x\"\nrelated = \"here\"\nconfidence = \"low\"\n"
        );
        assert!(parse(&bad).unwrap_err().message.contains("`related`"));
    }

    #[test]
    fn bad_id_and_severity_are_errors() {
        assert!(parse(&GOOD.replace("data/example", "Data Example")).is_err());
        assert!(parse(&GOOD.replace("\"high\"", "\"severe\""))
            .unwrap_err()
            .message
            .contains("severity"));
    }

    #[test]
    fn finds_placeholders() {
        assert_eq!(
            placeholders("a {x} b {y_z} {} {bad name}"),
            vec!["x", "y_z"]
        );
    }
}
