//! A real axum server and HTTP client (issue 3; being written).
