//! Signature verification against the language-neutral vectors (issue 3; being written).
