//! A located YAML tree: the first step of loading, before the roster model is built.
//!
//! Deserialising straight into the model would stop at the first mistake. Reading into this
//! tree first keeps the `file:line:column` of every key and value, keeps `null` apart from an
//! absent key, and lets the model builder report every mistake of a file at once.
//!
//! The tree is built from the events of `granit-parser`, the YAML parser under serde-saphyr.
//! serde-saphyr's `Spanned` gives the same locations, but wrapping every value in it cost
//! about eight times the parsing itself (2.6 s against a 1.0 s target for 100,000 users);
//! reading the parser's events directly keeps every position at the parser's speed. The
//! hardening serde-saphyr's budgets gave is kept here: nesting depth, alias expansion and
//! the number of documents are limited, and the builder never recurses, so no input can
//! exhaust the stack.

use std::borrow::Cow;
use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, Span, Tag};

pub(crate) use super::yaml_error::{YamlError, YamlErrorKind};

/// A position in a roster file, 1-based. `line == 0` means the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: u32,
    /// Column in characters, counting from 1.
    pub column: u32,
}

impl Pos {
    pub(super) fn from_marker(marker: &granit_parser::Marker) -> Self {
        Self {
            line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
            column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
        }
    }

    fn from_span(span: &Span) -> Self {
        Self::from_marker(&span.start)
    }
}

/// One YAML node with the position where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) pos: Pos,
    pub(crate) kind: NodeKind,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    /// A plain scalar that reads as a whole number, with its text as written (`+49301234`,
    /// `0x1F`): where the roster expects text, the text is what counts.
    Int(i64, Box<str>),
    /// A plain scalar that reads as a number with a fraction or an exponent, or `.inf` or
    /// `.nan`, with its text as written (`555.1234`, `1.50`).
    Float(f64, Box<str>),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; duplicate keys are kept so that the builder can report them.
    Map(Vec<(Node, Node)>),
}

impl NodeKind {
    /// The YAML type, as a user would name it in an error message.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(..) | NodeKind::Float(..) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

impl Node {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number of nodes in this subtree, itself included.
    fn size(&self) -> usize {
        match &self.kind {
            NodeKind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            NodeKind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
}

/// Limits that keep hostile input from exhausting time, memory or the stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Deepest nesting of lists and mappings.
    pub(crate) max_depth: usize,
    /// Most nodes that aliases may copy in one file.
    pub(crate) max_alias_nodes: usize,
}

/// A collection being built.
enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// The entries whose key is a merge key: a plain `<<`, not a quoted one.
        merges: Vec<usize>,
    },
}

/// Parses one YAML document into a located tree. An empty stream (no document, or only
/// comments) gives a `Null` root at line 0.
#[cfg(test)]
pub(crate) fn parse(text: &str, limits: Limits) -> Result<Node, YamlError> {
    parse_streaming(text, limits, "", &mut |_| {})
}

/// [`parse`], except that the items of the list under the top-level key `streamed` (its first
/// occurrence, when the list has no anchor) go to `item` as each is complete, and that list
/// stays empty in the tree. A caller building its model from each item then never holds the
/// tree of a large list whole: for 100,000 users it is about 100 MB.
pub(crate) fn parse_streaming(
    text: &str,
    limits: Limits,
    streamed: &str,
    item: &mut dyn FnMut(Node),
) -> Result<Node, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut replayed = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) =
            next.map_err(|error| YamlError::from_scan(text, &error, limits.max_depth))?;
        let pos = Pos::from_span(&span);
        let mut plain_merge = false;
        let done = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        pos,
                        kind: YamlErrorKind::SeveralDocuments,
                        message: "the file holds more than one YAML document (`---`)".into(),
                    });
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                plain_merge = style == ScalarStyle::Plain && tag.is_none() && value == "<<";
                let node = Node {
                    pos,
                    kind: resolve_scalar(value, style, tag.as_deref()),
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError {
                        pos,
                        kind: YamlErrorKind::Syntax,
                        message: "alias refers to an anchor that is not defined before it".into(),
                    });
                };
                replayed += target.size();
                if replayed > limits.max_alias_nodes {
                    return Err(YamlError {
                        pos,
                        kind: YamlErrorKind::Limit,
                        message: format!(
                            "aliases expand to more than {} values",
                            limits.max_alias_nodes
                        ),
                    });
                }
                Node {
                    pos,
                    kind: target.kind.clone(),
                }
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(YamlError {
                        pos,
                        kind: YamlErrorKind::Limit,
                        message: format!(
                            "lists and mappings nest deeper than {} levels",
                            limits.max_depth
                        ),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        pos,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        pos,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        merges: Vec::new(),
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => (
                        Node {
                            pos,
                            kind: NodeKind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        merges,
                        ..
                    }) => (
                        Node {
                            pos,
                            kind: NodeKind::Map(expand_merge_keys(entries, &merges)?),
                        },
                        anchor,
                    ),
                    None => continue,
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            _ => continue,
        };
        if is_streamed(&stack, streamed) {
            item(done);
            continue;
        }
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(done),
            Some(Frame::Map {
                entries,
                key,
                merges,
                ..
            }) => match key.take() {
                None => {
                    if plain_merge {
                        merges.push(entries.len());
                    }
                    *key = Some(done);
                }
                Some(k) => entries.push((k, done)),
            },
            None => root = Some(done),
        }
    }
    Ok(root.unwrap_or(Node {
        pos: Pos::default(),
        kind: NodeKind::Null,
    }))
}

