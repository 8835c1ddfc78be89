//! The roster: loading YAML files with locations, building the model, and validating it.
//!
//! `load` reads every file (in parallel), builds each file's [`Document`] from a located
//! YAML tree, merges the documents into one [`Roster`], and runs the cross-file checks of
//! [`validate`]. Every problem becomes a [`Diagnostic`]; loading never stops at the first.

pub mod diagnostic;
pub mod model;
pub mod node;
pub mod pattern;
pub mod policy;
pub mod schema;
pub mod source;
pub mod time_box;
pub mod validate;

mod build;
mod script;
mod suggest;
mod yaml_error;

use std::path::PathBuf;

pub use diagnostic::{Diagnostic, Severity};
pub use model::{
    CustomRole, Document, Field, FileId, Group, Located, Organization, Profile, Role, Settings,
    Source, User,
};
pub use node::Pos;

use build::Builder;

/// A loaded roster: every file merged into one.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// The files, in the order they were read; [`Source::file`] indexes this list.
    pub files: Vec<RosterFile>,
    /// The settings (from the one file that has them, or the defaults).
    pub settings: Settings,
    /// Where `settings` was written, if anywhere.
    pub settings_source: Option<Source>,
    /// The defaults applied to every user (empty when no file has them).
    pub defaults: Profile,
    /// Where `defaults` was written, if anywhere.
    pub defaults_source: Option<Source>,
    /// The managed custom roles of all files.
    pub custom_roles: Vec<CustomRole>,
    /// The managed organizations of all files.
    pub organizations: Vec<Organization>,
    /// The managed groups of all files.
    pub groups: Vec<Group>,
    /// The users of all files.
    pub users: Vec<User>,
    /// `sha256:<hex>` of the files' names and contents, in reading order: identifies the
    /// roster a plan was made from.
    pub digest: String,
}

/// A file the roster was read from.
#[derive(Debug, Clone)]
pub struct RosterFile {
    /// The path as found.
    pub path: PathBuf,
    /// The path as printed in diagnostics.
    pub display: String,
}

impl Roster {
    /// The path of a file as printed in messages.
    #[must_use]
    pub fn file_name(&self, file: FileId) -> &str {
        self.files
            .get(file as usize)
            .map_or("<unknown>", |f| f.display.as_str())
    }

    /// `path:line:col` of a source, as printed in messages.
    #[must_use]
    pub fn locate(&self, source: Source) -> String {
        format!(
            "{}:{}:{}",
            self.file_name(source.file),
            source.pos.line,
            source.pos.column
        )
    }
}

/// The result of loading: the roster (possibly incomplete when there are errors) and every
/// diagnostic, sorted by file and line.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The merged roster. Do not plan from it when [`Loaded::has_errors`] is true.
    pub roster: Roster,
    /// Errors, warnings and notes, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Loads, merges and validates the roster files below `paths`.
#[must_use]
pub fn load(paths: &[PathBuf]) -> Loaded {
    let (files, diagnostics) = source::discover(paths);
    let parsed = parse_all(&files, |path| source::read(path).map_err(Box::new));
    assemble(files, parsed, diagnostics)
}

/// Loads a roster from texts in memory, named like files: what [`load`] does after reading.
/// For tests and for rosters that do not come from disk.
#[must_use]
pub fn load_texts(texts: &[(&str, &str)]) -> Loaded {
    let files: Vec<PathBuf> = texts.iter().map(|(name, _)| PathBuf::from(name)).collect();
    let parsed = parse_all(&files, |path| {
        let (name, text) = texts
            .iter()
            .find(|(name, _)| std::path::Path::new(name) == path)
            .expect("every path comes from `texts`");
        Ok(source::SourceFile {
            path: path.to_path_buf(),
            display: (*name).to_owned(),
            text: (*text).to_owned(),
        })
    });
    assemble(files, parsed, Vec::new())
}

fn assemble(files: Vec<PathBuf>, parsed: Vec<Parsed>, mut diagnostics: Vec<Diagnostic>) -> Loaded {
    use sha2::Digest as _;
    let mut roster = Roster::default();
    let mut hasher = sha2::Sha256::new();
    for (id, (result, path)) in parsed.into_iter().zip(files).enumerate() {
        let file_id = FileId::try_from(id).unwrap_or(FileId::MAX);
        match result {
            Err(diagnostic) => {
                roster.files.push(RosterFile {
                    path,
                    display: diagnostic.file.clone(),
                });
                diagnostics.push(*diagnostic);
            }
            Ok((file, document, file_diagnostics, digest)) => {
                diagnostics.extend(file_diagnostics);
                hasher.update(file.display.as_bytes());
                hasher.update([0]);
                hasher.update(digest);
                roster.files.push(RosterFile {
                    path: file.path,
                    display: file.display,
                });
                merge(&mut roster, file_id, document, &mut diagnostics);
            }
        }
    }
    roster.digest = hasher
        .finalize()
        .iter()
        .fold(String::from("sha256:"), |mut text, byte| {
            use std::fmt::Write as _;
            let _ = write!(text, "{byte:02x}");
            text
        });
    diagnostics.extend(validate::check(&roster));
    diagnostic::sort(&mut diagnostics);
    Loaded {
        roster,
        diagnostics,
    }
}

/// A file read, built into a document, with the file's own diagnostics.
type Parsed = Result<(source::SourceFile, Document, Vec<Diagnostic>, [u8; 32]), Box<Diagnostic>>;

