//! `--store`: which delivery store to open, `sqlite:PATH` or `postgres://…`, read from the
//! argument or from `STEPPAY_WEBHOOKS_STORE` (which keeps a password out of the process list).
//!
//! A PostgreSQL URL's password never appears in any message: [`StoreSpec::shown`] is the URL
//! with it replaced by `***`, and every error from the store is scrubbed of it too.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use steppay_webhooks::store::{
    DEFAULT_POSTGRES_TABLE, DeliveryStore, PostgresStore, SqliteStore, StoreError,
};

use crate::error::{CliError, Code, closest};

/// The store arguments every `deliveries` subcommand and `dashboard` take.
#[derive(clap::Args)]
pub(crate) struct StoreArgs {
    /// The delivery store: `sqlite:PATH` or `postgres://USER@HOST/DB` (a password is better kept
    /// in STEPPAY_WEBHOOKS_STORE than on the command line, where the process list shows it)
    #[arg(long, env = "STEPPAY_WEBHOOKS_STORE", hide_env_values = true, value_name = "URL")]
    store: String,

    /// PostgreSQL only: the store's table, `name` or `schema.name`, as the receiver was given it
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
}

/// Where the deliveries are.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoreSpec {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database: the URL as given (with its password, if any) and its table.
    Postgres { url: String, table: String },
}

/// Shows the store as messages do: a URL's password is `***` in `Debug` too.
impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSpec({})", self.shown())
    }
}

/// Why `--store` is not a store this tool opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreArgError {
    /// No `scheme:` at all.
    NoScheme,
    /// A scheme other than `sqlite:`, `postgres://` or `postgresql://`.
    UnknownScheme { scheme: String, suggestion: Option<&'static str> },
    /// `sqlite:` with nothing after it.
    MissingPath,
    /// `--table` with an SQLite store, which has one table of its own.
    TableWithSqlite,
}

const SCHEMES: [&str; 3] = ["sqlite", "postgres", "postgresql"];

impl fmt::Display for StoreArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoScheme => f.write_str("`--store` names no kind of store"),
            Self::UnknownScheme { scheme, .. } => {
                write!(f, "`{scheme}:` is not a kind of store this tool opens")
            }
            Self::MissingPath => f.write_str("`--store sqlite:` needs the database file's path"),
            Self::TableWithSqlite => {
                f.write_str("`--table` is for a PostgreSQL store; an SQLite file has one table")
            }
        }
    }
}

impl From<StoreArgError> for CliError {
    fn from(error: StoreArgError) -> Self {
        let help = match &error {
            StoreArgError::UnknownScheme { suggestion: Some(s), .. } => {
                format!("did you mean `{s}:`?")
            }
            StoreArgError::NoScheme | StoreArgError::UnknownScheme { .. } => {
                "write `sqlite:PATH` or `postgres://USER@HOST/DB`".to_owned()
            }
            StoreArgError::MissingPath => "write `sqlite:PATH`, e.g. `sqlite:deliveries.db`".into(),
            StoreArgError::TableWithSqlite => "leave out `--table`".to_owned(),
        };
        CliError::usage(error.to_string()).at("--store").help(help)
    }
}

impl StoreArgs {
    /// The store these arguments name.
    pub(crate) fn spec(&self) -> Result<StoreSpec, StoreArgError> {
        StoreSpec::parse(&self.store, self.table.as_deref())
    }

    /// `--store` and `--table` again, for a command line to print; nothing when the URL holds
    /// a password (it is in the environment or on the command line already, and is not
    /// printed).
    pub(crate) fn as_flags(&self, spec: &StoreSpec) -> Vec<String> {
        let holds_password = match spec {
            StoreSpec::Postgres { url, .. } => password_of(url).is_some(),
            StoreSpec::Sqlite(_) => false,
        };
        if holds_password || self.store.contains(char::is_whitespace) {
            return Vec::new();
        }
        let mut flags = vec![format!("--store {}", self.store.trim())];
        if let Some(table) = &self.table {
            flags.push(format!("--table {table}"));
        }
        flags
    }
}

