//! Stage 1: the YAML files as written, mirrored by serde types.
//!
//! These types only check shape (known keys, right value types); meaning is checked in
//! [`crate::lower`]. Nothing past that stage sees them.

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsFile {
    pub(crate) domains: Vec<DomainYaml>,
    pub(crate) events: Vec<EventYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DomainYaml {
    pub(crate) id: String,
    pub(crate) name: TextYaml,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventYaml {
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    pub(crate) name: TextYaml,
    pub(crate) schema: String,
    #[serde(default)]
    pub(crate) description: Option<TextYaml>,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) deprecated: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TypesFile {
    #[serde(default)]
    pub(crate) structs: Vec<StructYaml>,
    #[serde(default)]
    pub(crate) enums: Vec<EnumYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StructYaml {
    pub(crate) name: String,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    pub(crate) fields: Vec<FieldYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldYaml {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) ty: String,
    #[serde(default)]
    pub(crate) nullable: bool,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnumYaml {
    pub(crate) name: String,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    pub(crate) values: Vec<EnumValueYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnumValueYaml {
    pub(crate) value: String,
    pub(crate) description: TextYaml,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) deprecated: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextYaml {
    pub(crate) ko: String,
    pub(crate) en: String,
}

/// Parses one file, turning serde_yaml's error into a located diagnostic.
pub(crate) fn parse<T: for<'de> Deserialize<'de> + Default>(
    file: &SourceFile,
) -> Result<T, Diagnostic> {
    // An empty file is an empty document; serde_yaml reports it as an error.
    if file.text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_yaml::from_str(&file.text).map_err(|error| {
        let location =
            error.location().map_or_else(|| file.start(), |l| file.at(l.line(), l.column()));
        let message = error.to_string();
        // serde_yaml appends " at line L column C"; the location already says so.
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        Diagnostic::new(location, message)
    })
}
