//! Why a roster file is not YAML zroster can read, and where: the parser's errors, placed on
//! the character that is wrong.
//!
//! `granit-parser` reports some errors where the token it was scanning began rather than at
//! the character that broke it: a tab indenting the line after a plain scalar is reported
//! where that scalar starts (often the line before, or several lines before when the scalar
//! runs over lines), a bad escape where its quoted text starts, a wrong closing bracket
//! where the collection opens. [`YamlError::from_scan`] moves those to the offending
//! character, found from the text; any other error keeps the parser's position.

use granit_parser::{ErrorKind, ScanError};

use super::node::Pos;

/// Why a text is not YAML zroster can read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub(crate) pos: Pos,
    pub(crate) kind: YamlErrorKind,
    /// What is wrong, lowercase.
    pub(crate) message: String,
}

/// The kinds of [`YamlError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YamlErrorKind {
    /// Not valid YAML.
    Syntax,
    /// Valid YAML that exceeds a [`Limits`](super::node::Limits) budget.
    Limit,
    /// More than one YAML document.
    SeveralDocuments,
}

impl YamlError {
    /// The parser's error about `text`, at the offending character where the parser names
    /// another place; `max_depth` is the nesting limit the parser was given.
    pub(crate) fn from_scan(text: &str, error: &ScanError, max_depth: usize) -> Self {
        let reported = Pos::from_marker(error.marker());
        if matches!(error.kind(), ErrorKind::RecursionLimitExceeded) {
            return Self {
                pos: reported,
                kind: YamlErrorKind::Limit,
                message: format!("lists and mappings nest deeper than {max_depth} levels"),
            };
        }
        Self {
            pos: offending(text, error.kind(), reported).unwrap_or(reported),
            kind: YamlErrorKind::Syntax,
            message: lowercase_first(&error.info()),
        }
    }
}

/// The position of the character an error of `kind` reported at `at` is about, when the
/// parser reports it elsewhere and the text shows where.
fn offending(text: &str, kind: &ErrorKind, at: Pos) -> Option<Pos> {
    let text = Text::new(text);
    match kind {
        ErrorKind::TabInPlainScalar
        | ErrorKind::TabAtBlockScalarStart
        | ErrorKind::TabInBlockIndentation
        | ErrorKind::TabInIndentation
        | ErrorKind::TabNotAllowed => text.indenting_tab(at),
        ErrorKind::UnknownQuotedScalarEscape
        | ErrorKind::InvalidQuotedScalarHexEscape
        | ErrorKind::InvalidLowSurrogateHexEscape
        | ErrorKind::InvalidLowSurrogate
        | ErrorKind::MissingLowSurrogate
        | ErrorKind::UnpairedLowSurrogate
        | ErrorKind::InvalidUnicodeEscape => text.bad_escape(at),
        ErrorKind::MismatchedFlowCollectionEnd { .. } => text.mismatched_close(at),
        _ => None,
    }
}

/// A text as lines of characters, addressed by [`Pos`].
struct Text {
    lines: Vec<Vec<char>>,
}