/// Reads and builds every file, spreading the files over the available cores.
fn parse_all<R>(files: &[PathBuf], read: R) -> Vec<Parsed>
where
    R: Fn(&std::path::Path) -> Result<source::SourceFile, Box<Diagnostic>> + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len().max(1));
    if threads <= 1 {
        return files
            .iter()
            .enumerate()
            .map(|(id, path)| parse_file(&read, path, id))
            .collect();
    }
    let mut results: Vec<Option<Parsed>> = (0..files.len()).map(|_| None).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let id = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(path) = files.get(id) else { break };
                        done.push((id, parse_file(&read, path, id)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            for (id, parsed) in worker.join().unwrap_or_default() {
                results[id] = Some(parsed);
            }
        }
    });
    results
        .into_iter()
        .zip(files)
        .enumerate()
        .map(|(id, (parsed, path))| parsed.unwrap_or_else(|| parse_file(&read, path, id)))
        .collect()
}

fn parse_file<R>(read: &R, path: &std::path::Path, id: usize) -> Parsed
where
    R: Fn(&std::path::Path) -> Result<source::SourceFile, Box<Diagnostic>>,
{
    let file = read(path)?;
    let limits = node::Limits {
        max_depth: MAX_DEPTH,
        max_alias_nodes: MAX_ALIAS_VALUES,
    };
    let mut builder = Builder::new(&file.display, FileId::try_from(id).unwrap_or(FileId::MAX));
    // Users are built as the parser completes each one, so the YAML tree of the users is
    // never whole; the rest of the file is built from its tree.
    let mut users = Vec::new();
    let mut root = node::parse_streaming(&file.text, limits, "users", &mut |mut item| {
        users.extend(builder.user(&mut item));
    })
    .map_err(|e| Box::new(yaml_error(&file.display, &e)))?;
    let mut document = builder.document(&mut root);
    drop(root);
    if !users.is_empty() {
        // The tree's `users` list was left empty, so `document.users` is too. The list grew
        // by doubling: give back the room it will not use (a quarter, on average).
        users.shrink_to_fit();
        document.users = users;
    }
    let diagnostics = builder.diagnostics;
    let digest: [u8; 32] = {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        hasher.update(file.text.as_bytes());
        hasher.finalize().into()
    };
    // The text is not needed once the model holds everything with its position.
    let file = source::SourceFile {
        text: String::new(),
        ..file
    };
    Ok((file, document, diagnostics, digest))
}

/// Nesting deeper than this is refused; a roster needs about six levels.
pub const MAX_DEPTH: usize = 24;
/// Most values that aliases may copy in one file; stops "billion laughs" alias bombs while
/// leaving room for rosters that share blocks of settings through anchors.
pub const MAX_ALIAS_VALUES: usize = 250_000;

fn yaml_error(file: &str, error: &node::YamlError) -> Diagnostic {
    let message = format!("invalid YAML: {}", error.message);
    let lowered = error.message.to_lowercase();
    let (code, hint) = match error.kind {
        node::YamlErrorKind::SeveralDocuments => (
            "yaml-syntax",
            Some("a roster file is one document: remove the `---` line, or split it into two files".to_owned()),
        ),
        node::YamlErrorKind::Limit => (
            "yaml-limit",
            Some(format!(
                "a roster file may nest at most {MAX_DEPTH} levels and copy at most {MAX_ALIAS_VALUES} values through aliases"
            )),
        ),
        node::YamlErrorKind::Syntax if lowered.contains("tab") => {
            ("yaml-syntax", Some("indent YAML with spaces, not tabs".to_owned()))
        }
        node::YamlErrorKind::Syntax
            if lowered.contains("flow") || lowered.contains("indicator") || lowered.contains("bracket") =>
        {
            (
                "yaml-syntax",
                Some("check the brackets and braces around this line: each `[` needs a `]` and each `{` a `}`".to_owned()),
            )
        }
        node::YamlErrorKind::Syntax => ("yaml-syntax", None),
    };
    Diagnostic::error(file, error.pos, code, message).maybe_hint(hint)
}

/// Adds one file's document to the roster; `settings` and `defaults` may come from one
/// file only.
fn merge(roster: &mut Roster, file: FileId, document: Document, diagnostics: &mut Vec<Diagnostic>) {
    let positions = document.section_pos;
    for (key, pos, present) in [
        ("settings", positions.settings, document.settings.is_some()),
        ("defaults", positions.defaults, document.defaults.is_some()),
    ] {
        if !present {
            continue;
        }
        let first = if key == "settings" {
            roster.settings_source
        } else {
            roster.defaults_source
        };
        if let Some(first) = first {
            let place = roster.locate(first);
            diagnostics.push(
                Diagnostic::error(
                    roster.file_name(file),
                    pos,
                    "duplicate-section",
                    format!("`{key}` is also written at {place}"),
                )
                .hint(format!("keep `{key}` in one file of the roster")),
            );
        }
    }
    if let Some(settings) = document.settings
        && roster.settings_source.is_none()
    {
        roster.settings = settings;
        roster.settings_source = Some(Source {
            file,
            pos: positions.settings,
        });
    }
    if let Some(defaults) = document.defaults
        && roster.defaults_source.is_none()
    {
        roster.defaults = defaults;
        roster.defaults_source = Some(Source {
            file,
            pos: positions.defaults,
        });
    }
    roster.custom_roles.extend(document.custom_roles);
    roster.organizations.extend(document.organizations);
    roster.groups.extend(document.groups);
    // The first file's list is taken as it is, not copied: with one large file the model
    // is never held twice.
    if roster.users.is_empty() {
        roster.users = document.users;
    } else {
        roster.users.extend(document.users);
    }
}

#[cfg(test)]
mod tests;