impl StoreSpec {
    pub(crate) fn parse(text: &str, table: Option<&str>) -> Result<Self, StoreArgError> {
        let text = text.trim();
        let (scheme, rest) = text.split_once(':').ok_or(StoreArgError::NoScheme)?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if table.is_some() {
                    return Err(StoreArgError::TableWithSqlite);
                }
                // `sqlite:PATH`, and `sqlite://PATH` as URLs write it.
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(StoreArgError::MissingPath);
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => Ok(Self::Postgres {
                url: text.to_owned(),
                table: table.unwrap_or(DEFAULT_POSTGRES_TABLE).to_owned(),
            }),
            "" => Err(StoreArgError::NoScheme),
            other => Err(StoreArgError::UnknownScheme {
                // Never the whole argument: it may be a URL with a password in it.
                scheme: other.chars().take(32).collect(),
                suggestion: closest(other, SCHEMES),
            }),
        }
    }

    /// The store as messages name it: a PostgreSQL URL with its password replaced by `***`.
    pub(crate) fn shown(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Postgres { url, table } if table == DEFAULT_POSTGRES_TABLE => redact_url(url),
            Self::Postgres { url, table } => format!("{} (table {table})", redact_url(url)),
        }
    }

    /// Opens the store. An SQLite file must exist already: an operator's typo should not leave
    /// an empty store behind.
    pub(crate) async fn open(&self) -> Result<Arc<dyn DeliveryStore>, CliError> {
        match self {
            Self::Sqlite(path) => {
                if !path.is_file() {
                    return Err(CliError::usage(format!(
                        "no SQLite store at `{}`",
                        path.display()
                    ))
                    .at("--store")
                    .help("give the file the receiver's `SqliteStore::open` was given"));
                }
                let store = SqliteStore::open(path).await.map_err(|e| self.cannot_open(&e))?;
                Ok(Arc::new(store))
            }
            Self::Postgres { url, table } => {
                let store = PostgresStore::connect_with_table(url, table)
                    .await
                    .map_err(|e| self.cannot_open(&e))?;
                Ok(Arc::new(store))
            }
        }
    }

    fn cannot_open(&self, error: &StoreError) -> CliError {
        let code = match error {
            StoreError::Config(_) => Code::Usage,
            _ => Code::Connection,
        };
        CliError::new(code, format!("cannot open the delivery store {}", self.shown()))
            .at("--store")
            .note(self.scrub(&error_chain(error)))
    }

    /// A store error during an operation, as the CLI reports it.
    pub(crate) fn failed(&self, what: &str, error: &StoreError) -> CliError {
        let code = match error {
            StoreError::Unavailable(_) => Code::Connection,
            _ => Code::Failed,
        };
        CliError::new(code, format!("{what} failed on {}", self.shown()))
            .note(self.scrub(&error_chain(error)))
    }

    /// `text` without the URL's password, in case a driver's message quotes it.
    fn scrub(&self, text: &str) -> String {
        match self {
            Self::Postgres { url, .. } => match password_of(url) {
                Some(password) if !password.is_empty() => {
                    let decoded = percent_decode(password);
                    text.replace(password, "***").replace(&decoded, "***")
                }
                _ => text.to_owned(),
            },
            Self::Sqlite(_) => text.to_owned(),
        }
    }
}

/// The error and its sources, as one line.
fn error_chain(error: &StoreError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = source.and_then(std::error::Error::source);
    }
    text
}

/// The password of `scheme://user:password@host/…`, or of a `password=` query parameter.
fn password_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        return Some(password);
    }
    let query = rest.split_once('?').map(|(_, query)| query)?;
    query.split('&').find_map(|pair| pair.strip_prefix("password="))
}

/// `url` with its password, wherever it is, replaced by `***`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| {
                    if pair.starts_with("password=") {
                        "password=***".to_owned()
                    } else {
                        pair.to_owned()
                    }
                })
                .collect();
            format!("{path}?{}", pairs.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// `%XX` escapes decoded (a password in a URL may be written so); anything else kept.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (byte, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_parse_and_mistakes_are_typed() {
        assert_eq!(
            StoreSpec::parse("sqlite:/tmp/d.db", None),
            Ok(StoreSpec::Sqlite("/tmp/d.db".into()))
        );
        assert_eq!(StoreSpec::parse("sqlite://d.db", None), Ok(StoreSpec::Sqlite("d.db".into())));
        assert_eq!(StoreSpec::parse("sqlite:", None), Err(StoreArgError::MissingPath));
        assert_eq!(StoreSpec::parse("deliveries.db", None), Err(StoreArgError::NoScheme));
        assert_eq!(
            StoreSpec::parse("sqlte:d.db", None),
            Err(StoreArgError::UnknownScheme {
                scheme: "sqlte".into(),
                suggestion: Some("sqlite")
            })
        );
        assert_eq!(StoreSpec::parse("sqlite:d.db", Some("t")), Err(StoreArgError::TableWithSqlite));
        let pg = StoreSpec::parse("postgres://u:pw@h/db", Some("s.t")).expect("parses");
        assert_eq!(
            pg,
            StoreSpec::Postgres { url: "postgres://u:pw@h/db".into(), table: "s.t".into() }
        );
    }

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(redact_url("postgresql://app@db/app"), "postgresql://app@db/app");
        assert_eq!(
            redact_url("postgres://db/app?user=app&password=hunter2&sslmode=disable"),
            "postgres://db/app?user=app&password=***&sslmode=disable"
        );
        let spec = StoreSpec::parse("postgres://app:s3cr%40t@db/app", None).expect("parses");
        assert!(!spec.shown().contains("s3cr"), "{}", spec.shown());
        assert_eq!(spec.scrub("bad s3cr%40t and s3cr@t"), "bad *** and ***");
        assert!(!format!("{spec:?}").contains("s3cr"), "{spec:?}");
        let spec = StoreSpec::parse("postgres://db/app?password=hunter2", None).expect("parses");
        assert_eq!(spec.scrub("no hunter2"), "no ***");
    }
}