impl Text {
    fn new(text: &str) -> Self {
        let lines = text
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line).chars().collect())
            .collect();
        Self { lines }
    }

    /// The characters from `at` on, each with its position; lines end with a `'\n'`.
    fn from(&self, at: Pos) -> impl Iterator<Item = (Pos, char)> + '_ {
        let first = (at.line as usize).saturating_sub(1);
        self.lines
            .iter()
            .enumerate()
            .skip(first)
            .flat_map(move |(index, line)| {
                let skip = if index == first {
                    (at.column as usize).saturating_sub(1)
                } else {
                    0
                };
                line.iter()
                    .copied()
                    .chain(std::iter::once('\n'))
                    .enumerate()
                    .skip(skip)
                    .map(move |(column, c)| (pos(index, column), c))
            })
    }

    /// The tab that indents wrongly: in the blanks around `at` on its line, else in the
    /// indentation of the first following line that holds more than blanks and a tab there.
    fn indenting_tab(&self, at: Pos) -> Option<Pos> {
        let first = (at.line as usize).checked_sub(1)?;
        let line = self.lines.get(first)?;
        let column = (at.column as usize).saturating_sub(1).min(line.len());
        let blank = |c: &char| *c == ' ' || *c == '\t';
        let start = column - line[..column].iter().rev().take_while(|c| blank(c)).count();
        let end = column + line[column..].iter().take_while(|c| blank(c)).count();
        if let Some(offset) = line[start..end].iter().position(|c| *c == '\t') {
            return Some(pos(first, start + offset));
        }
        // A plain scalar may run over several lines before the one the tab indents.
        self.lines
            .iter()
            .enumerate()
            .skip(first + 1)
            .filter(|(_, line)| !line.iter().all(blank))
            .find_map(|(index, line)| {
                let indent = line.iter().take_while(|c| blank(c)).count();
                let offset = line[..indent].iter().position(|c| *c == '\t')?;
                Some(pos(index, offset))
            })
    }

    /// The backslash of the first escape YAML does not know in the double-quoted text that
    /// starts at `at`.
    fn bad_escape(&self, at: Pos) -> Option<Pos> {
        let mut chars = self.from(at).peekable();
        if chars.next().map(|(_, c)| c) != Some('"') {
            return None;
        }
        while let Some((position, c)) = chars.next() {
            match c {
                '"' => return None,
                '\\' => {}
                _ => continue,
            }
            let (_, escape) = chars.next()?;
            let digits = match escape {
                '0' | 'a' | 'b' | 't' | '\t' | 'n' | 'v' | 'f' | 'r' | 'e' | ' ' | '"' | '/'
                | '\\' | 'N' | '_' | 'L' | 'P' | '\n' => continue,
                'x' => 2,
                'u' => 4,
                'U' => 8,
                _ => return Some(position),
            };
            let hex: String = chars.by_ref().take(digits).map(|(_, c)| c).collect();
            let Some(code) = u32::from_str_radix(&hex, 16)
                .ok()
                .filter(|_| hex.len() == digits)
            else {
                return Some(position);
            };
            if (0xDC00..=0xDFFF).contains(&code) {
                return Some(position); // a low surrogate with no high one before it
            }
            if (0xD800..=0xDBFF).contains(&code) {
                // A high surrogate must be followed by `\u` and a low one.
                let next: String = chars.by_ref().take(6).map(|(_, c)| c).collect();
                let low = next
                    .strip_prefix("\\u")
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                if !low.is_some_and(|l| (0xDC00..=0xDFFF).contains(&l)) {
                    return Some(position);
                }
            } else if char::from_u32(code).is_none() {
                return Some(position);
            }
        }
        None
    }

    /// The bracket that closes the flow collection opened at `at` with the wrong kind.
    fn mismatched_close(&self, at: Pos) -> Option<Pos> {
        let mut open = Vec::new();
        let mut quote = None;
        let mut comment = false;
        let mut previous = ' ';
        let mut chars = self.from(at).peekable();
        while let Some((position, c)) = chars.next() {
            match (quote, c) {
                (_, '\n') if comment => comment = false,
                _ if comment => {}
                // `''` in single quotes and `\"` in double quotes do not end the text.
                (Some('\''), '\'') if chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                    chars.next();
                }
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (None, '\'' | '"') if previous.is_whitespace() || "[{,:".contains(previous) => {
                    quote = Some(c);
                }
                (None, '#') if previous.is_whitespace() => comment = true,
                (None, '[' | '{') => open.push(c),
                (None, ']' | '}') => {
                    let expected = if open.pop()? == '[' { ']' } else { '}' };
                    if c != expected {
                        return Some(position);
                    }
                    if open.is_empty() {
                        return None;
                    }
                }
                _ => {}
            }
            previous = c;
        }
        None
    }
}

/// The [`Pos`] of a 0-based line index and character index.
fn pos(line: usize, column: usize) -> Pos {
    Pos {
        line: u32::try_from(line + 1).unwrap_or(u32::MAX),
        column: u32::try_from(column + 1).unwrap_or(u32::MAX),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::node::{Limits, parse};

    /// `line:column` and message of the error parsing `text` gives.
    fn located(text: &str) -> String {
        let limits = Limits {
            max_depth: 24,
            max_alias_nodes: 1000,
        };
        let error = parse(text, limits).unwrap_err();
        format!("{}:{} {}", error.pos.line, error.pos.column, error.message)
    }

    #[test]
    fn a_tab_indenting_a_line_is_reported_on_that_line_at_the_tab() {
        let after_plain = "users:\n  - email: jane@acme.com\n    role: agent\n  - email: bob@acme.com\n\t  role: agent\n";
        assert_eq!(
            located(after_plain),
            "5:1 while scanning a plain scalar, found a tab"
        );
        let after_long_plain = "users:\n  - email: jane@acme.com\n    notes: this is\n      a long note\n\t  role: agent\n";
        assert!(located(after_long_plain).starts_with("5:1 "));
        let after_quoted = "users:\n  - email: \"bob@acme.com\"\n\t  role: agent\n";
        assert!(located(after_quoted).starts_with("3:1 "));
        let first_item = "users:\n\t- email: jane@acme.com\n";
        assert!(located(first_item).starts_with("2:1 "));
        let block_scalar = "notes: |\n\t  text\n";
        assert!(located(block_scalar).starts_with("2:1 "));
        // Lines of blanks, tabs included, do not indent anything.
        let settings = "settings:\n  prune: report\n\n  \t\n\t  ignore: []\n";
        assert!(
            located(settings).starts_with("5:1 "),
            "{}",
            located(settings)
        );
    }

    #[test]
    fn a_bad_escape_is_reported_at_its_backslash() {
        assert_eq!(
            located("name: \"Jane\n  X \\q Doe\"\n"),
            "2:5 while parsing a quoted scalar, found unknown escape character"
        );
        assert!(located("name: \"a \\xZZ\"\n").starts_with("1:10 "));
        assert!(located("name: \"a \\u00e9 \\uD800 b\"\n").starts_with("1:17 "));
    }

    #[test]
    fn a_wrong_closing_bracket_is_reported_where_it_is() {
        assert_eq!(
            located("tags: [a,\n  \"b]\", 'c''}', c}\n"),
            "2:18 mismatched bracket '[' closed by '}'"
        );
    }

    #[test]
    fn other_errors_keep_the_parser_position() {
        assert_eq!(located("a: [b\n"), "1:4 unclosed bracket '['");
        assert!(located("a: 1\nb: @x\n").starts_with("2:4 "));
    }
}
