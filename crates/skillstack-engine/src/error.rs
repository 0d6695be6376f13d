//! An error in a file the user wrote (rule file, config): the file, the span, what is wrong and
//! what to do, rendered by miette with a code frame.

use std::ops::Range;

use miette::{Diagnostic, NamedSource, SourceSpan};

/// A problem in a user-written file, pointing at the offending span.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{file}: {message}")]
#[diagnostic(code(skillstack::invalid_file))]
pub struct FileError {
    pub file: String,
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl FileError {
    pub fn new(
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> FileError {
        FileError {
            file: file.to_string(),
            message: message.into(),
            src: NamedSource::new(file, text.to_string()),
            span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
            label: label.into(),
            help,
        }
    }

    /// The 1-based line of the error, when it has a span.
    pub fn line(&self) -> Option<usize> {
        let off = self.span?.offset();
        Some(
            self.src
                .inner()
                .get(..off)
                .map_or(1, |s| s.matches('\n').count() + 1),
        )
    }
}