/// Whether the open collection is the top-level list under `key` whose items are streamed:
/// a list without an anchor (an alias to it would find it empty), under the first occurrence
/// of the key (a later one is a duplicate the model builder reports and ignores).
fn is_streamed(stack: &[Frame], key: &str) -> bool {
    let [
        Frame::Map {
            entries,
            key: Some(open),
            ..
        },
        Frame::Seq { anchor: 0, .. },
    ] = stack
    else {
        return false;
    };
    !key.is_empty()
        && open.as_str() == Some(key)
        && !entries.iter().any(|(k, _)| k.as_str() == Some(key))
}

/// Applies YAML merge keys (`<<: *defaults`, at the entries `merges`): the entries of the
/// merged mappings are added where the mapping does not write the key itself; with several
/// sources, earlier win. A quoted `"<<"` is an ordinary key, as in JSON.
fn expand_merge_keys(
    entries: Vec<(Node, Node)>,
    merges: &[usize],
) -> Result<Vec<(Node, Node)>, YamlError> {
    if merges.is_empty() {
        return Ok(entries);
    }
    let mut sources = Vec::with_capacity(merges.len());
    let mut explicit = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        if merges.contains(&i) {
            sources.push(entry.1);
        } else {
            explicit.push(entry);
        }
    }
    for source in sources {
        let sources = match source.kind {
            NodeKind::Map(_) => vec![source],
            NodeKind::Seq(items) if items.iter().all(|i| matches!(i.kind, NodeKind::Map(_))) => {
                items
            }
            _ => {
                return Err(YamlError {
                    pos: source.pos,
                    kind: YamlErrorKind::Syntax,
                    message: "a merge key (`<<`) takes a mapping or a list of mappings".into(),
                });
            }
        };
        for source in sources {
            let NodeKind::Map(source_entries) = source.kind else {
                continue;
            };
            for (key, value) in source_entries {
                let written = explicit.iter().any(|(k, _)| k.kind == key.kind);
                if !written {
                    explicit.push((key, value));
                }
            }
        }
    }
    Ok(explicit)
}

/// The value of a scalar under the YAML 1.2 core schema, with two safer choices: booleans
/// are only `true`/`false` (in any of their three spellings), and digits with a leading zero
/// (`0042`, an employee number) stay text.
fn resolve_scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> NodeKind {
    if let Some(tag) = tag
        && tag.is_yaml_core_schema()
    {
        match tag.suffix() {
            "str" => return NodeKind::Str(value.into_owned()),
            "null" => return NodeKind::Null,
            _ => {}
        }
    }
    if style != ScalarStyle::Plain {
        return NodeKind::Str(value.into_owned());
    }
    let text = value.as_ref();
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY, text.into());
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY, text.into()),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN, text.into()),
        _ => {}
    }
    if let Some(kind) = resolve_number(text) {
        return kind;
    }
    NodeKind::Str(value.into_owned())
}

