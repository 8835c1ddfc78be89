//! [`SourceRef`]: where in the roster a change or an error comes from, written
//! `file:line:column` in a plan's JSON.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A place in the roster: the file as printed in messages, the line and the column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceRef {
    /// The file, as printed in messages; shared by every place in it.
    pub file: Arc<str>,
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

impl SourceRef {
    /// `file:line`, without the column: how renderers name a roster entry.
    #[must_use]
    pub fn file_line(&self) -> FileLine<'_> {
        FileLine(self)
    }

    /// Reads the written form back (a saved plan). The file name may hold `:`.
    fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("`{text}` is not a roster place (`file:line:column`)");
        let (rest, column) = text.rsplit_once(':').ok_or_else(invalid)?;
        let (file, line) = rest.rsplit_once(':').ok_or_else(invalid)?;
        Ok(Self {
            file: Arc::from(file),
            line: line.parse().map_err(|_| invalid())?,
            column: column.parse().map_err(|_| invalid())?,
        })
    }
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A [`SourceRef`] shown as `file:line`.
#[derive(Debug, Clone, Copy)]
pub struct FileLine<'s>(&'s SourceRef);

impl fmt::Display for FileLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.file, self.0.line)
    }
}

impl Serialize for SourceRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SourceRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::SourceRef;

    #[test]
    fn a_place_reads_back_as_written_and_shows_its_line() {
        let place = SourceRef {
            file: "C:roster/agents.yaml".into(),
            line: 12,
            column: 5,
        };
        let json = serde_json::to_string(&place).unwrap();
        assert_eq!(json, "\"C:roster/agents.yaml:12:5\"");
        assert_eq!(serde_json::from_str::<SourceRef>(&json).unwrap(), place);
        assert_eq!(place.file_line().to_string(), "C:roster/agents.yaml:12");
        assert!(serde_json::from_str::<SourceRef>("\"roster.yaml:12\"").is_err());
    }
}
