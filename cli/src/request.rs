//! Reading what a command is given: a file or stdin, holding a body or a whole captured HTTP
//! request (a request line, headers, a blank line, the body).

use std::io::Read as _;

use crate::error::CliError;

/// What the input held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    /// Where it came from, for messages: the file's path or `<stdin>`.
    pub(crate) name: String,
    /// The `Steppay-Signature` header, when the input was a whole request that had one.
    pub(crate) header: Option<String>,
    /// Whether the input was a whole request.
    pub(crate) was_request: bool,
    /// The body.
    pub(crate) body: Vec<u8>,
    /// The request's `Content-Length`, when it disagrees with the body's length.
    pub(crate) length_mismatch: Option<usize>,
}

/// Reads `source` (a path, or `-` for stdin).
pub(crate) fn read(source: &str) -> Result<Input, CliError> {
    let (name, bytes) = read_bytes(source)?;
    Ok(match captured(&bytes) {
        Some((header, body, content_length)) => {
            let length_mismatch = content_length.filter(|&n| n != body.len());
            Input { name, header, was_request: true, body, length_mismatch }
        }
        None => {
            Input { name, header: None, was_request: false, body: bytes, length_mismatch: None }
        }
    })
}

/// The bytes of `source` (a path, or `-` for stdin), and its name for messages.
pub(crate) fn read_bytes(source: &str) -> Result<(String, Vec<u8>), CliError> {
    if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(("<stdin>".to_owned(), bytes));
    }
    match std::fs::read(source) {
        Ok(bytes) => Ok((source.to_owned(), bytes)),
        Err(error) => Err(CliError::usage(format!("cannot read `{source}`: {error}"))
            .help("give the path of a file holding the body (or a captured request), or `-` to read stdin")),
    }
}

/// A captured HTTP/1 request: `(Steppay-Signature, body, Content-Length)`; `None` when the
/// bytes do not start with a request line such as `POST /webhooks HTTP/1.1`.
fn captured(bytes: &[u8]) -> Option<(Option<String>, Vec<u8>, Option<usize>)> {
    let end_of_line = bytes.iter().position(|&b| b == b'\n')?;
    let request_line = std::str::from_utf8(bytes.get(..end_of_line)?).ok()?.trim_end_matches('\r');
    let mut parts = request_line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let looks_right = !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && !target.is_empty()
        && version.starts_with("HTTP/")
        && parts.next().is_none();
    if !looks_right {
        return None;
    }
    let mut header = None;
    let mut content_length = None;
    let mut at = end_of_line + 1;
    loop {
        let rest = bytes.get(at..)?;
        let length = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = String::from_utf8_lossy(rest.get(..length)?);
        let line = line.trim_end_matches('\r');
        at += length + 1;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case(steppay_webhooks::verify::HEADER) {
                header = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().ok();
            }
        }
        if at >= bytes.len() {
            break;
        }
    }
    let body = bytes.get(at.min(bytes.len())..).unwrap_or_default().to_vec();
    Some((header, body, content_length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_request_gives_its_header_and_body() {
        let request = b"POST /webhooks/steppay HTTP/1.1\r\nHost: x\r\nsteppay-signature: timestamp=1,v0=abc=\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(
            captured(request),
            Some((Some("timestamp=1,v0=abc=".to_owned()), b"{}".to_vec(), Some(2)))
        );
        let lf_only = b"POST / HTTP/1.1\nContent-Length: 3\n\n{}\n";
        assert_eq!(captured(lf_only), Some((None, b"{}\n".to_vec(), Some(3))));
        assert_eq!(captured(b"{\"timestamp\": 1}\n"), None);
        assert_eq!(captured(b"post / HTTP/1.1\n\n{}"), None);
    }
}
