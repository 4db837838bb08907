//! Mistakes in code strings, told in the user's own text: naga's spans in the assembled
//! source are mapped back to the code string they fall in, as a line and column there.

use super::assemble::{Assembled, CodeString};

/// A mistake in a model's code strings, found when the network is built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct CodeError {
    /// The population whose model it is, as errors name it ("neuron population 'kc'").
    pub owner: String,
    /// The model's kind and name: "neuron model 'LIF'", "postsynaptic model 'ExpCond'".
    pub model: String,
    /// The code string it is in, where it is in one.
    pub code_string: Option<CodeString>,
    /// 1-based line and column in that code string (0, 0 where it is in none).
    pub line: usize,
    /// See `line`.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The line of the user's text with the mistake, where there is one.
    pub excerpt: String,
}

impl CodeError {
    fn describe(&self) -> String {
        match self.code_string {
            Some(which) => format!(
                "{}, {}, {} line {} column {}: {}\n    {}\n    {}^",
                self.owner,
                self.model,
                which.name(),
                self.line,
                self.column,
                self.message,
                self.excerpt,
                " ".repeat(self.column.saturating_sub(1)),
            ),
            None => format!("{}, {}: {}", self.owner, self.model, self.message),
        }
    }
}

/// Where mistakes are looked up: the assembled function and its offset in the source
/// naga saw.
pub(crate) struct SourceMap<'a> {
    pub assembled: &'a Assembled,
    /// Byte offset of the function in the whole source.
    pub offset: usize,
}

impl SourceMap<'_> {
    /// An error for `message` at the first of `spans` that lies in a code string (naga's
    /// labels, most specific first), or without a place if none does.
    pub fn error(&self, message: &str, spans: &[naga::Span]) -> CodeError {
        // Without a place, the error is the neuron model's (the last code strings).
        let (owner, model) = self
            .assembled
            .placed
            .last()
            .map_or((String::new(), String::new()), |p| {
                (p.owner.clone(), p.model.clone())
            });
        let mut error = CodeError {
            owner,
            model,
            code_string: None,
            line: 0,
            column: 0,
            message: message.to_owned(),
            excerpt: String::new(),
        };
        for span in spans.iter().filter(|s| s.is_defined()) {
            let Some(start) = span.to_range().map(|r| r.start) else {
                continue;
            };
            let Some(at) = start.checked_sub(self.offset) else {
                continue;
            };
            let function = &self.assembled.function;
            // In a code string, or just after one with only the generated whitespace
            // between (a missing `;` is found at the `}` that follows): its end.
            let found = self.assembled.placed.iter().find_map(|p| {
                let end = p.at + p.text.len();
                let after = function.get(end..at.max(end)).unwrap_or("x");
                if at >= p.at && at <= end {
                    Some((p, at - p.at))
                } else if at > end && after.chars().all(char::is_whitespace) {
                    Some((p, p.text.len()))
                } else {
                    None
                }
            });
            if let Some((placed, offset)) = found {
                let before = &placed.text[..floor_char_boundary(&placed.text, offset)];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                error.code_string = Some(placed.which);
                error.owner = placed.owner.clone();
                error.model = placed.model.clone();
                error.line = before.matches('\n').count() + 1;
                error.column = before[line_start..].chars().count() + 1;
                error.excerpt = placed.text[line_start..]
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                return error;
            }
        }
        error
    }

    /// A parse error of the whole source.
    pub fn parse_error(&self, e: &naga::front::wgsl::ParseError) -> CodeError {
        let spans: Vec<naga::Span> = e.labels().map(|(span, _)| span).collect();
        let labels: Vec<&str> = e
            .labels()
            .map(|(_, l)| l)
            .filter(|l| !l.is_empty())
            .collect();
        let message = if labels.is_empty() {
            e.message().to_owned()
        } else {
            format!("{} ({})", e.message(), labels.join("; "))
        };
        self.error(&message, &spans)
    }

    /// A validation error of the whole source.
    pub fn validation_error(&self, e: &naga::WithSpan<naga::valid::ValidationError>) -> CodeError {
        let spans: Vec<naga::Span> = e.spans().map(|(span, _)| *span).collect();
        // The innermost cause says what is wrong in the user's terms.
        let mut message = e.as_inner().to_string();
        let mut source = std::error::Error::source(e.as_inner());
        while let Some(inner) = source {
            message = format!("{message}: {inner}");
            source = inner.source();
        }
        self.error(&message, &spans)
    }
}

/// The largest char boundary of `s` at or before `i`.
fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