fn resolve_number(text: &str) -> Option<NodeKind> {
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let int = |value: i64| NodeKind::Int(value, text.into());
    for (prefix, radix) in [("0x", 16), ("0o", 8)] {
        if let Some(digits) = text.strip_prefix(prefix) {
            if !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            return i64::from_str_radix(digits, radix).ok().map(int);
        }
    }
    let digits = text.trim_start_matches(['-', '+']);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            return None;
        }
        return Some(text.parse::<i64>().map_or_else(
            |_| NodeKind::Float(text.parse().unwrap_or(f64::NAN), text.into()),
            int,
        ));
    }
    let float_like = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if float_like {
        return text
            .parse::<f64>()
            .ok()
            .map(|value| NodeKind::Float(value, text.into()));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    const LIMITS: Limits = Limits {
        max_depth: 24,
        max_alias_nodes: 1000,
    };

    fn kind(text: &str) -> NodeKind {
        let root = parse(&format!("v: {text}\n"), LIMITS).unwrap();
        let NodeKind::Map(mut entries) = root.kind else {
            panic!()
        };
        entries.remove(0).1.kind
    }

    #[test]
    fn scalars_resolve_like_yaml_1_2_with_safe_booleans_and_ids() {
        assert_eq!(kind("~"), NodeKind::Null);
        assert_eq!(kind(""), NodeKind::Null);
        assert_eq!(kind("true"), NodeKind::Bool(true));
        assert_eq!(kind("FALSE"), NodeKind::Bool(false));
        assert_eq!(kind("yes"), NodeKind::Str("yes".into()));
        assert_eq!(kind("42"), NodeKind::Int(42, "42".into()));
        assert_eq!(kind("-7"), NodeKind::Int(-7, "-7".into()));
        assert_eq!(
            kind("+49301234"),
            NodeKind::Int(49_301_234, "+49301234".into())
        );
        assert_eq!(kind("0x1F"), NodeKind::Int(31, "0x1F".into()));
        assert_eq!(kind("0x-1"), NodeKind::Str("0x-1".into()));
        assert_eq!(kind("0042"), NodeKind::Str("0042".into()));
        assert_eq!(kind("2.5"), NodeKind::Float(2.5, "2.5".into()));
        assert_eq!(kind("1.50"), NodeKind::Float(1.5, "1.50".into()));
        assert_eq!(
            kind("12345678901234567890"),
            NodeKind::Float(1.234_567_890_123_456_8e19, "12345678901234567890".into())
        );
        assert_eq!(kind("\"42\""), NodeKind::Str("42".into()));
        assert_eq!(kind("!!str 42"), NodeKind::Str("42".into()));
        assert_eq!(kind("10%"), NodeKind::Str("10%".into()));
        assert_eq!(kind("1.2.3"), NodeKind::Str("1.2.3".into()));
        assert_eq!(kind("emp-1042"), NodeKind::Str("emp-1042".into()));
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let root = parse("users:\n  - email: a@b.co\n", LIMITS).unwrap();
        let NodeKind::Map(entries) = &root.kind else {
            panic!()
        };
        let NodeKind::Seq(users) = &entries[0].1.kind else {
            panic!()
        };
        assert_eq!(users[0].pos, Pos { line: 2, column: 5 });
        let NodeKind::Map(fields) = &users[0].kind else {
            panic!()
        };
        assert_eq!(
            fields[0].1.pos,
            Pos {
                line: 2,
                column: 12
            }
        );
    }

    #[test]
    fn merge_keys_and_aliases_expand_with_explicit_keys_winning() {
        let root = parse(
            "base: &b { role: agent, verified: true }\nuser:\n  <<: *b\n  role: admin\n",
            LIMITS,
        )
        .unwrap();
        let NodeKind::Map(entries) = &root.kind else {
            panic!()
        };
        let NodeKind::Map(user) = &entries[1].1.kind else {
            panic!()
        };
        let pairs: Vec<_> = user
            .iter()
            .map(|(k, v)| (k.as_str().unwrap(), v.kind.clone()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("role", NodeKind::Str("admin".into())),
                ("verified", NodeKind::Bool(true))
            ]
        );
    }

    #[test]
    fn a_quoted_merge_key_is_an_ordinary_key() {
        let root = parse("{\"<<\": null, '<<': 1}\n", LIMITS).unwrap();
        let NodeKind::Map(entries) = &root.kind else {
            panic!()
        };
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.as_str().unwrap()).collect();
        assert_eq!(keys, ["<<", "<<"]);
    }

    #[test]
    fn limits_stop_alias_bombs_deep_nesting_and_second_documents() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..6 {
            let items = vec![format!("*a{}", level - 1); 10].join(", ");
            writeln!(bomb, "a{level}: &a{level} [{items}]").unwrap();
        }
        assert_eq!(parse(&bomb, LIMITS).unwrap_err().kind, YamlErrorKind::Limit);
        let deep = format!("v: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(&deep, LIMITS).unwrap_err().kind, YamlErrorKind::Limit);
        let two = "a: 1\n---\nb: 2\n";
        assert_eq!(
            parse(two, LIMITS).unwrap_err().kind,
            YamlErrorKind::SeveralDocuments
        );
    }

    #[test]
    fn syntax_errors_carry_their_position() {
        let error = parse("a:\n\t- 1\n", LIMITS).unwrap_err();
        assert_eq!(error.kind, YamlErrorKind::Syntax);
        assert_eq!(error.pos.line, 2);
    }

    #[test]
    fn empty_and_comment_only_texts_are_a_null_root() {
        assert_eq!(parse("", LIMITS).unwrap().kind, NodeKind::Null);
        assert_eq!(parse("# nothing\n", LIMITS).unwrap().kind, NodeKind::Null);
    }
}
